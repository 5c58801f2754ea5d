import socket
from datetime import UTC, datetime

import pytest

from florilege.sources.extract import (
    MAX_DESCRIPTION,
    MAX_TEXT,
    MAX_TITLE,
    PageMeta,
    _cut_tree,
    decode_html,
    extract_page,
    parse_datetime,
    parse_html,
)

URL = "https://news.example.com/2024/05/roses"

PARAGRAPH = (
    "Roses need sun, water and patience. This guide explains how to prune them in early "
    "spring, which tools to use, and why cutting above an outward-facing bud matters. "
)

OG_PAGE = f"""<!doctype html>
<html lang="en_gb"><head><meta charset="utf-8">
<title>Plain title | News</title>
<meta name="description" content="Plain description">
<meta property="og:title" content="OG &amp;amp; title">
<meta property="og:description" content="  OG
   description ">
<meta property="og:image" content="/img/rose.jpg">
<meta property="og:image" content="/img/second.jpg">
<meta property="og:site_name" content="Example News">
<meta property="og:url" content="https://www.example.com/2024/05/roses?utm_source=tw">
<meta property="article:published_time" content="2024-05-01T10:00:00+02:00">
<meta property="article:author" content="https://facebook.com/janedoe">
<meta name="author" content="Jane Doe">
<meta name="twitter:title" content="Twitter title">
<link rel="canonical" href="/canonical-from-link">
</head><body><article><h1>Roses</h1><p>{PARAGRAPH * 3}</p></article></body></html>
""".encode()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    # Extraction must never touch the network, whatever the page says.
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_full_opengraph_page():
    meta = extract_page(OG_PAGE, URL, "text/html; charset=utf-8")
    assert meta.url == URL
    assert meta.canonical_url == "https://www.example.com/2024/05/roses"
    assert meta.title == "OG & title"
    assert meta.description == "OG description"
    assert meta.image == "https://news.example.com/img/rose.jpg"
    assert meta.site_name == "Example News"
    assert meta.author == "Jane Doe"  # the profile URL in article:author is skipped
    assert meta.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert meta.language == "en-GB"
    assert "outward-facing bud" in meta.text


def test_without_text_trafilatura_is_not_needed(monkeypatch):
    import trafilatura

    def boom(*args, **kwargs):
        raise AssertionError("trafilatura should not run")

    monkeypatch.setattr(trafilatura, "bare_extraction", boom)
    meta = extract_page(OG_PAGE, URL, "text/html", with_text=False)
    assert meta.title == "OG & title"
    assert meta.description == "OG description"
    assert meta.text == ""


def test_twitter_then_plain_html_fallbacks():
    page = b"""<html><head><title>Doc title</title>
      <meta name="twitter:title" content="Tw title">
      <meta name="twitter:description" content="Tw description">
      <meta name="twitter:image" content="https://cdn.example.com/t.png">
      <meta name="description" content="Plain description">
      <link rel="Canonical" href="/2024/05/roses-canonical">
    </head><body><p>Short.</p></body></html>"""
    meta = extract_page(page, URL, "text/html")
    assert meta.title == "Tw title"
    assert meta.description == "Tw description"
    assert meta.image == "https://cdn.example.com/t.png"
    assert meta.canonical_url == "https://news.example.com/2024/05/roses-canonical"


def test_plain_html_meta_description_and_title():
    page = b"""<html lang="fr"><head><title> Le  titre </title>
      <meta name="Description" content="La description"></head><body></body></html>"""
    meta = extract_page(page, URL, "text/html", with_text=False)
    assert (meta.title, meta.description, meta.language) == ("Le titre", "La description", "fr")


def test_only_title_and_paragraph_trafilatura_fills_description_and_text():
    page = f"""<html><head><title>Pruning roses</title></head>
      <body><p>{PARAGRAPH * 2}</p></body></html>""".encode()
    meta = extract_page(page, URL, "text/html")
    assert meta.title == "Pruning roses"
    assert meta.text.startswith("Roses need sun")
    assert meta.description.startswith("Roses need sun")
    assert len(meta.description) <= 300
    assert meta.canonical_url == URL


def test_description_from_text_even_without_text_flag():
    page = f"<html><head><title>T</title></head><body><p>{PARAGRAPH * 2}</p></body></html>"
    meta = extract_page(page.encode(), URL, "text/html", with_text=False)
    assert meta.description.startswith("Roses need sun")
    assert meta.text == ""


def test_relative_og_image_and_base_href():
    page = b"""<html><head><base href="https://static.example.com/assets/">
      <meta property="og:image" content="img/cover.png"></head></html>"""
    meta = extract_page(page, URL, "text/html", with_text=False)
    assert meta.image == "https://static.example.com/assets/img/cover.png"


@pytest.mark.parametrize(
    "image",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "http://user@evil.example/x.png"],
)
def test_unsafe_image_urls_are_dropped(image):
    page = f'<html><head><meta property="og:image" content="{image}"></head></html>'
    assert extract_page(page.encode(), URL, "text/html", with_text=False).image == ""


def test_secure_image_preferred():
    page = b"""<meta property="og:image" content="http://ex.com/a.png">
      <meta property="og:image:secure_url" content="https://ex.com/a.png">"""
    assert extract_page(page, URL, "text/html", with_text=False).image == "https://ex.com/a.png"


def test_iso_8859_1_page_with_accents():
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Café crème à l\u2019été</title></head>'
        "<body><p>Été brûlant, déjà fini.</p></body></html>"
    ).encode("cp1252")
    meta = extract_page(page, "https://ex.fr/", "text/html")
    assert meta.title == "Café crème à l\u2019été"
    assert "Été brûlant" in meta.text


def test_header_charset_wins_over_meta():
    page = '<meta charset="utf-8"><title>Noël</title>'.encode("latin-1")
    meta = extract_page(page, URL, "text/html; charset=ISO-8859-1", with_text=False)
    assert meta.title == "Noël"


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        ("é".encode(), "", "é"),
        (b"\xe9", "", "\ufffd"),
        ("\ufeffé".encode(), "text/html; charset=latin-1", "é"),
        ("é".encode("utf-16"), "", "é"),
        (b'<meta charset="base64">\xc3\xa9', "", '<meta charset="base64">é'),
        (b'<meta charset="utf-7">+ADw-', "", '<meta charset="utf-7">+ADw-'),
        (b'<meta charset="no-such-codec">\xc3\xa9', "", '<meta charset="no-such-codec">é'),
        (
            b'<?xml version="1.0" encoding="windows-1252"?>\x93',
            "",
            '<?xml version="1.0" encoding="windows-1252"?>\u201c',
        ),
    ],
)
def test_decode_html(data, content_type, expected):
    assert decode_html(data, content_type) == expected


def test_script_in_title_comes_out_as_plain_text():
    page = b"""<html><head><title>Hello <script>alert(1)</script> world</title>
      <meta property="og:description" content="&lt;img src=x onerror=alert(1)&gt;Nice">
      <meta property="og:site_name" content="<b>Site</b>"></head></html>"""
    meta = extract_page(page, URL, "text/html", with_text=False)
    assert meta.title == "Hello world"
    assert meta.description == "Nice"
    assert meta.site_name == "Site"
    for value in (meta.title, meta.description, meta.site_name):
        assert "<" not in value and ">" not in value


def test_og_title_with_script_markup():
    page = b'<meta property="og:title" content="<script>alert(1)</script>Real title">'
    assert extract_page(page, URL, "", with_text=False).title == "Real title"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 50,
        b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 2000,
        b"",
        b"   \n\t ",
        b"<",
        b"<html><head><title>",
        b"<div>" * 50_000,
    ],
)
def test_hostile_input_never_raises(data):
    meta = extract_page(data, URL, "")
    assert isinstance(meta, PageMeta)
    assert meta.url == URL
    assert meta.canonical_url == URL
    assert "\x00" not in meta.text


def test_garbage_bytes_give_empty_fields():
    meta = extract_page(bytes(range(256)) * 50, URL, "text/html")
    assert (meta.title, meta.description, meta.text, meta.image) == ("", "", "", "")


def test_empty_bytes_give_empty_fields():
    meta = extract_page(b"", URL, "text/html")
    assert meta == PageMeta(url=URL, canonical_url=URL)


def test_non_html_content_type_is_not_parsed():
    meta = extract_page(b"<title>Not really</title>", URL, "image/png")
    assert meta.title == ""


def test_text_without_any_html():
    meta = extract_page(b"just some words", URL, "")
    assert meta.url == URL


def test_huge_page_is_capped():
    page = (
        b"<html><head><title>Big</title></head><body>"
        + b"<p>"
        + PARAGRAPH.encode() * 20
        + b"</p>" * 1
    ) + b"<p>filler text here</p>" * 400_000  # ~9 MB
    meta = extract_page(page, URL, "text/html")
    assert meta.title == "Big"
    assert len(meta.text) <= MAX_TEXT


def test_cut_tree_keeps_a_prefix():
    doc = parse_html("<html><body><div><p>a</p><p>b</p></div><p>c</p><p>d</p></body></html>")
    assert doc is not None
    _cut_tree(doc, 5)  # html, body, div, p(a), p(b)
    assert [el.tag for el in doc.iter()] == ["html", "body", "div", "p", "p"]
    assert doc.text_content() == "ab"


def test_lengths_are_capped():
    page = f"""<title>{"word " * 200}</title>
      <meta name="description" content="{"long " * 1000}">""".encode()
    meta = extract_page(page, URL, "text/html", with_text=False)
    assert len(meta.title) <= MAX_TITLE
    assert len(meta.description) <= MAX_DESCRIPTION
    assert meta.title.endswith("…")


def test_svg_title_is_not_the_page_title():
    page = b"""<html><body><svg><title>icon</title></svg></body>
      <head><title>Real</title></head></html>"""
    assert extract_page(page, URL, "text/html", with_text=False).title == "Real"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("https://evil.example.org/2024/05/roses", URL),  # another site: refused
        ("https://news.example.com/", URL),  # home page on an article: a common bug
        ("https://example.com/2024/05/roses", "https://example.com/2024/05/roses"),
        ("/other-path#x", "https://news.example.com/other-path"),
        ("javascript:alert(1)", URL),
    ],
)
def test_canonical_url_choice(declared, expected):
    page = f'<meta property="og:url" content="{declared}">'.encode()
    assert extract_page(page, URL, "text/html", with_text=False).canonical_url == expected


def test_page_url_tracking_params_removed_from_canonical():
    meta = extract_page(b"<title>x</title>", URL + "?utm_source=a#top", "text/html")
    assert meta.url == URL + "?utm_source=a#top"
    assert meta.canonical_url == URL


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00+02:00", datetime(2024, 5, 1, 8, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("Wed, 01 May 2024 10:00:00 GMT", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("0001-01-01T00:00:00", None),
        ("9999-12-31", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(value, expected):
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("html_lang", "expected"),
    [("EN-us", "en-US"), ("zh-hant-tw", "zh-Hant-TW"), ("not a lang!", ""), ("", "")],
)
def test_language(html_lang, expected):
    page = f'<html lang="{html_lang}"><head><title>x</title></head></html>'.encode()
    assert extract_page(page, URL, "text/html", with_text=False).language == expected


def test_published_falls_back_to_trafilatura():
    page = f"""<html><head><title>T</title>
      <meta name="date" content="garbage"></head>
      <body><article><p>{PARAGRAPH * 2}</p>
      <time datetime="2023-11-02">2 Nov 2023</time></article></body></html>""".encode()
    meta = extract_page(page, URL, "text/html")
    assert meta.published is not None
    assert meta.published.tzinfo is UTC
