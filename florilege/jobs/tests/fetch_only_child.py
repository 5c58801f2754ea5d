"""Set-up and read-back for ``test_lazy_models``, run as its own process.

``python -m florilege.jobs.tests.fetch_only_child setup FEED_URL``: migrates the empty
database the environment names and has one topic follow one feed, due now.
``python -m florilege.jobs.tests.fetch_only_child count``: prints the entries stored and
those enriched (JSON).
"""

from __future__ import annotations

import json
import sys


def setup(feed_url: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from florilege.sources.models import Source
    from florilege.topics.models import Topic, TopicSource

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("lazy", "lazy@example.org", "lazy-password")
    topic = Topic.objects.create(title="Climat", slug="climat", owner=user, keywords=["climat"])
    source = Source.objects.create(url=feed_url, next_fetch_at=timezone.now())
    # Only followed sources are fetched.
    TopicSource.objects.create(topic=topic, source=source, added_by=user)


def count() -> dict[str, int]:
    from florilege.sources.models import Entry

    return {
        "entries": Entry.objects.count(),
        "enriched": Entry.objects.exclude(enriched_at=None).count(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1] == "setup":
        setup(sys.argv[2])
    else:
        print(json.dumps(count()))
