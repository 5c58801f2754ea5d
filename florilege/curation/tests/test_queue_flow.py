"""Working the queue: filters, quick scoop, bulk discard, staying in place, /scoop?url=."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.curation.tests.flow_helpers import entry, follow, suggestion
from florilege.suggestions.models import Suggestion
from florilege.testing import Reply
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FRAGMENT = {"HTTP_X_FLORILEGE_FRAGMENT": "1"}


@pytest.fixture
def queue(topic):
    """Two sources, English and French items; scores descending in creation order."""
    press = follow(topic, "https://press.example/feed", "Press")
    blog = follow(topic, "https://blog.example/feed", "Blog")
    items = []
    for n in range(6):
        source = press if n % 2 == 0 else blog
        language = "fr" if n < 2 else "en"
        item = entry(source, f"k{n}", f"Item number {n}", fetched_at=NOW, language=language)
        items.append(suggestion(topic, item, score=10 - n))
    return {"press": press, "blog": blog, "items": items}


def queue_url(topic, **params) -> str:
    url = reverse("curation:queue", args=[topic.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_filters_by_source_and_language(client_in, topic, queue) -> None:
    body = client_in.get(queue_url(topic, source=queue["press"].pk)).content.decode()
    assert [n for n in range(6) if f"Item number {n}<" in body] == [0, 2, 4]
    body = client_in.get(queue_url(topic, lang="fr")).content.decode()
    assert [n for n in range(6) if f"Item number {n}<" in body] == [0, 1]
    body = client_in.get(queue_url(topic, source=queue["blog"].pk, lang="en")).content.decode()
    assert [n for n in range(6) if f"Item number {n}<" in body] == [3, 5]
    assert '<option value="en" selected>' in body
    # Malformed values are ignored, not errors.
    response = client_in.get(queue_url(topic, source="x'1", lang="<b>", cluster="-1"))
    assert response.status_code == 200 and response.content.decode().count("Item number") == 6


def test_queue_page_queries_are_pinned(
    client_in, topic, queue, django_assert_max_num_queries
) -> None:
    from florilege.curation.services.reader import suggest_page

    for n in range(30):
        item = entry(queue["press"], f"more{n}", f"More {n}", fetched_at=NOW)
        suggestion(topic, item, score=1)
    for n in range(5):
        suggest_page(topic, f"https://r.example/{n}", "note", f"10.0.0.{n}", NOW)
    with django_assert_max_num_queries(11):
        body = client_in.get(queue_url(topic)).content.decode()
    assert body.count("data-card") == 25 + 5


def test_discard_without_javascript_goes_back_to_the_next_card(client_in, topic, queue) -> None:
    first, second = queue["items"][0], queue["items"][1]
    page = client_in.get(queue_url(topic, lang="fr")).content.decode()
    assert f'name="next" value="{second.pk}"' in page and 'name="back" value="lang=fr"' in page
    response = client_in.post(
        reverse("curation:discard", args=[topic.slug, first.pk]),
        {"back": "lang=fr&page=1&evil=https://evil.example/", "next": str(second.pk)},
    )
    assert response.status_code == 302
    assert response["Location"] == queue_url(topic, page=1, lang="fr") + f"#s-{second.pk}"
    assert "evil" not in response["Location"]
    first.refresh_from_db()
    assert first.status == "discarded"


def test_discard_with_javascript_returns_the_card_replacement(client_in, topic, queue) -> None:
    target = queue["items"][2]
    response = client_in.post(reverse("curation:discard", args=[topic.slug, target.pk]), **FRAGMENT)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="suggestion done"' in body and "Discarded" in body and "<html" not in body
    again = client_in.post(reverse("curation:discard", args=[topic.slug, target.pk]), **FRAGMENT)
    assert again.status_code == 400 and "already been decided" in again.content.decode()


def test_quick_scoop(client_in, topic, queue) -> None:
    target = queue["items"][0]
    url = reverse("curation:quick_scoop", args=[topic.slug, target.pk])
    refused = client_in.post(url, {"insight": "   "}, **FRAGMENT)
    assert refused.status_code == 400 and "Write an insight" in refused.content.decode()
    refused = client_in.post(url, {"insight": "<script>x</script>", "here": str(target.pk)})
    assert refused.status_code == 302 and refused["Location"].endswith(f"#s-{target.pk}")
    assert not Scoop.objects.exists()

    response = client_in.post(url, {"insight": "Read *this*.", "tags": "a, b"}, **FRAGMENT)
    scoop = Scoop.objects.get()
    assert response.status_code == 200 and scoop.get_absolute_url() in response.content.decode()
    assert scoop.insight_html == "<p>Read <em>this</em>.</p>\n" and scoop.tags[:2] == ["a", "b"]
    assert scoop.entry == target.entry
    target.refresh_from_db()
    assert target.status == "scooped"
    # Without JavaScript: back to the queue, at the next card.
    other = queue["items"][1]
    response = client_in.post(
        reverse("curation:quick_scoop", args=[topic.slug, other.pk]),
        {"insight": "Also.", "back": "page=1", "next": str(queue["items"][2].pk)},
    )
    assert response["Location"] == queue_url(topic, page=1) + f"#s-{queue['items'][2].pk}"


def test_bulk_discard(client_in, topic, queue, django_user_model) -> None:
    items = queue["items"]
    elsewhere = Topic.objects.create(
        title="Other", slug="other", owner=django_user_model.objects.create_user("o", "o@x.y")
    )
    foreign = suggestion(elsewhere, items[0].entry)
    ids = [items[0].pk, items[3].pk, items[4].pk, foreign.pk, "x"]
    response = client_in.post(
        reverse("curation:bulk_discard", args=[topic.slug]), {"ids": ids, "back": "lang=en"}
    )
    assert response.status_code == 302 and response["Location"] == queue_url(topic, lang="en")
    statuses = dict(Suggestion.objects.values_list("pk", "status"))
    assert [statuses[s.pk] for s in items] == [
        "discarded", "pending", "pending", "discarded", "discarded", "pending",
    ]  # fmt: skip
    assert statuses[foreign.pk] == "pending"  # another topic's suggestion is untouched


def test_queue_actions_need_the_curator(client, topic, queue, django_user_model) -> None:
    client.force_login(django_user_model.objects.create_user("stranger", password="long-pw-1"))
    target = queue["items"][0]
    for name, args in [
        ("curation:discard", [topic.slug, target.pk]),
        ("curation:quick_scoop", [topic.slug, target.pk]),
        ("curation:bulk_discard", [topic.slug]),
    ]:
        response = client.post(reverse(name, args=args), {"ids": [target.pk], "insight": "x"})
        assert response.status_code == 403
    target.refresh_from_db()
    assert target.status == "pending" and not Scoop.objects.exists()


def test_share_url_opens_the_scoop_form(client, client_in, curator, topic, loopback) -> None:
    html = (
        b"<html><head><title>Shared page</title><meta property='og:description' "
        b"content='Worth it.'></head><body><p>Text.</p></body></html>"
    )
    loopback.routes["/shared"] = Reply(200, html, {"Content-Type": "text/html; charset=utf-8"})
    page = loopback.url("/shared")
    response = client_in.get(reverse("flow:share"), {"url": page})
    assert response.status_code == 302
    form = client_in.get(response["Location"]).content.decode()
    assert "Shared page" in form and "Worth it." in form
    # Several topics: choose one first.
    Topic.objects.create(title="Second", slug="second", owner=curator)
    chooser = client_in.get(reverse("flow:share"), {"url": page})
    assert chooser.status_code == 200 and 'value="second"' in chooser.content.decode()
    chosen = client_in.get(reverse("flow:share"), {"url": page, "topic": "second"})
    assert chosen["Location"].startswith(reverse("curation:scoop_url", args=["second"]))
    # Someone else's topic cannot be picked.
    client.force_login(type(curator).objects.create_user("other", password="long-pw-2"))
    refused = client.get(reverse("flow:share"), {"url": page, "topic": "second"})
    assert refused.status_code == 400 and "Create a topic first" in refused.content.decode()


def test_share_url_refuses_bad_addresses_and_needs_login(client, client_in, topic) -> None:
    response = client_in.get(reverse("flow:share"), {"url": "javascript:alert(1)"})
    assert response.status_code == 400 and "no page address" in response.content.decode()
    client.logout()
    anonymous = client.get(reverse("flow:share"), {"url": "https://a.example/"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_dashboard_offers_the_bookmarklet(client_in, topic) -> None:
    body = client_in.get(reverse("curation:dashboard")).content.decode()
    assert "javascript:void(location.href=" in body
    assert "http://testserver/scoop?url=" in body
