"""Compare our parser with gofeed's expected outputs (its parser/{atom,rss,json} test corpus).

Usage: ``python -m florilege.sources.parsing.golden [<gofeed testdata/parser dir>]``
prints one line per field and the overall "N of M field comparisons agree".

gofeed's expected JSON is the *format-specific* output of its parsers (atom.Feed, rss.Feed,
json.Feed), so each format has its own extractor mapping it onto our field names. A field of a
case is compared only when at least one side has a value; both sides empty says nothing.
The test suite (tests/test_parsing_golden.py) uses exactly this code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from florilege.sources.parsing import parse_feed
from florilege.sources.parsing.model import FeedParseError, ParsedEntry, ParsedFeed

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


# --- our outputs ---------------------------------------------------------------------------


def _entry_value(entry: ParsedEntry, field: str) -> Value:
    if field == "enclosures":
        return [enc.url for enc in entry.enclosures]
    return getattr(entry, field)


def _ours(feed: ParsedFeed | None) -> dict[str, Value]:
    if feed is None:
        return {}
    values: dict[str, Value] = {name: getattr(feed, name[5:]) for name in FEED_FIELDS[1:]}
    values["format"] = feed.format
    for name in ENTRY_FIELDS:
        values[name] = [_entry_value(entry, name) for entry in feed.entries]
    return values


# --- corpus walk ---------------------------------------------------------------------------


def cases(parser_dir: Path) -> Iterator[tuple[str, Path, Path]]:
    """(case name, input file, expected file) for every golden case, in a stable order."""
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


def compare_case(name: str, source: Path, expected_file: Path) -> list[Comparison]:
    fmt = name.split("/", 1)[0]
    expected = _EXPECTED[fmt](json.loads(expected_file.read_text(encoding="utf-8")))
    try:
        ours = _ours(parse_feed(source.read_bytes()))
    except FeedParseError:
        ours = {}
    comparisons = []
    for field in FIELDS:
        exp, act = _norm(expected.get(field)), _norm(ours.get(field))
        if field in ENTRY_FIELDS and _is_empty(exp) and _is_empty(act) and len(exp) == len(act):
            continue
        if field in FEED_FIELDS and _is_empty(exp) and _is_empty(act):
            continue
        comparisons.append(Comparison(name, field, exp, act))
    return comparisons


def compare_all(parser_dir: Path) -> list[Comparison]:
    return [c for case in cases(parser_dir) for c in compare_case(*case)]


def summary(comparisons: list[Comparison], accepted: Any = ()) -> str:
    """A per-field table plus the overall agreement line."""
    case_count = len({c.case for c in comparisons})
    lines = [f"{'field':<18}{'compared':>9}{'agree':>7}{'accepted':>9}{'other':>7}"]
    for field in FIELDS:
        rows = [c for c in comparisons if c.field == field]
        agree = sum(c.agree for c in rows)
        acc = sum(1 for c in rows if not c.agree and (c.case, field) in accepted)
        other = len(rows) - agree - acc
        lines.append(f"{field:<18}{len(rows):>9}{agree:>7}{acc:>9}{other:>7}")
    total_agree = sum(c.agree for c in comparisons)
    lines.append(
        f"{case_count} cases, {len(comparisons)} field comparisons: "
        f"{total_agree} of {len(comparisons)} agree"
    )
    return "\n".join(lines)


def default_parser_dir() -> Path:
    """<repo root>/../shared/data/feeds/gofeed/testdata/parser."""
    repo_root = Path(__file__).resolve().parents[3]
    return repo_root.parent / "shared" / "data" / "feeds" / "gofeed" / "testdata" / "parser"


def main(argv: list[str]) -> int:
    paths = [arg for arg in argv if not arg.startswith("-")]
    parser_dir = Path(paths[0]) if paths else default_parser_dir()
    if not parser_dir.is_dir():
        print(f"gofeed corpus not found at {parser_dir}", file=sys.stderr)
        return 2
    comparisons = compare_all(parser_dir)
    verbose = "-v" in argv
    for c in comparisons:
        if verbose and not c.agree:
            print(f"DIFF {c.case} {c.field}: expected {c.expected!r} got {c.actual!r}")
    print(summary(comparisons))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
