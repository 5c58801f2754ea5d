"""Odd input answers 400 or 404 with a page in the visitor's language, never a 500: the
input guard (NUL, control characters, bytes that are not UTF-8), bounded ids, local
redirects, the WebSub token compared as bytes, and the error pages themselves."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from florilege.curation.tests.flow_helpers import make_scoop
from florilege.sources.models import Source

pytestmark = pytest.mark.django_db
FRENCH = "fr"


@pytest.mark.parametrize(
    "path",
    [
        "/t/social-networks/tag/a%00b/feed.atom",  # a NUL reached the XML writer
        "/t/social-networks/tag/a%01b/",  # any control character in the path
        "/t/social-networks/tag/%ff%fe/",  # bytes that are not UTF-8
        "/t/social-networks/tag/%25ff/",  # and their %-escape
        "/t/social-networks/?page=a%00b",  # a NUL in the query
        "/search/?q=%ff",  # a query that is not UTF-8
    ],
)
def test_the_guard_answers_400_in_the_visitors_language(client, topic, path) -> None:
    english = client.get(path)
    assert english.status_code == 400 and "Bad request" in english.content.decode()
    french = client.get(path, HTTP_ACCEPT_LANGUAGE=FRENCH)
    assert french.status_code == 400
    body = french.content.decode()
    assert "Requête incorrecte" in body and "Bad request" not in body
    assert '<html lang="fr">' in body


def test_a_nul_in_a_posted_form_is_a_400(client, topic) -> None:
    url = reverse("flow:reader_suggest", args=[topic.slug])
    data = {"url": "https://a.example/\x00", "note": ""}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=FRENCH)
    assert response.status_code == 400 and "Requête incorrecte" in response.content.decode()


def test_ordinary_text_passes_the_guard(client, topic) -> None:
    assert client.get("/search/", {"q": "modération\nfédiverse ‮ 日本"}).status_code == 200
    assert client.get(topic.get_absolute_url() + "tag/modération/").status_code == 200


def test_a_french_visitor_gets_a_french_404_for_a_bad_value(client, topic) -> None:
    response = client.get("/t/social-networks/s/" + "9" * 40 + "/", HTTP_ACCEPT_LANGUAGE=FRENCH)
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page introuvable" in body and "Page not found" not in body


def test_an_oversized_source_filter_is_ignored(client_in, topic) -> None:
    queue = reverse("curation:queue", args=[topic.slug])
    assert client_in.get(queue, {"source": "9" * 40, "cluster": "²"}).status_code == 200


def test_a_non_ascii_websub_token_is_a_404(client) -> None:
    source = Source.objects.create(url="https://feed.example/rss")
    response = Client().get(f"/websub/{source.pk}/%C3%A9t%C3%A9/", HTTP_ACCEPT_LANGUAGE=FRENCH)
    assert response.status_code == 404 and "Page introuvable" in response.content.decode()


def test_useful_with_a_next_that_is_not_a_path_goes_back_to_the_scoop(client, topic, curator):
    scoop = make_scoop(topic, curator, "published")
    url = reverse("publishing:useful", args=[topic.slug, scoop.pk])
    for next_value in ("view-name", "-1", "//evil.example/", "/x\r\nSet-Cookie: a=b"):
        response = client.post(url, {"next": next_value}, HTTP_USER_AGENT="Firefox")
        assert response.status_code == 302
        assert response["Location"] == f"{scoop.get_absolute_url()}#scoop-{scoop.pk}"


def test_the_500_page_needs_neither_the_database_nor_a_request(django_assert_num_queries):
    from django.utils import translation

    with django_assert_num_queries(0), translation.override("fr"):
        body = render_to_string("500.html")
    assert "Erreur du serveur" in body and '<html lang="fr">' in body


def test_a_server_error_shows_the_500_page(rf, settings) -> None:
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "Something went wrong on our side" in (
        response.content.decode()
    )
