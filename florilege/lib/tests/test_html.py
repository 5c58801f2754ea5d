import pytest

from florilege.lib.html import html_to_text, images_to_links, sanitize_html, sanitized_to_text
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


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Fish &amp; chips</p><p>and   peas</p>",
        '<a title="a > b < c &quot;q&quot;" href="https://a.example/?x=1&amp;y=2">link</a> 1 < 2',
        "<!-- hidden --><b>bold</b>\n\t<i>it</i>&nbsp;&eacute;",
        "<script>alert(1)</script><style>p{}</style>text",
        '<img alt="x>y" src="https://a.example/i.png">' * 40 + "after the images",
        "plain text, no markup at all",
        "<p>" + "mot " * 500 + "</p>",
        "<table><tr><td>cell</td></tr></table>unclosed <b>tag",
        "",
    ],
)
@pytest.mark.parametrize("max_length", [None, 10, 37, 400])
def test_text_of_sanitised_markup_is_the_text_a_parser_finds(markup: str, max_length) -> None:
    # The regex shortcut must give exactly what re-parsing the stored markup gives,
    # including when the cut lands inside a tag or an attribute value.
    stored = sanitize_html(markup)
    assert sanitized_to_text(stored, max_length=max_length) == html_to_text(
        stored, max_length=max_length
    )


def test_markdown_renders_and_neutralises_raw_html() -> None:
    out = render_markdown("**Why** it matters <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Why</strong>" in out
    assert "<script" not in out
    assert 'href="javascript' not in out


def test_pictures_become_links_and_nothing_else_changes() -> None:
    markup = sanitize_html(
        '<p>See <img src="https://x.example/a.png" alt="a > b &amp; c"> now</p>'
        '<a href="https://y.example/"><img src="https://x.example/b.png" title="linked"></a>'
        '<img alt="no address"> <img src="https://x.example/c.png">'
    )
    out = images_to_links(markup)
    assert "<img" not in out
    assert '<a href="https://x.example/a.png" rel="noopener noreferrer nofollow ugc">' in out
    assert "a &gt; b &amp; c</a> now</p>" in out
    # Inside a link, its text only (no link in a link); without an address, its alt text.
    assert out.count("https://x.example/b.png") == 0 and ">linked</a>" in out
    assert "no address" in out and ">https://x.example/c.png</a>" in out
    plain = sanitize_html("<p>No <em>picture</em> here</p>")
    assert images_to_links(plain) is plain
