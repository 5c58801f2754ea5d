""" "Close to your scoops" names each scoop once: the other sources of a scooped story are
decided with it, and were listed beside it as if they were more scoops."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from florilege.curation.services.scooping import ScoopDraft, scoop_suggestion
from florilege.lib.text import embedding
from florilege.sources.models import Entry, Source
from florilege.suggestions import ranker
from florilege.suggestions.features import Item, featurize
from florilege.suggestions.learning import build_model
from florilege.suggestions.models import Story, StoryMember, Suggestion
from florilege.suggestions.rules import parse_rules
from florilege.topics.models import TopicSource

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TITLE = "Open Timelines Project opens a grant round for small instances"


def test_one_scoop_kept_twice_is_named_once() -> None:
    rules = parse_rules([])
    profile_item = ranker.profile_item("Fediverse", "", rules)
    profile = featurize(
        [profile_item], embedding.embed([embedding.entry_text(profile_item.title, "")])
    )
    items = [Item(title=TITLE), Item(title=TITLE), Item(title="Rugby results")]
    vectors = embedding.embed([embedding.entry_text(i.title, "") for i in items])
    decisions = [
        ranker.Decision(kept=True, title=TITLE, url="/s/1"),
        ranker.Decision(kept=True, title=TITLE, url="/s/1"),
        ranker.Decision(kept=False, title="Rugby results", url="https://x.example/r"),
    ]
    model = ranker.train(rules, profile, featurize(items, vectors), decisions)
    similar = ranker.similar_scoops(model, np.asarray(vectors[0]))
    assert [s["url"] for s in similar] == ["/s/1"]
    assert similar[0]["similarity"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.django_db
def test_the_storys_other_sources_link_to_its_scoop(topic, curator) -> None:
    story = Story.objects.create(first_seen=NOW, last_seen=NOW, size=2)
    suggestions = []
    for name in ("Alpha", "Beta"):
        source = Source.objects.create(url=f"https://{name.lower()}.example/feed", title=name)
        TopicSource.objects.create(topic=topic, source=source)
        entry = Entry.objects.create(
            source=source,
            key="grant",
            url=f"https://{name.lower()}.example/grant",
            canonical_url=f"https://{name.lower()}.example/grant",
            title=f"{TITLE} - {name}",
            summary="<p>Grants for community-run servers.</p>",
            language="en",
            published_at=NOW,
        )
        StoryMember.objects.create(entry=entry, story=story, reason="near", seen_at=NOW)
        suggestions.append(Suggestion.objects.create(topic=topic, entry=entry, score=1.0))
    draft = ScoopDraft(url=suggestions[0].entry.url, title=TITLE, insight="Apply.")
    scoop = scoop_suggestion(suggestions[0], curator, draft, NOW)
    assert Suggestion.objects.filter(status="scooped").count() == 2  # the story, decided
    model = build_model(topic, None, NOW)
    assert [r["url"] for r in model.exemplar_refs] == [scoop.get_absolute_url()] * 2
