"""The one lease primitive, on whichever database the suite runs (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from florilege.jobs import leases
from florilege.sources.models import Source
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def sources(topic) -> list[Source]:
    made = []
    for n in range(5):
        source = Source.objects.create(url=f"https://s{n}.example/feed", next_fetch_at=NOW)
        TopicSource.objects.create(topic=topic, source=source)
        made.append(source)
    return made


def test_claim_leases_a_batch_to_its_owner_and_skips_held_rows(sources) -> None:
    due = Source.objects.order_by("pk")
    first = leases.claim(due, now=NOW, limit=3, owner="a:1", lease=timedelta(seconds=120))
    assert [s.pk for s in first] == [s.pk for s in sources[:3]]
    held = Source.objects.filter(pk__in=[s.pk for s in first])
    assert set(held.values_list("lease_owner", flat=True)) == {"a:1"}
    assert set(held.values_list("leased_until", flat=True)) == {NOW + timedelta(seconds=120)}
    # A second worker takes only what nobody holds.
    second = leases.claim(due, now=NOW, limit=10, owner="b:2")
    assert [s.pk for s in second] == [s.pk for s in sources[3:]]
    assert leases.claim(due, now=NOW, limit=10, owner="c:3") == []


def test_the_default_lease_is_the_setting(sources) -> None:
    from django.conf import settings

    leases.claim(Source.objects.all(), now=NOW, limit=1, owner="a:1")
    until = Source.objects.exclude(lease_owner="").get().leased_until
    assert until == NOW + timedelta(seconds=settings.CONFIG.WORKER_LEASE_SECONDS)


def test_an_expired_lease_is_taken_over_and_the_old_owner_loses_the_row(sources) -> None:
    due = Source.objects.order_by("pk")
    leases.claim(due, now=NOW, limit=5, owner="dead:1", lease=timedelta(minutes=5))
    later = NOW + timedelta(minutes=6)
    taken = leases.claim(due, now=later, limit=5, owner="alive:2")
    assert len(taken) == 5
    assert not leases.owned(Source, sources[0].pk, "dead:1").exists()
    assert leases.owned(Source, sources[0].pk, "alive:2").exists()


def test_claim_without_owner_column_and_with_a_state_change(sources) -> None:
    rows = leases.claim(
        Source.objects.order_by("pk"),
        now=NOW,
        limit=2,
        owner_field=None,
        also_set={"last_error": "held"},
    )
    assert len(rows) == 2
    assert Source.objects.filter(last_error="held").count() == 2
    held = Source.objects.filter(last_error="held")
    assert set(held.values_list("lease_owner", flat=True)) == {""}


def test_only_free_off_lets_the_caller_say_which_held_rows_it_may_take(sources) -> None:
    Source.objects.update(leased_until=NOW + timedelta(hours=1), lease_owner="other")
    assert leases.claim(Source.objects.all(), now=NOW, limit=5) == []
    taken = leases.claim(Source.objects.all(), now=NOW, limit=5, only_free=False, owner="me")
    assert len(taken) == 5


def test_lock_returns_at_most_limit(sources) -> None:
    with transaction.atomic():
        assert len(leases.lock(Source.objects.order_by("pk"), 2)) == 2


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [(0, 1), (1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (50, 60)],
)
def test_backoff_doubles_up_to_its_cap(attempts: int, expected: int) -> None:
    delay = leases.backoff(attempts, timedelta(minutes=1), timedelta(hours=1))
    assert delay == timedelta(minutes=expected)


def test_no_other_module_claims_rows_by_itself() -> None:
    """Every stage claims through the primitive: no SKIP LOCKED written anywhere else."""
    from pathlib import Path

    root = Path(leases.__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "skip_locked" in path.read_text(encoding="utf-8")
        and path.name != "leases.py"
        and "tests" not in path.parts
    ]
    assert offenders == []
