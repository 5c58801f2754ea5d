from datetime import UTC, datetime

import pytest

from florilege.sources.opml import (
    MAX_OPML_BYTES,
    OpmlError,
    Outline,
    feed_url_problem,
    parse_opml,
    write_opml,
)

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My  feeds</title></head>
  <body>
    <outline text="Top level" type="rss" xmlUrl="https://a.example/feed" htmlUrl="https://a.example/"/>
    <outline text="Tech">
      <outline text="Web" title="Web dev">
        <outline title="B &amp; C" text="ignored" xmlUrl=" https://b.example/rss?x=1&amp;y=2 "
                 category="/news/tech,/fr"/>
      </outline>
      <outline text="D" XMLURL="https://d.example/atom"/>
    </outline>
    <outline text="Empty folder"/>
    <outline text="After" xmlurl="https://e.example/feed.json" htmlurl="https://e.example/"/>
  </body>
</opml>"""


def test_nested_outlines_keep_folder_path_title_and_urls():
    doc = parse_opml(NESTED)
    assert doc.title == "My feeds"
    assert not doc.repaired
    assert doc.outlines == [
        Outline("Top level", "https://a.example/feed", "https://a.example/", ()),
        Outline(
            "B & C",
            "https://b.example/rss?x=1&y=2",
            "",
            ("Tech", "Web dev"),
            (("news", "tech"), ("fr",)),
        ),
        Outline("D", "https://d.example/atom", "", ("Tech",)),
        Outline("After", "https://e.example/feed.json", "https://e.example/", ()),
    ]


def test_opml_1_without_head_and_with_namespace_and_bom():
    data = (
        b"\xef\xbb\xbf<opml xmlns='http://opml.org/spec2' version='1.0'><body>"
        b"<outline text='X' xmlUrl='http://x.example/rss'/></body></opml>"
    )
    assert [o.xml_url for o in parse_opml(data).outlines] == ["http://x.example/rss"]


def test_utf16_file():
    text = '<?xml version="1.0" encoding="UTF-16"?><opml><body><outline text="Été" xmlUrl="https://é.example/f"/></body></opml>'
    outline = parse_opml(text.encode("utf-16")).outlines[0]
    assert outline.title == "Été" and outline.xml_url == "https://é.example/f"


def test_bare_ampersand_is_repaired_and_flagged():
    data = b'<opml><body><outline text="Q" xmlUrl="https://q.example/?a=1&b=2"/></body></opml>'
    doc = parse_opml(data)
    assert doc.repaired
    assert [o.xml_url for o in doc.outlines] == ["https://q.example/?a=1&b=2"]


def test_truncated_file_is_read_as_far_as_it_goes():
    data = (
        b"<opml><body><outline text='a' xmlUrl='https://a.example/'/>"
        b"<outline text='b' xmlUrl='https://b.exa"
    )
    doc = parse_opml(data)
    assert doc.repaired
    assert [o.xml_url for o in doc.outlines][:1] == ["https://a.example/"]


def test_html_entity_in_title_is_repaired():
    data = b'<opml><body><outline text="caf&eacute;&nbsp;bar" xmlUrl="https://c.example/"/></body></opml>'
    assert parse_opml(data).outlines[0].title == "café bar"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not well-formed"),
        (b"just some text, not xml", "not well-formed"),
        (b"<html><body><p>Hello</p></body></html>", "not an OPML file"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "<rss>"),
    ],
)
def test_not_opml_is_refused_with_a_clear_message(data, message):
    with pytest.raises(OpmlError, match=message):
        parse_opml(data)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://x.example/&xxe;"/></body></opml>"""

XXE_ELEMENT = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><head><title>&xxe;</title></head><body/></opml>"""

INTERNAL = b"""<!DOCTYPE opml [<!ENTITY e "http://169.254.169.254/">]>
<opml><body><outline text="e" xmlUrl="&e;"/></body></opml>"""


def _laughs() -> bytes:
    decls = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        decls.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return (
        f"<?xml version='1.0'?><!DOCTYPE opml [{''.join(decls)}]>"
        "<opml><body><outline text='&lol9;' xmlUrl='https://l.example/&lol9;'/></body></opml>"
    ).encode()


@pytest.mark.parametrize("data", [XXE, XXE_ELEMENT, INTERNAL, _laughs()])
def test_entities_are_refused(data):
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(data)


def test_entities_in_utf16_are_refused_too():
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(INTERNAL.decode().encode("utf-16"))


def test_external_dtd_is_not_loaded():
    data = (
        b'<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd">'
        b"<opml><body><outline text='a' xmlUrl='https://a.example/'/></body></opml>"
    )
    assert len(parse_opml(data).outlines) == 1


def test_size_cap():
    padding = b" " * MAX_OPML_BYTES
    with pytest.raises(OpmlError, match="larger than 2 MB"):
        parse_opml(b"<opml><body>" + padding + b"</body></opml>")


def test_deep_nesting_does_not_recurse_and_caps_folder_depth():
    depth = 200  # libxml2's own limit without huge_tree is 256
    data = (
        b"<opml><body>"
        + b"".join(b'<outline text="f%d">' % i for i in range(depth))
        + b'<outline text="deep" xmlUrl="https://deep.example/"/>'
        + b"</outline>" * depth
        + b"</body></opml>"
    )
    (outline,) = parse_opml(data).outlines
    assert outline.xml_url == "https://deep.example/"
    assert len(outline.folder) == 16 and outline.folder[0] == "f0"


def test_many_outlines_are_capped():
    body = b"".join(b'<outline xmlUrl="https://x.example/%d"/>' % i for i in range(10_050))
    assert len(parse_opml(b"<opml><body>" + body + b"</body></opml>").outlines) == 10_000


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://ok.example/feed", ""),
        ("http://ok.example:8080/feed?x=1", ""),
        ("", "empty"),
        ("javascript:alert(1)", "javascript:"),
        ("JavaScript:alert(1)", "javascript:"),
        ("data:text/xml,<rss/>", "data:"),
        ("feed://example.com/rss", "feed:"),
        ("file:///etc/passwd", "file:"),
        ("/relative/feed", "relative"),
        ("http://", "not a valid web address"),
        ("http://user@evil.example/feed", "not a valid web address"),
        ("https://bad host/feed", "not a valid web address"),
        ("https://x.example/" + "a" * 2001, "longer than 2000"),
    ],
)
def test_feed_url_problem(url, problem):
    result = feed_url_problem(url)
    assert (problem in result) if problem else result == ""


def test_write_groups_folders_and_round_trips():
    rows = [
        ("A", "https://a.example/feed", "https://a.example/", ""),
        ('B <&> "quoted"', "https://b.example/rss?x=1&y=2", "", ("Tech", "Web")),
        ("C\x00\x07", "https://c.example/atom", "", "Tech"),
        ("", "https://d.example/feed", "", ("Tech", "Web")),
    ]
    data = write_opml(rows, title="Mine", created=datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b'<opml version="2.0">' in data
    assert b"<dateCreated>Sat, 01 Mar 2025 12:00:00 +0000</dateCreated>" in data
    assert data.count(b'text="Tech"') == 1 and data.count(b'text="Web"') == 1
    doc = parse_opml(data)
    assert doc.title == "Mine"
    assert [(o.title, o.xml_url, o.html_url, o.folder) for o in doc.outlines] == [
        ("A", "https://a.example/feed", "https://a.example/", ()),
        ('B <&> "quoted"', "https://b.example/rss?x=1&y=2", "", ("Tech", "Web")),
        ("https://d.example/feed", "https://d.example/feed", "", ("Tech", "Web")),
        ("C", "https://c.example/atom", "", ("Tech",)),
    ]
