import os
from pathlib import Path

import pytest

from florilege.suggestions.language import detect_language
from florilege.testing import skip_or_fail_without

LINGUA = (
    Path(
        os.environ.get("SHARED_DATA")
        or Path(__file__).resolve().parents[3].parent / "shared" / "data"
    )
    / "news"
    / "lingua"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les réseaux sociaux décentralisés attirent de plus en plus de journalistes.", "fr"),
        ("Decentralised social networks keep attracting more journalists every month.", "en"),
        ("Die Moderation sozialer Netzwerke ist eine schwierige Aufgabe für alle.", "de"),
        ("El gobierno aprobó ayer la reforma de las pensiones en el congreso.", "es"),
        ("Il governo ha approvato ieri la riforma delle pensioni in parlamento.", "it"),
        ("De regering heeft gisteren de hervorming van de pensioenen goedgekeurd.", "nl"),
        ("O governo aprovou ontem a reforma da previdência no congresso nacional.", "pt"),
        ("Réforme des retraites", "fr"),
        ("Pension reform", "en"),
        ("Q3", ""),
        ("", ""),
        ("1234 5678 !!!! ???? ----", ""),
        # Other scripts keep their own language, whatever we support.
        ("Правительство одобрило пенсионную реформу вчера вечером", "ru"),
        ("政府昨天批准了养老金改革方案", "zh"),
        ("Η κυβέρνηση ενέκρινε χθες τη μεταρρύθμιση των συντάξεων", "el"),  # noqa: RUF001
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_a_topic_restricts_the_answer_to_its_languages() -> None:
    # Two words that could be several languages: a French-English topic gets one of its own.
    assert detect_language("selon école", languages=["en", "fr"]) == "fr"
    assert detect_language("réseaux sociaux", languages=["fr"]) == "fr"
    # Unknown codes are ignored rather than trusted.
    assert detect_language("The government approved the reform", languages=["xx"]) == "en"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "\x00\x01\x02",
        "🙂" * 50,
        "ℵ∑∫ ⊗⊕ ꙮꙮ",
        "mot " * 1_300_000,  # about 5 MB: only the start is read
        "\ud800 lone surrogate text here",
    ],
)
def test_bad_input_gets_an_answer_not_an_exception(text) -> None:
    assert isinstance(detect_language(text), str)


def _accuracy(kind: str, languages: list[str]) -> float:
    right = total = 0
    for code in languages:
        lines = (LINGUA / kind / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        for line in filter(None, map(str.strip, lines)):
            total += 1
            right += detect_language(line) == code
    return right / total


def test_corpus_floors() -> None:
    """Lingua's Leipzig news lines (1,000 per language and length): the README's targets."""
    skip_or_fail_without(LINGUA, "Lingua language corpus")
    assert _accuracy("sentences", ["fr", "en"]) >= 0.99
    assert _accuracy("word-pairs", ["fr", "en"]) >= 0.95
    assert _accuracy("sentences", ["de", "es", "it", "nl", "pt"]) >= 0.99
    assert _accuracy("word-pairs", ["de", "es", "it", "nl", "pt"]) >= 0.85
