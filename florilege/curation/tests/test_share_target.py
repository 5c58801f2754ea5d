"""The installed app's share target: a page shared from a phone's share sheet arrives at
``/scoop`` with ``title``, ``text`` and ``url``, and ends in the scoop form."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pytest
from django.urls import reverse

from florilege.testing import Reply
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"  # the conftest curator's
PAGE = (
    b"<html><head><title>Shared from a phone</title><meta property='og:description' "
    b"content='Worth a scoop.'></head><body><p>Text.</p></body></html>"
)


@pytest.fixture
def shared(loopback) -> str:
    loopback.routes["/shared"] = Reply(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})
    return loopback.url("/shared")


def test_anonymous_share_logs_in_then_chooses_a_topic_then_the_form(
    client, curator, topic, shared
) -> None:
    Topic.objects.create(title="Second", slug="second", owner=curator)
    # Android puts the address in ``text``, after the page's title.
    query = {"title": "Shared from a phone", "text": f"Shared from a phone {shared}"}
    share = reverse("flow:share") + "?" + urlencode(query)
    to_login = client.get(share)
    assert to_login.status_code == 302
    login_path, _, login_query = to_login["Location"].partition("?")
    assert login_path == reverse("login") and parse_qs(login_query) == {"next": [share]}
    logged_in = client.post(
        reverse("login"), {"username": "curator", "password": PASSWORD, "next": share}
    )
    assert logged_in.status_code == 302 and logged_in["Location"] == share
    chooser = client.get(share)
    body = chooser.content.decode()
    assert chooser.status_code == 200 and "Into which topic?" in body
    assert 'value="second"' in body and 'value="social-networks"' in body
    # The chooser carries the extracted address, not the whole text.
    assert f'name="url" value="{shared}"' in body
    chosen = client.get(reverse("flow:share"), {"url": shared, "topic": "second"})
    assert chosen.status_code == 302
    assert chosen["Location"] == reverse("curation:scoop_url", args=["second"]) + "?" + (
        urlencode({"url": shared})
    )
    form = client.get(chosen["Location"]).content.decode()
    assert "Shared from a phone" in form and "Worth a scoop." in form and shared in form


def test_single_topic_goes_straight_to_the_form(client_in, topic, shared) -> None:
    response = client_in.get(reverse("flow:share"), {"text": f"Look: {shared}."})
    assert response["Location"] == reverse("curation:scoop_url", args=[topic.slug]) + "?" + (
        urlencode({"url": shared})
    )


@pytest.mark.parametrize(
    "query",
    [
        {"url": "javascript:alert(1)"},
        {"text": "data:text/html,<script>alert(1)</script>"},
        {"text": "ftp://files.example/a", "title": "A file"},
        {"title": "Nothing but words"},
        {},
        {"url": "https://" + "a" * 9000 + ".example/"},
    ],
)
def test_share_without_a_web_address_is_refused_clearly(client_in, topic, query) -> None:
    response = client_in.get(reverse("flow:share"), query)
    assert response.status_code == 400
    assert "no page address to scoop (http:// or https://)" in response.content.decode()


def test_login_never_sends_the_curator_to_another_site(client, curator) -> None:
    response = client.post(
        reverse("login"),
        {"username": "curator", "password": PASSWORD, "next": "https://evil.example/scoop"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("curation:dashboard")
