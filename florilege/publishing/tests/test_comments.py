"""Comments: held for moderation, neutralised markup, honeypot, rate limit, reports, and the
curator's review (permission checked in the service)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from florilege.publishing.models import Comment, CommentReport
from florilege.publishing.services import comments
from florilege.publishing.tests.helpers import make_scoop

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoop(topic, curator):
    return make_scoop(topic, curator, 1, datetime(2026, 3, 1, tzinfo=UTC))


def post(client, scoop, addr="203.0.113.7", **fields):
    data = {"name": "Ada", "email": "ada@example.org", "body": "Good read.", "website": "",
            **fields}  # fmt: skip
    url = reverse("publishing:comment", args=[scoop.topic.slug, scoop.pk])
    return client.post(url, data, REMOTE_ADDR=addr)


def test_first_comment_is_held_then_shown_once_approved(client, scoop, curator) -> None:
    response = post(client, scoop)
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    comment = Comment.objects.get()
    assert comment.status == "pending" and comment.email == "ada@example.org"
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert "Good read." not in page and "will appear once approved" in page

    comments.moderate(curator, comment, "approve", timezone.now())
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert "<p>Good read.</p>" in page and "ada@example.org" not in page  # address never shown
    assert "1 comment" in page

    # The same author again: known, so published at once.
    post(client, scoop, body="Second thought.")
    assert Comment.objects.get(body="Second thought.").status == "approved"
    # Same name, another address (or none): held.
    post(client, scoop, email="mallory@example.org", body="Impostor?")
    post(client, scoop, email="", body="No address.")
    assert set(Comment.objects.filter(status="pending").values_list("body", flat=True)) == {
        "Impostor?", "No address."}  # fmt: skip


def test_markup_and_scripts_are_neutralised(client, scoop, curator) -> None:
    body = ('<script>alert(1)</script><img src=x onerror=alert(2)> '
            'see https://example.org/a?b=1&c=2. and javascript:alert(3)\n\nsecond')  # fmt: skip
    post(client, scoop, name="<b>Bob</b>", body=body)
    comment = Comment.objects.get()
    assert comment.body == body  # kept as written, shown escaped
    assert "<script" not in comment.body_html and "<img" not in comment.body_html
    assert "&lt;script&gt;" in comment.body_html
    link = '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow ugc">'
    assert link in comment.body_html
    assert 'href="javascript' not in comment.body_html
    assert comment.body_html.endswith("<p>second</p>")
    comments.moderate(curator, comment, "approve", timezone.now())
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page and "&lt;b&gt;Bob&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "Ada\r\nBcc: x@example.org"}, "one line"),
        ({"email": "ada@example.org\nBcc: x@example.org"}, "valid email"),
        ({"email": "ada@example.org\n"}, "one line"),
        ({"email": "nope"}, "valid email"),
        ({"body": ""}, "This field is required"),
        ({"body": "x" * 5001}, "at most 5000"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, scoop, fields, error) -> None:
    response = post(client, scoop, **fields)
    body = response.content.decode()
    assert response.status_code == 400 and error in body and 'id="comments"' in body
    assert not Comment.objects.exists()


def test_honeypot_and_rate_limit(client, scoop, settings) -> None:
    from dataclasses import replace

    assert post(client, scoop, website="buy now").status_code == 302
    assert not Comment.objects.exists()
    settings.CONFIG = replace(settings.CONFIG, COMMENTS_PER_HOUR=2)
    assert post(client, scoop, body="one").status_code == 302
    assert post(client, scoop, body="two").status_code == 302
    refused = post(client, scoop, body="three")
    assert refused.status_code == 400 and "Too many comments" in refused.content.decode()
    assert "three" in refused.content.decode()  # what they wrote is not lost
    assert post(client, scoop, body="elsewhere", addr="198.51.100.2").status_code == 302
    assert Comment.objects.count() == 3


def test_reports_hide_a_comment_until_reviewed(client, scoop, curator, settings) -> None:
    comment = Comment.objects.create(scoop=scoop, author_name="Eve", body="rude",
                                     body_html="<p>rude</p>", status="approved")  # fmt: skip
    url = reverse("publishing:comment_report", args=[scoop.topic.slug, comment.pk])
    # The same reader twice counts once, whatever browser they say they use.
    for agent, addr in (("A", "203.0.113.1"), ("B", "203.0.113.1"), ("A", "203.0.113.2")):
        client.post(url, HTTP_USER_AGENT=agent, REMOTE_ADDR=addr)
    comment.refresh_from_db()
    assert (
        comment.report_count == 2
        and "rude" in client.get(scoop.get_absolute_url()).content.decode()
    )
    client.post(url, HTTP_USER_AGENT="C", REMOTE_ADDR="203.0.113.3")
    assert "rude" not in client.get(scoop.get_absolute_url()).content.decode()
    assert list(comments.to_review(curator, scoop.topic)) == [comment]
    assert not CommentReport.objects.filter(visitor__contains="203.0.113").exists()
    # Reviewed and kept: shown again, out of the review list.
    comments.moderate(curator, comment, "approve", timezone.now())
    assert "rude" in client.get(scoop.get_absolute_url()).content.decode()
    assert list(comments.to_review(curator, scoop.topic)) == []
    # A hidden or held comment cannot be reported (nothing to find).
    held = Comment.objects.create(scoop=scoop, author_name="X", body="x", body_html="x")
    other = reverse("publishing:comment_report", args=[scoop.topic.slug, held.pk])
    assert client.post(other).status_code == 404


def test_only_the_curator_moderates(client, scoop, django_user_model) -> None:
    comment = Comment.objects.create(scoop=scoop, author_name="X", body="x", body_html="x")
    stranger = django_user_model.objects.create_user("stranger", password="a-long-password-1")
    with pytest.raises(PermissionDenied):
        comments.moderate(stranger, comment, "approve", timezone.now())
    with pytest.raises(PermissionDenied):
        comments.to_review(stranger, scoop.topic)
    client.force_login(stranger)
    url = reverse("publishing:comment_moderate", args=[scoop.topic.slug, comment.pk])
    assert client.post(url, {"action": "approve"}).status_code == 403
    assert client.get(reverse("publishing:readers", args=[scoop.topic.slug])).status_code == 403
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_curator_moderation_page(client_in, scoop, django_assert_max_num_queries) -> None:
    for i in range(5):
        Comment.objects.create(scoop=scoop, author_name=f"R{i}", body=f"c{i}",
                               body_html=f"<p>c{i}</p>", email=f"r{i}@example.org")  # fmt: skip
    url = reverse("publishing:readers", args=[scoop.topic.slug])
    with django_assert_max_num_queries(10):
        body = client_in.get(url).content.decode()
    assert "Comments to review" in body and "r3@example.org" in body
    assert 'src="http://127.0.0.1:8000/embed/social-networks.js"' in body.replace("&quot;", '"')
    first = Comment.objects.first()
    assert first is not None
    moderate = reverse("publishing:comment_moderate", args=[scoop.topic.slug, first.pk])
    assert client_in.post(moderate, {"action": "spam"}).status_code == 302
    first.refresh_from_db()
    assert first.status == "spam" and first.moderated_by is not None
    assert client_in.post(moderate, {"action": "delete-all"}).status_code == 404


def test_curator_sets_the_digest_schedule(client_in, topic) -> None:
    url = reverse("publishing:digest_schedule", args=[topic.slug])
    data = {"enabled": "on", "hour": "7", "weekday": "4", "time_zone": "Europe/Paris"}
    assert client_in.post(url, data).status_code == 302
    schedule = topic.digest_schedule
    assert (schedule.hour, schedule.weekday, schedule.time_zone) == (7, 4, "Europe/Paris")
    bad = client_in.post(url, {**data, "hour": "25", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    schedule.refresh_from_db()
    assert schedule.hour == 7
