"""Digests: planned once, sent through a real SMTP server, and crash-safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import IntegrityError

from florilege.curation.models import Scoop
from florilege.jobs import worker
from florilege.lib import media
from florilege.media.tests.helpers import illustrate
from florilege.publishing.models import DigestRun, DigestSchedule, DigestSend, Subscriber
from florilege.publishing.services import digest
from florilege.publishing.tests.helpers import html_part, link_in, make_scoop, text_part

pytestmark = pytest.mark.django_db
# Wednesday 4 March 2026, 09:00 UTC: the daily 08:00 edition of that day is due.
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def follower(topic, email, frequency="daily", status="confirmed") -> Subscriber:
    return Subscriber.objects.create(topic=topic, email=email, frequency=frequency, status=status)


@pytest.fixture
def edition(topic, curator):
    """Two scoops in the window (3 March 08:00, 4 March 08:00], one before, one after."""
    make_scoop(topic, curator, 1, datetime(2026, 3, 3, 7, tzinfo=UTC))  # previous edition
    inside = [
        make_scoop(topic, curator, 2, datetime(2026, 3, 3, 12, tzinfo=UTC), image_url="https://img.example/2.png"),
        make_scoop(topic, curator, 3, datetime(2026, 3, 4, 8, tzinfo=UTC), title="Story <3> & co"),
    ]  # fmt: skip
    make_scoop(topic, curator, 4, datetime(2026, 3, 4, 8, 30, tzinfo=UTC))  # next edition
    return inside


def test_digest_arrives_with_text_html_and_one_click_unsubscribe(
    client, topic, edition, smtp_sink
) -> None:
    subscriber = follower(topic, "daily@example.org")
    follower(topic, "weekly@example.org", frequency="weekly")  # Monday only
    follower(topic, "pending@example.org", status="pending")
    picture = illustrate(Scoop.objects.get(image_url="https://img.example/2.png"), NOW)
    report = digest.digest_cycle(NOW, "worker-a")
    assert (report.planned, report.sent) == (1, 1)
    assert [m.recipients for m in smtp_sink.messages] == [["daily@example.org"]]

    mail = smtp_sink.messages[0].message()
    assert mail["Subject"] == "Social networks: 2 new scoops"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/follow/unsubscribe/")
    text, html = text_part(mail), html_part(mail)
    assert "Story 2" in text and "Story <3> & co" in text and "Story 1" not in text
    assert "Story 4" not in text and "matters" in text and "<strong>" not in text
    assert text.index("Story <3>") < text.index("Story 2")  # newest first
    assert "Story &lt;3&gt; &amp; co" in html and "<strong>matters</strong>" in html
    # Our JPEG thumbnail, by its absolute address: mail clients fetch it from us.
    assert f'src="{media.url_of(picture.renditions["card"]["jpeg"])}"' in html
    # Drawn 800 x 420, shown 320 wide: its height said, its colour behind it while it loads.
    assert 'width="320" height="168"' in html and f"background:{picture.color}" in html
    assert "img.example" not in html
    assert link_in(text, "/t/social-networks/s/") in html

    # The header's URL unsubscribes with the one-click POST a mail client sends.
    target = urlsplit(mail["List-Unsubscribe"].strip().strip("<>")).path
    client.post(
        target, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"

    # Later cycles the same day plan and send nothing more.
    again = digest.digest_cycle(NOW + timedelta(hours=3), "worker-a")
    assert (again.planned, again.sent) == (0, 0) and len(smtp_sink.messages) == 1


def test_worker_cycle_sends_the_digest(topic, edition, smtp_sink, loopback) -> None:
    follower(topic, "daily@example.org")
    worker.run_cycle(NOW)
    assert len(smtp_sink.messages) == 1
    assert DigestSend.objects.get().status == "sent"


def test_planning_is_idempotent_and_sends_are_unique(topic, edition) -> None:
    follower(topic, "a@example.org")
    follower(topic, "b@example.org")
    assert digest.plan(NOW) == 2
    assert digest.plan(NOW) == 0 and digest.plan(NOW + timedelta(hours=1)) == 0
    run = DigestRun.objects.get()
    assert run.period == "2026-03-04" and run.scoop_ids == [edition[1].pk, edition[0].pk]
    with pytest.raises(IntegrityError):
        DigestSend.objects.create(run=run, subscriber=Subscriber.objects.earliest("pk"))


def test_crash_neither_loses_nor_doubles(topic, edition, smtp_sink, settings) -> None:
    for i in range(5):
        follower(topic, f"r{i}@example.org")
    digest.plan(NOW)
    # Worker A leases everything, sends two emails (each marked sent), then dies.
    leased = digest.lease(NOW, 10, "worker-a")
    assert len(leased) == 5
    digest.send_leased(leased[:2], "worker-a", NOW, digest.DigestReport())
    assert len(smtp_sink.messages) == 2
    # While A's lease runs, nobody else takes its rows.
    assert digest.lease(NOW + timedelta(seconds=60), 10, "worker-b") == []
    # After the lease expires, B sends the three rows A never sent, and only those.
    later = NOW + timedelta(seconds=settings.CONFIG.WORKER_LEASE_SECONDS + 1)
    report = digest.digest_cycle(later, "worker-b")
    assert report.sent == 3
    recipients = sorted(r for m in smtp_sink.messages for r in m.recipients)
    assert recipients == [f"r{i}@example.org" for i in range(5)]
    assert set(DigestSend.objects.values_list("status", flat=True)) == {"sent"}
    # A, waking up late, cannot record over B's work: its lease is gone.
    digest.send_leased(leased[2:], "worker-a", later, digest.DigestReport())
    assert len(smtp_sink.messages) == 5


def test_smtp_failure_is_retried_later_then_recorded(topic, edition, settings) -> None:
    follower(topic, "a@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    report = digest.digest_cycle(NOW, "w")
    row = DigestSend.objects.get()
    assert report.failed == 1 and row.status == "pending" and row.attempts == 1
    assert "Error" in row.last_error and row.next_attempt_at > NOW
    assert digest.lease(NOW + timedelta(minutes=1), 10, "w") == []  # backing off
    for attempt in range(2, digest.MAX_ATTEMPTS + 1):
        digest.digest_cycle(row.next_attempt_at, "w")
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == "failed"


def test_follower_who_left_and_unpublished_scoops_are_skipped(topic, edition, smtp_sink) -> None:
    gone = follower(topic, "gone@example.org")
    follower(topic, "stays@example.org")
    digest.plan(NOW)
    Subscriber.objects.filter(pk=gone.pk).update(status="unsubscribed")
    edition[0].published_at = NOW + timedelta(days=30)  # rescheduled: no longer visible
    edition[0].save()
    report = digest.digest_cycle(NOW, "w")
    assert (report.sent, report.skipped) == (1, 1)
    text = text_part(smtp_sink.messages[0].message())
    assert "Story 2" not in text and "Story <3>" in text


def test_schedule_settings_and_empty_editions(topic, curator, smtp_sink) -> None:
    follower(topic, "a@example.org", frequency="weekly")
    DigestSchedule.objects.create(topic=topic, hour=10, weekday=2, time_zone="Europe/Paris")
    # Wednesday 09:00 UTC is 10:00 in Paris: this week's edition is due, but it is empty.
    make_scoop(topic, curator, 1, datetime(2026, 2, 20, tzinfo=UTC))
    assert digest.digest_cycle(NOW, "w").sent == 0
    run = DigestRun.objects.get()
    assert (run.frequency, run.period, run.scoop_ids) == ("weekly", "2026-03-04", [])
    DigestSchedule.objects.filter(topic=topic).update(enabled=False)
    make_scoop(topic, curator, 2, NOW + timedelta(days=1))
    assert digest.digest_cycle(NOW + timedelta(days=7), "w").planned == 0
    assert smtp_sink.messages == []


def test_private_topic_gets_no_digest(topic, edition, smtp_sink) -> None:
    follower(topic, "a@example.org")
    topic.is_public = False
    topic.save()
    assert digest.digest_cycle(NOW, "w").planned == 0 and smtp_sink.messages == []


def test_an_idle_cycle_costs_a_few_queries_whatever_the_topics(
    topic, curator, edition, django_assert_max_num_queries
) -> None:
    from florilege.topics.models import Topic

    for i in range(20):
        other = Topic.objects.create(title=f"T{i}", slug=f"t{i}", owner=curator)
        follower(other, f"f{i}@example.org")
    digest.digest_cycle(NOW, "w")  # plans and "sends" (empty editions: nothing to send)
    # Planning reads runs, followers, schedules, topics; leasing is one select in a savepoint.
    with django_assert_max_num_queries(7):
        report = digest.digest_cycle(NOW + timedelta(minutes=5), "w")
    assert report.planned == 0


def test_curator_sees_delivery_problems(client_in, topic, edition, settings) -> None:
    from django.urls import reverse

    follower(topic, "a@example.org")
    follower(topic, "b@example.org", frequency="weekly")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    digest.digest_cycle(NOW, "w")
    body = client_in.get(reverse("publishing:readers", args=[topic.slug])).content.decode()
    assert "2026-03-04 (Daily)" in body and "Refused" in body  # ConnectionRefusedError


def test_without_a_mail_server_digests_wait_in_the_outbox(
    topic, edition, settings, smtp_sink
) -> None:
    from florilege.jobs.models import OutgoingMail
    from florilege.testing import closed_port

    follower(topic, "daily@example.org")
    settings.EMAIL_HOST = ""  # not configured
    report = digest.digest_cycle(NOW, "w")
    assert (report.sent, report.failed, report.skipped) == (0, 0, 1)
    send = DigestSend.objects.get()
    assert send.status == DigestSend.Status.SKIPPED and send.last_error == "mail is not configured"
    mail = OutgoingMail.objects.get()
    assert (mail.kind, mail.state) == ("digest", OutgoingMail.State.UNCONFIGURED)
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Story <3> & co" in mail.body and smtp_sink.messages == []

    # A refused send is recorded too, and its retry updates the same row.
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    DigestSend.objects.update(status=DigestSend.Status.PENDING)
    digest.digest_cycle(NOW, "w")
    failed = OutgoingMail.objects.get(recipient="daily@example.org")
    assert failed.state == OutgoingMail.State.FAILED and failed.attempts == 1
    settings.EMAIL_PORT = smtp_sink.port
    digest.digest_cycle(NOW + timedelta(hours=2), "w")
    failed.refresh_from_db()
    assert failed.state == OutgoingMail.State.SENT and failed.attempts == 2
    assert OutgoingMail.objects.filter(recipient="daily@example.org").count() == 1
