"""Profile and page addresses that stand for a feed people cannot see.

Leaf module: no Django, no network. People paste what is in their address bar — a
Mastodon account, a YouTube channel, a subreddit, a GitHub repository — not the feed
behind it. ``profile_feed_urls`` maps such an address to its feed(s) from the URL alone;
``youtube_feed_from_html`` reads a channel page the caller fetched (``/@handle`` pages
only name their channel id inside); ``candidate_feed_urls`` lists, best first, every
address worth trying for a page: the profile mapping, the page's advertised feeds, then
(only when the page advertises nothing) a few common paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from florilege.lib.urls import canonical_url, is_http_url
from florilege.sources.discovery import common_feed_paths, find_feed_links

__all__ = [
    "MAX_ADVERTISED",
    "MAX_GUESSES",
    "FeedCandidates",
    "candidate_feed_urls",
    "feed_candidates",
    "profile_feed_urls",
    "profiles_from_html",
    "youtube_feed_from_html",
]

# Fetch budget for a page that advertises nothing: each guess is a request to a site
# that probably answers 404, and the curator is waiting.
MAX_GUESSES = 4
# Pages sometimes advertise a dozen feeds (comments, categories); the first few are the
# site's own.
MAX_ADVERTISED = 3

YOUTUBE_FEED = "https://www.youtube.com/feeds/videos.xml"
_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"})
_REDDIT_HOSTS = frozenset(
    {"reddit.com", "www.reddit.com", "old.reddit.com", "new.reddit.com", "np.reddit.com"}
)
# Sites that use "/@name" for accounts without Mastodon's ".rss" (or with a feed of their
# own mapped below): the Mastodon guess would only waste a request there.
_NOT_MASTODON = frozenset(
    {
        *_YOUTUBE_HOSTS,
        "medium.com",
        "www.tiktok.com",
        "tiktok.com",
        "www.threads.net",
        "threads.net",
        "www.threads.com",
        "threads.com",
    }
)
# First path segments of github.com that are pages of the site, not users.
_GITHUB_RESERVED = frozenset(
    {
        "about", "apps", "collections", "contact", "customer-stories", "enterprise",
        "explore", "features", "issues", "login", "marketplace", "new", "notifications",
        "orgs", "organizations", "pricing", "pulls", "readme", "search", "security",
        "settings", "site", "sponsors", "team", "topics", "trending", "join", "signup",
    }
)  # fmt: skip

_CHANNEL_ID = r"UC[A-Za-z0-9_-]{22}"
_CHANNEL_ID_RE = re.compile(rf"^{_CHANNEL_ID}$")
_MASTODON_ACCOUNT_RE = re.compile(r"^/@([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9.-]{1,253}))?/?$")
_MASTODON_TAGGED_RE = re.compile(r"^/@([A-Za-z0-9_]{1,64})/tagged/([^/.]{1,100})/?$")
_MASTODON_TAG_RE = re.compile(r"^/tags/([^/.]{1,100})/?$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_REDDIT_SORTS = frozenset({"hot", "new", "top", "rising", "controversial"})

# Channel id on a YouTube page, most trustworthy first: a channel page lists many other
# channels (recommendations), so the bare "channelId" JSON key comes last.
_YOUTUBE_HTML_RES = (
    re.compile(rb"/feeds/videos\.xml\?channel_id=(" + _CHANNEL_ID.encode() + rb")"),
    re.compile(
        rb"<meta[^>]+itemprop=[\"']channelId[\"'][^>]+content=[\"'](" + _CHANNEL_ID.encode() + rb")"
    ),
    re.compile(
        rb"<meta[^>]+content=[\"'](" + _CHANNEL_ID.encode() + rb")[\"'][^>]+itemprop=[\"']channelId"
    ),
    re.compile(rb"<link[^>]+rel=[\"']canonical[\"'][^>]+/channel/(" + _CHANNEL_ID.encode() + rb")"),
    re.compile(rb'"externalId"\s*:\s*"(' + _CHANNEL_ID.encode() + rb')"'),
    re.compile(rb'"channelId"\s*:\s*"(' + _CHANNEL_ID.encode() + rb')"'),
)
# A channel page is ~1 MB; its id appears in the head and the first script.
_YOUTUBE_SCAN_BYTES = 4 * 1024 * 1024


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _youtube(path: str, query: str) -> list[str]:
    parts = _segments(path)
    if len(parts) >= 2 and parts[0] == "channel" and _CHANNEL_ID_RE.match(parts[1]):
        return [f"{YOUTUBE_FEED}?channel_id={parts[1]}"]
    if len(parts) >= 2 and parts[0] == "user" and _NAME_RE.match(parts[1]):
        return [f"{YOUTUBE_FEED}?user={parts[1]}"]
    if parts == ["playlist"]:
        playlist = parse_qs(query).get("list", [""])[0]
        if _NAME_RE.match(playlist):
            return [f"{YOUTUBE_FEED}?playlist_id={playlist}"]
    return []  # /@handle, /c/name, /watch: the channel id is only in the page


def _reddit(path: str) -> list[str]:
    parts = _segments(path)
    if len(parts) >= 2 and parts[0] == "r" and _NAME_RE.match(parts[1]):
        sort = parts[2] if len(parts) >= 3 and parts[2] in _REDDIT_SORTS else ""
        tail = f"{sort}/" if sort else ""
        return [f"https://www.reddit.com/r/{parts[1]}/{tail}.rss"]
    if len(parts) >= 2 and parts[0] in ("user", "u") and _NAME_RE.match(parts[1]):
        return [f"https://www.reddit.com/user/{parts[1]}/.rss"]
    return []


def _github(path: str) -> list[str]:
    parts = _segments(path)
    if not parts or parts[0].lower() in _GITHUB_RESERVED or not _NAME_RE.match(parts[0]):
        return []
    owner = parts[0]
    if len(parts) == 1:
        return [] if owner.endswith(".atom") else [f"https://github.com/{owner}.atom"]
    repo = parts[1].removesuffix(".git")
    if not _NAME_RE.match(repo):
        return []
    base = f"https://github.com/{owner}/{repo}"
    rest = parts[2:]
    if not rest:
        return [f"{base}/releases.atom", f"{base}/commits.atom"]
    if rest[0] in ("releases", "tags") and len(rest) == 1:
        return [f"{base}/{rest[0]}.atom"]
    if rest[0] in ("commits", "tree") and len(rest) >= 2:
        branch = "/".join(quote(p, safe="") for p in rest[1:]).removesuffix(".atom")
        return [f"{base}/commits/{branch}.atom"]
    if rest[0] == "commits":
        return [f"{base}/commits.atom"]
    return []


def _mastodon(scheme: str, netloc: str, path: str) -> list[str]:
    account = _MASTODON_ACCOUNT_RE.match(path)
    if account:
        user, remote = account.groups()
        if remote and is_http_url(f"https://{remote}/"):
            # A remote account shown on another server: its own server has the feed.
            return [f"https://{remote.lower()}/@{user}.rss"]
        return [] if remote else [f"{scheme}://{netloc}/@{user}.rss"]
    tagged = _MASTODON_TAGGED_RE.match(path)
    if tagged:
        return [f"{scheme}://{netloc}/@{tagged.group(1)}/tagged/{tagged.group(2)}.rss"]
    tag = _MASTODON_TAG_RE.match(path)
    if tag:
        return [f"{scheme}://{netloc}/tags/{tag.group(1)}.rss"]
    return []


def profile_feed_urls(url: str) -> list[str]:
    """Feed address(es) behind a profile or listing address, best first; [] if unknown.

    Decided from the URL alone (no fetch): Mastodon accounts and hashtags, YouTube
    channels, users and playlists, Reddit subreddits and users, GitHub users and
    repositories (releases, then commits), Medium and Bluesky profiles.
    """
    if not isinstance(url, str) or not is_http_url(url.strip()):
        return []
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    path = parts.path or "/"
    if host in _YOUTUBE_HOSTS:
        return _youtube(path, parts.query)
    if host in _REDDIT_HOSTS:
        return _reddit(path)
    if host in ("github.com", "www.github.com"):
        return _github(path)
    if host == "medium.com":
        account = re.match(r"^/(@[A-Za-z0-9_.-]{1,100})/?$", path)
        return [f"https://medium.com/feed/{account.group(1)}"] if account else []
    if host == "bsky.app":
        profile = re.match(r"^/profile/([A-Za-z0-9:._-]{1,253})/?$", path)
        return [f"https://bsky.app/profile/{profile.group(1)}/rss"] if profile else []
    if host in _NOT_MASTODON:
        return []
    return _mastodon(parts.scheme.lower(), parts.netloc.lower(), path)


def youtube_feed_from_html(html: bytes | str) -> str | None:
    """The channel feed named by a fetched YouTube page (channel, ``/@handle``, video)."""
    data = html.encode("utf-8", "replace") if isinstance(html, str) else bytes(html or b"")
    data = data[:_YOUTUBE_SCAN_BYTES]
    for pattern in _YOUTUBE_HTML_RES:
        match = pattern.search(data)
        if match:
            return f"{YOUTUBE_FEED}?channel_id={match.group(1).decode('ascii')}"
    return None


def profiles_from_html(page_url: str, html: bytes | str | None) -> list[str]:
    """Feeds that a profile page names in a site-specific way (YouTube's channel id)."""
    if not html or not is_http_url(page_url if isinstance(page_url, str) else ""):
        return []
    host = (urlsplit(page_url).hostname or "").rstrip(".")
    if host in _YOUTUBE_HOSTS:
        feed = youtube_feed_from_html(html)
        return [feed] if feed else []
    return []


@dataclass
class FeedCandidates:
    """Addresses to try for a page, by where they come from (callers word errors by it)."""

    mapped: list[str] = field(default_factory=list)  # from the URL alone
    named: list[str] = field(default_factory=list)  # named by the page itself
    guessed: list[str] = field(default_factory=list)  # common paths

    def all(self) -> list[str]:
        return [*self.mapped, *self.named, *self.guessed]


def feed_candidates(page_url: str, html: bytes | None) -> FeedCandidates:
    """``candidate_feed_urls``, grouped by origin."""
    found = FeedCandidates()
    if not isinstance(page_url, str) or not is_http_url(page_url.strip()):
        return found
    page_url = page_url.strip()
    seen = {canonical_url(page_url)}
    for url in profile_feed_urls(page_url):
        _add(found.mapped, seen, url)
    if html:
        for url in profiles_from_html(page_url, html):
            _add(found.named, seen, url)
        for link in find_feed_links(html, page_url)[:MAX_ADVERTISED]:
            _add(found.named, seen, link.url)
    if found.named:
        return found
    for url in common_feed_paths(page_url):
        if len(found.guessed) >= MAX_GUESSES:
            break
        _add(found.guessed, seen, url)
    return found


def candidate_feed_urls(page_url: str, html: bytes | None) -> list[str]:
    """Every address worth trying for ``page_url``, best first, without duplicates.

    1. the profile mapping (from the URL alone), 2. what the page itself names: its
    profile-specific id, then up to MAX_ADVERTISED ``<link rel="alternate">`` feeds,
    3. only if the page names no feed, up to MAX_GUESSES common paths. ``html`` is the
    page as fetched (None if it could not be); the page's own address is never listed.
    """
    return feed_candidates(page_url, html).all()


def _add(candidates: list[str], seen: set[str], url: str) -> bool:
    key = canonical_url(url)
    if key in seen or not is_http_url(url):
        return False
    seen.add(key)
    candidates.append(url)
    return True
