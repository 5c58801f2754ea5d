"""Topic settings with choices (languages, time zone, colour, visibility), the export,
and deleting a topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from florilege.curation.models import AuditEvent, Scoop
from florilege.curation.services import topics as topic_service
from florilege.curation.tests.flow_helpers import make_scoop
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def settings_data(topic: Topic, **changes) -> dict:
    data = {
        "title": topic.title,
        "slug": topic.slug,
        "description": topic.description,
        "languages": list(topic.languages),
        "keywords": ", ".join(topic.keywords),
        "visibility": "public" if topic.is_public else "private",
    }
    return data | changes


def test_languages_are_ticked_among_the_supported(client_in, topic) -> None:
    url = reverse("curation:topic_edit", args=[topic.slug])
    html = client_in.get(url).content.decode()
    assert "<legend>Languages</legend>" in html
    for code, name in [("de", "German"), ("pt", "Portuguese"), ("nl", "Dutch")]:
        assert f'type="checkbox" name="languages" value="{code}"' in html and name in html
    response = client_in.post(url, settings_data(topic, languages=["de", "fr"]))
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.languages == ["de", "fr"]


def test_unknown_language_is_a_clear_error(client_in, topic) -> None:
    url = reverse("curation:topic_edit", args=[topic.slug])
    response = client_in.post(url, settings_data(topic, languages=["fr", "klingon"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown language: klingon. Tick among: English, French, German" in html
    topic.refresh_from_db()
    assert topic.languages == ["en", "fr"]


def test_a_language_outside_the_list_is_kept(client_in, topic) -> None:
    Topic.objects.filter(pk=topic.pk).update(languages=["ja", "en"])
    topic.refresh_from_db()
    url = reverse("curation:topic_edit", args=[topic.slug])
    assert 'value="ja" id="id_languages_7" checked' in client_in.get(url).content.decode()
    assert client_in.post(url, settings_data(topic)).status_code == 302
    topic.refresh_from_db()
    assert topic.languages == ["ja", "en"]


def test_accent_colour_is_a_colour_input(client_in, topic) -> None:
    url = reverse("curation:topic_edit", args=[topic.slug])
    html = client_in.get(url).content.decode()
    assert 'type="color" name="accent_color" value="#9b2c55"' in html
    assert (
        'name="use_default_accent"' in html
        and "maxlength" not in html.split('type="color"')[1][:80]
    )
    # The picker always posts a colour; "use the default" ticked means none.
    client_in.post(url, settings_data(topic, accent_color="#9b2c55", use_default_accent="on"))
    topic.refresh_from_db()
    assert topic.accent_color == ""
    client_in.post(url, settings_data(topic, accent_color="#2A6F97"))
    topic.refresh_from_db()
    assert topic.accent_color == "#2a6f97"
    assert 'type="color" name="accent_color" value="#2a6f97"' in client_in.get(url).content.decode()
    response = client_in.post(url, settings_data(topic, accent_color="javascript:x"))
    assert "Enter a colour as #rrggbb." in response.content.decode()


def test_time_zone_is_a_grouped_select(client_in, topic) -> None:
    url = reverse("curation:schedule", args=[topic.slug])
    html = client_in.get(url).content.decode()
    assert '<select name="time_zone"' in html
    assert (
        '<optgroup label="Europe">' in html
        and '<option value="Europe/Paris">Paris</option>' in html
    )
    assert '<option value="America/New_York">New York</option>' in html
    assert '<option value="UTC" selected>UTC</option>' in html
    client_in.post(url, {"time_zone": "Europe/Paris", "weekdays": ["0"], "times": "09:00"})
    topic.refresh_from_db()
    assert topic.time_zone == "Europe/Paris"


def test_private_topic_is_hidden_from_readers_and_audited(client_in, topic, curator) -> None:
    make_scoop(topic, curator, "published")
    reader = Client()
    page, feed = topic.get_absolute_url(), reverse("publishing:feed", args=[topic.slug, "atom"])
    assert reader.get(page).status_code == 200 and reader.get(feed).status_code == 200
    url = reverse("curation:topic_edit", args=[topic.slug])
    assert client_in.post(url, settings_data(topic, visibility="private")).status_code == 302
    topic.refresh_from_db()
    assert topic.is_public is False
    assert reader.get(page).status_code == 404 and reader.get(feed).status_code == 404
    assert topic.title not in reader.get(reverse("publishing:home")).content.decode()
    assert 'value="private" id="id_visibility_1" checked' in client_in.get(url).content.decode()
    # Not posting the field (a script, an older form) keeps what the topic has.
    data = settings_data(topic, title="Renamed")
    del data["visibility"]
    client_in.post(url, data)
    topic.refresh_from_db()
    assert (topic.title, topic.is_public) == ("Renamed", False)
    actions = list(AuditEvent.objects.filter(topic=topic).values_list("action", "details"))
    assert actions == [
        ("topic_settings_changed", {"fields": ["title"]}),
        ("visibility_changed", {"public": False}),
    ]
    log = client_in.get(reverse("curation:audit", args=[topic.slug])).content.decode()
    assert "made the topic private" in log and "changed the topic&#x27;s settings (title)" in log


def _world(topic, curator):
    """Two sources: one only this topic follows, one another topic follows too."""
    other = Topic.objects.create(title="Other", slug="other", owner=curator)
    alone = Source.objects.create(url="https://alone.example/feed", title="Alone")
    shared = Source.objects.create(url="https://shared.example/feed", title="Shared")
    for source in (alone, shared):
        TopicSource.objects.create(topic=topic, source=source, folder=["News"])
    TopicSource.objects.create(topic=other, source=shared)
    entry = Entry.objects.create(source=shared, key="k", url="https://shared.example/a", title="A")
    Suggestion.objects.create(topic=topic, entry=entry)
    Suggestion.objects.create(topic=other, entry=entry)
    scoop = make_scoop(topic, curator, "published")
    Scoop.objects.filter(pk=scoop.pk).update(insight="Because **it** matters.")
    return other, alone, shared, scoop


def test_export_is_the_topic_as_json(client_in, topic, curator) -> None:
    _other, _alone, _shared, scoop = _world(topic, curator)
    response = client_in.get(reverse("curation:topic_export", args=[topic.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{topic.slug}.json"'
    data = json.loads(response.content)
    assert data["format"] == "florilege-topic/2"
    assert data["settings"]["title"] == topic.title
    assert data["settings"]["languages"] == topic.languages
    assert [s["url"] for s in data["sources"]] == [
        "https://alone.example/feed", "https://shared.example/feed"
    ]  # fmt: skip
    assert data["sources"][0]["folder"] == ["News"]
    [exported] = data["scoops"]
    assert (exported["url"], exported["insight"], exported["curator"]) == (
        scoop.url, "Because **it** matters.", "curator"
    )  # fmt: skip


def test_delete_asks_for_the_title_and_offers_the_export(client_in, topic, curator) -> None:
    _world(topic, curator)
    url = reverse("curation:topic_delete", args=[topic.slug])
    html = client_in.get(url).content.decode()
    assert reverse("curation:topic_export", args=[topic.slug]) in html
    assert "1 of its sources is used by another topic and will be kept." in html
    response = client_in.post(url, {"confirm": "social"})
    assert response.status_code == 400
    assert "Type the topic&#x27;s title exactly" in response.content.decode()
    assert Topic.objects.filter(pk=topic.pk).exists()


def test_delete_removes_what_is_only_the_topics(client_in, topic, curator) -> None:
    other, alone, shared, _scoop = _world(topic, curator)
    pk, title = topic.pk, topic.title
    response = client_in.post(
        reverse("curation:topic_delete", args=[topic.slug]), {"confirm": f"  {title.upper()} "}
    )
    assert response.status_code == 302 and response["Location"] == reverse("curation:dashboard")
    assert not Topic.objects.filter(pk=pk).exists()
    assert not Scoop.objects.filter(topic_id=pk).exists()
    assert not Source.objects.filter(pk=alone.pk).exists()
    # The other topic keeps its source, entry and suggestion.
    assert Source.objects.filter(pk=shared.pk).exists()
    assert Suggestion.objects.filter(topic=other).count() == 1
    event = AuditEvent.objects.get(action="topic_deleted")
    assert (event.topic_id, event.object_repr, event.actor_name) == (None, title, "curator")
    assert event.details == {"slug": "social-networks", "scoops": 1, "sources_deleted": 1}


def test_a_source_another_topic_scooped_from_is_kept(topic, curator) -> None:
    other = Topic.objects.create(title="Other", slug="other", owner=curator)
    source = Source.objects.create(url="https://a.example/feed")
    TopicSource.objects.create(topic=topic, source=source)
    entry = Entry.objects.create(source=source, key="k", url="https://a.example/1", title="1")
    make_scoop(other, curator, "published", entry=entry)
    assert not topic_service.sources_only_of(topic).exists()
    topic_service.delete_topic(topic, curator, topic.slug, NOW)
    assert Source.objects.filter(pk=source.pk).exists()
