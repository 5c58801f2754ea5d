"""Render the demo publications as real RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents.

Pure functions: no database, no settings, no request. The views serve what these return, and the
demo loader uses :func:`feed_urls` to subscribe to them, so the ordinary fetch pipeline runs over
loopback without touching the internet.

Dates are computed from ``now`` truncated to the start of its UTC day: the bytes stay identical
for a whole day, so ``ETag``/``Last-Modified`` revalidation answers 304 as it would for a real
publication, while the demo still looks recent whenever it is run.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from django.utils.html import strip_tags
from lxml import etree

from florilege.demo.content import FEEDS_BY_SLUG, DemoFeed, DemoItem, FeedFormat
from florilege.demo.images import HEIGHT, MEDIA_TYPE, WIDTH, render_png

# Where florilege/urls.py mounts florilege.demo.urls. Kept as a constant (not reverse()) so these
# functions work without a URLconf, e.g. from the loader or in unit tests.
URL_PREFIX = "/demo"

CONTENT_TYPES: dict[FeedFormat, str] = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
# The extension tells a human (and a sniffing client) what to expect at the URL.
EXTENSIONS: dict[FeedFormat, str] = {"rss": ".rss.xml", "atom": ".atom.xml", "json": ".json"}
IMAGE_TYPE = MEDIA_TYPE
IMAGE_SIZE = (WIDTH, HEIGHT)

NS_ATOM = "http://www.w3.org/2005/Atom"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS_MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Atom and JSON Feed ids are tag: URIs (RFC 4151) rather than URLs so they do not change when
# the instance's BASE_URL does; RSS guids are the permalinks, to exercise both conventions.
_TAG_AUTHORITY = "tag:florilege.demo,2025:"


class UnknownFeed(KeyError):
    """No demo publication has this slug."""


# --- Lookup and URLs ---------------------------------------------------------------------------


def feed_filename(feed: DemoFeed) -> str:
    return feed.slug + EXTENSIONS[feed.format]


FEEDS_BY_FILENAME: dict[str, DemoFeed] = {feed_filename(f): f for f in FEEDS_BY_SLUG.values()}


def get_feed(feed_slug: str) -> DemoFeed:
    try:
        return FEEDS_BY_SLUG[feed_slug]
    except KeyError:
        raise UnknownFeed(feed_slug) from None


def _root(base_url: str) -> str:
    return base_url.rstrip("/") + URL_PREFIX


def feed_url(base_url: str, feed_slug: str) -> str:
    return f"{_root(base_url)}/feeds/{feed_filename(get_feed(feed_slug))}"


def site_url(base_url: str, feed_slug: str) -> str:
    return f"{_root(base_url)}/sites/{feed_slug}/"


def article_url(base_url: str, feed_slug: str, item_slug: str) -> str:
    return f"{_root(base_url)}/articles/{feed_slug}/{item_slug}/"


def image_url(base_url: str, feed_slug: str, item_slug: str) -> str:
    return f"{_root(base_url)}/images/{feed_slug}/{item_slug}.png"


def feed_urls(base_url: str) -> list[tuple[str, str]]:
    """(feed slug, absolute feed URL) for every demo publication, in display order."""
    return [(slug, feed_url(base_url, slug)) for slug in FEEDS_BY_SLUG]


# --- Dates -----------------------------------------------------------------------------------


def anchor(now: datetime) -> datetime:
    """Start of ``now``'s UTC day: every date in the demo is an offset from it."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def item_date(item: DemoItem, now: datetime) -> datetime:
    return anchor(now) - timedelta(days=item.days_ago, hours=item.hours_ago)


def last_modified(now: datetime) -> datetime:
    """When the rendered feeds last changed: they are regenerated at each day boundary."""
    return anchor(now)


def sorted_items(feed: DemoFeed) -> list[DemoItem]:
    """Newest first, as publications list them."""
    return sorted(feed.items, key=lambda i: (i.days_ago, i.hours_ago, i.slug))


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


# --- Article text and images -------------------------------------------------------------------

# Follow-up paragraphs that turn a summary into a short article. They are generic on purpose
# and filled in from the item's own data, so the demo pages carry no borrowed text.
_MIDDLE = {
    "fr": (
        "Pour {publication}, ce sujet s'inscrit dans un suivi au long cours des questions liées "
        "à « {tag0} » et à « {tag1} ». Les prochains mois diront si les pratiques décrites ici "
        "se généralisent ou restent l'affaire de quelques pionniers.",
        "Ce n'est pas la première fois que {publication} s'intéresse au thème « {tag0} ». Le "
        "sujet prend pourtant une dimension nouvelle à mesure que les usages évoluent et que "
        "les utilisateurs réclament davantage de transparence et de contrôle.",
        "Les personnes interrogées pour cet article insistent sur un point : sur un thème comme "
        "« {tag0} », il n'existe pas de solution unique. Chaque communauté doit trouver "
        "l'équilibre qui lui convient, quitte à l'ajuster au fil du temps.",
    ),
    "en": (
        "At {publication}, we have been following {tag0} and {tag1} for a while. The coming "
        "months will show whether the practices described here spread widely or remain the "
        "business of a few early adopters.",
        "This is not the first time {publication} has looked at {tag0}. But the subject keeps "
        "changing as habits shift and as people ask for more transparency and more control "
        "over their online lives.",
        "The people we spoke to for this piece agreed on one thing: when it comes to {tag0}, "
        "there is no single answer. Each community has to find the balance that suits it, and "
        "adjust it over time.",
    ),
}
_CLOSING = {
    "fr": (
        "Vous avez une expérience à partager sur ce sujet ? Écrivez à la rédaction de "
        "{publication} : nous publierons une sélection de témoignages dans un prochain article.",
        "Cet article, signé {author}, fait partie de notre dossier « {tag1} ». Nous le mettrons "
        "à jour si de nouveaux éléments apparaissent.",
        "Nous continuerons à suivre ce dossier dans nos prochaines éditions. En attendant, "
        "retrouvez nos autres articles sur le thème « {tag1} ».",
    ),
    "en": (
        "Have you seen this first-hand? Write to the {publication} team: we will publish a "
        "selection of reader experiences in a follow-up.",
        "This article by {author} is part of our ongoing coverage of {tag1}. We will update it "
        "if anything important changes.",
        "We will keep following this story in future issues. In the meantime, you can find more "
        "of our reporting on {tag1} on our site.",
    ),
}


def article_paragraphs(feed: DemoFeed, item: DemoItem) -> list[str]:
    """The article body as HTML paragraphs (safe to insert: the summary is our own markup and
    everything interpolated into the templates is escaped)."""
    digest = hashlib.sha256(f"{feed.slug}/{item.slug}".encode()).digest()
    lang = feed.language if feed.language in _MIDDLE else "en"
    values = {
        "publication": escape(feed.title),
        "author": escape(item.author),
        "tag0": escape(item.tags[0]) if item.tags else "",
        "tag1": escape(item.tags[1] if len(item.tags) > 1 else (item.tags or ("",))[0]),
    }
    summary = item.summary if item.summary.lstrip().startswith("<p") else f"<p>{item.summary}</p>"
    middle = _MIDDLE[lang][digest[0] % len(_MIDDLE[lang])].format(**values)
    closing = _CLOSING[lang][digest[1] % len(_CLOSING[lang])].format(**values)
    return [summary, f"<p>{middle}</p>", f"<p>{closing}</p>"]


def article_html(feed: DemoFeed, item: DemoItem) -> str:
    return "\n".join(article_paragraphs(feed, item))


def plain_summary(item: DemoItem) -> str:
    return " ".join(strip_tags(item.summary).split())


def item_image(feed: DemoFeed, item: DemoItem) -> bytes:
    """The article's cover, a PNG of :data:`IMAGE_SIZE` pixels (rendered once per process)."""
    return render_png(item.title, seed=f"{feed.slug}/{item.slug}", caption=feed.title)


def _tag_uri(feed: DemoFeed, item: DemoItem | None = None) -> str:
    return _TAG_AUTHORITY + feed.slug + (f"/{item.slug}" if item else "")


# --- Renderers -------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _render_rss(feed: DemoFeed, base_url: str, now: datetime) -> bytes:
    rss = etree.Element(
        "rss",
        {"version": "2.0"},
        nsmap={"atom": NS_ATOM, "dc": NS_DC, "content": NS_CONTENT, "media": NS_MEDIA},
    )
    channel = _sub(rss, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", site_url(base_url, feed.slug))
    _sub(channel, "description", feed.description)
    _sub(channel, "language", feed.language)
    _sub(channel, "lastBuildDate", _rfc822(last_modified(now)))
    _sub(channel, "generator", "Florilège demo")
    _sub(channel, "ttl", "60")
    _sub(
        channel,
        f"{{{NS_ATOM}}}link",
        href=feed_url(base_url, feed.slug),
        rel="self",
        type=CONTENT_TYPES["rss"].split(";")[0],
    )
    for item in sorted_items(feed):
        link = article_url(base_url, feed.slug, item.slug)
        image = image_url(base_url, feed.slug, item.slug)
        entry = _sub(channel, "item")
        _sub(entry, "title", item.title)
        _sub(entry, "link", link)
        _sub(entry, "guid", link, isPermaLink="true")
        _sub(entry, "pubDate", _rfc822(item_date(item, now)))
        _sub(entry, f"{{{NS_DC}}}creator", item.author)
        for tag in item.tags:
            _sub(entry, "category", tag)
        # lxml escapes the markup, which is how RSS carries HTML in <description>.
        _sub(entry, "description", item.summary)
        if feed.full_text:
            _sub(entry, f"{{{NS_CONTENT}}}encoded", article_html(feed, item))
        length = str(len(item_image(feed, item)))
        _sub(entry, "enclosure", url=image, length=length, type=IMAGE_TYPE)
        _sub(
            entry,
            f"{{{NS_MEDIA}}}content",
            url=image,
            type=IMAGE_TYPE,
            medium="image",
            width=str(WIDTH),
            height=str(HEIGHT),
        )
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _render_atom(feed: DemoFeed, base_url: str, now: datetime) -> bytes:
    atom = etree.Element(f"{{{NS_ATOM}}}feed", {XML_LANG: feed.language}, nsmap={None: NS_ATOM})

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
        return _sub(parent, f"{{{NS_ATOM}}}{tag}", text, **attrs)

    sub(atom, "id", _tag_uri(feed))
    sub(atom, "title", feed.title)
    sub(atom, "subtitle", feed.description)
    sub(atom, "updated", _rfc3339(last_modified(now)))
    sub(atom, "link", rel="self", type="application/atom+xml", href=feed_url(base_url, feed.slug))
    sub(atom, "link", rel="alternate", type="text/html", href=site_url(base_url, feed.slug))
    sub(sub(atom, "author"), "name", feed.title)
    sub(atom, "generator", "Florilège demo")
    for item in sorted_items(feed):
        date = _rfc3339(item_date(item, now))
        entry = sub(atom, "entry")
        sub(entry, "id", _tag_uri(feed, item))
        sub(entry, "title", item.title)
        sub(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            href=article_url(base_url, feed.slug, item.slug),
        )
        sub(
            entry,
            "link",
            rel="enclosure",
            type=IMAGE_TYPE,
            length=str(len(item_image(feed, item))),
            href=image_url(base_url, feed.slug, item.slug),
        )
        sub(entry, "published", date)
        sub(entry, "updated", date)
        sub(sub(entry, "author"), "name", item.author)
        for tag in item.tags:
            sub(entry, "category", term=tag)
        sub(entry, "summary", item.summary, type="html")
        if feed.full_text:
            sub(entry, "content", article_html(feed, item), type="html")
    return etree.tostring(atom, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _render_json(feed: DemoFeed, base_url: str, now: datetime) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": site_url(base_url, feed.slug),
        "feed_url": feed_url(base_url, feed.slug),
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.title, "url": site_url(base_url, feed.slug)}],
        "items": [
            {
                "id": _tag_uri(feed, item),
                "url": article_url(base_url, feed.slug, item.slug),
                "title": item.title,
                "content_html": article_html(feed, item) if feed.full_text else item.summary,
                "summary": plain_summary(item),
                "image": image_url(base_url, feed.slug, item.slug),
                "date_published": _rfc3339(item_date(item, now)),
                "authors": [{"name": item.author}],
                "tags": list(item.tags),
                "language": feed.language,
            }
            for item in sorted_items(feed)
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_RENDERERS = {"rss": _render_rss, "atom": _render_atom, "json": _render_json}


def render_feed(feed_slug: str, base_url: str, now: datetime) -> tuple[bytes, str]:
    """The feed document for ``feed_slug`` and its Content-Type; raises :class:`UnknownFeed`."""
    feed = get_feed(feed_slug)
    return _RENDERERS[feed.format](feed, base_url, now), CONTENT_TYPES[feed.format]
