import codecs

import pytest

from florilege.sources.discovery import (
    FeedLink,
    common_feed_paths,
    find_feed_links,
    looks_like_feed,
)

BASE = "https://blog.example.com/posts/hello"


def test_multiple_links_in_page_order_with_titles():
    page = b"""<html><head>
      <link rel="stylesheet" href="/style.css">
      <link rel="alternate" type="application/rss+xml" title="Posts  (RSS)" href="/feed/">
      <link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">
      <link rel="alternate" type="application/feed+json" href="/feed.json">
      <link rel="alternate" type="application/rdf+xml" href="https://other.org/index.rdf">
      <link rel="alternate" type="text/xml" href="/legacy.xml">
      <link rel="alternate" hreflang="fr" href="/fr/">
    </head><body></body></html>"""
    assert find_feed_links(page, BASE) == [
        FeedLink("https://blog.example.com/feed/", "application/rss+xml", "Posts (RSS)"),
        FeedLink("https://blog.example.com/posts/atom.xml", "application/atom+xml", "Atom"),
        FeedLink("https://blog.example.com/feed.json", "application/feed+json", ""),
        FeedLink("https://other.org/index.rdf", "application/rdf+xml", ""),
        FeedLink("https://blog.example.com/legacy.xml", "text/xml", ""),
    ]


def test_relative_hrefs_resolve_against_base_element():
    page = """<html><head><base href="/site/">
      <link rel="alternate" type="application/rss+xml" href="rss.xml">
    </head></html>"""
    assert [link.url for link in find_feed_links(page, BASE)] == [
        "https://blog.example.com/site/rss.xml"
    ]


def test_non_http_base_element_is_ignored():
    page = """<base href="javascript:alert(1)">
      <link rel="alternate" type="application/rss+xml" href="rss.xml">"""
    assert [link.url for link in find_feed_links(page, BASE)] == [
        "https://blog.example.com/posts/rss.xml"
    ]


@pytest.mark.parametrize(
    "rel", ["ALTERNATE", "Alternate", " alternate ", "home alternate", "alternate\tnofollow"]
)
def test_rel_tokens_are_case_insensitive_and_may_be_combined(rel):
    page = f'<link rel="{rel}" type="Application/RSS+XML; charset=utf-8" href="/f">'
    assert find_feed_links(page, BASE) == [
        FeedLink("https://blog.example.com/f", "application/rss+xml", "")
    ]


@pytest.mark.parametrize(
    "link",
    [
        '<link rel="stylesheet" type="application/rss+xml" href="/f">',
        '<link rel="alternate" type="text/html" href="/f">',
        '<link rel="alternate" type="application/rss+xml">',
        '<link rel="alternate" type="application/rss+xml" href="  ">',
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">',
        '<link rel="alternate" type="application/rss+xml" href="data:text/xml,<rss/>">',
        '<link rel="alternate" type="application/rss+xml" href="mailto:a@b.c">',
        # WordPress advertises its REST API this way: not a feed
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">',
        '<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">',
    ],
)
def test_ignored_links(link):
    assert find_feed_links(f"<html><head>{link}</head></html>", BASE) == []


def test_generic_json_accepted_when_it_says_feed():
    page = """<link rel="alternate" type="application/json" title="JSON Feed" href="/j">
      <link rel="alternate" type="application/json" href="/feed.json">"""
    assert [link.url for link in find_feed_links(page, BASE)] == [
        "https://blog.example.com/j",
        "https://blog.example.com/feed.json",
    ]


def test_duplicates_keep_first():
    page = """<link rel="alternate" type="application/rss+xml" title="One" href="/feed">
      <link rel="alternate" type="application/rss+xml" title="Two" href="/feed#x">
      <link rel="alternate" type="application/atom+xml" title="Three" href="https://BLOG.example.com/feed">"""
    assert find_feed_links(page, BASE) == [
        FeedLink("https://blog.example.com/feed", "application/rss+xml", "One")
    ]


def test_links_in_body_and_markup_in_title_are_handled():
    page = b"""<div><p><link rel=alternate type=application/atom+xml href=/a.xml
      title="&lt;b&gt;Bold&lt;/b&gt; feed"></div>"""
    assert find_feed_links(page, BASE) == [
        FeedLink("https://blog.example.com/a.xml", "application/atom+xml", "Bold feed")
    ]


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        "",
        b"   ",
        b"\x00\xff\xfe garbage \x89PNG\r\n",
        b"<<<<>>>><link rel=",
        b"<html><head><link rel='alternate' type='application/rss+xml' href='http://[bad'>",
        b"not html at all",
        '<?xml version="1.0" encoding="utf-8"?><html/>',
        b"<div>" * 10_000,
    ],
)
def test_junk_html_gives_no_links(junk):
    assert find_feed_links(junk, BASE) == []


def test_page_without_links():
    assert find_feed_links(b"<html><head><title>x</title></head><body>hi</body></html>", BASE) == []


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "text/xml", True),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "", True),
        (b"\xef\xbb\xbf  <?xml version='1.0'?><rdf:RDF xmlns:rdf='x'/>", "application/xml", True),
        (
            b'<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!-- hi --><rss/>',
            "text/html",
            True,
        ),
        (b'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x"><rss/>', "", True),
        (b"<atom:feed xmlns:atom='http://www.w3.org/2005/Atom'/>", "", True),
        ('<?xml version="1.0" encoding="utf-16"?><rss/>'.encode("utf-16"), "", True),
        ('<rss version="2.0"/>'.encode("utf-16-le"), "", True),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "application/json", True),
        (b'  {"title": "x", "items": []}', "application/feed+json", True),
        (b'{"title": "x"}', "application/json", False),
        (b"<!DOCTYPE html><html><head><title>x</title></head></html>", "text/html", False),
        (b"<!doctype html><html>", "application/rss+xml", False),
        (b"<html><body>not found</body></html>", "application/atom+xml", False),
        (b'<?xml version="1.0"?><urlset xmlns="sitemap"/>', "application/xml", False),
        (b"", "application/rss+xml", False),
        (b"\x89PNG\r\n\x1a\n", "image/png", False),
        (b"\x89PNG\r\n\x1a\n", "application/rss+xml", True),
        (b"<?xml version='1.0'", "application/atom+xml; charset=utf-8", True),
        (b"plain text", "text/plain", False),
    ],
)
def test_looks_like_feed(data, content_type, expected):
    assert looks_like_feed(data, content_type) is expected


def test_looks_like_feed_utf16_bom_only_once():
    data = codecs.BOM_UTF16_BE + "<feed/>".encode("utf-16-be")
    assert looks_like_feed(data, "")


def test_common_feed_paths_root():
    paths = common_feed_paths("https://example.com")
    assert paths[:2] == ["https://example.com/feed", "https://example.com/rss"]
    for expected in ("rss.xml", "atom.xml", "feed.xml", "index.xml", "feed.json"):
        assert f"https://example.com/{expected}" in paths
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize(
    ("site", "first"),
    [
        ("https://example.com/blog", "https://example.com/blog/feed"),
        ("https://example.com/blog/", "https://example.com/blog/feed"),
        ("https://example.com/blog/post.html?x=1", "https://example.com/blog/feed"),
        ("https://example.com:8080/index.html", "https://example.com:8080/feed"),
    ],
)
def test_common_feed_paths_in_directory_then_root(site, first):
    paths = common_feed_paths(site)
    assert paths[0] == first
    origin = "https://" + site.split("/")[2]
    assert f"{origin}/feed" in paths


@pytest.mark.parametrize("site", ["", "example.com", "javascript:alert(1)", "ftp://x.org/"])
def test_common_feed_paths_refuses_non_http(site):
    assert common_feed_paths(site) == []
