"""Relevance of the learned per-topic ranking, on real news with known topics.

``python -m bench.relevance`` (``make bench-relevance``). Data: ``../shared/data/news``
(override with FLORILEGE_NEWS_DIR): BBC News (5 classes), AG News test split (4 classes,
500 items per class drawn with a fixed seed), MasakhaNEWS English and French (dev + test).

Each class is a topic. Items arrive in a shuffled order (fixed seed) and wait in a pool;
the ranker puts its top item first, the simulated curator scoops it when its label is the
topic's class and discards it otherwise, and the model is refit. After 0, 5, 10, 20 and 50
decisions we measure precision@10, nDCG@10 and ROC AUC over the items still in the pool,
and average over the data set's topics. Beside it, from the same run:

* keywords: the rules a user would write from the class name (``RULES`` below; French rules
  for the French data), ranking by rule matches only, the same stream protocol;
* supervised: a logistic regression on the same features trained with every label,
  scored out-of-fold by 5-fold cross-validation (an upper bound: no cold start).

Ours is the code the application runs (``florilege.suggestions.ranker``), not a copy.
Embeddings are cached in ``var/bench-cache`` (keyed by the texts) so a second run is fast.
After the data-set table, one row per topic compares the learned ranking with the keyword
ranking at every checkpoint after the start (5, 10, 20, 50 decisions), and a second table
gives p@10 per topic size band (the topic's share of the stream: < 3%, 3-10%, > 10%).

The last line is ``summary min_p10_at_20=<lowest data-set p@10 after 20 decisions>
fr_gap=<MasakhaNEWS English minus French p@10 after 20 decisions, in points, on the
classes both languages share> worst_vs_keywords=<lowest learned-minus-keywords p@10 over
every topic and compared checkpoint> min_set_vs_keywords_at_50=<lowest data-set learned
minus keywords p@10 after 50 decisions>``. ``--only NAME`` runs one data set (quick
iterations; fr_gap then needs both MasakhaNEWS sets).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from florilege.lib.text import embedding
from florilege.suggestions import ranker
from florilege.suggestions.features import Features, Item, featurize
from florilege.suggestions.rules import Rules, parse_rules

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data/news beside the checkout (or two levels up, from a worktree).
_DEFAULT_NEWS = next(
    (p / "shared" / "data" / "news" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data" / "news",
)
NEWS = Path(os.environ.get("FLORILEGE_NEWS_DIR", _DEFAULT_NEWS))
CACHE = ROOT / "var" / "bench-cache"
CHECKPOINTS = (0, 5, 10, 20, 50)
SEED = 20240601
AGNEWS_PER_CLASS = 500

# What a curator would type for a topic named after the class: a few obvious words.
RULES_EN = {
    "business": ["business", "economy", "company", "market", "shares", "bank"],
    "entertainment": ["film", "music", "star", "award", "show", "actor"],
    "politics": ["politics", "government", "election", "minister", "party", "parliament"],
    "sport": ["sport", "football", "match", "championship", "cup", "player"],
    "tech": ["technology", "computer", "software", "internet", "mobile", "digital"],
    "health": ["health", "hospital", "disease", "doctors", "patients", "virus"],
    "world": ["world", "international", "war", "president", "country", "united nations"],
}
RULES_FR = {
    "business": ["économie", "entreprise", "marché", "banque", "business", "croissance"],
    "health": ["santé", "hôpital", "maladie", "médecin", "patients", "virus"],
    "politics": ["politique", "gouvernement", "élection", "ministre", "parti", "président"],
    "sport": ["sport", "football", "match", "championnat", "coupe", "joueur"],
    "tech": ["technologie", "internet", "numérique", "téléphone", "logiciel", "informatique"],
}
# Class names of each data set mapped to the rule sets above and to a topic title.
ALIASES = {
    "sports": "sport",
    "technology": "tech",
    "sci/tech": "tech",
    "world": "world",
}
TITLES_EN = {
    "business": "Business and economy",
    "entertainment": "Entertainment",
    "politics": "Politics",
    "sport": "Sport",
    "tech": "Technology",
    "health": "Health",
    "world": "World news",
}
TITLES_FR = {
    "business": "Économie et entreprises",
    "health": "Santé",
    "politics": "Politique",
    "sport": "Sport",
    "tech": "Technologie",
}


@dataclass
class DataSet:
    name: str
    language: str
    items: list[Item]
    labels: list[str]


def _shuffled(items: list[Item], labels: list[str]) -> tuple[list[Item], list[str]]:
    order = list(range(len(items)))
    random.Random(SEED).shuffle(order)
    return [items[i] for i in order], [labels[i] for i in order]


def load_bbc() -> DataSet:
    items, labels = [], []
    for folder in sorted(p for p in (NEWS / "bbc").iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.txt")):
            title, _, body = path.read_text(encoding="latin-1").partition("\n")
            items.append(Item(title=title.strip(), text=" ".join(body.split()), language="en"))
            labels.append(folder.name)
    return DataSet("bbc", "en", *_shuffled(items, labels))


def load_agnews() -> DataSet:
    names = {"1": "world", "2": "sport", "3": "business", "4": "tech"}
    by_class: dict[str, list[Item]] = {n: [] for n in names.values()}
    with open(NEWS / "agnews" / "test.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = row["description"].replace("\\", " ")
            by_class[names[row["label"]]].append(Item(row["title"], text, "en"))
    items, labels = [], []
    rng = random.Random(SEED)
    for name, pool in by_class.items():
        for item in rng.sample(pool, AGNEWS_PER_CLASS):
            items.append(item)
            labels.append(name)
    return DataSet("agnews", "en", *_shuffled(items, labels))


def load_masakhane(lang: str) -> DataSet:
    csv.field_size_limit(sys.maxsize)
    items, labels = [], []
    for split in ("dev", "test"):
        with open(NEWS / "masakhanews" / lang / f"{split}.tsv", newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                text = " ".join(row["text"].split())
                items.append(Item(row["headline"].strip(), text, lang[:2]))
                labels.append(ALIASES.get(row["category"], row["category"]))
    language = "fr" if lang == "fra" else "en"
    return DataSet(f"masakhane-{lang}", language, *_shuffled(items, labels))


def vectors_for(data: DataSet) -> np.ndarray:
    texts = [embedding.entry_text(i.title, i.text) for i in data.items]
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{data.name}-{embedding.ENCODER}-{key}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    vectors = np.concatenate(
        [embedding.embed(texts[i : i + 256]) for i in range(0, len(texts), 256)]
    )
    # Stored as the application stores them (float16), so the bench sees the same values.
    vectors = np.stack([embedding.from_bytes(embedding.to_bytes(v)) for v in vectors])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors, allow_pickle=False)
    return vectors


def topic_rules(data: DataSet, name: str) -> tuple[str, Rules]:
    rules, titles = (RULES_FR, TITLES_FR) if data.language == "fr" else (RULES_EN, TITLES_EN)
    return titles[name], parse_rules(rules[name])


def metrics(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """precision@10, nDCG@10 and ROC AUC; ties keep arrival order."""
    order = np.argsort(-scores, kind="stable")[:10]
    top = truth[order].astype(float)
    p10 = float(top.mean()) if len(top) else 0.0
    discounts = 1.0 / np.log2(np.arange(2, len(top) + 2))
    ideal = np.sort(truth.astype(float))[::-1][: len(top)]
    idcg = float((ideal * discounts).sum())
    ndcg = float((top * discounts).sum() / idcg) if idcg else 0.0
    auc = float(roc_auc_score(truth, scores)) if 0 < truth.sum() < len(truth) else 0.5
    return p10, ndcg, auc


Scorer = Callable[[list[int], list[ranker.Decision]], np.ndarray]


def stream(scorer: Scorer, truth: np.ndarray) -> dict[int, tuple[float, float, float]]:
    """The simulated curator: decide on the top item of the remaining pool, refit, repeat."""
    remaining = np.ones(len(truth), dtype=bool)
    decided: list[int] = []
    decisions: list[ranker.Decision] = []
    out = {}
    for step in range(max(CHECKPOINTS) + 1):
        scores = scorer(decided, decisions)
        if step in CHECKPOINTS:
            out[step] = metrics(scores[remaining], truth[remaining])
        if step == max(CHECKPOINTS):
            break
        pick = int(np.flatnonzero(remaining)[np.argmax(scores[remaining])])
        remaining[pick] = False
        decided.append(pick)
        decisions.append(ranker.Decision(kept=bool(truth[pick])))
    return out


# Undecided items passed as pseudo-discards (0: none, as the application does).
BACKGROUND = 0


def ours(features: Features, profile: Features, rules: Rules) -> Scorer:
    matches = ranker.match_all(rules, features)

    def scorer(decided: list[int], decisions: list[ranker.Decision]) -> np.ndarray:
        # With --background N: the first N undecided items of the (shuffled) arrival order.
        taken = set(decided)
        rows = [i for i in range(len(features)) if i not in taken][:BACKGROUND]
        background = features.subset(rows) if rows else None
        model = ranker.train(rules, profile, features.subset(decided), decisions, background)
        return ranker.score(model, features, matches).relevance

    return scorer


def keywords(features: Features, rules: Rules) -> Scorer:
    static = np.array([m.prior for m in ranker.match_all(rules, features)])
    return lambda decided, decisions: static


def supervised(features: Features, labels: list[str], classes: list[str]) -> dict[str, tuple]:
    """Out-of-fold scores of a linear model trained on all labels, per class."""
    x = ranker._design(features)
    y = np.array([classes.index(label) for label in labels])
    scores = np.zeros((len(y), len(classes)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train_rows, test_rows in folds.split(np.zeros(len(y)), y):
        lr = LogisticRegression(C=ranker.C, max_iter=300)
        lr.fit(x[train_rows], y[train_rows])
        scores[test_rows] = lr.decision_function(x[test_rows])
    return {c: metrics(scores[:, k], y == k) for k, c in enumerate(classes)}


def rare_rows(labels: np.ndarray, name: str, share: float) -> np.ndarray:
    """The stream of a rare topic: every item of the other classes and, of this class, the
    first ones in arrival order, as many as make ``share`` of the stream."""
    others = np.flatnonzero(labels != name)
    keep = int(np.ceil(share * len(others) / (1 - share)))
    return np.sort(np.concatenate([others, np.flatnonzero(labels == name)[:keep]]))


def run_data_set(data: DataSet, rare: float | None = None) -> tuple[list[str], dict]:
    """Every class of ``data`` as a topic over the whole stream or, with ``rare``, each
    class thinned to that share of its own stream (the other classes whole)."""
    started = time.process_time()
    vectors = vectors_for(data)
    all_features = featurize(data.items, vectors)
    classes = sorted(set(data.labels))
    all_labels = np.array(data.labels)
    per_topic, shares = {}, {}
    for name in classes:
        rows = rare_rows(all_labels, name, rare) if rare else np.arange(len(all_labels))
        features, labels = all_features.subset(rows), all_labels[rows]
        title, rules = topic_rules(data, name)
        item = ranker.profile_item(title, "", rules)
        profile_vector = embedding.embed([embedding.entry_text(item.title, item.text)])
        profile = featurize([item], profile_vector)
        truth = labels == name
        shares[name] = float(truth.mean())
        per_topic[name] = {
            "ours": stream(ours(features, profile, rules), truth),
            "keywords": stream(keywords(features, rules), truth),
        }
    if rare:
        # No upper bound here: the supervised model needs one stream for every class.
        nan = (float("nan"),) * 3
        upper = {c: nan for c in classes}
        data = DataSet(f"{data.name}-rare", data.language, data.items, data.labels)
    else:
        upper = supervised(all_features, data.labels, classes)
    rows = []
    table: dict = {}
    for k in CHECKPOINTS:
        cells = []
        for method in ("ours", "keywords"):
            mean = np.mean([per_topic[c][method][k] for c in classes], axis=0)
            table.setdefault(method, {})[k] = mean
            cells.append(mean)
        cells.append(np.mean([upper[c] for c in classes], axis=0))
        rows.append(
            f"| {data.name} | {len(data.items)} | {k} | "
            + " | ".join(" | ".join(f"{v:.3f}" for v in cell) for cell in cells)
            + " |"
        )
    table["per_topic"] = per_topic
    table["shares"] = shares
    table["seconds"] = time.process_time() - started
    return rows, table


def shared_p10(table: dict, classes: set[str], k: int) -> float:
    return float(np.mean([table["per_topic"][c]["ours"][k][0] for c in sorted(classes)]))


# Topic size bands, by the share of the stream that belongs to the topic.
BANDS = (("<3%", 0.0, 0.03), ("3-10%", 0.03, 0.10), (">10%", 0.10, 1.01))
# The checkpoints where learned and keyword rankings are compared (both start from the
# same rules at 0 decisions, where the comparison is the cold start's, not the learning's).
COMPARED = tuple(k for k in CHECKPOINTS if k > 0)


def band_of(share: float) -> str:
    return next(name for name, low, high in BANDS if low <= share < high)


def topic_rows(tables: dict) -> list[dict]:
    """One row per (data set, topic): its share of the stream and, at each compared
    checkpoint, learned and keyword p@10."""
    rows = []
    for name, table in tables.items():
        for topic, runs in table["per_topic"].items():
            share = table["shares"][topic]
            rows.append(
                {
                    "data": name,
                    "topic": topic,
                    "share": share,
                    "band": band_of(share),
                    "ours": {k: runs["ours"][k][0] for k in CHECKPOINTS},
                    "keywords": {k: runs["keywords"][k][0] for k in CHECKPOINTS},
                }
            )
    return rows


def worst_vs_keywords(rows: list[dict]) -> tuple[float, str]:
    """The lowest learned-minus-keywords p@10 over every topic and compared checkpoint."""
    worst = min(
        (r["ours"][k] - r["keywords"][k], f"{r['data']}/{r['topic']}@{k}")
        for r in rows
        for k in COMPARED
    )
    return round(worst[0], 3), worst[1]


def print_topics(rows: list[dict]) -> None:
    ks = " | ".join(f"@{k} ours / kw" for k in COMPARED)
    print()
    print(f"| data set | topic | share | band | {ks} | worst diff |")
    print("|" + "---|" * (5 + len(COMPARED)))
    for r in rows:
        cells = " | ".join(f"{r['ours'][k]:.2f} / {r['keywords'][k]:.2f}" for k in COMPARED)
        worst = min(r["ours"][k] - r["keywords"][k] for k in COMPARED)
        print(
            f"| {r['data']} | {r['topic']} | {100 * r['share']:.1f}% | {r['band']} | {cells}"
            f" | {worst:+.2f} |"
        )


def print_bands(rows: list[dict]) -> None:
    print()
    print(
        "| band | topics | "
        + " | ".join(f"ours p@10 @{k}" for k in CHECKPOINTS)
        + " | "
        + " | ".join(f"keywords p@10 @{k}" for k in CHECKPOINTS)
        + " |"
    )
    print("|" + "---|" * (2 + 2 * len(CHECKPOINTS)))
    for band, _, _ in BANDS:
        members = [r for r in rows if r["band"] == band]
        if not members:
            continue
        ours_cells = " | ".join(
            f"{np.mean([r['ours'][k] for r in members]):.3f}" for k in CHECKPOINTS
        )
        kw_cells = " | ".join(
            f"{np.mean([r['keywords'][k] for r in members]):.3f}" for k in CHECKPOINTS
        )
        print(f"| {band} | {len(members)} | {ours_cells} | {kw_cells} |")


# A rare topic's share of its stream in the "-rare" data set: the 2-5% topics where the
# learned ranking struggled (a class thinned to 2.5%, the rest of the corpus whole).
RARE_SHARE = 0.025
LOADERS: dict[str, tuple[Callable[[], DataSet], float | None]] = {
    "bbc": (load_bbc, None),
    "agnews": (load_agnews, None),
    "masakhane-eng": (lambda: load_masakhane("eng"), None),
    "masakhane-fra": (lambda: load_masakhane("fra"), None),
    "agnews-rare": (load_agnews, RARE_SHARE),
}
# The data sets of the historical summary keys (min_p10_at_20 and the set-level check).
MAIN = ("bbc", "agnews", "masakhane-eng", "masakhane-fra")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(LOADERS),
        help="run only this data set (repeatable; a quick check while iterating: the"
        " summary needs every data set, so it then prints what it can)",
    )
    parser.add_argument(
        "--background",
        type=int,
        default=0,
        help="undecided items passed to the ranker as weak pseudo-discards (an experiment;"
        " the application passes none, the default)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    global BACKGROUND
    args = parse_args(sys.argv[1:] if argv is None else argv)
    BACKGROUND = args.background
    if not NEWS.is_dir():
        sys.exit(f"bench-relevance needs the news corpora in {NEWS} (FLORILEGE_NEWS_DIR)")
    header = (
        "| data set | items | decisions | ours p@10 | ours nDCG@10 | ours AUC | "
        "keywords p@10 | keywords nDCG@10 | keywords AUC | "
        "supervised p@10 | supervised nDCG@10 | supervised AUC |"
    )
    print(header)
    print("|" + "---|" * 12)
    tables = {}
    for name in args.only or list(LOADERS):
        loader, rare = LOADERS[name]
        rows, table = run_data_set(loader(), rare)
        tables[name] = table
        for row in rows:
            print(row, flush=True)
    for name, table in tables.items():
        worst = min(
            ((c, t["ours"][20][0]) for c, t in table["per_topic"].items()), key=lambda x: x[1]
        )
        at50 = table["ours"][50][0] - table["keywords"][50][0]
        print(
            f"# {name}: {table['seconds']:.0f} CPU-s; weakest topic after 20 decisions:"
            f" {worst[0]} p@10={worst[1]:.2f}; p@10 at 50 minus keywords {at50:+.3f}"
        )
    per_topic = topic_rows(tables)
    print_topics(per_topic)
    print_bands(per_topic)
    main_sets = [t for name, t in tables.items() if name in MAIN] or list(tables.values())
    min_p10 = min(t["ours"][20][0] for t in main_sets)
    worst, where = worst_vs_keywords(per_topic)
    at50 = min(t["ours"][50][0] - t["keywords"][50][0] for t in tables.values())
    print(f"# worst_vs_keywords is {where}")
    line = f"summary min_p10_at_20={min_p10:.3f}"
    if "masakhane-eng" in tables and "masakhane-fra" in tables:
        eng, fra = tables["masakhane-eng"], tables["masakhane-fra"]
        shared = set(eng["per_topic"]) & set(fra["per_topic"])
        gap = 100 * (shared_p10(eng, shared, 20) - shared_p10(fra, shared, 20))
        line += f" fr_gap={gap:.1f}"
    line += f" worst_vs_keywords={worst:.3f} min_set_vs_keywords_at_50={at50:.3f}"
    if "agnews-rare" in tables:
        line += f" rare_p10_at_20={tables['agnews-rare']['ours'][20][0]:.3f}"
    print(line)


if __name__ == "__main__":
    # One BLAS thread: with small products, threads spin more than they compute, and the
    # application's worker runs the same way (see ``suggestions.services.learning``).
    with threadpool_limits(limits=1):
        main()
