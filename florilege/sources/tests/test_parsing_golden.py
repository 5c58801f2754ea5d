"""Golden comparison with gofeed's parser test corpus (read in place from ../shared/data).

Each field gets its own test: it counts agreements over all cases and fails on any
disagreement that is not listed in ACCEPTED_DIFFERENCES, on any listed difference that now
agrees (so the list stays honest), and when agreement drops below its floor.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from florilege.sources.parsing import golden
from florilege.testing import skip_or_fail_without

PARSER_DIR = golden.default_parser_dir()

# Reasons, one per category of deliberate divergence from gofeed.
_FIRST_LINK = "we keep the first <link> of an item/channel; gofeed keeps the last one"
_RDF_ABOUT = "RSS 1.0: rdf:about is the item's identifier; gofeed leaves guid empty"
_RDF_IMAGE = "RSS 1.0: <image rdf:resource> on the channel is the image URL; gofeed ignores it"
_SOURCE_AUTHOR = "RFC 4287 §4.2.1: entry without author inherits atom:source's; gofeed does not"
_ID_VERBATIM = "ids are kept verbatim (not resolved against xml:base) so they stay stable"
_JSON_UPDATED = "JSON Feed has no feed date; we report the newest entry date, gofeed nothing"
_HTML_DIV = "type=html holding a naked XHTML div: we keep the markup; gofeed unescapes it"
_ID_AS_LINK = "Atom entry without alternate link: an http(s) id is its link; gofeed leaves it empty"
_DC_SUBJECT = "dc:subject in Atom entries counts as a category for us; gofeed files it apart"

_RDF_ITEMS = [
    "rdf_item_description",
    "rdf_item_description_cdata_escaped_markup",
    "rdf_item_description_cdata_naked_markup",
    "rdf_item_description_escaped_markup",
    "rdf_item_description_naked_markup",
    "rdf_item_link",
    "rdf_item_links",
    "rdf_item_title",
    "rdf_item_title_cdata_escaped_markup",
    "rdf_item_title_cdata_naked_markup",
    "rdf_item_title_escaped_markup",
    "rdf_item_title_naked_markup",
]
_RDF_IMAGES = [
    "rdf_image_link",
    "rdf_image_title",
    "rdf_image_title_cdata_escaped_markup",
    "rdf_image_title_cdata_naked_markup",
    "rdf_image_title_escaped_markup",
    "rdf_image_title_naked_markup",
]
_SOURCE_AUTHORS = [
    "atom10_feed_entry_source_author_email",
    "atom10_feed_entry_source_author_mixed_content",
    "atom10_feed_entry_source_author_name",
    "atom10_feed_entry_source_authors_multiple",
]

ACCEPTED_DIFFERENCES: dict[tuple[str, str], str] = {
    ("rss/rss_channel_links.xml", "feed_link"): _FIRST_LINK,
    ("rss/rdf_channel_links.xml", "feed_link"): _FIRST_LINK,
    ("rss/rss_channel_item_links.xml", "link"): _FIRST_LINK,
    ("rss/rdf_item_links.xml", "link"): _FIRST_LINK,
    **{(f"rss/{name}.xml", "id"): _RDF_ABOUT for name in _RDF_ITEMS},
    **{(f"rss/{name}.xml", "feed_image"): _RDF_IMAGE for name in _RDF_IMAGES},
    **{(f"atom/{name}.xml", "author"): _SOURCE_AUTHOR for name in _SOURCE_AUTHORS},
    ("atom/entry_id_xml_base.xml", "id"): _ID_VERBATIM,
    ("atom/atom03_feed_entry_id.xml", "link"): _ID_AS_LINK,
    ("atom/atom10_feed_entry_id.xml", "link"): _ID_AS_LINK,
    ("json/version_json_10.json", "feed_updated"): _JSON_UPDATED,
    ("json/version_json_11.json", "feed_updated"): _JSON_UPDATED,
    ("json/version_json_11_deprecated_author.json", "feed_updated"): _JSON_UPDATED,
    ("atom/atom10_feed_entry_content_html_div_escaped_markup.xml", "content"): _HTML_DIV,
    ("atom/issue_275_extensions_and_source.xml", "categories"): _DC_SUBJECT,
}

# Floors: agreements achieved when this list was last updated (raise them, never lower).
EXPECTED_MIN = {
    "format": 436,
    "feed_title": 46,
    "feed_link": 9,
    "feed_description": 29,
    "feed_updated": 3,
    "feed_language": 3,
    "feed_image": 12,
    "title": 38,
    "link": 13,
    "id": 11,
    "published": 5,
    "updated": 5,
    "author": 18,
    "summary": 35,
    "content": 18,
    "categories": 10,
    "enclosures": 6,
}
EXPECTED_MIN_TOTAL = 697


@lru_cache(maxsize=1)
def _comparisons() -> tuple[golden.Comparison, ...]:
    return tuple(golden.compare_all(PARSER_DIR))


@pytest.fixture(scope="module")
def comparisons() -> tuple[golden.Comparison, ...]:
    skip_or_fail_without(PARSER_DIR / "atom", "gofeed golden corpus")
    return _comparisons()


def test_every_field_has_a_floor() -> None:
    assert set(EXPECTED_MIN) == set(golden.FIELDS)


@pytest.mark.parametrize("field", golden.FIELDS)
def test_field_agrees_with_gofeed(field: str, comparisons: tuple[golden.Comparison, ...]) -> None:
    rows = [c for c in comparisons if c.field == field]
    passed = sum(c.agree for c in rows)
    print(f"{field}: {passed} of {len(rows)} comparisons agree")
    unexpected = [
        f"{c.case}: expected {c.expected!r}, got {c.actual!r}"
        for c in rows
        if not c.agree and (c.case, field) not in ACCEPTED_DIFFERENCES
    ]
    assert not unexpected, "unexpected differences:\n" + "\n".join(unexpected)
    now_agreeing = [c.case for c in rows if c.agree and (c.case, field) in ACCEPTED_DIFFERENCES]
    assert not now_agreeing, f"listed as accepted but now agree (remove them): {now_agreeing}"
    assert passed >= EXPECTED_MIN[field]


def test_accepted_differences_all_exist(comparisons: tuple[golden.Comparison, ...]) -> None:
    """Every listed difference names a real (case, field) comparison: no stale entries."""
    compared = {(c.case, c.field) for c in comparisons}
    missing = sorted(set(ACCEPTED_DIFFERENCES) - compared)
    assert not missing, f"accepted differences for comparisons that no longer happen: {missing}"


def test_overall_summary(comparisons: tuple[golden.Comparison, ...]) -> None:
    table = golden.summary(list(comparisons), ACCEPTED_DIFFERENCES)
    print("\n" + table)
    passed = sum(c.agree for c in comparisons)
    assert passed >= EXPECTED_MIN_TOTAL
    assert len({c.case for c in comparisons}) >= 430  # the corpus was read, not skipped


def test_corpus_path_is_outside_the_repository() -> None:
    # The corpus is read in place; it must never be copied into the repository.
    repo_root = Path(golden.__file__).resolve().parents[3]
    assert not PARSER_DIR.resolve().is_relative_to(repo_root)
