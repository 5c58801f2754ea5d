import pytest

from florilege.lib.urls import absolutize, canonical_url, domain_of, first_http_url, is_http_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # case, default ports, fragment
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com.", "https://example.com/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        # tracking parameters
        ("https://ex.com/a?utm_source=tw&utm_medium=social&id=3", "https://ex.com/a?id=3"),
        ("https://ex.com/a?UTM_Campaign=x", "https://ex.com/a"),
        ("https://ex.com/?fbclid=1&gclid=2&dclid=3&msclkid=4&id=5", "https://ex.com/?id=5"),
        ("https://ex.com/?mc_cid=1&mc_eid=2&igshid=3&yclid=4", "https://ex.com/"),
        ("https://ex.com/?_hsenc=1&_hsmi=2&ref_src=twsrc&spm=a.b", "https://ex.com/"),
        ("https://ex.com/?utm%5Fsource=x&p=1", "https://ex.com/?p=1"),
        # `ref` is kept on purpose (e.g. ?ref=<branch> on code forges)
        ("https://github.com/o/r/blob/x?ref=main", "https://github.com/o/r/blob/x?ref=main"),
        # query ordering: sorted by key, stable for repeated keys, blanks removed
        ("https://ex.com/?b=2&a=1", "https://ex.com/?a=1&b=2"),
        ("https://ex.com/?b=1&a=2&b=0", "https://ex.com/?a=2&b=1&b=0"),
        ("https://ex.com/?&&a=1&", "https://ex.com/?a=1"),
        ("https://ex.com/?flag&a=", "https://ex.com/?a=&flag"),
        # percent-encoding and dot segments
        ("https://ex.com/%7euser/%2f", "https://ex.com/~user/%2F"),
        ("https://ex.com/a%2db?q=%e2%82%ac", "https://ex.com/a-b?q=%E2%82%AC"),
        ("https://ex.com/caf\u00e9 au lait", "https://ex.com/caf%C3%A9%20au%20lait"),
        ("https://ex.com/100%", "https://ex.com/100%25"),
        ("https://ex.com/a/./b/../c", "https://ex.com/a/c"),
        ("https://ex.com/a?x=%26&y=a%3Db", "https://ex.com/a?x=%26&y=a%3Db"),
        # hosts
        ("https://B\u00fccher.de/x", "https://xn--bcher-kva.de/x"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://user:pw@Example.com/", "http://user:pw@example.com/"),
        # unparsable or not a URL with a host: returned stripped
        ("not a url", "not a url"),
        ("  /relative/path ", "/relative/path"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("http://ex.com:99999/", "http://ex.com:99999/"),
        ("http://[::1/", "http://[::1/"),
        ("", ""),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent():
    url = "HTTPS://Www.Ex.com:443/a/../b%7e?utm_x=1&z=%41&a=b c#f"
    once = canonical_url(url)
    assert canonical_url(once) == once


def test_canonical_url_never_raises_on_junk():
    for junk in ["http://", "://", "http://\udcff/", "http://a..b/", "h" * 10_000, None, 42]:
        assert isinstance(canonical_url(junk), str)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com", True),
        ("http://example.com/a?b=c#d", True),
        ("HTTPS://EXAMPLE.COM/", True),
        ("http://localhost:8000/x", True),
        ("http://127.0.0.1/", True),
        ("http://[::1]/", True),
        ("https://b\u00fccher.de/", True),
        ("https://sub_domain.example.com/", True),
        ("javascript:alert(1)", False),
        ("JavaScript://example.com/%0aalert(1)", False),
        ("data:text/html,<script>x</script>", False),
        ("ftp://example.com/file", False),
        ("/relative/path", False),
        ("example.com", False),
        ("//example.com/a", False),
        ("http:/example.com", False),
        ("http://", False),
        ("http://a@b.com/", False),
        ("http://user:pass@example.com/", False),
        ("http://example.com\\@evil.com/", False),
        ("http://exa mple.com/", False),
        ("http://example.com/a b", False),
        (" http://example.com/", False),
        ("http://example.com/\n", False),
        ("http://ex..com/", False),
        ("http://-bad-.com/", False),
        ("http://example.com:99999/", False),
        ("http://example.com:port/", False),
        ("http://[::zz]/", False),
        ("", False),
        ("http://example.com/" + "a" * 10_000, False),
    ],
)
def test_is_http_url(text, expected):
    assert is_http_url(text) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com/a", "example.com"),
        ("https://Blog.Example.com:8080/", "blog.example.com"),
        ("https://wwwexample.com/", "wwwexample.com"),
        ("example.org/path", "example.org"),
        ("", ""),
        ("http://[::1/", ""),
    ],
)
def test_domain_of(url, expected):
    assert domain_of(url) == expected


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("https://ex.com/a/b", "c", "https://ex.com/a/c"),
        ("https://ex.com/a/b", "/c", "https://ex.com/c"),
        ("https://ex.com/a/b", "../c", "https://ex.com/c"),
        ("https://ex.com/a/b", "//cdn.ex.com/i.png", "https://cdn.ex.com/i.png"),
        ("https://ex.com/a/b", "http://other.org/x", "http://other.org/x"),
        ("https://ex.com/a/b", "  c d.png\n", "https://ex.com/a/c%20d.png"),
        ("https://ex.com/a/b", "/caf\u00e9?q=\u00e9", "https://ex.com/caf%C3%A9?q=%C3%A9"),
        ("https://ex.com/a/b", "/x%20y", "https://ex.com/x%20y"),
        ("https://ex.com/a/b", "?p=2", "https://ex.com/a/b?p=2"),
        ("https://ex.com/a/b", "", "https://ex.com/a/b"),
        ("https://ex.com/a/b", "java\tscript:alert(1)", "javascript:alert(1)"),
        ("https://ex.com/", "http://[bad", "http://[bad"),
        # Absolute links (most feed links) come back as written, whatever the base.
        (
            "https://ex.com/a/b",
            "https://ex.com/x/../y?b=1&a=2#f",
            "https://ex.com/x/../y?b=1&a=2#f",
        ),
        ("https://ex.com/a/b", "HTTPS://Ex.com/Path?q", "https://Ex.com/Path?q"),
        ("not a base", "https://ex.com/caf\u00e9 x", "https://ex.com/caf%C3%A9%20x"),
        ("https://ex.com/a/b", " \x00https://ex.com/c\n", "https://ex.com/c"),
        ("https://ex.com/a/b", "https:/ex.com/c", "https://ex.com/ex.com/c"),
    ],
)
def test_absolutize(base, href, expected):
    assert absolutize(base, href) == expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("https://a.example/x",), "https://a.example/x"),
        (("", "Worth reading https://a.example/x?y=1 via the app"), "https://a.example/x?y=1"),
        (("", "Read this: (https://a.example/page).", ""), "https://a.example/page"),
        (("« Titre » https://a.example/é»",), "https://a.example/é"),
        (("javascript:alert(1)", "no link here", "ftp://a.example/"), ""),
        (("", "http://user@evil.example/ then https://good.example/"), "https://good.example/"),
        (("HTTPS://A.EXAMPLE/Up",), "HTTPS://A.EXAMPLE/Up"),
        (("https://first.example/", "https://second.example/"), "https://first.example/"),
    ],
)
def test_first_http_url(texts: tuple[str, ...], expected: str) -> None:
    assert first_http_url(*texts) == expected
