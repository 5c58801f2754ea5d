"""Full-text search over visible scoops, in one topic or across the site.

One entry point, :func:`search`, hides the database: SQLite uses the FTS5 table the
publishing migration creates (kept in step by triggers), PostgreSQL a GIN-indexed
``to_tsvector`` with French stemming for French scoops and English for the rest.

The reader's text never reaches either query language as syntax: it is cut to
``MAX_QUERY`` characters, split into at most ``MAX_TERMS`` words, and each word is quoted
(FTS5) or handed to ``plainto_tsquery`` (PostgreSQL), so ``AND``, ``NEAR``, ``"``, ``*``,
``:`` or ``-`` are plain words or dropped, never operators.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from florilege.curation.models import Scoop
from florilege.topics.models import Topic

MAX_QUERY = 200
MAX_TERMS = 8
MAX_RESULTS = 100
_WORD = re.compile(r"\w+", re.UNICODE)
# Words every query may hold and no reader means to require: dropped, unless nothing else
# is left. Includes FTS operators spelt as words, which readers type as plain English.
_STOP = "a an and are as at be by for from in is it of on or not near the to with " + (
    "au aux de des du en et est la le les ou par pour sur un une"
)
STOP_WORDS = frozenset(_STOP.split(" "))

# Must stay the expression the GIN index of migration publishing 0002 is built on, or
# PostgreSQL scans every row instead of using the index.
PG_DOCUMENT = """to_tsvector(
        CASE WHEN left("curation_scoop"."language", 2) = 'fr' THEN 'french'::regconfig
        ELSE 'english'::regconfig END,
        translate(coalesce("curation_scoop"."title", '') || ' '
        || coalesce("curation_scoop"."excerpt", '') || ' '
        || coalesce("curation_scoop"."insight", '') || ' '
        || coalesce("curation_scoop"."tags"::text, ''),
        'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ',
        'aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY'))"""


def fold_accents(text: str) -> str:
    """What translate() does to the indexed text, done to the query: "é" -> "e"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Query:
    """A reader's search text reduced to the words we search for."""

    terms: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(raw: str | None) -> Query:
    words = _WORD.findall((raw or "")[:MAX_QUERY])
    # "_" is a word character for \w but means nothing to readers.
    terms = [w.strip("_") for w in words if w.strip("_")]
    meaningful = [t for t in terms if t.casefold() not in STOP_WORDS]
    return Query(tuple((meaningful or terms)[:MAX_TERMS]))


def light_stem(term: str) -> str:
    """French and English plurals share a prefix with their singular ("réseaux"/"réseau",
    "modérations"/"modération", "stories"/"story"): cut the inflected ending and match the
    rest as a prefix. Short words are kept whole, so "the" does not match "theory"."""
    word = term.casefold()
    if len(word) < 5:
        return word
    for ending in ("ies", "es", "s", "x"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def fts5_match(query: Query) -> str:
    """An FTS5 MATCH expression: every word quoted (no operators), short words exact,
    longer ones as stemmed prefixes; words joined by AND (the FTS5 default)."""
    parts = []
    for term in query.terms:
        word = light_stem(term).replace('"', "")
        parts.append(f'"{word}"' if len(word) < 4 else f'"{word}" *')
    return " ".join(parts)


def search(raw: str | None, topic: Topic | None = None) -> QuerySet[Scoop]:
    """Visible scoops matching ``raw``, best first; empty when nothing searchable is left."""
    query = parse_query(raw)
    scoops = Scoop.objects.visible().select_related("curator", "topic")
    if topic is not None:
        scoops = scoops.filter(topic=topic)
    if not query:
        return scoops.none()
    if connection.vendor == "postgresql":
        return _postgres(scoops, query)
    return _sqlite(scoops, query)


def _sqlite(scoops: QuerySet[Scoop], query: Query) -> QuerySet[Scoop]:
    # A correlated lookup by rowid is cheap in FTS5 and keeps visibility and topic in the
    # ORM (Scoop.objects.visible()), instead of repeating them in SQL here.
    rank = RawSQL(
        "SELECT bm25(publishing_scoop_fts, 4.0, 2.0, 1.0, 2.0) FROM publishing_scoop_fts "
        'WHERE publishing_scoop_fts MATCH %s AND rowid = "curation_scoop"."id"',
        [fts5_match(query)],
        output_field=FloatField(),
    )
    # bm25 is lower for better matches.
    return (
        scoops.annotate(rank=rank)
        .filter(rank__isnull=False)
        .order_by("rank", "-published_at")[:MAX_RESULTS]
    )


def _postgres(scoops: QuerySet[Scoop], query: Query) -> QuerySet[Scoop]:
    # Both stemmings of the query, OR-ed: a French word finds French scoops, an English
    # word English ones, and the query is one constant, so the GIN index applies.
    tsquery = "(plainto_tsquery('french', %s) || plainto_tsquery('english', %s))"
    text = fold_accents(query.text)
    params = [text, text]
    hit = RawSQL(f"{PG_DOCUMENT} @@ {tsquery}", params, output_field=BooleanField())
    rank = RawSQL(f"ts_rank({PG_DOCUMENT}, {tsquery})", params, output_field=FloatField())
    # Filtering on the expression itself (not "annotation = true") lets the planner match
    # it against the GIN index.
    return scoops.filter(hit).annotate(rank=rank).order_by("-rank", "-published_at")[:MAX_RESULTS]
