"""Story clustering on the BBC News corpus: precision and recall against duplicate groups.

Truth (built here, from the texts alone, independently of our clustering):

- exact groups: byte-identical files;
- near-duplicate pairs: every pair of the 2,225 articles (exhaustively, as a sparse
  product of their word 5-shingle sets) with Jaccard similarity >= 0.5.
  The threshold sits in a sparse part of the distribution: 168 pairs are >= 0.5 (149 of
  them >= 0.95), 37 lie in 0.2-0.5, then thousands below. Spot checks: every pair >= 0.5
  is one article lightly edited (a changed title, an added paragraph); the 0.2-0.5 band
  mixes the same story rewritten under the same headline ("Kilroy launches 'Veritas'
  party" twice, "Wolves appoint Hoddle as manager" twice) with follow-ups and related
  stories ("Beatles suits sell..." / "Early Elvis recordings..."). So a pair in that band
  with the very same headline counts as a near-duplicate (4 pairs); the rest of the band
  is a grey zone: neither required nor, in the "grey excluded" column, counted as errors;
- truth groups: connected components of those pairs.

Stream: each article becomes an entry of one of five sources (article number modulo 5,
so copies usually come from different sources), with a unique URL; all articles of a
class are published the same day (class i on day i, spread over the day by file number),
so the 72-hour window overlaps neighbouring classes too. Entries are stored as ingest
stores them (language, fingerprint), then our enrichment stage places them, in batches,
in publication order: the incremental path the worker runs.

Pairs: two articles are "clustered" when they share a story. Precision = clustered
pairs that are truth pairs / clustered pairs; recall = truth pairs clustered / truth
pairs. False merges = clustered pairs of different truth groups (same day or not).
Baseline: exact-text hashing only (what a checksum dedup gives).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# The corpora sit beside the checkout (../shared/data); SHARED_DATA points elsewhere.
SHARED = Path(os.environ.get("SHARED_DATA") or REPO.parent / "shared" / "data")
DEFAULT_CORPUS = SHARED / "news" / "bbc"
SHINGLE = 5
NEAR_JACCARD = 0.5
GREY_JACCARD = 0.2
SOURCES = 5


@dataclass
class Doc:
    index: int
    label: str  # class
    name: str  # file name
    raw: bytes
    title: str
    body: str


def load(corpus: Path) -> list[Doc]:
    docs: list[Doc] = []
    for label in sorted(p.name for p in corpus.iterdir() if p.is_dir()):
        for path in sorted((corpus / label).glob("*.txt")):
            raw = path.read_bytes()
            text = raw.decode("latin-1")
            title, _, body = text.partition("\n")
            docs.append(Doc(len(docs), label, path.name, raw, title.strip(), body.strip()))
    return docs


def shingle_jaccard_pairs(docs: list[Doc]) -> dict[tuple[int, int], float]:
    """Jaccard of word 5-shingle sets for every pair that shares a shingle (exhaustive:
    the sparse product X X^T counts the shared shingles of all pairs at once)."""
    import scipy.sparse as sparse

    from florilege.lib.text.fingerprint import words

    rows: list[int] = []
    cols: list[int] = []
    sizes = np.zeros(len(docs))
    for doc in docs:
        tokens = words(doc.raw.decode("latin-1"))
        shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - 4))}
        sizes[doc.index] = len(shingles)
        rows.extend([doc.index] * len(shingles))
        cols.extend(hash(s) for s in shingles)
    _, column = np.unique(np.array(cols), return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, column)), shape=(len(docs), column.max() + 1)
    )
    shared = (matrix @ matrix.T).tocoo()
    keep = shared.row < shared.col
    a, b, inter = shared.row[keep], shared.col[keep], shared.data[keep]
    jaccard = inter / (sizes[a] + sizes[b] - inter)
    return {(int(x), int(y)): float(j) for x, y, j in zip(a, b, jaccard, strict=True)}


def components(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return [find(x) for x in range(n)]


def pairs_of(labels: list[int]) -> set[tuple[int, int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    return {
        (a, b) for members in groups.values() if len(members) > 1
        for a, b in itertools.combinations(sorted(members), 2)
    }  # fmt: skip


@dataclass
class Score:
    name: str
    predicted: int
    correct: int
    truth: int
    grey: int
    false_merges: int
    cross_class: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def precision_grey_excluded(self) -> float:
        counted = self.predicted - self.grey
        return self.correct / counted if counted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth if self.truth else 1.0


def score(
    name: str, predicted: set, truth: set, grey: set, docs: list[Doc]
) -> tuple[Score, list[tuple[int, int]], list[tuple[int, int]]]:
    wrong = sorted(predicted - truth - grey)
    cross = sum(1 for a, b in wrong if docs[a].label != docs[b].label)
    result = Score(
        name, len(predicted), len(predicted & truth), len(truth),
        len(predicted & grey - truth), len(wrong), cross,
    )  # fmt: skip
    return result, wrong, sorted(truth - predicted)


def setup_django(data_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "florilege.settings")
    # Production settings, as the worker runs: with DEBUG, Django logs every query with
    # its parameters quoted one by one (on SQLite by extra queries), which cost the
    # clustering stream a tenth of its time in multi-row inserts alone.
    os.environ["FLORILEGE_DEBUG"] = "0"
    os.environ["FLORILEGE_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["FLORILEGE_DATA_DIR"] = str(data_dir)
    for name in ("DATABASE_URL", "FLORILEGE_DATABASE_URL"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def store_entries(docs: list[Doc], start: datetime) -> list:
    from florilege.sources.models import Entry, Source
    from florilege.sources.services.ingest import annotate

    sources = [
        Source.objects.create(url=f"https://feeds{i}.example/bbc.xml", title=f"Feed {i}")
        for i in range(SOURCES)
    ]
    labels = sorted({d.label for d in docs})
    entries = []
    for doc in docs:
        day = start + timedelta(days=labels.index(doc.label))
        number = int(doc.name.split(".")[0])
        paragraphs = "".join(f"<p>{p.strip()}</p>" for p in doc.body.split("\n") if p.strip())
        entry = Entry(
            source=sources[doc.index % SOURCES],
            key=f"{doc.label}/{doc.name}",
            url=f"https://news{doc.index % SOURCES}.example/{doc.label}/{doc.name}",
            canonical_url=f"https://news{doc.index % SOURCES}.example/{doc.label}/{doc.name}",
            title=doc.title[:499],
            content=paragraphs,
            published_at=day + timedelta(seconds=number * 80),
            fetched_at=day,
        )
        annotate(entry)
        entries.append(entry)
    Entry.objects.bulk_create(entries, batch_size=500)
    return list(Entry.objects.order_by("published_at", "id"))


def run_stream(
    entries: list, batch: int, profile: str | None = None
) -> tuple[dict[int, int], float, float]:
    """Place the entries in batches; returns (entry -> story, wall seconds, CPU seconds).
    With ``profile``, cProfile in CPU seconds (stats kept there, the top on stderr)."""
    from bench.profiling import Profiler
    from florilege.suggestions.stories import assign_stories

    now = datetime(2026, 1, 1, tzinfo=UTC)
    placed: dict[int, int] = {}
    began, cpu = time.perf_counter(), time.process_time()
    with Profiler(profile, top=30, cpu=True):
        for start in range(0, len(entries), batch):
            placed.update(assign_stories(entries[start : start + batch], now))
    return placed, time.perf_counter() - began, time.process_time() - cpu


def row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--batch", type=int, default=200, help="entries per enrichment batch")
    parser.add_argument("--show", type=int, default=8, help="false merges to print")
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile both streams in CPU seconds: PREFIX-enrich.prof, PREFIX-stories.prof",
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        setup_django(Path(tmp))
        docs = load(args.corpus)
        t0 = time.perf_counter()
        jaccard = shingle_jaccard_pairs(docs)
        truth_seconds = time.perf_counter() - t0
        exact_pairs = {
            (a.index, b.index)
            for a, b in itertools.combinations(docs, 2)
            if a.raw == b.raw
        } if len(docs) < 5000 else set()  # fmt: skip
        near = {p for p, j in jaccard.items() if j >= NEAR_JACCARD}
        # The same headline over a rewritten body is the same story, edited.
        retitled = {
            p for p, j in jaccard.items()
            if GREY_JACCARD <= j < NEAR_JACCARD and docs[p[0]].title == docs[p[1]].title
        }  # fmt: skip
        near |= retitled
        grey = {p for p, j in jaccard.items() if GREY_JACCARD <= j < NEAR_JACCARD} - retitled
        truth_labels = components(len(docs), exact_pairs | near)
        truth = pairs_of(truth_labels)
        groups = sum(1 for n in np.bincount(truth_labels) if n > 1)
        exact_groups = len({x for x in components(len(docs), exact_pairs)}) - (
            len(docs) - len({a for p in exact_pairs for a in p})
        )

        entries = store_entries(docs, datetime(2025, 3, 3, tzinfo=UTC))
        by_key = {d.index: f"{d.label}/{d.name}" for d in docs}
        index_of = {e.key: e for e in entries}
        t0 = time.perf_counter()
        prefix = args.profile
        placed, seconds, cpu = run_stream(
            entries, args.batch, f"{prefix}-enrich.prof" if prefix else None
        )
        story_of = [placed[index_of[by_key[d.index]].pk] for d in docs]
        name = "ours (url, simhash, minhash, semantic)"
        ours, wrong, missed = score(name, pairs_of(story_of), truth, grey, docs)

        from florilege.suggestions.story_models import Story, StoryMember

        # The same stream again with the vectors already stored: clustering alone.
        StoryMember.objects.all().delete()
        Story.objects.all().delete()
        _, cluster_seconds, cluster_cpu = run_stream(
            entries, args.batch, f"{prefix}-stories.prof" if prefix else None
        )

        digests = [hashlib.sha256(d.raw).hexdigest() for d in docs]
        first: dict[str, int] = {}
        baseline_labels = [first.setdefault(h, i) for i, h in enumerate(digests)]
        name = "baseline: exact text hash"
        base, _, _ = score(name, pairs_of(baseline_labels), truth, grey, docs)

    print(f"BBC News: {len(docs)} articles; truth built in {truth_seconds:.1f}s from all pairs")
    print(
        f"truth: {len(exact_pairs)} byte-identical pairs in {exact_groups} groups, "
        f"{len(near)} near-duplicate pairs (those, and 5-shingle Jaccard >= {NEAR_JACCARD}, "
        f"or >= {GREY_JACCARD} under the same headline: {len(retitled)}), "
        f"{groups} groups, {len(truth)} pairs; grey zone ({GREY_JACCARD}-{NEAR_JACCARD}): "
        f"{len(grey)} pairs"
    )
    print()
    header = ["method", "clustered pairs", "correct", "precision", "prec. grey excl.",
              "recall", "false merges", "cross-class"]  # fmt: skip
    widths = [38, 15, 7, 9, 16, 6, 12, 11]
    print(row(header, widths))
    for s in (ours, base):
        print(row([s.name, str(s.predicted), str(s.correct), f"{s.precision:.3f}",
                   f"{s.precision_grey_excluded:.3f}", f"{s.recall:.3f}",
                   str(s.false_merges), str(s.cross_class)], widths))  # fmt: skip
    print()
    n = len(entries)
    print(f"speed, batch {args.batch} (entries/s of wall time, and per CPU-second):")
    print(f"  enrichment stage (vectors + stories): {n / seconds:.0f} wall, {n / cpu:.0f} CPU")
    print(
        f"  stories alone (vectors already stored): {n / cluster_seconds:.0f} wall, "
        f"{n / cluster_cpu:.0f} CPU"
    )
    if wrong:
        print(f"\nfalse merges (first {args.show}, Jaccard in brackets):")
        for a, b in wrong[: args.show]:
            j = jaccard.get((a, b), 0.0)
            print(f"  [{j:.2f}] {docs[a].label}/{docs[a].name} {docs[a].title!r}"
                  f" ~ {docs[b].label}/{docs[b].name} {docs[b].title!r}")  # fmt: skip
    if missed:
        print(f"\nmissed truth pairs (first {args.show}):")
        for a, b in missed[: args.show]:
            j = jaccard.get((a, b), 0.0)
            print(f"  [{j:.2f}] {docs[a].label}/{docs[a].name} {docs[a].title!r}"
                  f" ~ {docs[b].label}/{docs[b].name} {docs[b].title!r}")  # fmt: skip
    print(
        f"summary precision={ours.precision:.3f} recall={ours.recall:.3f} "
        f"precision_grey_excluded={ours.precision_grey_excluded:.3f} "
        f"false_merges={ours.false_merges} baseline_recall={base.recall:.3f} "
        f"entries_per_s={n / seconds:.0f} entries_per_cpu_s={n / cpu:.0f} "
        f"stories_entries_per_s={n / cluster_seconds:.0f} "
        f"stories_entries_per_cpu_s={n / cluster_cpu:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
