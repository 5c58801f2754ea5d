"""Running stages: isolation, backoff, the state operators read, and the worker command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from florilege.jobs import registry
from florilege.jobs.models import StageState
from florilege.jobs.registry import Backlog, Stage, StageContext
from florilege.jobs.worker import StageRunner

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def stage(name: str, run, order: int = 0) -> Stage:
    return Stage(name, "tests", "test rows", run, lambda now: Backlog(0), order=order)


def broken(ctx: StageContext) -> int:
    raise RuntimeError("the table is gone")


def test_a_failing_stage_neither_stops_the_others_nor_runs_while_it_rests() -> None:
    ran: list[str] = []

    def fine(ctx: StageContext) -> int:
        ran.append(ctx.owner)
        return 1

    runner = StageRunner([stage("bad", broken, 1), stage("good", fine, 2)], owner="w:1")
    first = runner.cycle(NOW)
    assert first.failed == {"bad": "RuntimeError: the table is gone"}
    assert first.done == {"good": 1}
    state = StageState.objects.get(name="bad")
    assert (state.failures, state.last_error) == (1, "RuntimeError: the table is gone")
    assert state.backoff_until == NOW + timedelta(seconds=5)
    assert state.worker == "w:1"

    # Resting: skipped, while the healthy stage goes on.
    second = runner.cycle(NOW + timedelta(seconds=2))
    assert second.skipped == ["bad"] and second.done == {"good": 1}
    # Tried again after its pause; a second failure doubles the pause.
    runner.cycle(NOW + timedelta(seconds=6))
    state.refresh_from_db()
    assert state.failures == 2
    assert state.backoff_until == NOW + timedelta(seconds=16)
    assert ran == ["w:1"] * 3


def test_a_stage_that_recovers_is_shown_healthy_again() -> None:
    calls = {"n": 0}

    def flaky(ctx: StageContext) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("once")
        return 0

    runner = StageRunner([stage("flaky", flaky)])
    runner.cycle(NOW)
    runner.cycle(NOW + timedelta(seconds=10))
    state = StageState.objects.get(name="flaky")
    assert (state.failures, state.backoff_until) == (0, None)
    assert state.last_success_at == NOW + timedelta(seconds=10)
    assert state.last_error == "ValueError: once"  # kept for the operator, marked recovered


def test_every_stage_is_registered_in_pipeline_order() -> None:
    names = [s.name for s in registry.all_stages()]
    assert names == [
        "websub", "fetch", "full_text", "enrich", "suggest", "rules", "train",
        "publish_due", "desk_digest", "pictures", "digest", "hub_ping", "inbox", "deliver",
        "webhooks", "tasks", "analytics_views", "analytics_rollup", "retention",
    ]  # fmt: skip
    assert registry.select(["deliver", "fetch"]) == [registry.get("fetch"), registry.get("deliver")]
    with pytest.raises(registry.UnknownStage, match="unknown stage"):
        registry.select(["fetch", "nope"])


def test_worker_list_prints_each_stage_with_its_backlog(topic) -> None:
    from florilege.sources.models import Source
    from florilege.topics.models import TopicSource

    source = Source.objects.create(url="https://a.example/feed")  # due now by default
    TopicSource.objects.create(topic=topic, source=source)
    StageState.objects.create(name="deliver", failures=3, last_error="TimeoutError: slow\nmore")
    out = StringIO()
    call_command("worker", "--list", stdout=out)
    lines = {line.split()[0]: line.split() for line in out.getvalue().splitlines()}
    assert set(lines) >= {"stage", *(s.name for s in registry.all_stages())}
    assert lines["fetch"][1:3] == ["sources", "1"]
    assert lines["suggest"][2] == "0"
    assert "TimeoutError:" in lines["deliver"]


def test_worker_refuses_an_unknown_stage() -> None:
    with pytest.raises(CommandError, match="unknown stage"):
        call_command("worker", "--once", "--stages", "fetch,fetchh")


def test_worker_once_runs_only_the_named_stages(topic) -> None:
    from florilege.sources.models import Entry, Source

    source = Source.objects.create(url="https://a.example/feed")
    Entry.objects.create(source=source, key="k", url="https://a.example/1", title="One")
    out = StringIO()
    call_command("worker", "--once", "--stages", "enrich", stdout=out)
    entry = Entry.objects.get()
    assert entry.enriched_at is not None and entry.suggested_at is None
    assert out.getvalue().strip() == "worker enrich=1"


def test_status_page_is_for_site_admins_only(client, curator, django_user_model) -> None:
    url = reverse("status")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(curator)
    assert client.get(url).status_code == 302
    admin = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(admin)
    StageState.objects.create(
        name="fetch", failures=2, last_error="OperationalError: server closed the connection"
    )
    body = client.get(url).content.decode()
    for s in registry.all_stages():
        assert f'id="stage-{s.name}"' in body
    assert "1 stage is failing." in body
    assert "OperationalError: server closed the connection" in body


def test_the_architecture_doc_lists_the_registered_stages() -> None:
    """docs/architecture.md's stage table is the registry, in order, word for word."""
    from pathlib import Path

    doc = Path(registry.__file__).resolve().parents[2] / "docs" / "architecture.md"
    lines = doc.read_text(encoding="utf-8").splitlines()
    start = lines.index("| stage | app | what it claims |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(tuple(cell.strip().strip("`") for cell in line.strip("|").split("|")))
    assert rows == [(s.name, s.app, s.claims) for s in registry.all_stages()]


def test_a_budget_tells_stages_when_their_share_of_the_cycle_is_spent() -> None:
    seen: list[bool] = []

    def batches(ctx: StageContext) -> int:
        seen.append(ctx.more())
        return 1

    StageRunner([stage("bounded", batches)], budget=0).cycle(NOW)
    StageRunner([stage("unbounded", batches)]).cycle(NOW)
    # A spent share stops a stage after the batch it is on; without a budget it never does.
    assert seen == [False, True]
    assert StageState.objects.get(name="bounded").last_success_at == NOW


def test_a_stage_that_yields_does_one_item_while_the_stream_is_behind() -> None:
    """Retraining stale models (a stage that ``yields``) must not hold back new entries: in
    a cycle where an earlier stage stopped with work left, it does one item only."""
    import time

    trained: list[int] = []

    def stream(backlog: int):
        # As the real stages: a batch, then another only while work is left and the share
        # is not spent (the last batch asks nothing).
        def run(ctx: StageContext) -> int:
            done = 0
            while True:
                time.sleep(0.05)  # a batch's work
                done += 1
                if done >= backlog or not ctx.more():
                    return done

        return run

    def train(ctx: StageContext) -> int:
        done = 0
        while done < 100:
            done += 1
            if not ctx.more():
                break
        trained.append(done)
        return done

    def runner(backlog: int) -> StageRunner:
        training = Stage("train-test", "tests", "models", train, lambda now: Backlog(0),
                         order=2, yields=True)  # fmt: skip
        return StageRunner([stage("stream", stream(backlog), order=1), training], budget=0.2)

    behind = runner(backlog=1000).cycle(NOW)
    assert behind["stream"] < 1000 and behind.yielded == ["train-test"]
    caught_up = runner(backlog=1).cycle(NOW)
    assert caught_up["stream"] == 1 and caught_up.yielded == []
    # Behind: one model, then the stream again; caught up: the stage's whole share.
    assert trained == [1, 100]
