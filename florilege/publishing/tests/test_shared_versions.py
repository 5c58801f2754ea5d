"""The versions of cached pages, shared by the processes through the cache: a host serving
a page another host has just cached reads no version from the database, and the process
that changed a topic shows the change at once, whatever version the others shared."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from florilege.publishing import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_counting(settings) -> None:
    # Counting the view writes a row: left out, so the only queries are the version's.
    settings.CONFIG = replace(settings.CONFIG, ANALYTICS_ENABLED=False)


def _as_another_process() -> None:
    """What another process holds: the shared cache, none of this one's memory."""
    cache._local.clear()
    cache._memo.clear()
    cache._shared_distrusted_until[0] = 0.0  # it changed nothing itself


def test_another_process_serves_the_page_without_reading_its_version(client, topic) -> None:
    url = reverse("publishing:topic", args=[topic.slug])
    assert client.get(url)["X-Page-Cache"] == "miss"
    _as_another_process()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response["X-Page-Cache"] == "hit"
    assert queries.captured_queries == []
    # Once the shared version is gone (a second later), the version is read again.
    caches[cache.CACHE_ALIAS].delete(cache._shared_key(f"topic:{topic.pk}"))
    _as_another_process()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url)["X-Page-Cache"] == "hit"
    assert any("curation_topic" in q["sql"] for q in queries.captured_queries)


def test_the_process_that_changed_a_topic_shows_it_at_once(client, topic) -> None:
    url = reverse("publishing:topic", args=[topic.slug])
    client.get(url)
    shared = cache._shared_key(f"topic:{topic.pk}")
    old = caches[cache.CACHE_ALIAS].get(shared)
    assert old is not None
    topic.title = "Réseaux sociaux"
    topic.save()
    # Another process shared the old version meanwhile (its read came before the change).
    caches[cache.CACHE_ALIAS].set(shared, old, timeout=60)
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Réseaux sociaux" in response.content.decode()


def test_a_version_read_from_the_database_is_shared(topic) -> None:
    key = f"topic:{topic.pk}"
    caches[cache.CACHE_ALIAS].delete(cache._shared_key(key))
    _as_another_process()
    version = cache.current_version(key)
    assert version == cache.topic_version(topic)
    assert caches[cache.CACHE_ALIAS].get(cache._shared_key(key)) == version
