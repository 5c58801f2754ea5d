"""Suggestions from readers: the public form, its honeypot and rate limit, the queue."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from florilege.curation.models import ReaderSuggestion
from florilege.curation.services import reader
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.testing import Reply
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
UA = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}
VISITOR = "203.0.113.9"


def post(client, topic, **data):
    fields = {"url": "https://blog.example/post", "note": "", "website": ""} | data
    return client.post(reverse("flow:reader_suggest", args=[topic.slug]), fields, **UA)


def test_topic_page_has_the_form_and_a_suggestion_lands_in_the_queue(
    client, client_in, topic, loopback
) -> None:
    page = client.get(topic.get_absolute_url(), **UA).content.decode()
    assert reverse("flow:reader_suggest", args=[topic.slug]) in page and 'name="website"' in page
    loopback.routes["/post"] = Reply(200, b"<title>Post</title>")
    url = loopback.url("/post")
    response = post(client, topic, url=url, note="  A fine   read  ")
    assert response.status_code == 302
    assert response["Location"].endswith(topic.get_absolute_url() + "?suggested=1#suggest")
    thanks = client.get(response["Location"], **UA)
    assert "Thank you" in thanks.content.decode()
    item = ReaderSuggestion.objects.get()
    assert (item.url, item.note, item.status) == (url, "A fine read", "pending")
    # The visitor is a hash, never the address.
    assert len(item.visitor) == 64 and "127.0.0.1" not in item.visitor
    # Nothing was fetched while the reader waited.
    assert loopback.requests == []

    queue = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    assert "Reader suggestion" in queue and "A fine read" in queue
    assert reverse("curation:scoop_url", args=[topic.slug]) + "?url=" in queue


def test_public_page_and_form_set_no_cookie(topic) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(topic.get_absolute_url(), HTTP_USER_AGENT=UA["HTTP_USER_AGENT"])
    assert not page.cookies and "csrfmiddlewaretoken" not in page.content.decode()
    response = post(browser, topic)
    assert response.status_code == 302 and not response.cookies
    assert ReaderSuggestion.objects.count() == 1


def test_honeypot_stores_nothing_and_says_thanks(client, topic) -> None:
    response = post(client, topic, website="http://spam.example/")
    assert response.status_code == 302
    assert not ReaderSuggestion.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://files.example/x", "not a url", "http://user@evil.example/"],
)
def test_bad_address_is_refused(client, topic, url) -> None:
    response = post(client, topic, url=url)
    assert response.status_code == 400
    assert "Enter a full web address" in response.content.decode()
    assert not ReaderSuggestion.objects.exists()


def test_overlong_note_is_refused(topic) -> None:
    with pytest.raises(ValidationError, match="under 500"):
        reader.suggest_page(topic, "https://a.example/", "x" * 501, VISITOR, NOW)
    assert not ReaderSuggestion.objects.exists()


def test_rate_limit_per_visitor_per_hour(client, topic, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, READER_SUGGESTIONS_PER_HOUR=2)
    for n in range(2):
        reader.suggest_page(topic, f"https://a.example/{n}", "", VISITOR, NOW)
    with pytest.raises(reader.RateLimited, match="try again later"):
        reader.suggest_page(topic, "https://a.example/3", "", VISITOR, NOW)
    # Another visitor is not limited; the same one is again an hour later.
    other = "198.51.100.4"
    reader.suggest_page(topic, "https://a.example/4", "", other, NOW)
    reader.suggest_page(topic, "https://a.example/5", "", VISITOR, NOW + timedelta(minutes=61))
    assert ReaderSuggestion.objects.count() == 4

    for n in range(2):
        assert post(client, topic, url=f"https://b.example/{n}").status_code == 302
    response = post(client, topic, url="https://b.example/9")
    assert response.status_code == 429 and "try again later" in response.content.decode()
    assert ReaderSuggestion.objects.count() == 6


def test_private_topic_takes_no_suggestions(client, topic) -> None:
    Topic.objects.filter(pk=topic.pk).update(is_public=False)
    assert post(client, topic).status_code == 404
    topic.refresh_from_db()
    with pytest.raises(ValidationError):
        reader.suggest_page(topic, "https://a.example/", "", VISITOR, NOW)
    assert not ReaderSuggestion.objects.exists()


def test_discard_and_scoop_settle_reader_suggestions(client_in, topic, curator) -> None:
    first = reader.suggest_page(topic, "https://a.example/x?utm_source=t", "", VISITOR, NOW)
    other = "198.51.100.4"
    same = reader.suggest_page(topic, "https://a.example/x", "me too", other, NOW)
    kept = reader.suggest_page(topic, "https://a.example/y", "", other, NOW)
    assert first is not None and same is not None and kept is not None
    response = client_in.post(
        reverse("curation:reader_discard", args=[topic.slug, first.pk]),
        HTTP_X_FLORILEGE_FRAGMENT="1",
    )
    assert response.status_code == 200 and "Discarded" in response.content.decode()
    statuses = dict(ReaderSuggestion.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "discarded", same.pk: "discarded", kept.pk: "pending"}
    # Deciding again is refused, without a 500.
    again = client_in.post(
        reverse("curation:reader_discard", args=[topic.slug, first.pk]),
        HTTP_X_FLORILEGE_FRAGMENT="1",
    )
    assert again.status_code == 400 and "already been decided" in again.content.decode()

    scoop_url(topic, curator, ScoopDraft(url="https://a.example/y", title="Y", insight="Y!"), NOW)
    kept.refresh_from_db()
    assert kept.status == "scooped" and kept.decided_by == curator


def test_only_curators_discard(client, topic, django_user_model) -> None:
    item = reader.suggest_page(topic, "https://a.example/", "", VISITOR, NOW)
    assert item is not None
    stranger = django_user_model.objects.create_user("stranger", password="x-long-password")
    client.force_login(stranger)
    response = client.post(reverse("curation:reader_discard", args=[topic.slug, item.pk]))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "pending"


def test_behind_a_trusted_proxy_each_reader_has_their_own_limit(client, topic, settings) -> None:
    settings.CONFIG = replace(
        settings.CONFIG, READER_SUGGESTIONS_PER_HOUR=1, TRUST_X_FORWARDED_FOR=True
    )
    url = reverse("flow:reader_suggest", args=[topic.slug])
    for n, forwarded in enumerate(["1.2.3.4, 203.0.113.1", "203.0.113.2", "203.0.113.1"]):
        data = {"url": f"https://a.example/{n}", "note": "", "website": ""}
        response = client.post(url, data, HTTP_X_FORWARDED_FOR=forwarded, **UA)
        assert response.status_code == (429 if n == 2 else 302)
    assert ReaderSuggestion.objects.count() == 2


PAGE = (
    b'<html lang="en"><head><title>Ignored when og:title is there</title>'
    b'<meta property="og:title" content="Why small forums &amp; clubs matter">'
    b'<meta property="og:site_name" content="Forum Weekly">'
    b'<meta name="description" content="A look at communities that stayed small.">'
    b"</head><body><p>Text.</p></body></html>"
)


def test_a_job_reads_the_page_and_the_queue_shows_its_title(client, client_in, topic, loopback):
    from florilege.jobs.tasks import run_due_tasks

    loopback.routes["/forums"] = Reply(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})
    url = loopback.url("/forums")
    assert post(client, topic, url=url).status_code == 302
    assert loopback.requests == []  # not while the reader waited
    queue_url = reverse("curation:queue", args=[topic.slug])
    before = client_in.get(queue_url).content.decode()
    # Meanwhile: the host, never the raw address as the title.
    assert ">127.0.0.1</a></h3>" in before and "page not read yet" in before
    assert run_due_tasks() == 1
    assert [path for path, _headers in loopback.requests] == ["/forums"]
    item = ReaderSuggestion.objects.get()
    assert (item.title, item.site_name) == ("Why small forums & clubs matter", "Forum Weekly")
    assert item.description == "A look at communities that stayed small."
    after = client_in.get(queue_url).content.decode()
    assert ">Why small forums &amp; clubs matter</a></h3>" in after
    assert "Forum Weekly · <span class=\"domain\">127.0.0.1</span>" in after
    assert "A look at communities that stayed small." in after
    assert "page not read yet" not in after
    # Once read, never again.
    assert reader.read_suggested_page.call(item.pk) is False
    assert len(loopback.requests) == 1


def test_an_unreadable_page_keeps_the_host(client, client_in, topic, loopback):
    from florilege.jobs.tasks import run_due_tasks

    loopback.routes["/gone"] = Reply(404, b"no", {"Content-Type": "text/plain"})
    assert post(client, topic, url=loopback.url("/gone")).status_code == 302
    assert post(client, topic, url="https://nowhere.invalid/x").status_code == 302
    assert run_due_tasks() == 2
    for item in ReaderSuggestion.objects.all():
        assert item.page_read_at is not None and (item.title, item.site_name) == ("", "")
    queue = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    assert ">127.0.0.1</a></h3>" in queue and ">nowhere.invalid</a></h3>" in queue
