"""Full-text search over visible scoops, public topics and curators, in one topic or site-wide.

One entry point, :func:`search`, hides the database. Both databases index the text folded
(accents and case) and unstemmed: SQLite in the FTS5 table the publishing migrations create
(``unicode61 remove_diacritics 2``, kept in step by triggers), PostgreSQL in a column of
``to_tsvector('simple', florilege_fold(...))`` (``unaccent`` when the extension can be
installed, ``translate()`` otherwise; migration publishing 0006) kept by a trigger, with a
GIN index (0009). Stemming happens here, in Python, once for both: :func:`stem` cuts
French and English endings and each stem is matched as a prefix, so "réseaux" finds
"réseau", "fediverse" finds "fédivers" and "modérations" finds "moderation", the same way
on both databases.

Matching: a scoop matching any word is a result; those matching every word come first, then
by relevance (bm25 / ts_rank), then newest. One story (or one article scooped in several
topics) is one result.

The reader's text never reaches either query language as syntax: it is cut to
``MAX_QUERY`` characters, split into at most ``MAX_TERMS`` words of letters and digits, and
each stem is quoted (FTS5) or built into a tsquery of quoted lexemes (PostgreSQL), so
``AND``, ``NEAR``, ``"``, ``*``, ``:`` or ``-`` are plain words or dropped, never operators.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

from florilege.curation.models import Scoop
from florilege.lib.text.folding import fold
from florilege.publishing import queries
from florilege.topics.models import Topic

MAX_QUERY = 200
MAX_TERMS = 8
MAX_RESULTS = 100  # scoops read, best first, before grouping by story
PAGE_SIZE = 20  # hits shown a page: only those are loaded and rendered as cards
MAX_SIDE_HITS = 5  # topics, and curators, shown above the scoops
# Accounts whose name matches that are asked, one query each, whether they have something
# visible: the best-matching ones.
MAX_NAMED = 20
_WORD = re.compile(r"\w+", re.UNICODE)
# Words every query may hold and no reader means to require: dropped, unless nothing else
# is left. Includes FTS operators spelt as words, which readers type as plain English.
_STOP = " ".join(
    (
        "a an and are as at be by for from in is it of on or not near the to with",
        # Pronouns, determiners and auxiliaries: in most scoops, so they ranked most of the
        # instance for nothing (words both languages use otherwise, "son", "car", are kept).
        "i he she we you they his her its our their this that these those was were been has",
        "have had do does did but if so than then there no",
        "au aux de des du en et est la le les ou par pour sur un une",
        "ce ces cet cette ca il ils elle elles nous vous je tu se ses leur leurs que qui ne pas",
        "dans avec mais donc ni y",
        # What is left of an elision or contraction written apart ("l école").
        "c d j l m n s t qu jusqu lorsqu puisqu quoiqu",
    )
)
# Elisions and contractions, cut where they touch their apostrophe before the text is split
# into words: "l'école" is "école", "qu'il" "il", "Alice's" "Alice", "don't" "do". As words
# of their own, "l" matched nearly every French scoop and "don" (from "don't") every "donc"
# and "données".
_APOSTROPHE = "['\u2019]"  # typed, or typographic as word processors and phones write it
_ELIDED = re.compile(rf"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu){_APOSTROPHE}(?=\w)", re.I)
_CONTRACTED = re.compile(rf"(?<=\w)(?:n{_APOSTROPHE}t|{_APOSTROPHE}(?:s|t|ll|re|ve|d|m))\b", re.I)
STOP_WORDS = frozenset(_STOP.split(" "))
MIN_STEM = 4  # a stem is never cut below this: "réseaux" -> "reseau", not "res"
MIN_PREFIX = 3  # shorter words match whole only, so "ai" does not find "aide"
# French and English inflectional and common derivational endings, longest first. Matched
# as a prefix, the stem finds every form the ending varies: "moderat" (from "modération")
# finds moderation, modérateurs, moderated. "-ation" is not cut: "moder" would find "modern".
_ENDINGS = (
    "issements", "issement", "ements", "ement", "ments", "euses", "ment", "euse", "eurs",
    "ions", "ives", "ings", "ies", "ing", "ion", "eur", "ive", "ees", "ers", "ors",
    "ed", "es", "ee", "er", "ez", "or", "ly", "s", "x", "e",
)  # fmt: skip
# PostgreSQL's half of the index: each scoop's weighted, folded document (title > tags >
# excerpt > insight), kept by a trigger in a column with a GIN index (migration publishing
# 0009). Ranking reads the stored document instead of recomputing it for every match.
PG_DOCUMENT = '"curation_scoop"."search_document"'


def stem(term: str) -> str:
    """The folded word without its French or English ending, never shorter than
    ``MIN_STEM`` letters before undoubling: "réseaux" -> "reseau", "Fediverse" ->
    "fedivers", "fédivers" -> "fediv", "running" -> "run" ("runn" would not prefix "run")."""
    word = fold(term)
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            word = word[: -len(ending)]
            # English doubles a final consonant before -ing/-ed/-er: "runn" -> "run".
            if ending[0] in "ie" and word[-1] == word[-2] and word[-1] in "bdgmnprt":
                word = word[:-1]
            break
    return word


@dataclass(frozen=True)
class Query:
    """A reader's search text reduced to the words we search for."""

    terms: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.terms)

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(stem(t) for t in self.terms))

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(raw: str | None) -> Query:
    text = _CONTRACTED.sub("", _ELIDED.sub("", (raw or "")[:MAX_QUERY]))
    words = _WORD.findall(text)
    # "_" is a word character for \w but means nothing to readers.
    terms = [w.strip("_") for w in words if w.strip("_")]
    meaningful = [t for t in terms if t.casefold() not in STOP_WORDS]
    return Query(tuple((meaningful or terms)[:MAX_TERMS]))


def fts5_match(stems: Iterable[str], operator: str) -> str:
    """An FTS5 MATCH expression: every stem quoted (no operators), a prefix unless it is
    very short, joined by ``operator`` ("OR": any word, "AND": every word)."""
    parts = [f'"{s}"' if len(s) < MIN_PREFIX else f'"{s}" *' for s in stems]
    return f" {operator} ".join(parts)


def pg_tsquery(stems: Iterable[str], operator: str) -> str:
    """The same for PostgreSQL's to_tsquery: quoted lexemes, prefixes, "|" or "&"."""
    parts = [f"'{s}'" if len(s) < MIN_PREFIX else f"'{s}':*" for s in stems]
    return f" {operator} ".join(parts)


def words_match(stems: tuple[str, ...], text: str) -> int:
    """How many stems prefix a word of ``text``: the topic and curator side of search,
    small enough to do in Python and so the same on both databases."""
    return _stems_in(stems, _folded_words(text))


def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def _stems_in(stems: tuple[str, ...], words: tuple[str, ...]) -> int:
    return sum(
        1 for s in stems if any(w == s or (len(s) >= MIN_PREFIX and w.startswith(s)) for w in words)
    )


@dataclass(frozen=True)
class Hit:
    """One story found: its best-ranked scoop, and the other topics where it appears."""

    scoop: Scoop
    also_in: list[Topic] = field(default_factory=list)


@dataclass
class Results:
    """What a search found: one page of hits (one per story), and the topics and curators
    (site-wide, on the first page only)."""

    hits: list[Hit] = field(default_factory=list)  # the shown page's, loaded as cards
    topics: list[Topic] = field(default_factory=list)
    curators: list[Any] = field(default_factory=list)
    page: Page | None = None
    # Every hit found, counted after grouping: more may exist past the query's limit of
    # MAX_RESULTS scoops, which ``capped`` says.
    total: int = 0
    capped: bool = False


def search(raw: str | None, topic: Topic | None = None) -> list[Scoop]:
    """Visible scoops matching ``raw``, best first, one per story; empty when nothing
    searchable is left."""
    return [hit.scoop for hit in search_hits(raw, topic)]


def search_hits(raw: str | None, topic: Topic | None = None) -> list[Hit]:
    """Every hit, each scoop loaded for its card."""
    hits, _ = _found(parse_query(raw), topic)
    return as_cards(hits)


def _found(query: Query, topic: Topic | None) -> tuple[list[Hit], bool]:
    """Every hit, best first, with its scoop loaded light (what grouping and "also in"
    read), and whether the query's limit was reached. The cards' text, picture and counts
    are read later, for the shown page only. Both orders end on the id, so ties fall the
    same way on every request and no hit is on two pages or on none."""
    if not query:
        return [], False
    scoops = (
        Scoop.objects.visible()
        .select_related("topic")
        .only("id", "canonical_url", "topic", "topic__title", "topic__slug")
    )
    if topic is not None:
        scoops = scoops.filter(topic=topic)
    found = _postgres if connection.vendor == "postgresql" else _sqlite
    # Ranked narrow, then loaded: a common word matches tens of thousands of scoops on a
    # large instance, and sorting them with the columns a hit shows (its address, its
    # topic's title, its story through two joins) made the sort three times slower and
    # spill to disk. Only the ids and sort keys are sorted; the few kept are read after.
    # One more than is kept: "capped" only when something was really left out.
    ids = list(found(scoops, query).values_list("pk", flat=True)[: MAX_RESULTS + 1])
    loaded = _story(scoops).in_bulk(ids[:MAX_RESULTS])
    # A scoop hidden between the two queries is left out.
    rows = [loaded[pk] for pk in ids[:MAX_RESULTS] if pk in loaded]
    return group_by_story(rows), len(ids) > MAX_RESULTS


def as_cards(hits: Sequence[Hit]) -> list[Hit]:
    """The same hits with their scoops loaded as a list page's cards (curator, picture,
    rescoop credit, readers' counts), in one query and in the hits' order."""
    if not hits:
        return []
    ids = [hit.scoop.pk for hit in hits]
    full = queries.cards(
        Scoop.objects.visible().filter(pk__in=ids).select_related("curator", "topic", "picture")
    ).in_bulk()
    # A scoop hidden between the two queries is left out rather than shown.
    return [Hit(full[hit.scoop.pk], hit.also_in) for hit in hits if hit.scoop.pk in full]


def search_all(
    raw: str | None, topic: Topic | None = None, page: str | int | None = None
) -> Results:
    """The search page: one page of ``PAGE_SIZE`` hits (``page`` as the reader typed it: a
    bad or out-of-range value gives the first or last page), plus matching topics and
    curators on the first page when searching the site."""
    query = parse_query(raw)
    if not query:
        return Results()
    hits, capped = _found(query, topic)
    shown = Paginator(hits, PAGE_SIZE).get_page(page)
    cards = as_cards(list(shown.object_list))
    shown.object_list = cards
    results = Results(hits=cards, page=shown, total=len(hits), capped=capped)
    # The side lists stand above the scoops: a reader on page 2 has passed them already,
    # and they read every public topic and active account.
    if topic is None and shown.number == 1:
        results.topics = _topics(query)
        results.curators = _curators(query)
    return results


# The side lists' candidates, each process's own: (id, folded words) of every public topic
# and active account, read again after SIDE_MEMO_SECONDS or when this process saves a topic
# or an account. Folding a thousand titles and descriptions was a third of a first page's
# time on a large instance. Only matching reads the kept words: the rows shown (and whether
# they are still public, active, and still match) are read fresh, so another process's
# change is at worst matched late, never shown wrong.
SIDE_MEMO_SECONDS = 30.0
_candidates: dict[str, tuple[float, list[tuple[int, tuple[str, ...]]]]] = {}
# Bumped by every forget: a list read while a save was being forgotten is not kept (it may
# hold the names from before the save).
_forgotten = {"topics": 0, "accounts": 0}


def forget_side_lists(*kinds: str) -> None:
    """Forget the kept names ("topics", "accounts"; every kind when none is named)."""
    for kind in kinds or tuple(_forgotten):
        _forgotten[kind] += 1
        _candidates.pop(kind, None)


def _kept(kind: str, read: Callable[[], Iterable[tuple[int, str]]]) -> list:
    now = time.monotonic()
    kept = _candidates.get(kind)  # (when read, names)
    if kept is None or now - kept[0] >= SIDE_MEMO_SECONDS:
        generation = _forgotten[kind]
        kept = (now, [(pk, _folded_words(text)) for pk, text in read()])
        if _forgotten[kind] == generation:
            _candidates[kind] = kept
    return kept[1]


def _best(query: Query, candidates: list, keep: int) -> list[int]:
    """Ids of the best-matching candidates, best first, ties in the candidates' order."""
    stems = query.stems
    scored = [(n, pk) for pk, words in candidates if (n := _stems_in(stems, words))]
    scored.sort(key=lambda pair: -pair[0])
    return [pk for _, pk in scored[:keep]]


def _fresh(query: Query, ids: list[int], rows: QuerySet, text_of: Callable[[Any], str]) -> list:
    """``rows`` of ``ids`` read now, in the order of ``ids``, those that still match."""
    found = rows.in_bulk(ids) if ids else {}
    stems = query.stems
    return [found[pk] for pk in ids if pk in found and words_match(stems, text_of(found[pk]))]


def _topic_text(topic: Topic) -> str:
    return f"{topic.title} {topic.description}"


def _topics(query: Query) -> list[Topic]:
    public = Topic.objects.filter(is_public=True)
    every = public.order_by("title", "pk").only("title", "description")  # ties by title
    candidates = _kept("topics", lambda: ((t.pk, _topic_text(t)) for t in every))
    # Twice as many as are shown: one may have gone private or changed since it was read.
    best = _best(query, candidates, 2 * MAX_SIDE_HITS)
    fresh = public.only("title", "slug", "description")
    return _fresh(query, best, fresh, _topic_text)[:MAX_SIDE_HITS]


def _account_text(user: Any) -> str:
    return f"{user.get_username()} {user.get_full_name()}"


def _curators(query: Query) -> list[Any]:
    """Active accounts whose name matches, best first, that have something visible.

    Names first, in Python, then whether those few have a visible scoop: asked of every
    account, "has a visible scoop" became a join over every visible scoop of the instance
    (125 ms with 200,000), whatever the query."""
    active = get_user_model().objects.filter(is_active=True)
    fields = ("username", "first_name", "last_name")
    every = active.order_by("pk").only(*fields)
    candidates = _kept("accounts", lambda: ((u.pk, _account_text(u)) for u in every))
    # Twice as many as are asked: one may have been deactivated or renamed since it was read.
    best = _best(query, candidates, 2 * MAX_NAMED)
    named = _fresh(query, best, active.only(*fields), _account_text)[:MAX_NAMED]
    # One probe per account, its id written in the query, best name first: asked in one
    # statement (EXISTS or a correlated subquery), PostgreSQL estimated the scoops of "an
    # account" from the busiest curators and read the whole table for each account with
    # nothing visible (14 s for 200 accounts); with the id known it uses the curator's index.
    shown = []
    for account in named:
        if Scoop.objects.visible().filter(curator_id=account.pk).exists():
            shown.append(account)
            if len(shown) == MAX_SIDE_HITS:
                break
    return shown


def group_by_story(scoops: Iterable[Scoop]) -> list[Hit]:
    """One hit per story: the best-ranked scoop of each, with the topics where the others
    appear. The same article scooped (or rescooped) in two topics, or two articles the
    pipeline clustered into one story, are one result, not two."""
    first: dict[tuple[str, object], Hit] = {}
    for scoop in scoops:
        story = getattr(scoop, "story_id", None)  # annotated by _story()
        key = ("story", story) if story is not None else ("url", scoop.canonical_url)
        kept = first.get(key)
        if kept is None:
            first[key] = Hit(scoop)
        elif scoop.topic_id != kept.scoop.topic_id and scoop.topic not in kept.also_in:
            kept.also_in.append(scoop.topic)
    return list(first.values())


def _story(scoops: QuerySet[Scoop]) -> QuerySet[Scoop]:
    # StoryMember is one row per entry: a LEFT JOIN that adds no rows.
    return scoops.annotate(story_id=F("entry__story_member__story_id"))


def _sqlite(scoops: QuerySet[Scoop], query: Query) -> QuerySet[Scoop]:
    # A correlated lookup by rowid is cheap in FTS5 and keeps visibility and topic in the
    # ORM (Scoop.objects.visible()), instead of repeating them in SQL here.
    lookup = (
        "FROM publishing_scoop_fts "
        'WHERE publishing_scoop_fts MATCH %s AND rowid = "curation_scoop"."id"'
    )
    rank = RawSQL(
        f"SELECT bm25(publishing_scoop_fts, 4.0, 2.0, 1.0, 2.0) {lookup}",
        [fts5_match(query.stems, "OR")],
        output_field=FloatField(),
    )
    every: RawSQL | Value = Value(True)
    if len(query.stems) > 1:
        every = RawSQL(
            f"EXISTS (SELECT 1 {lookup})",
            [fts5_match(query.stems, "AND")],
            output_field=BooleanField(),
        )
    # bm25 is lower for better matches.
    return (
        scoops.annotate(rank=rank, every_word=every)
        .filter(rank__isnull=False)
        .order_by("-every_word", "rank", "-published_at", "-id")
    )


def _postgres(scoops: QuerySet[Scoop], query: Query) -> QuerySet[Scoop]:
    any_word = pg_tsquery(query.stems, "|")
    # Filtering on the expression itself (not "annotation = true") lets the planner match
    # it against the GIN index.
    hit = RawSQL(
        f"{PG_DOCUMENT} @@ to_tsquery('simple', %s)", [any_word], output_field=BooleanField()
    )
    rank = RawSQL(
        f"ts_rank({PG_DOCUMENT}, to_tsquery('simple', %s))", [any_word], output_field=FloatField()
    )
    every = RawSQL(
        f"{PG_DOCUMENT} @@ to_tsquery('simple', %s)",
        [pg_tsquery(query.stems, "&")],
        output_field=BooleanField(),
    )
    return (
        scoops.filter(hit)
        .annotate(rank=rank, every_word=every)
        .order_by("-every_word", "-rank", "-published_at", "-id")
    )
