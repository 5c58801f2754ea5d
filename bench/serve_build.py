"""Child of bench.serve: build one public topic with N scoops in the (temporary) database
the environment points at. Real French and English sentences, insights in Markdown,
half the scoops with an image, three tags each, as a curator's page would have."""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta


def main(params: dict) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bench.feedgen import load_sentences
    from florilege.curation.models import Scoop
    from florilege.lib.markdown import render_markdown
    from florilege.topics.models import Topic

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    rng = random.Random(params["seed"])
    sentences = load_sentences()
    langs = [lang for lang in ("fr", "en") if lang in sentences] or list(sentences)
    user = get_user_model().objects.create_user("curator", password=None)
    topic = Topic.objects.create(
        title="Réseaux sociaux / Social networks",
        slug="bench",
        description="Fediverse, platforms and moderation: what matters, with our insight.",
        languages=langs,
        owner=user,
        accent_color="#2b6cb0",
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tags = ["fediverse", "moderation", "platforms", "policy", "research", "mastodon"]
    scoops = []
    for i in range(params["scoops"]):
        lang = langs[i % len(langs)]
        pool = sentences[lang]
        title = " ".join(rng.choice(pool).rstrip(".").split()[:12])
        insight = f"{rng.choice(pool)} **{rng.choice(pool)[:60]}**"
        scoops.append(
            Scoop(
                topic=topic,
                curator=user,
                url=f"https://news{i % 40}.example/{lang}/story-{i}",
                canonical_url=f"https://news{i % 40}.example/{lang}/story-{i}",
                title=title[:300],
                excerpt=" ".join(rng.choice(pool) for _ in range(2))[:500],
                image_url=f"https://img.example/{i}.jpg" if i % 2 else "",
                source_name=f"News {i % 40}",
                language=lang,
                insight=insight,
                insight_html=render_markdown(insight),
                tags=rng.sample(tags, 3),
                published_at=start + timedelta(hours=i),
                created_at=start + timedelta(hours=i),
                updated_at=start + timedelta(hours=i),
            )
        )
    Scoop.objects.bulk_create(scoops, batch_size=500)
    print(json.dumps({"topic": topic.get_absolute_url(), "scoops": len(scoops)}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
