"""Managing published scoops: the editor's buttons on the public page and in the scoops
list (edit, pin, unpublish, delete), the pinned order, and the page cache kept right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from florilege.curation.models import AuditEvent, Scoop
from florilege.curation.services import publication
from florilege.curation.tests.flow_helpers import make_scoop
from florilege.publishing.cache import clear_all
from florilege.topics.tests.team_fixtures import NOW, ROLES

pytestmark = pytest.mark.django_db
MANAGE = 'aria-label="Manage this scoop"'
MANAGERS = {"owner", "owner_member", "editor", "admin"}


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


def action(topic, scoop, name: str) -> str:
    return reverse("curation:scoop_action", args=[topic.slug, scoop.pk, name])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_public_page_shows_the_buttons_to_editors_only(team, topic, role) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    page = signed_in(team[role]).get(scoop.get_absolute_url()).content.decode()
    assert (MANAGE in page) is (role in MANAGERS)
    if role in MANAGERS:
        for label in ("Edit", "Pin to top", "Unpublish", "Delete for good"):
            assert label in page
        assert reverse("curation:scoop_edit", args=[topic.slug, scoop.pk]) in page


def test_buttons_never_reach_the_anonymous_cached_copy(client, team, topic) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    url = scoop.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    editor_page = signed_in(team["editor"]).get(url)
    assert not editor_page.has_header("X-Page-Cache") and MANAGE in editor_page.content.decode()
    anonymous = client.get(url)
    assert anonymous["X-Page-Cache"] == "hit" and MANAGE not in anonymous.content.decode()
    # The editor's visit first, on an empty cache: what is then stored is still the reader's.
    clear_all()
    signed_in(team["editor"]).get(url)
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss" and MANAGE not in first.content.decode()


def test_pin_puts_a_scoop_first_on_the_cached_topic_page(client, team, topic) -> None:
    old = make_scoop(topic, team["owner"], "published", 1, published_at=NOW - timedelta(days=3))
    make_scoop(topic, team["owner"], "published", 2, published_at=NOW)
    page_url = topic.get_absolute_url()
    before = client.get(page_url).content.decode()
    assert before.index("A published scoop 2") < before.index("A published scoop 1")
    assert client.get(page_url)["X-Page-Cache"] == "hit"
    editor = signed_in(team["editor"])
    response = editor.post(action(topic, old, "pin"), {"back": old.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == old.get_absolute_url()
    after = client.get(page_url)
    text = after.content.decode()
    assert after["X-Page-Cache"] == "miss"
    assert text.index("A published scoop 1") < text.index("A published scoop 2")
    assert "Pinned" in text
    assert "Unpin" in editor.get(old.get_absolute_url()).content.decode()
    editor.post(action(topic, old, "unpin"), {"back": old.get_absolute_url()})
    again = client.get(page_url).content.decode()
    assert again.index("A published scoop 2") < again.index("A published scoop 1")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["pinned", "unpinned"]


def test_unpublish_from_the_public_page_clears_the_cache_and_the_pin(
    client, team, topic, django_capture_on_commit_callbacks
) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    publication.pin(scoop, team["editor"], NOW)
    page_url = topic.get_absolute_url()
    client.get(page_url)
    assert client.get(page_url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(team["editor"]).post(
            action(topic, scoop, "unpublish"), {"back": scoop.get_absolute_url()}
        )
    # The permalink is gone: back to the list of unpublished scoops instead.
    listing = reverse("curation:scoops", args=[topic.slug])
    assert response["Location"] == f"{listing}?status=unpublished"
    scoop.refresh_from_db()
    assert scoop.status == "unpublished" and scoop.pinned_at is None
    after = client.get(page_url)
    assert after["X-Page-Cache"] == "miss" and scoop.title not in after.content.decode()
    assert client.get(scoop.get_absolute_url()).status_code == 404


def test_delete_from_the_public_page_after_confirmation(client, team, topic) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    page_url = topic.get_absolute_url()
    client.get(page_url)
    editor = signed_in(team["editor"])
    page = editor.get(scoop.get_absolute_url()).content.decode()
    # The confirmation is a disclosure: the delete form sits inside it.
    details = page[page.index('<details class="confirm">') :]
    assert details.index(action(topic, scoop, "delete")) < details.index("</details>")
    response = editor.post(action(topic, scoop, "delete"), {"back": scoop.get_absolute_url()})
    assert response["Location"] == reverse("curation:scoops", args=[topic.slug])
    assert not Scoop.objects.exists()
    assert scoop.title not in client.get(page_url).content.decode()


@pytest.mark.parametrize("role", ["contributor", "viewer", "outsider"])
def test_others_cannot_pin(team, topic, role) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    response = signed_in(team[role]).post(action(topic, scoop, "pin"))
    assert response.status_code == 403
    scoop.refresh_from_db()
    assert scoop.pinned_at is None


def test_only_published_scoops_are_pinned(team, topic) -> None:
    draft = make_scoop(topic, team["owner"], "draft")
    response = signed_in(team["editor"]).post(action(topic, draft, "pin"), follow=True)
    assert "Only published scoops can be pinned." in response.content.decode()
    draft.refresh_from_db()
    assert draft.pinned_at is None


def test_back_never_leaves_the_site(team, topic) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    editor = signed_in(team["editor"])
    for back in ("https://evil.example/", "//evil.example/", "/\\evil"):
        response = editor.post(action(topic, scoop, "pin"), {"back": back})
        assert response["Location"] == reverse("curation:review", args=[topic.slug])
        editor.post(action(topic, scoop, "unpin"))


def test_scoops_tab_opens_on_published_with_counts(team, topic, django_assert_num_queries) -> None:
    for n in range(3):
        make_scoop(topic, team["owner"], "published", n)
    make_scoop(topic, team["owner"], "draft", 1)
    make_scoop(topic, team["contributor"], "awaiting", 1)
    editor = signed_in(team["editor"])
    url = reverse("curation:scoops", args=[topic.slug])
    editor.get(url)  # warm the session
    with django_assert_num_queries(8):
        page = editor.get(url).content.decode()
    assert 'aria-current="page">Published <span class="count">(3)</span>' in page
    assert 'Draft <span class="count">(1)</span>' in page
    assert 'Awaiting approval <span class="count">(1)</span>' in page
    assert 'Scheduled <span class="count">(0)</span>' in page
    assert page.count(MANAGE) == 3 and "A draft scoop" not in page
    for n in range(3, 8):
        make_scoop(topic, team["owner"], "published", n)
    with django_assert_num_queries(8):  # the same with more rows
        editor.get(url)


def test_scoops_list_rows_offer_the_actions(team, topic) -> None:
    scoop = make_scoop(topic, team["owner"], "published")
    page = signed_in(team["editor"]).get(reverse("curation:scoops", args=[topic.slug]))
    text = page.content.decode()
    for name in ("pin", "unpublish", "delete"):
        assert action(topic, scoop, name) in text
    viewer = signed_in(team["viewer"]).get(reverse("curation:scoops", args=[topic.slug]))
    assert MANAGE not in viewer.content.decode()
