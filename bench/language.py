"""Language identification: accuracy per language and length, and speed.

Corpora (read in place): Lingua's Leipzig news lines (1,000 per language at three lengths:
sentences, word pairs, single words; en, fr, de, es, it, nl, pt) and MasakhaNEWS headlines
(English and French, dev and test). Ours (``florilege.lib.text.language``) beside plain
py3langid over its 97 languages (what we had before), both from this run. A wrong answer
and no answer ("") both count as errors.

Speed is measured on what ingest gives the detector: a MasakhaNEWS headline, ". ", and
the first 120 characters of its text (``ingest.LANGUAGE_CHARS``), one text per call and,
as ingest calls it, a feed's worth (50) per call of ``detect_languages``.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DATA") or REPO.parent / "shared" / "data")
LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")
KINDS = ("sentences", "word-pairs", "single-words")
MASAKHA = {"eng": "en", "fra": "fr"}
FEED_BATCH = 50  # texts per call of detect_languages, as ingest passes a feed's new entries


def lingua_lines(root: Path, kind: str, code: str) -> list[str]:
    text = (root / kind / f"{code}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def masakha_rows(root: Path, folder: str) -> list[tuple[str, str]]:
    """(headline, text) of the dev and test splits."""
    csv.field_size_limit(sys.maxsize)
    rows: list[tuple[str, str]] = []
    for split in ("dev", "test"):
        path = root / folder / f"{split}.tsv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                rows.append((row["headline"].strip(), " ".join(row["text"].split())))
    return rows


def accuracy(detect: Callable[[str], str], texts: list[str], code: str) -> float:
    return sum(detect(t) == code for t in texts) / len(texts) if texts else 0.0


def texts_per_second(detect: Callable[[str], str], texts: list[str], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        for text in texts:
            detect(text)
        best = min(best, time.perf_counter() - began)
    return len(texts) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED / "news")
    args = parser.parse_args()
    lingua_root, masakha_root = args.data / "lingua", args.data / "masakhanews"
    if not lingua_root.is_dir() or not masakha_root.is_dir():
        print(f"corpora not found under {args.data}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    from florilege.lib.text.language import (
        detect_language,
        detect_language_by_model,
        detect_languages,
    )

    sides = {"ours": detect_language, "py3langid": detect_language_by_model}
    # Load both models before timing anything.
    for detect in sides.values():
        detect("warm up the models"), detect("un deux")

    header = f"{'corpus':<14}{'lang':<6}" + "".join(f"{name:>11}" for name in sides)
    print("Accuracy (share of lines whose language is found)")
    print(header)
    results: dict[tuple[str, str, str], float] = {}
    for kind in KINDS:
        for code in LANGUAGES:
            lines = lingua_lines(lingua_root, kind, code)
            cells = ""
            for name, detect in sides.items():
                results[(name, kind, code)] = accuracy(detect, lines, code)
                cells += f"{results[(name, kind, code)]:>11.3f}"
            print(f"{kind:<14}{code:<6}{cells}")
        cells = "".join(
            f"{sum(results[(n, kind, c)] for c in LANGUAGES) / len(LANGUAGES):>11.3f}"
            for n in sides
        )
        print(f"{kind:<14}{'all':<6}{cells}")

    masakha: dict[str, list[tuple[str, str]]] = {
        code: masakha_rows(masakha_root, folder) for folder, code in MASAKHA.items()
    }
    for code, rows in masakha.items():
        headlines = [h for h, _ in rows]
        cells = "".join(f"{accuracy(d, headlines, code):>11.3f}" for d in sides.values())
        print(f"{'masakha-head':<14}{code:<6}{cells}  ({len(headlines)} headlines)")

    def mean(name: str, kind: str, codes: tuple[str, ...]) -> float:
        return sum(results[(name, kind, c)] for c in codes) / len(codes)

    fr_en = ("fr", "en")
    restricted = {
        kind: sum(
            accuracy(
                lambda t: detect_language(t, languages=fr_en), lingua_lines(lingua_root, kind, c), c
            )
            for c in fr_en
        )
        / 2
        for kind in ("word-pairs", "single-words")
    }
    print()
    print("fr/en only (a French-English topic passes its languages):")
    for kind, value in restricted.items():
        seven = mean("ours", kind, fr_en)
        print(f"  {kind:<14} ours {value:.3f}  (all seven languages possible: {seven:.3f})")

    ingest_texts = [f"{h}. {t[:120]}" for rows in masakha.values() for h, t in rows]
    short_texts = [line for c in LANGUAGES for line in lingua_lines(lingua_root, "word-pairs", c)]
    print()
    print("Speed, texts/s (best of 3)")
    print(f"{'input':<28}" + "".join(f"{name:>11}" for name in sides))
    speeds: dict[tuple[str, str], float] = {}
    for label, texts in (("title + lead (ingest)", ingest_texts), ("word pairs", short_texts)):
        for name, detect in sides.items():
            speeds[(name, label)] = texts_per_second(detect, texts)
        print(f"{label:<28}" + "".join(f"{speeds[(n, label)]:>11.0f}" for n in sides))
    batches = [ingest_texts[i : i + FEED_BATCH] for i in range(0, len(ingest_texts), FEED_BATCH)]
    # Calls per second times texts per call.
    batched = texts_per_second(detect_languages, batches) * len(ingest_texts) / len(batches)
    label = f"title + lead, {FEED_BATCH} a call"
    print(f"{label:<28}{batched:>11.0f}{speeds[('py3langid', 'title + lead (ingest)')]:>11.0f}")

    print(
        f"summary fr_en_sentences={mean('ours', 'sentences', fr_en):.4f} "
        f"word_pairs={mean('ours', 'word-pairs', fr_en):.4f} "
        f"texts_per_s={speeds[('ours', 'title + lead (ingest)')]:.0f} "
        f"batched_texts_per_s={batched:.0f} "
        f"all_sentences={mean('ours', 'sentences', LANGUAGES):.4f} "
        f"all_word_pairs={mean('ours', 'word-pairs', LANGUAGES):.4f} "
        f"py3langid_fr_en_sentences={mean('py3langid', 'sentences', fr_en):.4f} "
        f"py3langid_word_pairs={mean('py3langid', 'word-pairs', fr_en):.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
