"""Write N synthetic but realistic feeds x M entries into a folder, deterministically.

The mix mirrors what a curator follows: half RSS 2.0 (some with content:encoded and
dc:creator), a third Atom 1.0, the rest JSON Feed 1.1; French and English text taken from
the shared sentence corpus (read in place at run time, never copied into the repository);
300 to 1500 characters of lightly marked-up HTML per item; a few wire stories republished,
slightly reworded, by several feeds so near-duplicate detection has something to find.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

SENTENCES = Path("/work/shared/data/news/lingua/sentences")
LANGUAGES = ("en", "fr")
# A fixed clock: the same seed gives byte-identical files on every run.
BASE_DATE = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
WIRE_POOL = 40  # wire stories shared across feeds
WIRE_EVERY = 25  # roughly one item in 25 is a republished wire story

AUTHORS = {
    "en": ["Alice Walker", "Tom Hardy", "Priya Natarajan", "Sam O'Neil", "Grace Liu"],
    "fr": ["Camille Durand", "Jean-Baptiste Morel", "Léa Fontaine", "Hélène Roux", "Yves Petit"],
}
CATEGORIES = {
    "en": ["Politics", "Science", "Climate", "Technology", "Culture", "Economy", "Health"],
    "fr": ["Politique", "Sciences", "Climat", "Numérique", "Culture", "Économie", "Santé"],
}


@dataclass
class Item:
    guid: str
    title: str
    link: str
    html: str
    author: str
    categories: list[str]
    published: datetime
    updated: datetime


@dataclass
class Feed:
    index: int
    language: str
    title: str
    site: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Corpus:
    """Generated files: paths relative to the served root, and the item count."""

    paths: list[str]
    entries: int
    total_bytes: int


# The corpus has a few stray C0 control characters, which XML forbids: both parsers would
# then read those feeds only in part, and the comparison would be about that, not speed.
_CONTROLS = {c: None for c in range(32)}


def load_sentences() -> dict[str, list[str]]:
    return {
        lang: [
            s.translate(_CONTROLS).strip()
            for s in (SENTENCES / f"{lang}.txt").read_text("utf-8").splitlines()
            if s.strip()
        ]
        for lang in LANGUAGES
    }


def _title(rng: random.Random, sentences: list[str]) -> str:
    words = rng.choice(sentences).rstrip(".").split()
    return " ".join(words[: rng.randint(6, 14)])


def _html(rng: random.Random, sentences: list[str], site: str, target: int) -> str:
    """Paragraphs of real sentences with the odd link, emphasis and list, ~target chars."""
    parts: list[str] = []
    size = 0
    while size < target:
        paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3)))
        roll = rng.random()
        if roll < 0.2:
            words = paragraph.split(" ")
            k = rng.randrange(len(words))
            words[k] = f'<a href="{site}/related/{rng.randint(1, 9999)}">{words[k]}</a>'
            paragraph = " ".join(words)
        elif roll < 0.35:
            paragraph = f"<strong>{paragraph[:40]}</strong>{paragraph[40:]}"
        elif roll < 0.45:
            paragraph = f"<em>{paragraph}</em>"
        parts.append(f"<p>{paragraph}</p>")
        size += len(paragraph) + 7
    return "".join(parts)


def _wire_stories(rng: random.Random, sentences: dict[str, list[str]]) -> list[tuple]:
    stories = []
    for n in range(WIRE_POOL):
        lang = LANGUAGES[n % 2]
        text = [rng.choice(sentences[lang]) for _ in range(6)]
        stories.append((lang, _title(rng, sentences[lang]), text, n))
    return stories


def _wire_item(rng: random.Random, story: tuple, feed: Feed, j: int, when: datetime) -> Item:
    """The same story as published elsewhere: one sentence reworded, own guid and tracking."""
    lang, title, text, n = story
    text = list(text)
    text[rng.randrange(len(text))] = rng.choice(text)
    html = "".join(f"<p>{s}</p>" for s in text)
    link = f"https://wire.example/{lang}/story-{n}?utm_source=feed{feed.index}&utm_medium=rss"
    return Item(
        guid=f"{feed.site}/wire/{n}/{j}",
        title=title,
        link=link,
        html=html,
        author="AFP" if lang == "fr" else "Reuters",
        categories=[CATEGORIES[lang][n % len(CATEGORIES[lang])]],
        published=when,
        updated=when,
    )


def build_feed(
    index: int, entries: int, rng: random.Random, sentences: dict, wires: list[tuple]
) -> Feed:
    lang = "fr" if rng.random() < 0.45 else "en"
    site = f"https://site{index}.example"
    feed = Feed(index, lang, _title(rng, sentences[lang]), site)
    when = BASE_DATE - timedelta(minutes=rng.randint(0, 600))
    for j in range(entries):
        when -= timedelta(minutes=rng.randint(20, 1400))
        same_lang_wires = [w for w in wires if w[0] == lang]
        if j % WIRE_EVERY == 3 and rng.random() < 0.8:
            feed.items.append(_wire_item(rng, rng.choice(same_lang_wires), feed, j, when))
            continue
        title = _title(rng, sentences[lang])
        slug = "-".join(title.lower().split()[:5])
        feed.items.append(
            Item(
                guid=f"{site}/p/{index}-{j}",
                title=title,
                link=f"{site}/{when:%Y/%m}/{slug}-{j}.html?utm_source=rss&utm_campaign=feed",
                html=_html(rng, sentences[lang], site, rng.randint(300, 1500)),
                author=rng.choice(AUTHORS[lang]),
                categories=rng.sample(CATEGORIES[lang], rng.randint(1, 3)),
                published=when,
                updated=when + timedelta(minutes=rng.choice((0, 0, 0, 15, 90))),
            )
        )
    return feed


def render_rss(feed: Feed, rng: random.Random) -> str:
    full = rng.random() < 0.5  # half the RSS feeds carry the article in content:encoded
    items = []
    for it in feed.items:
        cats = "".join(f"<category>{escape(c)}</category>" for c in it.categories)
        summary = it.html if not full else it.html[: it.html.find("</p>") + 4]
        body = f"<content:encoded><![CDATA[{it.html}]]></content:encoded>" if full else ""
        items.append(
            f"<item><title>{escape(it.title)}</title><link>{escape(it.link)}</link>"
            f'<guid isPermaLink="false">{escape(it.guid)}</guid>'
            f"<pubDate>{format_datetime(it.published)}</pubDate>"
            f"<dc:creator>{escape(it.author)}</dc:creator>{cats}"
            f"<description>{escape(summary)}</description>{body}</item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"\n<channel><title>{escape(feed.title)}</title><link>{feed.site}/</link>"
        f"<description>{escape(feed.title)}</description><language>{feed.language}</language>"
        f"<lastBuildDate>{format_datetime(feed.items[0].published)}</lastBuildDate>\n"
        + "".join(items)
        + "</channel></rss>\n"
    )


def render_atom(feed: Feed, rng: random.Random) -> str:
    entries = []
    for it in feed.items:
        cats = "".join(f'<category term="{escape(c)}"/>' for c in it.categories)
        entries.append(
            f"<entry><title>{escape(it.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(it.link)}"/>'
            f"<id>{escape(it.guid)}</id><published>{it.published.isoformat()}</published>"
            f"<updated>{it.updated.isoformat()}</updated>"
            f"<author><name>{escape(it.author)}</name></author>{cats}"
            f'<content type="html">{escape(it.html)}</content></entry>\n'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.language}">'
        f"<title>{escape(feed.title)}</title><id>{feed.site}/</id>"
        f'<link rel="alternate" href="{feed.site}/"/>'
        f"<updated>{feed.items[0].updated.isoformat()}</updated>\n" + "".join(entries) + "</feed>\n"
    )


def render_json(feed: Feed, rng: random.Random) -> str:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": f"{feed.site}/",
        "language": feed.language,
        "items": [
            {
                "id": it.guid,
                "url": it.link,
                "title": it.title,
                "content_html": it.html,
                "date_published": it.published.isoformat(),
                "date_modified": it.updated.isoformat(),
                "authors": [{"name": it.author}],
                "tags": it.categories,
            }
            for it in feed.items
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


# (extension, renderer, share of feeds): extensions give nginx the right Content-Type.
FORMATS = (("rss", render_rss, 0.5), ("atom", render_atom, 0.3), ("json", render_json, 0.2))


def _format_for(rng: random.Random) -> tuple:
    roll = rng.random()
    for ext, render, share in FORMATS:
        if roll < share:
            return ext, render
        roll -= share
    return FORMATS[-1][:2]


def generate(root: Path, feeds: int, entries: int, seed: int = 5) -> Corpus:
    """Write the feeds under ``root/feeds/``; return their paths relative to ``root``."""
    rng = random.Random(seed)
    sentences = load_sentences()
    wires = _wire_stories(rng, sentences)
    out = root / "feeds"
    out.mkdir(parents=True, exist_ok=True)
    paths: list[str] = []
    total = 0
    for index in range(feeds):
        feed = build_feed(index, entries, rng, sentences, wires)
        ext, render = _format_for(rng)
        data = render(feed, rng).encode("utf-8")
        rel = f"feeds/{index:05d}.{ext}"
        (root / rel).write_bytes(data)
        paths.append(rel)
        total += len(data)
    return Corpus(paths, feeds * entries, total)
