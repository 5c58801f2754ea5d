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
