import numpy as np
import py3langid
import pytest

from florilege.lib.text import language
from florilege.lib.text.language import detect_language, detect_languages
from florilege.testing import shared_data, skip_or_fail_without

LINGUA = shared_data("news", "lingua")


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


def _mixed_texts() -> list[str]:
    """Sentences, word pairs and odd input, in several scripts and lengths."""
    texts = [
        "Les réseaux sociaux décentralisés attirent de plus en plus de journalistes.",
        "Decentralised social networks keep attracting more journalists every month.",
        "Правительство одобрило пенсионную реформу вчера вечером",
        "政府昨天批准了养老金改革方案",
        "Réforme des retraites",
        "THE GOVERNMENT APPROVED THE REFORM LAST NIGHT IN PARLIAMENT",
        "Rząd przyjął wczoraj reformę emerytalną w parlamencie i w senacie",
        "", "Q3", "🙂" * 30, "\ud800 lone surrogate text here", "mot " * 400,
    ]  # fmt: skip
    # More texts than one vector batch, with or without the corpus below.
    texts += [f"{text} {n}" for n, text in enumerate(texts[:7] * 2)]
    if LINGUA.is_dir():
        for code in ("fr", "en", "de", "pt"):
            for kind in ("sentences", "word-pairs"):
                lines = (LINGUA / kind / f"{code}.txt").read_text(encoding="utf-8").splitlines()
                texts += lines[:40]
    return texts


def test_a_batch_gives_the_answers_of_one_text_at_a_time() -> None:
    texts = _mixed_texts()
    assert len(texts) > language.VECTOR_BATCH
    one_by_one = [detect_language(text) for text in texts]
    assert detect_languages(texts) == one_by_one
    assert detect_languages(texts, languages=["fr", "en"]) == [
        detect_language(text, languages=["fr", "en"]) for text in texts
    ]
    assert detect_languages([]) == []


def test_batch_scores_are_py3langids_own() -> None:
    # The batch reads py3langid's model arrays and reproduces its scoring: compare with
    # the library's own classifier, both ways of walking the automaton.
    texts = [language._clean(text) for text in _mixed_texts()]
    reference = py3langid.langid.LanguageIdentifier.from_model_file(
        py3langid.langid.MODEL_FILE, norm_probs=True
    )
    for batch in (texts, texts[:3]):
        rows = language._model().probabilities(batch)
        for text, row in zip(batch, rows, strict=True):
            expected = dict(reference.rank(text))
            got = language._model().ranked(row)
            assert max(got, key=got.__getitem__) == reference.classify(text)[0]
            assert max(abs(got[code] - expected[code]) for code in expected) < 1e-4


def test_a_huge_batch_is_taken_in_slices() -> None:
    texts = _mixed_texts()
    many = texts * (2 * language.MAX_BATCH // len(texts) + 2)
    assert len(many) > 2 * language.MAX_BATCH
    assert detect_languages(many) == [detect_language(text) for text in texts] * (
        len(many) // len(texts)
    )


def test_model_arrays_are_memory_mapped_from_the_cache_with_the_same_answers(
    tmp_path, monkeypatch
) -> None:
    # The worker's model is mapped from the cache; a fresh cache (written here) and the
    # arrays read from py3langid's identifier score every text the same.
    monkeypatch.setattr(language, "MODEL_CACHE", tmp_path / "cache")
    mapped = language._cached_arrays()
    assert mapped is not None and isinstance(mapped["moves"], np.memmap)
    again = language._cached_arrays()  # read back, not rewritten
    assert again is not None
    first, second = mapped["table"], again["table"]
    assert isinstance(first, np.memmap) and isinstance(second, np.memmap)
    assert first.filename == second.filename
    texts = [language._clean(text) for text in _mixed_texts()]
    in_memory = language._BatchModel(language._BatchModel.arrays_of(language._identifier()))
    for batch in (texts, texts[:3]):
        expected = in_memory.probabilities(batch)
        assert np.array_equal(language._BatchModel(mapped).probabilities(batch), expected)


def test_model_loads_in_memory_when_the_cache_cannot_be_written(tmp_path, monkeypatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(language, "MODEL_CACHE", blocked / "cache")
    assert language._cached_arrays() is None
    monkeypatch.setattr(language, "_loaded", {})
    assert detect_language("Le gouvernement présente sa réforme des retraites") == "fr"
    assert not isinstance(language._model().table, np.memmap)
