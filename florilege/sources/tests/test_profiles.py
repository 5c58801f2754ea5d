import pytest

from florilege.sources.profiles import (
    MAX_GUESSES,
    candidate_feed_urls,
    feed_candidates,
    profile_feed_urls,
    profiles_from_html,
    youtube_feed_from_html,
)

CHANNEL = "UCabcdefghijklmnopqrstuv"  # "UC" + 22 characters
YT = "https://www.youtube.com/feeds/videos.xml"


@pytest.mark.parametrize(
    ("url", "feeds"),
    [
        # Mastodon and compatible servers
        ("https://mastodon.social/@Gargron", ["https://mastodon.social/@Gargron.rss"]),
        ("https://mastodon.social/@Gargron/", ["https://mastodon.social/@Gargron.rss"]),
        ("http://127.0.0.1:8000/@alice", ["http://127.0.0.1:8000/@alice.rss"]),
        ("https://Mastodon.Social/@bob", ["https://mastodon.social/@bob.rss"]),
        ("https://mastodon.social/@bob@fosstodon.org", ["https://fosstodon.org/@bob.rss"]),
        ("https://mastodon.social/tags/fediverse", ["https://mastodon.social/tags/fediverse.rss"]),
        (
            "https://mastodon.social/@bob/tagged/django",
            ["https://mastodon.social/@bob/tagged/django.rss"],
        ),
        ("https://mastodon.social/@bob.rss", []),  # already the feed
        ("https://mastodon.social/@bob/111222333", []),  # a post, not the account
        ("https://mastodon.social/tags/x.rss", []),
        # YouTube
        (f"https://www.youtube.com/channel/{CHANNEL}", [f"{YT}?channel_id={CHANNEL}"]),
        (f"https://m.youtube.com/channel/{CHANNEL}/videos", [f"{YT}?channel_id={CHANNEL}"]),
        ("https://www.youtube.com/channel/UCtooshort", []),
        ("https://www.youtube.com/user/GoogleDevelopers", [f"{YT}?user=GoogleDevelopers"]),
        ("https://www.youtube.com/playlist?list=PL123abc_-", [f"{YT}?playlist_id=PL123abc_-"]),
        ("https://www.youtube.com/@somehandle", []),  # needs the page
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", []),
        # Reddit
        ("https://www.reddit.com/r/django", ["https://www.reddit.com/r/django/.rss"]),
        ("https://old.reddit.com/r/django/", ["https://www.reddit.com/r/django/.rss"]),
        ("https://reddit.com/r/django/new/", ["https://www.reddit.com/r/django/new/.rss"]),
        ("https://www.reddit.com/user/spez", ["https://www.reddit.com/user/spez/.rss"]),
        ("https://www.reddit.com/u/spez", ["https://www.reddit.com/user/spez/.rss"]),
        ("https://www.reddit.com/", []),
        # GitHub
        (
            "https://github.com/django/django",
            [
                "https://github.com/django/django/releases.atom",
                "https://github.com/django/django/commits.atom",
            ],
        ),
        (
            "https://github.com/django/django.git",
            [
                "https://github.com/django/django/releases.atom",
                "https://github.com/django/django/commits.atom",
            ],
        ),
        (
            "https://github.com/django/django/releases",
            ["https://github.com/django/django/releases.atom"],
        ),
        ("https://github.com/django/django/tags", ["https://github.com/django/django/tags.atom"]),
        (
            "https://github.com/django/django/commits/stable/5.2.x",
            ["https://github.com/django/django/commits/stable/5.2.x.atom"],
        ),
        (
            "https://github.com/django/django/tree/main",
            ["https://github.com/django/django/commits/main.atom"],
        ),
        ("https://github.com/django", ["https://github.com/django.atom"]),
        ("https://github.com/settings/profile", []),
        ("https://github.com/django/django/issues/1", []),
        # Others
        ("https://medium.com/@someone", ["https://medium.com/feed/@someone"]),
        ("https://bsky.app/profile/jay.bsky.team", ["https://bsky.app/profile/jay.bsky.team/rss"]),
        ("https://www.tiktok.com/@someone", []),
        # Unknown or not a web address
        ("https://blog.example.com/", []),
        ("https://blog.example.com/posts/hello", []),
        ("javascript:alert(1)", []),
        ("not a url", []),
        ("", []),
    ],
)
def test_profile_feed_urls(url, feeds):
    assert profile_feed_urls(url) == feeds


def test_youtube_handle_page_link_alternate():
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" title="RSS" '
        b'href="https://www.youtube.com/feeds/videos.xml?channel_id=' + CHANNEL.encode() + b'">'
        b'</head><body><script>{"channelId":"UCzzzzzzzzzzzzzzzzzzzzzz"}</script></body></html>'
    )
    assert youtube_feed_from_html(page) == f"{YT}?channel_id={CHANNEL}"


@pytest.mark.parametrize(
    "snippet",
    [
        f'<meta itemprop="channelId" content="{CHANNEL}">',
        f'<meta content="{CHANNEL}" itemprop="channelId">',
        f'<link rel="canonical" href="https://www.youtube.com/channel/{CHANNEL}">',
        f'<script>var x = {{"metadata":{{"externalId":"{CHANNEL}"}}}};</script>',
        f'<script>var x = {{"channelId":"{CHANNEL}","title":"t"}};</script>',
    ],
)
def test_youtube_channel_id_from_page(snippet):
    page = f"<html><head></head><body>{snippet}</body></html>"
    assert youtube_feed_from_html(page.encode()) == f"{YT}?channel_id={CHANNEL}"
    assert youtube_feed_from_html(page) == f"{YT}?channel_id={CHANNEL}"


def test_youtube_meta_beats_a_recommended_channel_id():
    page = (
        '<script>{"channelId":"UCzzzzzzzzzzzzzzzzzzzzzz"}</script>'
        f'<meta itemprop="channelId" content="{CHANNEL}">'
    )
    assert youtube_feed_from_html(page.encode()) == f"{YT}?channel_id={CHANNEL}"


def test_youtube_page_without_id():
    assert youtube_feed_from_html(b"<html>nothing</html>") is None
    assert youtube_feed_from_html(b"") is None
    assert profiles_from_html("https://www.youtube.com/@x", b"<html></html>") == []


def test_profiles_from_html_only_reads_youtube_pages():
    page = f'<meta itemprop="channelId" content="{CHANNEL}">'.encode()
    assert profiles_from_html("https://www.youtube.com/@h", page) == [f"{YT}?channel_id={CHANNEL}"]
    assert profiles_from_html("https://blog.example.com/", page) == []


def test_candidates_profile_first_then_advertised_links():
    page = (
        b'<html><head><link rel="alternate" type="application/atom+xml" href="/feed.atom">'
        b"</head></html>"
    )
    assert candidate_feed_urls("https://mastodon.social/@bob", page) == [
        "https://mastodon.social/@bob.rss",
        "https://mastodon.social/feed.atom",
    ]


def test_candidates_youtube_handle_page():
    page = f'<meta itemprop="channelId" content="{CHANNEL}">'.encode()
    assert candidate_feed_urls("https://www.youtube.com/@h", page) == [f"{YT}?channel_id={CHANNEL}"]


def test_candidates_no_link_falls_back_to_a_few_common_paths():
    urls = candidate_feed_urls("https://blog.example.com/", b"<html><head></head></html>")
    assert len(urls) == MAX_GUESSES
    assert urls[0] == "https://blog.example.com/feed"
    assert "https://blog.example.com/rss.xml" in urls


def test_candidates_without_html_use_mapping_and_guesses():
    assert (
        candidate_feed_urls("https://blog.example.com/", None)[0] == "https://blog.example.com/feed"
    )
    urls = candidate_feed_urls("https://www.reddit.com/r/django", None)
    assert urls[0] == "https://www.reddit.com/r/django/.rss" and len(urls) == 1 + MAX_GUESSES


def test_candidates_no_guesses_when_the_page_advertises_a_feed():
    page = b'<link rel="alternate" type="application/rss+xml" href="https://blog.example.com/feed">'
    assert candidate_feed_urls("https://blog.example.com/", page) == [
        "https://blog.example.com/feed"
    ]


def test_candidates_skip_the_page_itself_and_duplicates():
    page = (
        b'<link rel="alternate" type="application/rss+xml" href="/feed">'
        b'<link rel="alternate" type="application/rss+xml" href="https://mastodon.social/@bob.rss">'
    )
    assert candidate_feed_urls("https://mastodon.social/@bob", page) == [
        "https://mastodon.social/@bob.rss",
        "https://mastodon.social/feed",
    ]
    # A page at a common path is not its own guess.
    assert "https://x.example/feed" not in candidate_feed_urls("https://x.example/feed", b"<p>")


def test_candidates_cap_advertised_links_and_drop_unsafe_ones():
    links = b"".join(
        b'<link rel="alternate" type="application/rss+xml" href="/f%d.xml">' % i for i in range(10)
    )
    links += b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    urls = candidate_feed_urls("https://x.example/", links)
    assert urls == [
        "https://x.example/f0.xml",
        "https://x.example/f1.xml",
        "https://x.example/f2.xml",
    ]


@pytest.mark.parametrize("page_url", ["", "javascript:alert(1)", "ftp://x.example/"])
def test_candidates_for_non_web_addresses(page_url):
    assert candidate_feed_urls(page_url, b"<html></html>") == []


def test_feed_candidates_are_grouped_by_origin():
    page = b'<link rel="alternate" type="application/rss+xml" href="/posts.xml">'
    found = feed_candidates("https://mastodon.social/@bob", page)
    assert found.mapped == ["https://mastodon.social/@bob.rss"]
    assert found.named == ["https://mastodon.social/posts.xml"] and found.guessed == []
    bare = feed_candidates("https://blog.example.com/", b"<html></html>")
    assert bare.mapped == bare.named == [] and len(bare.guessed) == MAX_GUESSES
