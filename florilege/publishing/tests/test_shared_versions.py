"""The versions of cached pages, shared by the processes through a Redis cache: a host
serving a page another host has just cached reads no version from the database, a shared
version is taken only while it is younger than the memo's time, and the process that
changed a topic shows the change at once, whatever version the others shared."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import replace

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from florilege.publishing import cache


def _redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture(autouse=True)
def _shared_cache(settings, monkeypatch):
    """The page cache on Redis (keys of this run only), the view not counted (its row would
    be a query too), and a memo long enough for a loaded machine."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
            "KEY_PREFIX": f"shared-versions-{os.getpid()}-{time.monotonic_ns()}",
        },
    }
    settings.CONFIG = replace(settings.CONFIG, ANALYTICS_ENABLED=False)
    monkeypatch.setattr(cache, "VERSION_MEMO_SECONDS", 60.0)
    _as_another_process()
    yield
    caches[cache.CACHE_ALIAS].clear()
    _as_another_process()


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
    # Once the shared version is gone, the version is read again.
    caches[cache.CACHE_ALIAS].delete(cache._shared_key(f"topic:{topic.pk}"))
    _as_another_process()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url)["X-Page-Cache"] == "hit"
    assert any("curation_topic" in q["sql"] for q in queries.captured_queries)


def test_a_shared_version_is_taken_only_while_young_enough(topic) -> None:
    key = f"topic:{topic.pk}"
    store = caches[cache.CACHE_ALIAS]
    _as_another_process()  # not the one that created the topic
    # Read by another process 59 s ago (of a 60 s memo): taken, and kept one second more.
    store.set(cache._shared_key(key), ("an old version", time.time() - 59), 60)
    assert cache.current_version(key) == "an old version"
    left = cache._memo[key][0] - time.monotonic()
    assert 0 < left <= 1.0
    # Read 61 s ago: no longer taken; the database's is read, and shared in its place.
    _as_another_process()
    store.set(cache._shared_key(key), ("an old version", time.time() - 61), 60)
    assert cache.current_version(key) == cache.topic_version(topic)
    version, read_at = store.get(cache._shared_key(key))
    assert version == cache.topic_version(topic) and time.time() - read_at < 30


def test_the_process_that_changed_a_topic_shows_it_at_once(client, topic) -> None:
    url = reverse("publishing:topic", args=[topic.slug])
    client.get(url)
    shared = cache._shared_key(f"topic:{topic.pk}")
    old = caches[cache.CACHE_ALIAS].get(shared)
    assert old is not None
    topic.title = "Réseaux sociaux"
    topic.save()
    # Another process shared the old version meanwhile (its read came before the change).
    caches[cache.CACHE_ALIAS].set(shared, (old[0], time.time()), timeout=60)
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Réseaux sociaux" in response.content.decode()


def test_the_memory_cache_shares_nothing(settings, topic) -> None:
    settings.CACHES = {**settings.CACHES, "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "not-shared",
    }}  # fmt: skip
    key = f"topic:{topic.pk}"
    assert cache.current_version(key) == cache.topic_version(topic)
    assert caches[cache.CACHE_ALIAS].get(cache._shared_key(key)) is None
