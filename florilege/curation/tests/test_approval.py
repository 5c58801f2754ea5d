"""The approval flow, scheduling, edits and unpublishing, through services and views."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import AuditEvent, Notification, Scoop, ScoopRevision
from florilege.curation.services import publication
from florilege.curation.services.publication import PublishPlan, scoop_published
from florilege.curation.tests.flow_helpers import make_scoop, make_suggestion
from florilege.jobs.worker import run_cycle
from florilege.suggestions.models import Suggestion
from florilege.topics.tests.team_fixtures import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """Scoops announced through on_published, in order."""
    seen: list[int] = []

    def receiver(sender, scoop, now, **kwargs):
        seen.append(scoop.pk)

    scoop_published.connect(receiver)
    yield seen
    scoop_published.disconnect(receiver)


def form(**overrides: str) -> dict[str, str]:
    return {
        "url": "https://news.example/entry-1",
        "title": "Mastodon news 1",
        "excerpt": "",
        "insight": "This **matters**.",
        "tags": "fediverse",
        "image_url": "",
        "source_name": "",
        "language": "en",
    } | overrides


def test_contributor_proposes_editor_approves(
    client, team, topic, announced, django_capture_on_commit_callbacks
) -> None:
    suggestion = make_suggestion(topic)
    client.force_login(team["contributor"])
    page = client.get(reverse("curation:scoop", args=[topic.slug, suggestion.pk])).content.decode()
    assert "Submit for approval" in page and 'value="now"' not in page
    response = client.post(reverse("curation:scoop", args=[topic.slug, suggestion.pk]), form())
    assert response.status_code == 302 and "status=awaiting" in response["Location"]
    scoop = Scoop.objects.get()
    assert scoop.status == "awaiting" and scoop.published_at is None
    assert not Scoop.objects.visible().exists()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SCOOPED
    # The reviewers (owner of record, owner member, editor) hear of it; others do not.
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"curator", "owner_member", "editor"}

    client.force_login(team["editor"])
    review = client.get(reverse("curation:review", args=[topic.slug])).content.decode()
    assert "Mastodon news 1" in review
    assert 'class="count"' in review  # the header counts the unread notification
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("curation:scoop_action", args=[topic.slug, scoop.pk, "approve"]),
            {"mode": "now"},
        )
    assert response.status_code == 302
    scoop.refresh_from_db()
    assert scoop.status == "published" and Scoop.objects.visible().get() == scoop
    assert announced == [scoop.pk]
    note = Notification.objects.get(recipient=team["contributor"])
    assert note.kind == "approved" and "editor approved" in note.text
    actions = list(AuditEvent.objects.order_by("id").values_list("actor_name", "action"))
    assert actions == [("contributor", "scooped"), ("editor", "approved")]
    public = client.get(reverse("publishing:topic", args=[topic.slug])).content.decode()
    assert "Mastodon news 1" in public


def test_contributor_asking_to_publish_is_refused_and_nothing_changes(client, team, topic) -> None:
    suggestion = make_suggestion(topic)
    client.force_login(team["contributor"])
    url = reverse("curation:scoop", args=[topic.slug, suggestion.pk])
    for mode in ("now", "queue", "at"):
        response = client.post(url, form(mode=mode, at="2030-01-01T09:00"))
        assert response.status_code == 403
        assert "Only editors and owners publish" in response.content.decode()
    assert not Scoop.objects.exists() and not AuditEvent.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"


def test_send_back_with_a_comment_then_resubmit(client, team, topic) -> None:
    scoop = make_scoop(topic, team["contributor"], "awaiting")
    client.force_login(team["editor"])
    back = reverse("curation:scoop_action", args=[topic.slug, scoop.pk, "return"])
    client.post(back, {"comment": "  "})
    scoop.refresh_from_db()
    assert scoop.status == "awaiting"  # an empty comment is refused
    client.post(back, {"comment": "Cite the study, please."})
    scoop.refresh_from_db()
    assert (scoop.status, scoop.review_comment) == ("draft", "Cite the study, please.")
    note = Notification.objects.get(recipient=team["contributor"])
    assert "Cite the study" in note.text

    client.force_login(team["contributor"])
    edit = reverse("curation:scoop_edit", args=[topic.slug, scoop.pk])
    assert "Cite the study, please." in client.get(edit).content.decode()
    client.post(edit, {"title": scoop.title, "insight": "Now with the study.", "tags": ""})
    client.post(reverse("curation:scoop_action", args=[topic.slug, scoop.pk, "submit"]))
    scoop.refresh_from_db()
    assert scoop.status == "awaiting" and scoop.insight == "Now with the study."
    assert ScoopRevision.objects.get(scoop=scoop).insight == "Why it matters."
    # Once it is someone else's to publish, the author can no longer edit it when published.
    publication.approve(scoop, team["editor"], NOW)
    with pytest.raises(Exception, match="Only editors"):
        publication.edit(scoop, team["contributor"], publication.ScoopEdit("X", "", "Y", []), NOW)


def test_two_editors_approving_at_once(team, topic) -> None:
    scoop = make_scoop(topic, team["contributor"], "awaiting")
    stale = Scoop.objects.get(pk=scoop.pk)
    publication.approve(scoop, team["editor"], NOW)
    stale.status = "awaiting"  # what the second editor's page still shows
    with pytest.raises(ValidationError, match="changed in the meantime"):
        publication.approve(stale, team["owner_member"], NOW)
    assert AuditEvent.objects.filter(action="approved").count() == 1


def test_schedule_in_the_past_is_refused(client, team, topic) -> None:
    draft = make_scoop(topic, team["editor"], "draft")
    client.force_login(team["editor"])
    url = reverse("curation:scoop_action", args=[topic.slug, draft.pk, "publish"])
    response = client.post(
        url, {"mode": "at", "at": "2020-01-01T09:00", "back": "/curate/"}, follow=True
    )
    assert "The publication time is in the past" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.published_at is None
    assert not AuditEvent.objects.exists()
    with pytest.raises(ValidationError, match="in the past"):
        publication.publish(draft, team["editor"], NOW, PublishPlan("at", NOW))


def test_schedule_at_a_time_in_the_topic_zone_then_the_worker_publishes(
    client, team, topic, announced
) -> None:
    topic.time_zone = "Europe/Paris"
    topic.save()
    suggestion = make_suggestion(topic)
    client.force_login(team["editor"])
    later = timezone.now() + timedelta(days=2)
    local = timezone.localtime(later, publication.slots_of(topic).zone).replace(
        second=0, microsecond=0
    )
    client.post(
        reverse("curation:scoop", args=[topic.slug, suggestion.pk]),
        form(mode="at", at=local.strftime("%Y-%m-%dT%H:%M")),
    )
    scoop = Scoop.objects.get()
    assert scoop.status == "scheduled"
    assert scoop.published_at == local  # the wall-clock time was read in Paris time
    assert not Scoop.objects.visible().exists()

    assert run_cycle(now=later - timedelta(minutes=5))["publish_due"] == 0
    report = run_cycle(now=later + timedelta(minutes=1))
    assert report["publish_due"] == 1
    scoop.refresh_from_db()
    assert scoop.status == "published"
    assert Scoop.objects.visible(now=later + timedelta(minutes=1)).get() == scoop
    assert announced == [scoop.pk]
    # Idempotent: another cycle neither publishes nor announces again.
    assert run_cycle(now=later + timedelta(minutes=2))["publish_due"] == 0
    assert announced == [scoop.pk]


def test_queue_takes_the_next_free_slots(team, topic) -> None:
    publication.update_schedule(topic, team["owner"], "Europe/Paris", [0, 1, 2, 3, 4],
                                [time(9), time(17)], NOW)  # fmt: skip
    editor = team["editor"]
    first = make_scoop(topic, editor, "draft", 1)
    second = make_scoop(topic, editor, "draft", 2)
    third = make_scoop(topic, editor, "draft", 3)
    # NOW is Monday 2026-03-02 12:00 UTC = 13:00 Paris.
    for scoop in (first, second, third):
        publication.publish(scoop, editor, NOW, PublishPlan("queue"))
    assert [s.published_at for s in (first, second, third)] == [
        datetime(2026, 3, 2, 16, tzinfo=UTC),
        datetime(2026, 3, 3, 8, tzinfo=UTC),
        datetime(2026, 3, 3, 16, tzinfo=UTC),
    ]


def test_queue_without_slots_says_so(team, topic) -> None:
    topic.slot_times = []
    topic.save()
    draft = make_scoop(topic, team["editor"], "draft")
    with pytest.raises(ValidationError, match="no publishing slots"):
        publication.publish(draft, team["editor"], NOW, PublishPlan("queue"))
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_edit_keeps_history_unpublish_and_republish(client, team, topic) -> None:
    scoop = make_scoop(topic, team["contributor"], "published")
    client.force_login(team["editor"])
    edit = reverse("curation:scoop_edit", args=[topic.slug, scoop.pk])
    client.post(edit, {"title": "Better title", "excerpt": "", "insight": "Sharper.", "tags": "a"})
    client.post(edit, {"title": "Best title", "excerpt": "", "insight": "Sharper.", "tags": "a"})
    scoop.refresh_from_db()
    assert scoop.title == "Best title" and scoop.insight_html == "<p>Sharper.</p>\n"
    titles = list(ScoopRevision.objects.filter(scoop=scoop).values_list("title", flat=True))
    assert titles == ["Better title", "A published scoop 1"]  # newest first
    page = client.get(edit).content.decode()
    assert "Better title" in page and "A published scoop 1" in page
    # A published scoop offers unpublishing, not publishing again.
    assert ">Unpublish</button>" in page and ">Publish</button>" not in page

    client.post(reverse("curation:scoop_action", args=[topic.slug, scoop.pk, "unpublish"]))
    scoop.refresh_from_db()
    assert scoop.status == "unpublished" and not Scoop.objects.visible().exists()
    public = client.get(scoop.get_absolute_url())
    assert public.status_code == 404

    client.post(
        reverse("curation:scoop_action", args=[topic.slug, scoop.pk, "publish"]), {"mode": "now"}
    )
    scoop.refresh_from_db()
    assert scoop.status == "published" and Scoop.objects.visible().exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["edited", "edited", "unpublished", "published"]
    assert AuditEvent.objects.filter(action="edited").earliest("id").details == {
        "fields": ["title", "insight", "tags"]
    }


def test_delete_is_audited(client, team, topic) -> None:
    scoop = make_scoop(topic, team["editor"], "published")
    client.force_login(team["owner"])
    client.post(reverse("curation:scoop_action", args=[topic.slug, scoop.pk, "delete"]))
    assert not Scoop.objects.exists()
    event = AuditEvent.objects.get()
    assert (event.actor_name, event.action, event.details["url"]) == (
        "curator",
        "deleted",
        "https://news.example/published-1",
    )
    log = client.get(reverse("curation:audit", args=[topic.slug])).content.decode()
    assert "deleted" in log and "A published scoop 1" in log


def test_drafts_are_kept_and_listed(client, team, topic) -> None:
    suggestion = make_suggestion(topic)
    client.force_login(team["editor"])
    client.post(reverse("curation:scoop", args=[topic.slug, suggestion.pk]), form(mode="draft"))
    scoop = Scoop.objects.get()
    assert scoop.status == "draft" and not Scoop.objects.visible().exists()
    listing = client.get(reverse("curation:scoops", args=[topic.slug]) + "?status=draft")
    assert "Mastodon news 1" in listing.content.decode()


def test_review_page_query_count(client, team, topic, django_assert_max_num_queries) -> None:
    for n in range(15):
        make_scoop(topic, team["contributor"], "awaiting", n)
    client.force_login(team["editor"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("curation:review", args=[topic.slug]))
    assert response.content.decode().count('class="suggestion"') == 15


def test_notifications_page_marks_read(client, team, topic) -> None:
    scoop = make_scoop(topic, team["contributor"], "awaiting")
    publication.send_back(scoop, team["editor"], "Shorter, please.", NOW)
    client.force_login(team["contributor"])
    page = client.get(reverse("notifications")).content.decode()
    assert "Shorter, please." in page and 'class="count"' in page
    client.post(reverse("notifications"))
    assert 'class="count"' not in client.get(reverse("notifications")).content.decode()


def test_dashboard_lists_topics_of_every_role(client, team, topic) -> None:
    client.force_login(team["viewer"])
    assert topic.title in client.get(reverse("curation:dashboard")).content.decode()
    client.force_login(team["outsider"])
    assert topic.title not in client.get(reverse("curation:dashboard")).content.decode()


def test_home_counts_only_public_scoops(client, team, topic) -> None:
    make_scoop(topic, team["editor"], "published", 1)
    make_scoop(topic, team["editor"], "unpublished", 2, published_at=NOW)
    make_scoop(topic, team["editor"], "draft", 3)
    home = client.get(reverse("publishing:home"))
    assert [t.scoop_count for t in home.context["topics"]] == [1]


def test_queue_shows_only_the_buttons_a_role_may_use(client, team, topic) -> None:
    make_suggestion(topic)
    url = reverse("curation:queue", args=[topic.slug])
    client.force_login(team["viewer"])
    page = client.get(url).content.decode()
    assert ">Scoop</a>" not in page and ">Discard<" not in page and ">Sources<" not in page
    client.force_login(team["contributor"])
    page = client.get(url).content.decode()
    assert ">Scoop</a>" in page and ">Discard<" not in page
    client.force_login(team["editor"])
    page = client.get(url).content.decode()
    assert ">Scoop</a>" in page and ">Discard<" in page and ">Sources<" in page


def test_visible_shows_only_published_scoops_whose_time_came(team, topic) -> None:
    editor = team["editor"]
    shown = make_scoop(topic, editor, "published", 1)
    make_scoop(topic, editor, "published", 2, published_at=NOW + timedelta(hours=1))
    for n, status in enumerate(["draft", "awaiting", "unpublished"], start=3):
        make_scoop(topic, editor, status, n, published_at=NOW - timedelta(hours=1))
    make_scoop(topic, editor, "scheduled", 9, published_at=NOW - timedelta(minutes=1))
    assert list(Scoop.objects.visible(now=NOW)) == [shown]


def test_schedule_page(client, team, topic) -> None:
    url = reverse("curation:schedule", args=[topic.slug])
    client.force_login(team["owner_member"])
    response = client.post(url, {"time_zone": "Mars/Olympus", "weekdays": ["0"], "times": "09:00"})
    assert "Unknown time zone" in response.content.decode()
    response = client.post(url, {"time_zone": "Europe/Paris", "weekdays": ["0"], "times": "25:00"})
    assert "Not a time of day" in response.content.decode()
    topic.refresh_from_db()
    assert (topic.time_zone, topic.slot_times) == ("UTC", [])
    client.post(url, {"time_zone": "Europe/Paris", "weekdays": ["0", "4"], "times": "17:00, 9:00"})
    topic.refresh_from_db()
    assert (topic.time_zone, topic.slot_weekdays, topic.slot_times) == (
        "Europe/Paris",
        [0, 4],
        ["09:00", "17:00"],
    )
    # An editor sees the schedule but cannot change it.
    client.force_login(team["editor"])
    assert 'name="time_zone"' not in client.get(url).content.decode()
    assert client.post(url, {"time_zone": "UTC", "times": ""}).status_code == 403
    topic.refresh_from_db()
    assert topic.time_zone == "Europe/Paris"
