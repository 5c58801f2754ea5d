"""Compare our parser with two golden corpora, field by field.

Usage: ``python -m bench.parse_golden [-v]`` prints, for each corpus, one line
per field (compared, agreeing, percentage) and the overall figures.

- gofeed's parser corpus (``gofeed/testdata/parser/{atom,rss,json}``): the expected JSON is
  the *format-specific* output of gofeed's parsers (atom.Feed, rss.Feed, json.Feed), so each
  format has its own extractor mapping it onto our field names.
- feed-rs's fixtures (``feed-rs/feed-rs/fixture/*/*.serde.json``): one unified model for
  every format. feed-rs invents an id (a hash) when a feed has none; such ids appear nowhere
  in the document, so an entry id is compared only when the expected id occurs in the file.

A field of a case is compared only when at least one side has a value; both sides empty says
nothing. The test suite (florilege/sources/tests/test_parsing_golden.py) uses exactly this
code.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from florilege.sources.parsing import parse_feed
from florilege.sources.parsing.model import FeedParseError, ParsedEntry, ParsedFeed

REPO = Path(__file__).resolve().parent.parent
FEED_FIELDS = (
    "format",
    "feed_title",
    "feed_link",
    "feed_description",
    "feed_updated",
    "feed_language",
    "feed_image",
)
ENTRY_FIELDS = (
    "title",
    "link",
    "id",
    "published",
    "updated",
    "author",
    "summary",
    "content",
    "categories",
    "enclosures",
)
FIELDS = FEED_FIELDS + ENTRY_FIELDS
FORMATS = ("atom", "rss", "json")

# gofeed's version strings -> our format labels (we fold RSS 0.92-0.94 together, and all 2.x).
_VERSION_LABELS = {
    "atom": {"1.0": "atom1.0", "0.3": "atom0.3"},
    "rss": {
        "0.9": "rss0.90", "0.91": "rss0.91", "0.92": "rss0.92", "0.93": "rss0.92",
        "0.94": "rss0.92", "1.0": "rss1.0", "2.0": "rss2.0", "2.01": "rss2.0",
        "2.1": "rss2.0", "": "rss2.0",
    },
}  # fmt: skip

Value = Any  # str | datetime | None | tuple of those (one per entry) | tuple of str


@dataclass(frozen=True)
class Comparison:
    case: str  # "atom/atom10_feed_title.xml"
    field: str
    expected: Value
    actual: Value

    @property
    def agree(self) -> bool:
        return self.expected == self.actual


# --- normalisation -------------------------------------------------------------------------


def _norm(value: Any) -> Value:
    """Whitespace-normalised strings, UTC datetimes, tuples for lists; None/"" -> ""."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, list | tuple):
        return tuple(_norm(v) for v in value)
    return " ".join(str(value).split())


def _expected_date(value: Any) -> Value:
    if not value:
        return ""
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _is_empty(value: Value) -> bool:
    if isinstance(value, tuple):
        return all(_is_empty(v) for v in value)
    return value in ("", None)


# --- gofeed expected outputs -> our field names ----------------------------------------------


def _alternate(links: list[dict[str, Any]] | None, rel: str = "alternate") -> str:
    for link in links or ():
        if (link.get("rel") or "alternate") == rel and link.get("href"):
            return link["href"]
    return ""


def _atom_person(people: list[dict[str, Any]] | None) -> str:
    for person in people or ():
        if person.get("name") or person.get("email"):
            return person.get("name") or person.get("email") or ""
    return ""


def _expected_atom(doc: dict[str, Any]) -> dict[str, Value]:
    entries = doc.get("entries") or []
    return {
        "format": _VERSION_LABELS["atom"].get(doc.get("version", ""), doc.get("version")),
        "feed_title": doc.get("title"),
        "feed_link": _alternate(doc.get("links")),
        "feed_description": doc.get("subtitle"),
        "feed_updated": _expected_date(doc.get("updatedParsed")),
        "feed_language": doc.get("language"),
        "feed_image": doc.get("logo") or doc.get("icon"),
        "title": [e.get("title") for e in entries],
        "link": [_alternate(e.get("links")) for e in entries],
        "id": [e.get("id") for e in entries],
        "published": [_expected_date(e.get("publishedParsed")) for e in entries],
        "updated": [_expected_date(e.get("updatedParsed")) for e in entries],
        "author": [_atom_person(e.get("authors")) for e in entries],
        "summary": [e.get("summary") for e in entries],
        "content": [(e.get("content") or {}).get("value") for e in entries],
        "categories": [[c.get("term") for c in e.get("categories") or ()] for e in entries],
        "enclosures": [
            [lk.get("href") for lk in e.get("links") or () if lk.get("rel") == "enclosure"]
            for e in entries
        ],
    }


def _rss_author(item: dict[str, Any]) -> str:
    return (
        item.get("author")
        or ((item.get("dcExt") or {}).get("creator") or [""])[0]
        or (item.get("itunesExt") or {}).get("author")
        or ""
    )


def _expected_rss(doc: dict[str, Any]) -> dict[str, Value]:
    items = doc.get("items") or []
    return {
        "format": _VERSION_LABELS["rss"].get(doc.get("version", ""), doc.get("version")),
        "feed_title": doc.get("title"),
        "feed_link": doc.get("link"),
        "feed_description": doc.get("description"),
        "feed_updated": _expected_date(doc.get("lastBuildDateParsed") or doc.get("pubDateParsed")),
        "feed_language": doc.get("language"),
        "feed_image": (doc.get("image") or {}).get("url"),
        "title": [i.get("title") for i in items],
        "link": [i.get("link") for i in items],
        "id": [(i.get("guid") or {}).get("value") for i in items],
        "published": [_expected_date(i.get("pubDateParsed")) for i in items],
        "updated": [""] * len(items),
        "author": [_rss_author(i) for i in items],
        "summary": [i.get("description") for i in items],
        "content": [i.get("content") for i in items],
        "categories": [
            [c.get("value") for c in i.get("categories") or ()]
            + list((i.get("dcExt") or {}).get("subject") or ())
            for i in items
        ],
        "enclosures": [[e.get("url") for e in i.get("enclosures") or ()] for i in items],
    }


def _json_author(obj: dict[str, Any]) -> str:
    for author in [*(obj.get("authors") or ()), obj.get("author") or {}]:
        if isinstance(author, dict) and author.get("name"):
            return author["name"]
    return ""


def _expected_json(doc: dict[str, Any]) -> dict[str, Value]:
    items = doc.get("items") or []
    version = str(doc.get("version", ""))
    return {
        "format": "json1.1" if version.rstrip("/").endswith("1.1") else "json1.0",
        "feed_title": doc.get("title"),
        "feed_link": doc.get("home_page_url"),
        "feed_description": doc.get("description"),
        "feed_updated": "",
        "feed_language": doc.get("language"),
        "feed_image": doc.get("icon") or doc.get("favicon"),
        "title": [i.get("title") for i in items],
        "link": [i.get("url") or i.get("external_url") for i in items],
        "id": [i.get("id") for i in items],
        "published": [_expected_date(i.get("date_published")) for i in items],
        "updated": [_expected_date(i.get("date_modified")) for i in items],
        "author": [_json_author(i) for i in items],
        "summary": [i.get("summary") for i in items],
        "content": [i.get("content_html") or i.get("content_text") for i in items],
        "categories": [i.get("tags") or [] for i in items],
        "enclosures": [[a.get("url") for a in i.get("attachments") or ()] for i in items],
    }


_EXPECTED: dict[str, Callable[[dict[str, Any]], dict[str, Value]]] = {
    "atom": _expected_atom,
    "rss": _expected_rss,
    "json": _expected_json,
}


# --- feed-rs expected outputs (one model for all formats) -------------------------------------

_FEED_RS_FORMATS = {"Atom": "atom", "RSS0": "rss0", "RSS1": "rss1.0", "RSS2": "rss2.0"}


def _rs_text(obj: dict[str, Any] | None) -> str:
    """feed-rs Text ({"content": ...}) or Content ({"body": ...}) value."""
    if not obj:
        return ""
    return obj.get("content") or obj.get("body") or ""


def _rs_link(links: list[dict[str, Any]] | None) -> str:
    """The page link: first link without a rel or with rel=alternate."""
    for link in links or ():
        if link.get("rel") in (None, "alternate") and link.get("href"):
            return link["href"]
    return ""


def _rs_author(people: list[dict[str, Any]] | None) -> str:
    for person in people or ():
        if person.get("name") or person.get("email"):
            return person.get("name") or person.get("email") or ""
    return ""


def _rs_date(entry: dict[str, Any], *keys: str) -> Value:
    for k in keys:
        if entry.get(k):
            return _expected_date(entry[k])
    return ""


def _rs_enclosures(entry: dict[str, Any]) -> list[str]:
    urls: list[str] = []
    for media in entry.get("media") or ():
        for content in media.get("content") or ():
            url = content.get("url")
            if url and url not in urls:
                urls.append(url)
    return urls


def _expected_feed_rs(doc: dict[str, Any], source_text: str) -> dict[str, Value]:
    entries = doc.get("entries") or []
    kind = doc.get("feed_type", "")
    fmt = _FEED_RS_FORMATS.get(kind, "")
    if kind == "JSON":
        fmt = "json"
    return {
        "format": fmt,
        "feed_title": _rs_text(doc.get("title")),
        "feed_link": _rs_link(doc.get("links")),
        "feed_description": _rs_text(doc.get("description")),
        "feed_updated": _rs_date(doc, "updated", "published"),
        "feed_language": doc.get("language"),
        "feed_image": (doc.get("logo") or {}).get("uri") or (doc.get("icon") or {}).get("uri"),
        "title": [_rs_text(e.get("title")) for e in entries],
        "link": [_rs_link(e.get("links")) for e in entries],
        "id": [
            e.get("id") if _in_document(e.get("id"), source_text) else GENERATED for e in entries
        ],
        "published": [_rs_date(e, "published") for e in entries],
        "updated": [_rs_date(e, "updated") for e in entries],
        "author": [_rs_author(e.get("authors")) for e in entries],
        "summary": [_rs_text(e.get("summary")) for e in entries],
        "content": [_rs_text(e.get("content")) for e in entries],
        "categories": [[c.get("term") for c in e.get("categories") or ()] for e in entries],
        "enclosures": [_rs_enclosures(e) for e in entries],
    }


# Marks an expected id that feed-rs made up (a hash): that entry's id is not compared.
GENERATED = "\x00generated"


def _in_document(value: Any, source_text: str) -> bool:
    return bool(value) and str(value) in source_text


def _source_text(data: bytes) -> str:
    """The document as text with entities unescaped, to look ids up in."""
    return html.unescape(data.decode("utf-8", errors="replace")).replace("\\/", "/")


# --- our outputs ---------------------------------------------------------------------------


def _entry_value(entry: ParsedEntry, field: str) -> Value:
    if field == "enclosures":
        return [enc.url for enc in entry.enclosures]
    return getattr(entry, field)


def _ours(feed: ParsedFeed | None, coarse_format: bool = False) -> dict[str, Value]:
    if feed is None:
        return {}
    values: dict[str, Value] = {name: getattr(feed, name[5:]) for name in FEED_FIELDS[1:]}
    values["format"] = feed.format
    if coarse_format:
        # feed-rs tells Atom versions apart from nothing, and RSS 0.9x from each other neither.
        values["format"] = "json" if feed.format.startswith("json") else feed.format
        if feed.format.startswith("atom"):
            values["format"] = "atom"
        elif feed.format.startswith("rss0"):
            values["format"] = "rss0"
    for name in ENTRY_FIELDS:
        values[name] = [_entry_value(entry, name) for entry in feed.entries]
    return values


# --- corpus walk ---------------------------------------------------------------------------

GOFEED = "gofeed"
FEED_RS = "feed-rs"
CORPORA = (GOFEED, FEED_RS)


def cases(parser_dir: Path) -> Iterator[tuple[str, Path, Path]]:
    """(case name, input file, expected file) for every gofeed case, in a stable order."""
    for fmt in FORMATS:
        folder = parser_dir / fmt
        if fmt == "json":
            for expected in sorted(folder.glob("*_expected.json")):
                source = folder / expected.name.replace("_expected.json", ".json")
                if source.is_file():
                    yield f"{fmt}/{source.name}", source, expected
            continue
        for source in sorted(folder.glob("*.xml")):
            expected = source.with_suffix(".json")
            if expected.is_file():
                yield f"{fmt}/{source.name}", source, expected


def feed_rs_cases(fixture_dir: Path) -> Iterator[tuple[str, Path, Path]]:
    """(case name, input file, expected file) for every feed-rs fixture with an expectation."""
    for expected in sorted(fixture_dir.glob("*/*.serde.json")):
        stem = expected.name[: -len(".serde.json")]
        for suffix in (".xml", ".json"):
            source = expected.with_name(stem + suffix)
            if source.is_file():
                yield f"{FEED_RS}/{expected.parent.name}/{source.name}", source, expected
                break


def _parse(source: Path, coarse_format: bool = False) -> dict[str, Value]:
    try:
        return _ours(parse_feed(source.read_bytes()), coarse_format)
    except FeedParseError:
        return {}


def _compare(name: str, expected: dict[str, Value], ours: dict[str, Value]) -> list[Comparison]:
    comparisons = []
    for field in FIELDS:
        exp, act = _norm(expected.get(field)), _norm(ours.get(field))
        if field == "id" and isinstance(exp, tuple) and len(exp) == len(act):
            # Generated ids are left out, entry by entry.
            raw = expected.get(field) or []
            kept = [i for i, value in enumerate(raw) if value != GENERATED]
            exp, act = tuple(exp[i] for i in kept), tuple(act[i] for i in kept)
        if field in ENTRY_FIELDS and _is_empty(exp) and _is_empty(act) and len(exp) == len(act):
            continue
        if field in FEED_FIELDS and _is_empty(exp) and _is_empty(act):
            continue
        comparisons.append(Comparison(name, field, exp, act))
    return comparisons


def compare_case(name: str, source: Path, expected_file: Path) -> list[Comparison]:
    """Comparisons for one gofeed case."""
    fmt = name.split("/", 1)[0]
    expected = _EXPECTED[fmt](json.loads(expected_file.read_text(encoding="utf-8")))
    return _compare(name, expected, _parse(source))


def _url(value: Value) -> Value:
    """A URL as feed-rs stores it (parsed by the url crate): lower-case host, "/" for no path."""
    if not isinstance(value, str) or "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        path = parts.path or ("/" if parts.netloc else "")
        return urlunsplit(
            (parts.scheme.lower(), parts.netloc.lower(), path, parts.query, parts.fragment)
        )
    except ValueError:
        return value


def _feed_rs_view(values: dict[str, Value]) -> dict[str, Value]:
    """Both sides seen through feed-rs's model, so that only real disagreements remain.

    URLs are compared as parsed URLs (feed-rs stores them so); language tags without case
    (BCP 47 tags are case-insensitive); an entry's ``updated`` is its last change, i.e. its
    publication when it was never updated (feed-rs copies RSS pubDate into it).
    """
    if not values:
        return values
    view = dict(values)
    for field in ("feed_link", "feed_image"):
        view[field] = _url(view.get(field))
    for field in ("link", "enclosures"):
        view[field] = [
            [_url(u) for u in v] if isinstance(v, list) else _url(v) for v in view.get(field) or []
        ]
    view["feed_language"] = str(view.get("feed_language") or "").lower()
    view["updated"] = [
        updated or published
        for updated, published in zip(
            view.get("updated") or [], view.get("published") or [], strict=False
        )
    ]
    return view


def compare_feed_rs_case(name: str, source: Path, expected_file: Path) -> list[Comparison]:
    """Comparisons for one feed-rs fixture."""
    doc = json.loads(expected_file.read_text(encoding="utf-8"))
    expected = _expected_feed_rs(doc, _source_text(source.read_bytes()))
    ours = _parse(source, coarse_format=True)
    return _compare(name, _feed_rs_view(expected), _feed_rs_view(ours))


def compare_all(parser_dir: Path) -> list[Comparison]:
    return [c for case in cases(parser_dir) for c in compare_case(*case)]


def compare_feed_rs(fixture_dir: Path) -> list[Comparison]:
    return [c for case in feed_rs_cases(fixture_dir) for c in compare_feed_rs_case(*case)]


def agreement(comparisons: list[Comparison], with_format: bool = False) -> tuple[int, int]:
    """(agreeing, compared) over all fields, by default leaving the format label out."""
    rows = [c for c in comparisons if with_format or c.field != "format"]
    return sum(c.agree for c in rows), len(rows)


def _percent(agree: int, total: int) -> str:
    return f"{100 * agree / total:.1f}%" if total else "-"


def summary(comparisons: list[Comparison], accepted: Any = ()) -> str:
    """A per-field table plus the overall agreement lines."""
    case_count = len({c.case for c in comparisons})
    lines = [f"{'field':<18}{'compared':>9}{'agree':>7}{'%':>8}{'accepted':>9}{'other':>7}"]
    for field in FIELDS:
        rows = [c for c in comparisons if c.field == field]
        agree = sum(c.agree for c in rows)
        acc = sum(1 for c in rows if not c.agree and (c.case, field) in accepted)
        other = len(rows) - agree - acc
        lines.append(
            f"{field:<18}{len(rows):>9}{agree:>7}{_percent(agree, len(rows)):>8}{acc:>9}{other:>7}"
        )
    agree, total = agreement(comparisons)
    agree_all, total_all = agreement(comparisons, with_format=True)
    lines.append(
        f"{case_count} cases; all fields but format: {agree} of {total} agree "
        f"({_percent(agree, total)}); with format: {agree_all} of {total_all} "
        f"({_percent(agree_all, total_all)})"
    )
    return "\n".join(lines)


def feeds_dir() -> Path:
    """<repo root>/../shared/data/feeds."""
    return REPO.parent / "shared" / "data" / "feeds"


def default_parser_dir() -> Path:
    """The gofeed parser corpus: ../shared/data/feeds/gofeed/testdata/parser."""
    return feeds_dir() / "gofeed" / "testdata" / "parser"


def default_feed_rs_dir() -> Path:
    """The feed-rs fixtures: ../shared/data/feeds/feed-rs/feed-rs/fixture."""
    return feeds_dir() / "feed-rs" / "feed-rs" / "fixture"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    runs = (
        (GOFEED, default_parser_dir(), compare_all),
        (FEED_RS, default_feed_rs_dir(), compare_feed_rs),
    )
    status = 0
    for label, folder, compare in runs:
        if not folder.is_dir():
            print(f"{label} corpus not found at {folder}", file=sys.stderr)
            status = 2
            continue
        comparisons = compare(folder)
        print(f"== {label} ({folder})")
        for c in comparisons:
            if verbose and not c.agree:
                print(f"DIFF {c.case} {c.field}: expected {c.expected!r} got {c.actual!r}")
        print(summary(comparisons))
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
