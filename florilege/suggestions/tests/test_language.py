import pytest

from florilege.suggestions.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les réseaux sociaux décentralisés attirent de plus en plus de journalistes.", "fr"),
        ("Decentralised social networks keep attracting more journalists every month.", "en"),
        ("Die Moderation sozialer Netzwerke ist eine schwierige Aufgabe für alle.", "de"),
        ("Q3", ""),
        ("", ""),
        ("1234 5678 !!!! ???? ----", ""),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected
