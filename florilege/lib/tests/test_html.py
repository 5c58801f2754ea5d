import pytest

from florilege.lib.html import html_to_text, sanitize_html
from florilege.lib.markdown import render_markdown


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_sanitize_removes_active_content(hostile: str) -> None:
    cleaned = sanitize_html(f"<p>ok</p>{hostile}")
    assert "<p>ok</p>" in cleaned
    for marker in ("<script", "onerror", "javascript:", "<iframe", "<style", "onload"):
        assert marker not in cleaned.lower()


def test_links_get_safe_rel() -> None:
    assert 'rel="noopener noreferrer nofollow ugc"' in sanitize_html(
        '<a href="https://a.example">a</a>'
    )


def test_html_to_text_unescapes_and_truncates_on_a_word() -> None:
    assert html_to_text("<p>Fish &amp; chips</p>") == "Fish & chips"
    assert html_to_text("one two three four", max_length=9) == "one two…"


def test_markdown_renders_and_neutralises_raw_html() -> None:
    out = render_markdown("**Why** it matters <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Why</strong>" in out
    assert "<script" not in out
    assert 'href="javascript' not in out
