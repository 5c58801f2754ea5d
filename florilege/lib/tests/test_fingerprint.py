import pytest

from florilege.lib.text.fingerprint import (
    distance,
    entry_fingerprint,
    entry_fingerprints,
    simhash,
    simhashes,
    to_signed,
    words,
)
from florilege.testing import shared_data, skip_or_fail_without

BBC = shared_data("news", "bbc")


def test_words_fold_case_and_accents() -> None:
    assert words("La Modération, ÇA VA") == ["la", "moderation", "ca", "va"]


def test_empty_text_has_no_fingerprint() -> None:
    assert simhash("") is None and simhash("  ... !!! ") is None
    assert entry_fingerprint("", "") is None


def test_signed_round_trip_fits_a_bigint() -> None:
    assert to_signed((1 << 64) - 1) == -1
    assert -(1 << 63) <= to_signed(simhash("some words here to hash") or 0) < 1 << 63


def hashed(text: str) -> int:
    value = simhash(text)
    assert value is not None, "a text with words has a fingerprint"
    return value


def test_near_duplicates_are_closer_than_different_stories() -> None:
    if not BBC.is_dir():
        skip_or_fail_without(BBC, "BBC news corpus")
    texts = [p.read_text(encoding="latin-1") for p in sorted((BBC / "tech").glob("*.txt"))[:40]]
    far = []
    for text in texts:
        edited = text.replace(" the ", " a ", 3).replace(".", ";", 2)
        assert distance(hashed(text), hashed(edited)) <= 8
        # The corpus holds exact and near duplicates of its own: compare distinct texts.
        far += [distance(hashed(text), hashed(o)) > 12 for o in texts if o != text]
    assert sum(far) / len(far) > 0.95


@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_short_texts_are_fingerprinted(size: int) -> None:
    assert simhash(" ".join(f"w{i}" for i in range(size))) is not None


def test_a_batch_gives_each_text_its_own_fingerprint() -> None:
    # Shingles are mixed over the whole batch at once: none may straddle two texts.
    texts = ["", "one", "one two", "one two three", "!!!", "La Modération, ÇA VA bien"]
    texts += [f"story {n} about the same council meeting and its budget" for n in range(30)]
    assert simhashes(texts) == [simhash(text) for text in texts]
    assert simhashes(texts)[0] is None and simhashes(texts)[4] is None
    assert entry_fingerprints([("Title", "body text here"), ("", "")]) == [
        entry_fingerprint("Title", "body text here"),
        None,
    ]
    assert simhashes([]) == []


def test_fingerprints_stay_comparable_with_stored_ones() -> None:
    # Values stored by earlier versions: a change here would split every stored story.
    assert simhash("The council approved the new budget for schools on Monday") == (
        4630942047566113077
    )
    assert simhash("one two") == 73537576020337204
