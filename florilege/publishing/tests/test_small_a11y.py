"""The embed page says its language, has a main landmark and a link to the topic; the
"Useful" button is named by what it shows (its word and its count)."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.publishing.cache import clear_all
from florilege.publishing.tests.helpers import make_scoops
from florilege.publishing.views_engage import embed_language

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


@pytest.fixture
def scoops(topic, curator):
    return make_scoops(topic, curator, 3, timezone.now() - timedelta(minutes=1))


def embed(client, topic, **headers):
    response = client.get(reverse("publishing:embed", args=[topic.slug]), **headers)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def test_embed_page_has_a_main_landmark_and_a_more_link(client, topic, scoops) -> None:
    page = embed(client, topic)
    main = page.find(".//main")
    assert main is not None and main.find(".//ol") is not None
    more = main.xpath(".//p[@class='more']/a")
    assert len(more) == 1 and more[0].get("href") == topic.get_absolute_url()
    assert more[0].get("target") == "_top" and topic.title in more[0].text_content()


def test_embed_speaks_the_topics_single_language(client, topic, scoops) -> None:
    topic.languages = ["fr"]
    topic.save()
    scoops[0].language = "en"
    scoops[0].save()
    page = embed(client, topic, HTTP_ACCEPT_LANGUAGE="en")
    assert page.get("lang") == "fr"
    # A scoop in another language than the page's says so.
    langs = {item.get("lang") for item in page.iter("li")}
    assert "en" in langs


def test_embed_of_a_many_language_topic_speaks_the_readers(client, topic, scoops) -> None:
    assert topic.languages == ["en", "fr"]
    assert embed(client, topic, HTTP_ACCEPT_LANGUAGE="fr").get("lang") == "fr"
    assert embed(client, topic, HTTP_ACCEPT_LANGUAGE="en").get("lang") == "en"


@pytest.mark.parametrize(
    ("topic_languages", "current", "expected"),
    [
        (["fr"], "en", "fr"),
        (["en"], "fr", "en"),
        (["en", "fr"], "fr", "fr"),
        ([], "fr", "fr"),
        (["de"], "fr", "fr"),  # no interface in German: the reader's
        ([], "xx", "en"),
    ],
)
def test_embed_language(topic_languages, current, expected) -> None:
    assert embed_language(topic_languages, current) == expected


def accessible_name(button) -> str:
    """The name a screen reader announces: aria-label when present, else the contents
    (the title attribute only names a button with nothing in it)."""
    label = button.get("aria-label")
    return label if label is not None else " ".join(button.text_content().split())


def test_useful_buttons_name_includes_its_word_and_count(client, topic, scoops) -> None:
    target = scoops[0]
    client.post(reverse("publishing:useful", args=[topic.slug, target.pk]))
    page = lxml.html.fromstring(client.get(target.get_absolute_url()).content)
    button = page.xpath(f"//*[@id='scoop-{target.pk}']//button")[0]
    visible = " ".join(button.text_content().split())
    assert visible == "Useful 1"
    assert accessible_name(button) == visible  # what is seen is what is heard
    assert button.get("title")  # the action, as a description


@pytest.mark.parametrize(
    ("template", "title"),
    [
        ("403.html", "Non autorisé"),
        ("404.html", "Page introuvable"),
        ("429.html", "Trop de demandes"),
        ("500.html", "Erreur du serveur"),
    ],
)
def test_error_pages_are_styled_and_in_the_visitors_language(rf, template, title) -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    with translation.override("fr"):
        page = lxml.html.fromstring(render_to_string(template, {"request": request}))
    assert page.get("lang") == "fr"
    assert title in page.findtext(".//h1")
    styled = page.xpath("//link[@rel='stylesheet']") or page.xpath("//style")
    assert styled and page.find(".//main") is not None


def test_a_french_reader_gets_the_french_404(client) -> None:
    response = client.get("/t/nowhere-at-all/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404 and "Page introuvable" in response.content.decode()
