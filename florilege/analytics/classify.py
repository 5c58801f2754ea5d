"""What a request says about where a reader came from and on what, reduced to a bucket:
a referrer's host and its kind, a device class, and nothing finer. Pure functions."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

BOT_MARKS = ("bot", "crawler", "spider", "preview", "curl", "wget", "python-", "httpx",
             "go-http-client", "headless", "lighthouse", "monitor", "fetcher", "feed",
             "externalhit", "slurp", "embedly", "whatsapp", "okhttp", "java/",
             "http-client", "scrapy", "validator", "checker", "archive")  # fmt: skip

SEARCH = ("google.", "bing.com", "duckduckgo.com", "qwant.com", "ecosia.org", "yahoo.",
          "yandex.", "baidu.com", "startpage.com", "search.brave.com", "kagi.com",
          "lilo.org", "search.")  # fmt: skip
SOCIAL = ("facebook.com", "fb.me", "t.co", "twitter.com", "x.com", "linkedin.com",
          "lnkd.in", "reddit.com", "news.ycombinator.com", "instagram.com", "bsky.app",
          "threads.net", "youtube.com", "pinterest.", "tumblr.com", "whatsapp.com",
          "telegram.org", "t.me")  # fmt: skip
# Fediverse servers are countless; these marks catch the common software and big servers.
FEDIVERSE = ("mastodon", "mstdn", "pleroma", "akkoma", "misskey", "pixelfed", "lemmy",
             "kbin", "mbin", "fosstodon", "hachyderm", "infosec.exchange", "framapiaf",
             "piaille.fr", "toot.", "social.", "calckey", "firefish", "sharkey",
             "friendica", "peertube", "gotosocial", "joinmastodon")  # fmt: skip
EMAIL = ("mail.google.com", "outlook.", "mail.yahoo.", "webmail", "mail.", "proton.me",
         "fastmail.", "roundcube")  # fmt: skip

BUCKETS = ("search", "fediverse", "social", "email", "direct", "other")
DEVICES = ("phone", "tablet", "desktop")


def is_probably_bot(user_agent: str) -> bool:
    """Robots, scripts and link previews by their user agent (an empty one included)."""
    ua = user_agent.lower()
    return not ua or any(m in ua for m in BOT_MARKS)


# What is kept of a referrer that is a bare address: it could be the reader's own.
ADDRESS_HOST = "(address)"


def referrer_host(referer: str) -> str:
    if not referer:  # most views: nothing to parse
        return ""
    try:
        host = (urlsplit(referer).hostname or "").lower()
    except ValueError:
        return ""
    if not host or not (host[0].isdigit() or ":" in host):  # a name, not an address
        return host.removeprefix("www.")[:100]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.removeprefix("www.")[:100]
    return ADDRESS_HOST


def _matches(host: str, marks: tuple[str, ...]) -> bool:
    return any(host == m or host.endswith("." + m) or m in host for m in marks)


def referrer_bucket(host: str, own_host: str) -> str:
    """The kind of place a reader came from. Our own pages and no referrer are "direct"
    (a reader moving around the site is not a referral)."""
    if not host or host == own_host.removeprefix("www."):
        return "direct"
    if _matches(host, EMAIL):
        return "email"
    if _matches(host, SEARCH):
        return "search"
    if _matches(host, SOCIAL):
        return "social"
    if _matches(host, FEDIVERSE):
        return "fediverse"
    return "other"


def device_of(user_agent: str) -> str:
    """phone, tablet or desktop: the marks browsers put in their user agents (iPadOS
    presents itself as a Mac and is counted as a desktop, as its reader asked to be)."""
    ua = user_agent
    if "iPad" in ua or "Tablet" in ua or ("Android" in ua and "Mobile" not in ua):
        return "tablet"
    if "Mobi" in ua or "iPhone" in ua or "Android" in ua:
        return "phone"
    return "desktop"


# Feed readers that fetch once for many people say how many in their user agent, each in
# its own words (the shapes are in analytics/tests/test_feed_readers.py, with where each
# was read): "…; 42 subscribers)", "- 12 subscribers -", "(12 subscribers)".
_SUBSCRIBERS = re.compile(r"(\d[\d,]*)\s+(?:subscribers?|readers?|users?)\b", re.I)
FEED_SERVICES = ("feedly", "inoreader", "newsblur", "miniflux", "theoldreader", "feedbin",
                 "bazqux", "feedspot", "netnewswire", "freshrss", "tiny tiny rss")  # fmt: skip


# WebSub hubs fetch a feed for the subscriptions they hold ("Superfeedr bot/2.0
# http://superfeedr.com - … - feed-id:46271263", as server logs show it): their fetches are
# feed subscriptions too, under one service name so the Audience page can say how many.
WEBSUB_HUBS = ("superfeedr", "pubsubhubbub", "websub")
WEBSUB = "websub"


# No feed has more readers than this; a larger claim is a made-up user agent.
MAX_SUBSCRIBERS = 100_000_000


def feed_subscribers(user_agent: str) -> tuple[str, int] | None:
    """(service, subscribers) when a feed reader's user agent reports a count; a
    service that reports none counts as one subscriber (a person's own reader)."""
    lowered = user_agent.lower()
    if any(hub in lowered for hub in WEBSUB_HUBS):
        service = WEBSUB
    else:
        service = next((s for s in FEED_SERVICES if s in lowered), "")
    found = _SUBSCRIBERS.search(user_agent)
    if found and (service or "feed" in lowered or "fetcher" in lowered):
        # Capped: the figure is whatever the client says, and a column holds 32 bits.
        return (service or "other", min(int(found.group(1).replace(",", "")), MAX_SUBSCRIBERS))
    if service:
        return (service, 1)
    return None
