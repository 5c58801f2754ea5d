"""The engagement desk: feedback becomes items where it arrives, the team works them
(status, assignee, notes, attention), replies on the site, permissions per role, the
inbox's queries, notifications and the daily email, and the backfill."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from florilege.curation.models import (
    AuditEvent,
    DeskItem,
    DeskNote,
    DeskPreference,
    Notification,
    ReaderSuggestion,
)
from florilege.curation.services import desk, reader
from florilege.jobs.models import OutgoingMail
from florilege.jobs.tasks import run_due_tasks
from florilege.publishing.models import Comment
from florilege.publishing.services import comments
from florilege.publishing.tests.helpers import make_scoops
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def scoop(topic, curator):
    return make_scoops(topic, curator, 1, NOW - timedelta(hours=1))[0]


def comment_on(scoop, body: str = "Thanks, a lovely find.", name: str = "Ada", n: int = 0):
    posted = comments.post_comment(
        scoop, name=name, email=f"ada{n}@example.org", body=body, visitor=f"v{n}", now=NOW
    )
    assert posted.comment is not None
    return posted.comment


def item_of(comment: Comment) -> DeskItem:
    return DeskItem.objects.get(key=f"comment:{comment.pk}")


# --- items arrive ------------------------------------------------------------------------


def test_a_site_comment_becomes_a_new_item_answerable_on_the_site(scoop) -> None:
    comment = comment_on(scoop)
    item = item_of(comment)
    assert (item.kind, item.status, item.channels) == ("comment", "new", "site")
    assert (item.scoop, item.author_name, item.text) == (scoop, "Ada", "Thanks, a lovely find.")
    assert item.link.endswith(f"#comment-{comment.pk}")
    assert not item.needs_attention


def test_a_hostile_comment_is_flagged_with_the_words_that_decided(scoop) -> None:
    item = item_of(comment_on(scoop, "Article nul, une arnaque."))
    assert item.needs_attention
    assert item.attention_reason == "words: nul, arnaque"


def test_a_report_is_its_own_flagged_item_recorded_once(scoop) -> None:
    comment = comment_on(scoop)
    assert comments.report(comment, "reader-1", NOW)
    assert comments.report(comment, "reader-2", NOW)
    report = DeskItem.objects.get(kind="report")
    assert report.key == f"report:{comment.pk}" and report.needs_attention
    assert report.attention_reason == "reported" and report.channels == ""


def test_a_reader_suggestion_becomes_an_item(topic, settings) -> None:
    reader.suggest_page(topic, "https://blog.example/post", "Worth it", "203.0.113.9", NOW)
    item = DeskItem.objects.get(kind="suggestion")
    assert item.text == "https://blog.example/post Worth it" and item.channels == ""


def test_recording_the_same_feedback_twice_adds_nothing(scoop) -> None:
    comment = comment_on(scoop)
    again = comments.desk_feedback(comment)
    desk.record(again, NOW + timedelta(minutes=5))
    assert DeskItem.objects.count() == 1
    assert Notification.objects.filter(kind="desk").count() == 1  # the owner, once


def test_new_items_notify_the_desk_workers_in_the_app_unless_they_turned_it_off(
    scoop, team
) -> None:
    DeskPreference.objects.create(user=team["editor"], in_app=False)
    comment_on(scoop)
    told = set(
        Notification.objects.filter(kind="desk").values_list("recipient__username", flat=True)
    )
    assert told == {"curator", "owner_member"}  # editors and owners; the editor said no


# --- the team's work ---------------------------------------------------------------------


def test_status_assignee_attention_and_notes(scoop, team) -> None:
    item = item_of(comment_on(scoop))
    editor, contributor = team["editor"], team["contributor"]
    desk.assign(editor, item, team["owner_member"].pk, NOW)
    assert item.assignee == team["owner_member"] and item.status == "in_progress"
    with pytest.raises(ValidationError):
        desk.assign(editor, item, contributor.pk, NOW)  # cannot work the desk
    desk.set_status(editor, item, "done", NOW)
    with pytest.raises(ValidationError):
        desk.set_status(editor, item, "archived", NOW)
    desk.set_attention(editor, item, True, NOW)
    assert item.needs_attention and item.attention_reason == "set by editor"
    assert [e.action for e in AuditEvent.objects.filter(topic=item.topic).order_by("id")] == [
        "desk_assigned",
        "desk_status",
        "desk_flagged",
    ]
    # A later edit of the comment does not undo a member's decision.
    desk.record(comments.desk_feedback(Comment.objects.get()), NOW)
    item.refresh_from_db()
    assert item.needs_attention and item.attention_by_hand
    note = desk.add_note(contributor, item, "  Seen this one before  ", NOW)
    assert note.text == "Seen this one before"
    with pytest.raises(ValidationError):
        desk.add_note(contributor, item, "   ", NOW)
    with pytest.raises(PermissionDenied):
        desk.add_note(team["viewer"], item, "hello", NOW)
    with pytest.raises(PermissionDenied):
        desk.set_status(contributor, item, "new", NOW)


def test_replying_on_the_site_publishes_the_curators_answer_under_the_comment(
    client, scoop, team
) -> None:
    comment = comment_on(scoop)
    comment.status = Comment.Status.APPROVED
    comment.save()
    item = item_of(comment)
    sent = desk.reply(team["editor"], item, "site", "Thank you, Ada!", NOW)
    answer = Comment.objects.get(reply_to=comment)
    assert (answer.status, answer.user, answer.body) == (
        "approved",
        team["editor"],
        "Thank you, Ada!",
    )
    assert sent.reference.endswith(f"#comment-{answer.pk}")
    assert item.status == "done"
    logged = AuditEvent.objects.get(action="desk_replied")
    assert (logged.actor, logged.details) == (
        team["editor"], {"kind": "comment", "author": "Ada", "channel": "site"})  # fmt: skip
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert "Thank you, Ada!" in page and f'href="#comment-{comment.pk}"' in page
    # The answer is not feedback of its own.
    assert not DeskItem.objects.filter(key=f"comment:{answer.pk}").exists()
    with pytest.raises(ValidationError):
        desk.reply(team["editor"], item, "fediverse", "Elsewhere", NOW)  # a site reader


def test_the_flag_reason_is_said_in_the_readers_language(client_in, scoop, curator) -> None:
    item = item_of(comment_on(scoop))
    desk.set_attention(curator, item, True, NOW)  # by a member reading in English
    url = reverse("curation:desk_item", args=[scoop.topic.slug, item.pk])
    assert (
        f"(set by {curator.username})"
        in client_in.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    french = client_in.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"(signalé par {curator.username})" in french and "set by" not in french
    listed = client_in.get(
        reverse("curation:desk", args=[scoop.topic.slug]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert f"(signalé par {curator.username})" in listed.content.decode()


def test_notes_never_reach_the_public_page(client, scoop, team) -> None:
    comment = comment_on(scoop)
    comment.status = Comment.Status.APPROVED
    comment.save()
    desk.add_note(team["editor"], item_of(comment), "Internal: probably a troll", NOW)
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert "probably a troll" not in page


# --- pages and permissions per role ------------------------------------------------------

ROLE_CAN = {
    # role: (read the desk, write a note, work it)
    "owner": (True, True, True),
    "owner_member": (True, True, True),
    "editor": (True, True, True),
    "contributor": (True, True, False),
    "viewer": (True, False, False),
    "outsider": (False, False, False),
    "admin": (True, True, True),
}


@pytest.mark.parametrize("role", sorted(ROLE_CAN))
def test_the_desk_per_role(client, scoop, team, role: str) -> None:
    item = item_of(comment_on(scoop))
    client.force_login(team[role])
    read, note, work = ROLE_CAN[role]
    slug = scoop.topic.slug
    page = client.get(reverse("curation:desk", args=[slug]))
    assert page.status_code == (200 if read else 403)
    detail = client.get(reverse("curation:desk_item", args=[slug, item.pk]))
    assert detail.status_code == (200 if read else 403)
    if read:
        body = detail.content.decode()
        assert ('name="status"' in body) is work
        assert ('id="desk-note"' in body) is note
    action = reverse("curation:desk_action", args=[slug, item.pk, "note"])
    assert client.post(action, {"text": "a note"}).status_code == (302 if note else 403)
    action = reverse("curation:desk_action", args=[slug, item.pk, "status"])
    assert client.post(action, {"status": "done"}).status_code == (302 if work else 403)
    action = reverse("curation:desk_action", args=[slug, item.pk, "reply"])
    response = client.post(action, {"channel": "site", "text": "Thanks"})
    assert response.status_code == (302 if work else 403)
    item.refresh_from_db()
    assert (item.status == "done") is work
    assert DeskNote.objects.filter(item=item).exists() is note
    assert Comment.objects.filter(reply_to__isnull=False).exists() is work


def test_bad_input_is_refused_clearly(client_in, scoop, topic, django_user_model) -> None:
    item = item_of(comment_on(scoop))
    slug = topic.slug
    assert (
        client_in.post(reverse("curation:desk_action", args=[slug, item.pk, "fly"])).status_code
        == 404
    )
    other = Topic.objects.create(title="Other", slug="other", owner=topic.owner)
    url = reverse("curation:desk_item", args=[other.slug, item.pk])
    assert client_in.get(url).status_code == 404  # the item is not the other topic's
    assign = reverse("curation:desk_action", args=[slug, item.pk, "assign"])
    for bad in ("abc", "-1", "99999999999999999999", "1e3"):
        response = client_in.post(assign, {"assignee": bad}, follow=True)
        assert (
            response.status_code == 200
            and "Assign the item to a member" in response.content.decode()
        )
    status = reverse("curation:desk_action", args=[slug, item.pk, "status"])
    response = client_in.post(status, {"status": "<b>"}, HTTP_X_FLORILEGE_FRAGMENT="1")
    assert response.status_code == 400 and response.content == b"Unknown status."
    assert (
        client_in.get(
            reverse("curation:desk", args=[slug]), {"status": "nope", "page": "x"}
        ).status_code
        == 200
    )


def test_a_status_button_answers_the_row_for_the_script(client_in, scoop, topic) -> None:
    item = item_of(comment_on(scoop))
    url = reverse("curation:desk_action", args=[topic.slug, item.pk, "status"])
    response = client_in.post(
        url, {"status": "in_progress", "back": "list"}, HTTP_X_FLORILEGE_FRAGMENT="1"
    )
    body = response.content.decode()
    assert (
        response.status_code == 200 and body.startswith("<article") and f'id="d-{item.pk}"' in body
    )
    assert "In progress" in body
    response = client_in.post(url, {"status": "done", "back": "list"})
    assert response["Location"].endswith(f"/desk/#d-{item.pk}")


def test_filters_and_the_inbox_across_topics(client, scoop, team, curator) -> None:
    flagged = item_of(comment_on(scoop, "Pure propaganda", n=1))
    calm = item_of(comment_on(scoop, "Lovely", n=2))
    desk.set_status(curator, calm, "done", NOW)
    elsewhere = Topic.objects.create(title="Elsewhere", slug="elsewhere", owner=team["outsider"])
    [foreign] = make_scoops(elsewhere, team["outsider"], 1, NOW - timedelta(hours=1))
    comment_on(foreign, "Not yours to see", n=3)
    client.force_login(team["viewer"])
    across = client.get(reverse("curation:desk_all")).content.decode()
    assert f'id="d-{flagged.pk}"' in across and "Not yours to see" not in across
    assert f'id="d-{calm.pk}"' not in across  # done: not open
    url = reverse("curation:desk", args=[scoop.topic.slug])
    done = client.get(url, {"status": "done"}).content.decode()
    assert f'id="d-{calm.pk}"' in done and f'id="d-{flagged.pk}"' not in done
    attention = client.get(url, {"status": "attention"}).content.decode()
    assert f'id="d-{flagged.pk}"' in attention and "words: propaganda" in attention


def test_the_inbox_list_costs_the_same_queries_for_3_or_30_items(
    client_in, topic, curator, django_assert_num_queries
) -> None:
    scoops = make_scoops(topic, curator, 3, NOW - timedelta(hours=1))
    url = reverse("curation:desk", args=[topic.slug])

    def fill(n: int) -> None:
        for i in range(n):
            item = item_of(
                comment_on(scoops[i % 3], f"Comment {i}", n=DeskItem.objects.count() + i)
            )
            desk.add_note(curator, item, "seen", NOW)
            desk.assign(curator, item, curator.pk, NOW)

    fill(3)
    client_in.get(url)
    # session, user, topic, the count, the header's unread notifications, the items with
    # their topic, scoop, assignee and note count in one; the same for 30 rows.
    with django_assert_num_queries(6):
        first = client_in.get(url)
    fill(27)
    with django_assert_num_queries(6):
        second = client_in.get(url)
    assert first.content.decode().count("data-card") == 3
    assert second.content.decode().count("data-card") == 30
    with django_assert_num_queries(5):  # no topic to read; its topics are a subquery
        client_in.get(reverse("curation:desk_all"))


# --- notifications by email, backfill ----------------------------------------------------


def test_the_daily_email_follows_the_preference(scoop, team, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    editor = team["editor"]
    editor.email = "editor@example.org"
    editor.save()
    team["viewer"].email = "viewer@example.org"
    team["viewer"].save()
    desk.set_preference(editor, in_app=True, email_digest=True)
    desk.set_preference(team["viewer"], in_app=True, email_digest=True)  # cannot work it
    start = NOW - timedelta(days=2)
    DeskPreference.objects.update(last_digest_at=start)
    comment_on(scoop, "Article nul")
    assert desk.digests_due(NOW) == 2
    assert desk.digests_due(NOW + timedelta(hours=1)) == 0  # once a day
    run_due_tasks()
    [mail] = OutgoingMail.objects.filter(kind="desk_digest")
    assert mail.recipient == "editor@example.org"
    assert "Article nul" in mail.body and "[!]" in mail.body
    assert "1 new item on your engagement desk" in mail.subject


def test_backfill_records_what_came_before_once_and_quietly(scoop, topic) -> None:
    old = Comment.objects.create(
        scoop=scoop, author_name="Old", body="Mensonges !", body_html="<p>Mensonges !</p>",
        status="approved", moderated_at=NOW, report_count=2,
    )  # fmt: skip
    ReaderSuggestion.objects.create(
        topic=topic, url="https://a.example/", canonical_url="a.example", visitor="v",
        status="discarded",
    )  # fmt: skip
    call_command("desk_backfill", stdout=io.StringIO())
    call_command("desk_backfill", stdout=io.StringIO())
    kinds = sorted(DeskItem.objects.values_list("kind", "status"))
    assert kinds == [("comment", "done"), ("report", "new"), ("suggestion", "done")]
    assert DeskItem.objects.get(key=f"comment:{old.pk}").needs_attention
    assert not Notification.objects.exists()


def test_feedback_dealt_with_elsewhere_is_done_on_the_desk(scoop, topic, curator) -> None:
    comment = comment_on(scoop)
    comments.report(comment, "reader-1", NOW)
    comments.moderate(curator, comment, "approve", NOW)
    assert set(DeskItem.objects.values_list("kind", "status")) == {
        ("comment", "done"),
        ("report", "done"),
    }
    suggestion = reader.suggest_page(topic, "https://blog.example/p", "", "203.0.113.9", NOW)
    assert suggestion is not None
    reader.discard(topic, curator, suggestion.pk, NOW)
    assert DeskItem.objects.get(kind="suggestion").status == "done"
