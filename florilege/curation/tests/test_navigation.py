"""The topic navigation: groups and pages by what the visitor may do, the current page and
group marked from the URL name, on every topic page including the settings."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from florilege.curation.navigation import GROUPS, build_nav, nav_url_names
from florilege.topics.permissions import ROLE_ACTIONS, Action, Role

pytestmark = pytest.mark.django_db


def test_groups_in_order_and_the_current_page_marked() -> None:
    groups = build_nav(Action.ALL, "curation:opml_import")
    assert [g.key for g in groups] == ["queue", "scoops", "sources", "audience", "team", "settings"]
    current = [g for g in groups if g.current]
    assert [g.key for g in current] == ["sources"]
    assert [p.url_name for p in current[0].pages if p.current] == ["curation:opml_import"]
    assert not current[0].is_the_page  # the group's link is "All sources", not this page


def test_a_page_under_another_marks_its_parent() -> None:
    groups = build_nav(Action.ALL, "curation:scoop_edit")
    scoops = next(g for g in groups if g.current)
    assert scoops.key == "scoops"
    assert scoops.current_page is not None and scoops.current_page.url_name == "curation:scoops"
    assert scoops.is_the_page


def test_a_viewer_sees_only_the_groups_they_can_open() -> None:
    groups = build_nav(ROLE_ACTIONS[Role.VIEWER], "curation:queue")
    keys = [g.key for g in groups]
    assert "settings" not in keys and "sources" not in keys
    shown = {p.url_name for g in groups for p in g.pages}
    assert "curation:audit" not in shown and "curation:queue" in shown


def test_an_unknown_page_marks_nothing() -> None:
    assert not any(g.current for g in build_nav(Action.ALL, "curation:nothing"))


def test_every_entry_is_an_address_of_the_topic() -> None:
    for name in nav_url_names(GROUPS):
        if name in {"curation:scoop", "curation:scoop_edit", "curation:rule_edit",
                    "curation:source_options", "curation:desk_item"}:  # fmt: skip
            continue  # pages under an entry: they take more than the slug
        assert reverse(name, args=["a-topic"]).startswith("/curate/")


CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("curation:topic_edit", "Topic settings"),
        ("curation:rules", "Rules"),
        ("accounts:members", "Members"),
        ("curation:audit", "Audit log"),
        ("federation:manage", "Fediverse"),
        ("publishing:readers", "Readers"),
    ],
)
def test_each_page_shows_the_navigation_with_itself_current(client_in, topic, name, label) -> None:
    url = reverse(name, args=[topic.slug])
    html = client_in.get(url).content.decode()
    assert 'class="topic-nav"' in html
    assert (url, label) in CURRENT.findall(html)


def test_a_viewer_has_no_settings_link(client, topic, django_user_model) -> None:
    from florilege.topics.models import Membership

    viewer = django_user_model.objects.create_user("viewer", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=viewer, role=Role.VIEWER)
    client.force_login(viewer)
    html = client.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    assert 'class="topic-nav"' in html
    assert reverse("curation:topic_edit", args=[topic.slug]) not in html


def test_the_kept_menu_follows_who_where_and_the_language(client_in, topic) -> None:
    """Each process keeps the menus it rendered: a second visit gets the same menu, and a
    visitor with other rights, another page, another language or a renamed topic its own."""
    from django.contrib.auth import get_user_model

    from florilege.topics.models import Membership

    def menu(c, name="curation:queue", slug=None, **headers) -> str:
        html = c.get(reverse(name, args=[slug or topic.slug]), **headers).content.decode()
        start = html.index('<nav class="topic-nav"')
        return html[start : html.index("</nav>", start)]

    owner = menu(client_in)
    assert menu(client_in) == owner
    assert reverse("curation:topic_edit", args=[topic.slug]) in owner
    viewer = get_user_model().objects.create_user("viewer", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=viewer, role=Role.VIEWER)
    other = _logged_in(viewer)
    assert reverse("curation:topic_edit", args=[topic.slug]) not in menu(other)
    assert reverse("curation:topic_edit", args=[topic.slug]) in menu(client_in)
    scoops = menu(client_in, "curation:scoops")
    assert scoops != owner
    assert (reverse("curation:scoops", args=[topic.slug]), "All scoops") in CURRENT.findall(scoops)
    french = menu(client_in, HTTP_ACCEPT_LANGUAGE="fr")
    assert "All items" in owner and "Tous les articles" in french and "All items" not in french
    topic.slug = "renamed"
    topic.save()
    renamed = menu(client_in, slug="renamed")
    assert reverse("curation:scoops", args=["renamed"]) in renamed
    assert reverse("curation:scoops", args=["social-networks"]) not in renamed


def _logged_in(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c
