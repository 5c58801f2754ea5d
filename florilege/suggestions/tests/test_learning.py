"""The ranking's lifecycle in the app: decisions recorded by requests, learned by the
worker's stage, shown with reasons in the queue, reset by the curator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from florilege.curation.services.scooping import ScoopDraft, scoop_suggestion
from florilege.jobs.worker import run_cycle
from florilege.sources.models import Entry, Source
from florilege.suggestions import ranker
from florilege.suggestions.learning import ranking_cycle, train_topic
from florilege.suggestions.models import Suggestion, TopicRanker
from florilege.suggestions.services import suggest_pending
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

GARDEN = [
    "How to grow tomatoes on a balcony",
    "Composting at home: a beginner's guide",
    "Planting roses in autumn",
    "Le potager en permaculture",
    "Pruning fruit trees in winter",
    "Arroser son jardin pendant la canicule",
    "Seeds to sow in March",
    "Les meilleures plantes pour un jardin ombragé",
]
FEDI = [
    "Mastodon reaches ten million accounts",
    "Fediverse servers debate moderation",
    "Mastodon adds quote posts",
    "La modération sur le fédivers",
    "A new fediverse app for photos",
    "Mastodon instance closes its doors",
    "Le fediverse et les médias",
    "Fediverse: federation with Threads",
]


@pytest.fixture
def source(topic) -> Source:
    source = Source.objects.create(url="https://news.example/feed", title="News Example")
    TopicSource.objects.create(topic=topic, source=source)
    return source


def make_entries(source: Source, titles: list[str], start: int = 0) -> list[Entry]:
    entries = []
    for i, title in enumerate(titles, start):
        entries.append(
            Entry.objects.create(
                source=source,
                key=f"k{i}",
                url=f"https://news.example/{i}",
                canonical_url=f"https://news.example/{i}",
                title=title,
                summary=f"<p>{title}.</p>",
                language="en",
                published_at=NOW - timedelta(hours=1),
                fetched_at=NOW - timedelta(minutes=i),
            )
        )
    return entries


@pytest.fixture
def queue(topic, source) -> list[Entry]:
    """Interleaved garden and fediverse entries, suggested by the worker's stage."""
    titles = [t for pair in zip(GARDEN, FEDI, strict=True) for t in pair]
    entries = make_entries(source, titles)
    suggest_pending(NOW)
    return entries


def pending_titles(topic: Topic) -> list[str]:
    rows = Suggestion.objects.filter(topic=topic, status="pending").order_by("-score", "-id")
    return list(rows.values_list("entry__title", flat=True))


def mean_rank(titles: list[str], among: list[str]) -> float:
    ranks = [i for i, t in enumerate(titles) if t in among]
    return sum(ranks) / len(ranks)


def scores(topic: Topic) -> dict[int, float]:
    return dict(Suggestion.objects.filter(topic=topic).values_list("id", "score"))


def suggestion_of(topic: Topic, title: str) -> Suggestion:
    return Suggestion.objects.select_related("entry", "entry__source").get(
        topic=topic, entry__title=title
    )


def teach_gardening(topic: Topic, curator, client) -> None:
    """The curator scoops gardening and discards the fediverse, against the keywords."""
    for title in GARDEN[:3]:
        suggestion = suggestion_of(topic, title)
        draft = ScoopDraft(url=suggestion.entry.url, title=title, insight="Yes.")
        scoop_suggestion(suggestion, curator, draft, NOW)
    for title in FEDI[:3]:
        response = client.post(
            reverse("curation:discard", args=[topic.slug, suggestion_of(topic, title).pk])
        )
        assert response.status_code == 302


def test_cold_start_follows_the_keywords(topic, queue) -> None:
    top = pending_titles(topic)[:6]
    assert sum(t in FEDI for t in top) >= 5


def test_requests_record_decisions_and_the_worker_stage_learns(
    topic, curator, client_in, queue
) -> None:
    ranking_cycle(NOW)  # the cold-start model
    version = TopicRanker.objects.get(topic=topic).version
    cold = pending_titles(topic)
    before = scores(topic)
    teach_gardening(topic, curator, client_in)
    # The requests recorded decisions and trained nothing.
    assert TopicRanker.objects.get(topic=topic).version == version
    assert scores(topic) == before
    report = ranking_cycle(NOW + timedelta(minutes=1))
    assert (report.trained, report.rescored) == (1, 10)
    row = TopicRanker.objects.get(topic=topic)
    assert (row.version, row.decisions) == (version + 1, 6)
    # The decisions contradict the keywords beyond their noise: the keywords lose their lead
    # (they still count, at a lower weight) and gardening climbs the queue.
    assert row.meta["rule_trust"] < ranker.DEFAULT_RULE_TRUST
    after = pending_titles(topic)
    assert mean_rank(after, GARDEN) < mean_rank(cold, GARDEN) - 2
    assert any(title in GARDEN for title in after[:4])
    # Nothing new: the next cycle trains nothing.
    assert ranking_cycle(NOW + timedelta(minutes=2)).trained == 0


def test_run_cycle_includes_the_ranking_stage(topic, queue) -> None:
    report = run_cycle(NOW)
    assert report["train"] == 1
    assert TopicRanker.objects.get(topic=topic).trained_at == NOW


def test_rebuild_from_decisions_gives_identical_scores(topic, curator, client_in, queue) -> None:
    teach_gardening(topic, curator, client_in)
    train_topic(topic, NOW)
    first = scores(topic)
    state = TopicRanker.objects.get(topic=topic).state
    TopicRanker.objects.all().delete()
    train_topic(topic, NOW)
    assert scores(topic) == first
    assert bytes(TopicRanker.objects.get(topic=topic).state) == bytes(state)


def test_reset_forgets_decisions_and_checks_permission(
    topic, curator, client_in, client, django_user_model, queue
) -> None:
    teach_gardening(topic, curator, client_in)
    ranking_cycle(NOW)
    assert TopicRanker.objects.get(topic=topic).decisions == 6
    other = django_user_model.objects.create_user("other", password="another-long-password")
    client.force_login(other)
    url = reverse("curation:ranking_reset", args=[topic.slug])
    assert client.post(url).status_code == 403
    assert TopicRanker.objects.get(topic=topic).reset_at is None
    client.force_login(curator)
    assert client.post(url).status_code == 302
    assert TopicRanker.objects.get(topic=topic).reset_at is not None
    ranking_cycle(NOW + timedelta(hours=1))
    row = TopicRanker.objects.get(topic=topic)
    assert row.decisions == 0
    assert sum(t in FEDI for t in pending_titles(topic)[:4]) >= 3


def test_rule_edits_retrain_and_rule_out(topic, queue) -> None:
    ranking_cycle(NOW)
    topic.keywords = ["mastodon", "-moderation"]
    topic.save()
    assert ranking_cycle(NOW).trained == 1
    ruled_out = suggestion_of(topic, "Fediverse servers debate moderation")
    assert ruled_out.reasons["excluded"] == ["moderation"]
    assert pending_titles(topic)[-1] in {
        "Fediverse servers debate moderation",
        "La modération sur le fédivers",
    }


@pytest.mark.parametrize("keywords", [[], ["+nothing-matches-this"]])
def test_odd_topics_rank_without_error(curator, keywords) -> None:
    topic = Topic.objects.create(
        title="Misc", slug="misc", description="", keywords=keywords, owner=curator
    )
    source = Source.objects.create(url="https://odd.example/feed", title="Odd")
    TopicSource.objects.create(topic=topic, source=source)
    make_entries(source, [*GARDEN[:4], *FEDI[:4], ""])
    suggest_pending(NOW)
    for suggestion in Suggestion.objects.filter(topic=topic)[:4]:
        Suggestion.objects.filter(pk=suggestion.pk).update(
            status="discarded", decided_at=NOW, decided_by=curator
        )
    report = ranking_cycle(NOW)
    assert report.trained == 1 and report.rescored == 5
    assert all(abs(s) < 1e6 for s in scores(topic).values())


def test_queue_shows_reasons_and_status_with_few_queries(
    topic, curator, client_in, queue, django_assert_max_num_queries
) -> None:
    teach_gardening(topic, curator, client_in)
    ranking_cycle(NOW)
    url = reverse("curation:queue", args=[topic.slug])
    # The queue's pinned queries (curation/tests/test_scooping.py) plus the model's row and
    # the stories' other sources: reasons come with the suggestions, no query per card.
    with django_assert_max_num_queries(11):
        response = client_in.get(url)
    html = response.content.decode()
    assert "Like your scoop" in html
    assert "Order learned from 6 decisions" in html
    assert "<details><summary>Details</summary>" in html and "Score parts: learned" in html
    assert reverse("curation:ranking_reset", args=[topic.slug]) in html


def test_topic_form_previews_rules_without_saving(topic, client_in, queue) -> None:
    url = reverse("curation:topic_edit", args=[topic.slug])
    data = {
        "title": topic.title,
        "slug": topic.slug,
        "description": topic.description,
        "languages": "en",
        "keywords": "+mastodon, -quote",
        "preview": "1",
    }
    response = client_in.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mastodon reaches ten million accounts" in html
    assert "Mastodon adds quote posts" not in html
    assert "Composting" not in html
    assert "16 stored entries" in html and "2 match, 14 ruled out" in html
    topic.refresh_from_db()
    assert topic.keywords == ["mastodon", "fediverse", "modération"]
    # The same form without the preview button saves.
    saved = {k: v for k, v in data.items() if k != "preview"}
    assert client_in.post(url, saved).status_code == 302
    topic.refresh_from_db()
    assert topic.keywords == ["+mastodon", "-quote"]


def test_the_least_recently_trained_topic_goes_first(topic, curator) -> None:
    """A topic whose curator decides all day is stale after every training: first by id, it
    would take every turn of a stage that yields (one topic a cycle) from the others."""
    from florilege.suggestions.learning import stale_topics

    busy = topic
    quiet = Topic.objects.create(title="Quiet", slug="quiet", owner=curator)
    never = Topic.objects.create(title="Never", slug="never", owner=curator)
    assert busy.pk < quiet.pk < never.pk
    ranking_cycle(NOW)
    assert stale_topics(10) == []
    TopicRanker.objects.filter(topic=busy).update(trained_at=NOW + timedelta(hours=1))
    for t in (busy, quiet):
        t.keywords = ["changed"]
        t.save()
    TopicRanker.objects.filter(topic=never).delete()
    # Never trained, then trained longest ago, then the busy one.
    assert stale_topics(10) == [never, quiet, busy]
    assert ranking_cycle(NOW + timedelta(hours=2), more=lambda: False).trained == 1
    assert stale_topics(10) == [quiet, busy]
