"""Small feeds written for the tests."""

from __future__ import annotations


def rss(items: list[tuple[str, str, str]], title: str = "Test feed") -> bytes:
    """``items``: (guid, title, link) triples."""
    body = "".join(
        f"<item><guid>{g}</guid><title>{t}</title><link>{link}</link>"
        f"<pubDate>Mon, 02 Mar 2026 10:0{i % 10}:00 GMT</pubDate>"
        f"<description>&lt;p&gt;About {t} and the fediverse.&lt;/p&gt;"
        f"&lt;script&gt;alert(1)&lt;/script&gt;</description></item>"
        for i, (g, t, link) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example/</link>{body}</channel></rss>"
    ).encode()


def three_items() -> bytes:
    return rss(
        [
            ("a-1", "Mastodon grows again", "https://news.example/a?utm_source=x"),
            ("a-2", "Moderation at scale", "https://news.example/b"),
            ("a-3", "A quiet week", "https://news.example/c"),
        ]
    )


# Feeds with one bad item among good ones: the bad one must never cost the others.
JSON_SURROGATE_AND_NUL = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "Odd \\ud800 feed",'
    b' "items": ['
    b'{"id": "1", "title": "Lone \\ud800 surrogate", "content_html": "<p>x\\udfff y</p>",'
    b' "url": "https://news.example/\\ud800one", "authors": [{"name": "A\\ud800nn"}],'
    b' "tags": ["t\\ud800ag"]},'
    b'{"id": "2", "title": "NUL\\u0000 here", "content_text": "a\\u0000b",'
    b' "authors": [{"name": "B\\u0000ob"}], "tags": ["n\\u0000ul"]},'
    b'{"id": "3", "title": "Paired \\ud83d\\ude00 emoji"},'
    b'{"id": "4", "title": "Plain"}]}'
)
RSS_FORBIDDEN_REFS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T&#xD800;</title>'
    b"<item><guid>1</guid><title>Surrogate &#xD800; ref</title>"
    b"<description>a&#55296;b&#0;c</description><author>x&#xDFFF;@example.org</author>"
    b"<category>c&#0;at</category></item>"
    b"<item><guid>2</guid><title>Bad date</title><pubDate>the 45th of Nevuary</pubDate></item>"
    b"<item><guid>3</guid><title>Plain</title></item></channel></rss>"
)
ATOM_FORBIDDEN_REFS = (
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
    b"<entry><id>1</id><title>Surrogate &#xD800; ref</title><content>a&#0;b</content></entry>"
    b"<entry><id>2</id><title>Plain</title></entry></feed>"
)


def deep_json(levels: int = 200_000) -> bytes:
    return (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
        + b"[" * levels
        + b"]" * levels
        + b"]}"
    )


def deep_xml(levels: int = 200_000) -> bytes:
    return (
        b'<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>First</title>'
        b"</item>" + b"<x>" * levels + b"</x>" * levels + b"</channel></rss>"
    )
