"""Likes and boosts from the fediverse on the cards of a topic page, in the list's query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.federation.models import Reaction
from florilege.publishing.cache import clear_all
from florilege.publishing.tests.helpers import make_scoops

pytestmark = pytest.mark.django_db


def react(scoop, kind: str, n: int) -> None:
    for i in range(n):
        Reaction.objects.create(
            scoop=scoop, kind=kind, actor_uri=f"https://social.example/users/u{i}"
        )


def card(body: str, scoop) -> str:
    start = body.index(f'href="{scoop.get_absolute_url()}"')
    end = body.find("</article>", start)
    return body[start:end]


def test_topic_page_cards_show_likes_and_boosts_without_a_query_per_card(
    client, topic, curator, django_assert_num_queries
):
    scoops = make_scoops(topic, curator, 14, timezone.now() - timedelta(minutes=1))
    shown = scoops[2:]  # the 12 newest are on the first page
    for i, scoop in enumerate(shown):
        react(scoop, Reaction.Kind.LIKE, i % 3 + 1)
        react(scoop, Reaction.Kind.ANNOUNCE, i % 2)
    url = reverse("publishing:topic", args=[topic.slug])
    client.get(url, HTTP_USER_AGENT="Safari")  # the day's salt
    clear_all()
    # The same budget as the page without fediverse counts (test_pages pins it): topic,
    # count, scoops with every count as subqueries, the view's insert, view counts (last
    # rolled-up day, daily rows, raw views), the next scheduled scoop.
    with django_assert_num_queries(10):
        body = client.get(url, HTTP_USER_AGENT="Firefox").content.decode()
    for i, scoop in enumerate(shown):
        likes, boosts = i % 3 + 1, i % 2
        text = card(body, scoop)
        assert f"{likes} like{'s' if likes > 1 else ''} " in text, scoop.title
        assert f"{boosts} boost{'' if boosts == 1 else 's'} " in text, scoop.title
    # A scoop nobody reacted to says nothing about the fediverse.
    page2 = client.get(url, {"page": 2}).content.decode()
    assert "fediverse-reactions" not in page2


def test_permalink_counts_come_from_its_one_query(client, topic, curator):
    [scoop] = make_scoops(topic, curator, 1, timezone.now() - timedelta(minutes=1))
    react(scoop, Reaction.Kind.LIKE, 2)
    react(scoop, Reaction.Kind.ANNOUNCE, 1)
    body = client.get(scoop.get_absolute_url()).content.decode()
    assert body.count("fediverse-reactions") == 1
    assert "2 likes" in body and "1 boost " in body
