"""Child of bench.serve: build one public topic with N scoops in the (temporary) database
the environment points at. Real French and English sentences, insights in Markdown,
half the scoops with a picture, three tags each, as a curator's page would have.

The pictures are cut from the two photographs scikit-learn ships (a temple in China, a
flower): a 40:21 window of each, at a size and place drawn per picture, sometimes mirrored,
enlarged to 1200 x 630 (an article's usual cover). ``--pictures noise`` makes the older
synthetic ones instead (smooth light, grain and detail), grainier than photographs, so
heavier as WebP: both are kept to compare. Either way they go through the pictures stage's
own pipeline (``media.services.process_now``), so the page shows the thumbnails a real
topic shows. Twelve distinct ones are made; the other scoops' pictures share their files
(the weight of a first screen is the same, and the build stays short)."""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta

DISTINCT_PICTURES = 12


def photograph(seed: int) -> bytes:
    """A 1200 x 630 JPEG cut from one of scikit-learn's sample photographs (640 x 427):
    the two in turn, a window 420 to 640 pixels wide at a random place, mirrored one time
    in two."""
    import io

    from PIL import Image
    from sklearn.datasets import load_sample_image

    rng = random.Random(seed)
    photo = Image.fromarray(load_sample_image(("china.jpg", "flower.jpg")[seed % 2]))
    if rng.random() < 0.5:
        photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    width = rng.randint(420, photo.width)
    height = round(width * 21 / 40)
    left, top = rng.randint(0, photo.width - width), rng.randint(0, photo.height - height)
    cover = photo.crop((left, top, left + width, top + height))
    out = io.BytesIO()
    cover.resize((1200, 630), Image.Resampling.LANCZOS).save(out, format="JPEG", quality=85)
    return out.getvalue()


def photo_like(seed: int) -> bytes:
    """A 1200 x 630 JPEG of synthetic noise made to compress like a photograph (it is
    grainier than most: WebP finds less to save)."""
    import io

    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    width, height = 1200, 630
    light = Image.linear_gradient("L").resize((width, height)).rotate(rng.choice([0, 90, 180]))
    channels = []
    for _ in range(3):
        grain = Image.effect_noise((width, height), rng.uniform(20, 60))
        detail = Image.effect_noise((width // 8, height // 8), 90).resize((width, height))
        mixed = Image.blend(Image.blend(light, detail, 0.5), grain, 0.25)
        channels.append(mixed.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4))))
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, format="JPEG", quality=85)
    return out.getvalue()


PICTURES = {"photos": photograph, "noise": photo_like}


def add_pictures(scoops: list, kind: str = "photos") -> int:
    """Make the scoops' pictures ready: DISTINCT_PICTURES (of ``kind``, a key of PICTURES)
    through the real pipeline, the rest pointing at their files."""
    from django.utils import timezone

    from florilege.curation.models import Scoop
    from florilege.media import services as pictures
    from florilege.media.models import Picture

    now = timezone.now()
    made: list[Picture] = []
    with_image = [s for s in scoops if s.image_url]
    for i, scoop in enumerate(with_image):
        picture = pictures.request(scoop.image_url, now)
        if picture is None:
            continue
        if len(made) < DISTINCT_PICTURES:
            pictures.process_now(picture, PICTURES[kind](i), now)
            picture.refresh_from_db()
            made.append(picture)
        else:
            model = made[i % len(made)]
            Picture.objects.filter(pk=picture.pk).update(
                status=Picture.Status.READY, width=model.width, height=model.height,
                color=model.color, renditions=model.renditions, processed_at=now,
            )  # fmt: skip
        Scoop.objects.filter(pk=scoop.pk).update(picture=picture)
    return len(with_image)


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
    add_pictures(
        list(Scoop.objects.filter(topic=topic).only("pk", "image_url")),
        params.get("pictures", "photos"),
    )
    print(json.dumps({"topic": topic.get_absolute_url(), "scoops": len(scoops)}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
