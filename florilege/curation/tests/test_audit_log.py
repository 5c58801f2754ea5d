"""The audit log reads as sentences: every recorded code has one, in both languages, with
the actor, the object (linked while it exists) and the time in the topic's zone."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from florilege.curation.audit_text import PHRASES, describe, object_name
from florilege.curation.models import AuditEvent
from florilege.curation.services import audit
from florilege.curation.services.publication import ScoopEdit, edit, unpublish
from florilege.curation.tests.flow_helpers import make_scoop
from florilege.sources.models import Source
from florilege.topics.models import TopicSource

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _language_reset():
    """A page asked for in French leaves French active in this thread (the locale
    middleware never deactivates): put the default back for the tests that follow."""
    yield
    translation.deactivate()


@dataclass
class Row:
    """An audit record as the sentence function sees it (no database)."""

    action: str
    details: dict[str, Any] = field(default_factory=dict)
    actor_name: str = "alice"
    object_type: str = "scoop"
    object_repr: str = "A title"
    at: datetime = AT


def recorded_codes() -> set[str]:
    """Every action code an ``audit.record(...)`` call of the code base can write: the
    string constants of its fourth argument (or ``action=``), outside the tests."""
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            if name != "record" or not (isinstance(owner, ast.Name) and owner.id == "audit"):
                continue
            args = [*node.args[2:3], *(k.value for k in node.keywords if k.arg == "action")]
            for arg in args:
                for part in ast.walk(arg):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        codes.add(part.value)
    return codes


def test_the_scan_finds_the_known_calls() -> None:
    # If the scan found nothing, the next test could not fail: pin a few known codes.
    assert {
        "source_added",
        "published",
        "scheduled",
        "invited",
        "topic_deleted",
    } <= recorded_codes()


def test_every_recorded_action_has_a_sentence() -> None:
    missing = recorded_codes() - set(PHRASES)
    assert not missing, f"audit codes without a sentence in audit_text.PHRASES: {missing}"


# One record per code, with the details its service stores.
SAMPLES: dict[str, Row] = {
    "source_added": Row("source_added", {"url": "https://www.lemonde.fr/rss"}, "alice",
                        "source", "Le Monde"),
    "source_removed": Row("source_removed", {"url": "https://lemonde.fr/rss"}, "alice",
                          "source", "Le Monde"),
    "scooped": Row("scooped", {"status": "draft"}),
    "webhook_added": Row("webhook_added", {"url": "https://hooks.example/a"}, "alice",
                         "webhook", "https://hooks.example/a"),
    "webhook_removed": Row("webhook_removed", {"url": "https://hooks.example/a"}, "alice",
                           "webhook", "https://hooks.example/a"),
    "approved": Row("approved", {"status": "scheduled", "at": "2026-03-03T08:00:00+00:00"}),
    "returned": Row("returned", {"comment": "Shorter, please"}),
    "proposed": Row("proposed"),
    "published": Row("published", {"at": "2026-03-02T12:00:00+00:00"}, "bob"),
    "scheduled": Row("scheduled", {"at": "2026-03-03T08:00:00+00:00"}),
    "unpublished": Row("unpublished"),
    "pinned": Row("pinned"),
    "unpinned": Row("unpinned"),
    "edited": Row("edited", {"fields": ["title", "insight"]}),
    "deleted": Row("deleted", {"title": "Gone", "status": "published"}, object_repr="Gone"),
    "schedule_changed": Row("schedule_changed", {"time_zone": "Europe/Paris",
                            "weekdays": [0, 4], "times": ["09:00"]}, object_type="topic"),
    "invited": Row("invited", {"role": "editor", "email": "eve@example.org"},
                   object_type="invitation"),
    "joined": Row("joined", {"role": "viewer"}, object_type="invitation"),
    "invitation_revoked": Row("invitation_revoked", object_type="invitation"),
    "role_changed": Row("role_changed", {"user": "carol", "before": "viewer",
                        "after": "editor"}, object_type="membership"),
    "member_removed": Row("member_removed", {"user": "carol", "role": "editor"},
                          object_type="membership"),
    "topic_settings_changed": Row("topic_settings_changed", {"fields": ["accent_color"]},
                                  object_type="topic"),
    "visibility_changed": Row("visibility_changed", {"public": False}, object_type="topic"),
    "topic_deleted": Row("topic_deleted", {"slug": "t"}, object_type="topic",
                         object_repr="Old topic"),
    "desk_status": Row("desk_status", {"kind": "comment", "author": "Zoé", "status": "done"},
                       object_type="deskitem"),
    "desk_assigned": Row("desk_assigned", {"kind": "reply", "author": "zoe@social.example",
                         "assignee": "carol"}, object_type="deskitem"),
    "desk_flagged": Row("desk_flagged", {"kind": "mention", "author": "", "flagged": True},
                        object_type="deskitem"),
    "desk_noted": Row("desk_noted", {"kind": "report", "author": "Zoé"},
                      object_type="deskitem"),
    "desk_replied": Row("desk_replied", {"kind": "reply", "author": "Zoé",
                        "channel": "fediverse"}, object_type="deskitem"),
}  # fmt: skip


def test_every_sentence_has_a_sample() -> None:
    assert set(SAMPLES) == set(PHRASES)


@pytest.mark.parametrize("code", sorted(PHRASES))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_code_reads_as_a_sentence(code: str, language: str) -> None:
    with translation.override(language):
        text = str(describe(SAMPLES[code], None, "Europe/Paris"))
    assert "<strong>alice</strong>" in text or "<strong>bob</strong>" in text
    assert f": {code} on" not in text  # not the fallback for unknown codes
    assert "_" not in text  # no raw code such as source_added
    assert "%(" not in text  # every slot filled
    assert "{'" not in text and "['" not in text  # no raw dict or list


EXPECTED_EN = {
    "source_added": "<strong>alice</strong> added the source <cite>Le Monde — lemonde.fr</cite>",
    "published": "<strong>bob</strong> published <cite>A title</cite>",
    "edited": "<strong>alice</strong> edited the title, insight of <cite>A title</cite>",
    "role_changed": "<strong>alice</strong> changed the role of carol from viewer to editor",
    "visibility_changed": "<strong>alice</strong> made the topic private",
    "topic_settings_changed": (
        "<strong>alice</strong> changed the topic&#x27;s settings (accent colour)"
    ),
    "desk_status": "<strong>alice</strong> marked “Site comment from Zoé” as done",
    "desk_replied": ("<strong>alice</strong> answered “Fediverse reply from Zoé” on the fediverse"),
    # The time is in the topic's zone: 08:00 UTC is 09:00 in Paris in March.
    "scheduled": "<strong>alice</strong> scheduled <cite>A title</cite> for March 3, 2026, 9 a.m.",
}


@pytest.mark.parametrize(("code", "sentence"), sorted(EXPECTED_EN.items()))
def test_sentences_in_english(code: str, sentence: str) -> None:
    with translation.override("en"):
        assert str(describe(SAMPLES[code], None, "Europe/Paris")) == sentence


def test_object_is_linked_and_everything_is_escaped() -> None:
    row = Row("published", actor_name="<b>x</b>", object_repr='<script>"t"</script>')
    text = str(describe(row, "/curate/t/x/scoops/1/", "UTC"))
    assert '<cite><a href="/curate/t/x/scoops/1/">&lt;script&gt;' in text
    assert "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in text and "<script>" not in text


def test_unknown_code_and_missing_actor_still_read() -> None:
    text = str(describe(Row("frobbed", actor_name=""), None))
    assert text.startswith("<strong>The system</strong>: frobbed on <cite>A title</cite>")


def test_source_name_has_its_site_once() -> None:
    row = Row("source_added", {"url": "https://blog.example/feed"}, object_type="source",
              object_repr="https://blog.example/feed")  # fmt: skip
    assert object_name(row) == "https://blog.example/feed"


@pytest.mark.django_db
def test_audit_page_shows_sentences_links_and_local_times(
    client_in, topic, curator, django_assert_num_queries
) -> None:
    topic.time_zone = "Europe/Paris"
    topic.save()
    kept = make_scoop(topic, curator, "published", 1)
    gone = make_scoop(topic, curator, "published", 2)
    edit(kept, curator, ScoopEdit("Kept title", "", "Why.", []), AT)
    unpublish(gone, curator, AT)
    gone_pk = gone.pk
    gone.delete()
    source = Source.objects.create(url="https://www.lemonde.fr/rss", title="Le Monde")
    TopicSource.objects.create(topic=topic, source=source)
    audit.record(topic, curator, "source_added", AT, source, url=source.url)
    url = reverse("curation:audit", args=[topic.slug])
    with django_assert_num_queries(8):
        html = client_in.get(url).content.decode()
    edit_link = reverse("curation:scoop_edit", args=[topic.slug, kept.pk])
    assert f'<a href="{edit_link}">Kept title</a>' in html
    assert reverse("curation:scoop_edit", args=[topic.slug, gone_pk]) not in html
    assert "curator</strong> unpublished <cite>" in html
    assert "added the source <cite><a href=" in html and "Le Monde — lemonde.fr" in html
    assert '<time datetime="2026-03-02T13:00:00+01:00" title="Europe/Paris">' in html
    assert "source_added" not in html and "status:" not in html
    client_in.cookies["django_language"] = "fr"
    french = client_in.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in french and "curator</strong>" in french


@pytest.mark.django_db
def test_audit_page_query_count_does_not_grow(
    client_in, topic, curator, django_assert_num_queries
) -> None:
    url = reverse("curation:audit", args=[topic.slug])
    for n in range(12):
        scoop = make_scoop(topic, curator, "published", n)
        audit.record(topic, curator, "published", AT, scoop, at=AT.isoformat())
        if n == 0:
            with django_assert_num_queries(7):  # one scoop: one query for the links
                client_in.get(url)
    assert AuditEvent.objects.filter(topic=topic).count() == 12
    with django_assert_num_queries(7):  # twelve: still one
        assert client_in.get(url).content.decode().count("</strong> published <cite><a") == 12
