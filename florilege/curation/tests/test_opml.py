import math
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from florilege.curation.services.opml import CHUNK, export_opml, import_opml
from florilege.sources.models import Source
from florilege.sources.opml import parse_opml
from florilege.testing import LoopbackServer
from florilege.topics.models import Topic, TopicSource

pytestmark = [pytest.mark.django_db, pytest.mark.urls("florilege.curation.tests.urls_opml")]

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def opml(*outlines: str, title: str = "Export") -> bytes:
    body = "".join(outlines)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>{title}'
        f"</title></head><body>{body}</body></opml>"
    ).encode()


def feed(url: str, title: str = "", html: str = "") -> str:
    html_attr = f' htmlUrl="{html}"' if html else ""
    return f'<outline type="rss" text="{title}" xmlUrl="{url}"{html_attr}/>'


def followed(topic: Topic) -> set[str]:
    return set(TopicSource.objects.filter(topic=topic).values_list("source__url", flat=True))


@pytest.fixture
def other_topic(django_user_model):
    owner = django_user_model.objects.create_user("someone", password="another-long-password")
    return Topic.objects.create(title="Other", slug="other", owner=owner)


def test_nested_outlines_become_due_sources_of_the_topic(topic, curator) -> None:
    data = opml(
        feed("https://a.example/feed", "A", "https://a.example/"),
        '<outline text="Tech"><outline text="Web">',
        feed("https://b.example/rss", "B"),
        "</outline>",
        feed("https://c.example/atom.xml", "C"),
        "</outline>",
    )
    report = import_opml(topic, data, curator, NOW)
    assert report.counts == {"added": 3, "already_followed": 0, "invalid": 0, "duplicates": 0}
    assert [(f.url, f.folder) for f in report.added] == [
        ("https://a.example/feed", ()),
        ("https://b.example/rss", ("Tech", "Web")),
        ("https://c.example/atom.xml", ("Tech",)),
    ]
    assert followed(topic) == {f.url for f in report.added}
    a = Source.objects.get(url="https://a.example/feed")
    assert (a.title, a.site_url, a.next_fetch_at, a.enabled) == (
        "A",
        "https://a.example/",
        NOW,
        True,
    )
    assert TopicSource.objects.filter(topic=topic, added_by=curator, added_at=NOW).count() == 3
    # The filing is kept per topic, for the sources page and the export.
    assert dict(TopicSource.objects.filter(topic=topic).values_list("source__url", "folder")) == {
        "https://a.example/feed": [],
        "https://b.example/rss": ["Tech", "Web"],
        "https://c.example/atom.xml": ["Tech"],
    }


def test_import_fetches_nothing(topic, curator, loopback: LoopbackServer) -> None:
    import_opml(topic, opml(feed(loopback.url("/feed.xml"), "Local")), curator, NOW)
    assert Source.objects.get().url == loopback.url("/feed.xml")
    assert loopback.requests == []


def _rows_per_insert(model) -> int:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return min(CHUNK, connection.ops.bulk_batch_size(fields, [model()] * 1000))


def test_thousand_feeds_in_a_bounded_number_of_queries(
    topic, curator, django_assert_max_num_queries
) -> None:
    existing = Source.objects.create(url="https://site5.example/feed")  # another topic's feed
    data = opml(*(feed(f"https://site{i}.example/feed", f"Site {i}") for i in range(1000)))
    # Nothing is per feed: a few reads and writes, plus the backend's INSERT batches
    # (SQLite allows 999 parameters per statement, ~40 sources or ~250 links; PostgreSQL
    # takes CHUNK rows at once).
    batches = sum(math.ceil(1000 / _rows_per_insert(model)) for model in (Source, TopicSource))
    with django_assert_max_num_queries(8 + batches):
        report = import_opml(topic, data, curator, NOW)
    assert report.counts["added"] == 1000
    assert Source.objects.count() == 1000
    assert TopicSource.objects.filter(topic=topic).count() == 1000
    assert TopicSource.objects.filter(topic=topic, source=existing).exists()


def test_duplicates_in_the_file_count_once(topic, curator) -> None:
    data = opml(
        feed("https://a.example/feed", "A"),
        feed("https://A.example/feed?utm_source=reader", "A again"),
        '<outline text="Folder">',
        feed("https://a.example/feed", "A in a folder"),
        "</outline>",
    )
    report = import_opml(topic, data, curator, NOW)
    assert report.counts == {"added": 1, "already_followed": 0, "invalid": 0, "duplicates": 2}
    assert Source.objects.get().title == "A"


def test_already_followed_feeds_are_left_alone(topic, curator, other_topic) -> None:
    mine = Source.objects.create(url="https://mine.example/feed", title="Kept title")
    TopicSource.objects.create(topic=topic, source=mine)
    theirs = Source.objects.create(url="https://theirs.example/feed", title="Theirs")
    TopicSource.objects.create(topic=other_topic, source=theirs)
    data = opml(
        feed("https://mine.example/feed", "Renamed"),
        feed("https://MINE.example/feed", "Same, other spelling"),
        feed("https://theirs.example/feed", "Renamed too"),
    )
    report = import_opml(topic, data, curator, NOW)
    assert [f.url for f in report.already_followed] == ["https://mine.example/feed"]
    assert [f.url for f in report.added] == ["https://theirs.example/feed"]
    assert report.duplicates == 1
    # One row per feed, shared between topics; the stored titles are not overwritten.
    assert Source.objects.count() == 2
    assert set(Source.objects.values_list("title", flat=True)) == {"Kept title", "Theirs"}
    assert followed(topic) == {"https://mine.example/feed", "https://theirs.example/feed"}
    # Importing the same file again adds nothing.
    again = import_opml(topic, data, curator, NOW)
    assert again.counts["added"] == 0 and again.counts["already_followed"] == 2


def test_a_disabled_feed_imported_again_is_enabled_and_due(topic, curator) -> None:
    gone = Source.objects.create(
        url="https://gone.example/feed", enabled=False, disabled_reason="410 Gone"
    )
    import_opml(topic, opml(feed(gone.url)), curator, NOW)
    gone.refresh_from_db()
    assert gone.enabled and gone.disabled_reason == "" and gone.next_fetch_at == NOW


def test_invalid_and_javascript_urls_are_reported_not_stored(topic, curator) -> None:
    data = opml(
        feed("javascript:alert(document.cookie)", "JS"),
        feed("data:text/xml,&lt;rss/&gt;", "Data"),
        feed("file:///etc/passwd", "File"),
        feed("/relative/feed.xml", "Relative"),
        feed("http://user@evil.example/feed", "Userinfo"),
        feed("https://ok.example/feed", "OK"),
        '<outline text="No url at all"/>',
        feed("   ", "Blank"),
    )
    report = import_opml(topic, data, curator, NOW)
    assert [f.url for f in report.added] == ["https://ok.example/feed"]
    reasons = {r.title: r.reason for r in report.invalid}
    assert set(reasons) == {"JS", "Data", "File", "Relative", "Userinfo"}
    assert "javascript:" in reasons["JS"] and "only http:// and https://" in reasons["JS"]
    assert list(Source.objects.values_list("url", flat=True)) == ["https://ok.example/feed"]


def _laughs() -> bytes:
    decls = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {b} "{f"&{a};" * 10}">' for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    return (
        f"<!DOCTYPE opml [{decls}]>"
        '<opml><body><outline text="&i;" xmlUrl="https://x.example/&i;"/></body></opml>'
    ).encode()


LAUGHS = _laughs()


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
        LAUGHS,
    ],
    ids=["xxe", "billion-laughs"],
)
def test_entity_payloads_are_refused(topic, curator, data) -> None:
    with pytest.raises(ValidationError, match="entities"):
        import_opml(topic, data, curator, NOW)
    assert not Source.objects.exists()


def test_services_check_the_curator(topic, other_topic, curator) -> None:
    with pytest.raises(PermissionDenied):
        import_opml(other_topic, opml(feed("https://a.example/feed")), curator, NOW)
    with pytest.raises(PermissionDenied):
        export_opml(other_topic, curator, NOW)
    assert not Source.objects.exists()


def test_export_then_import_round_trip(topic, curator, other_topic, client_in) -> None:
    data = opml(
        feed("https://a.example/feed", "A &amp; co", "https://a.example/"),
        '<outline text="F">',
        feed("https://b.example/rss?x=1&amp;y=2", "B"),
        "</outline>",
    )
    import_opml(topic, data, curator, NOW)
    exported = export_opml(topic, curator, NOW)
    doc = parse_opml(exported)
    assert doc.title == "Social networks"
    assert [(o.title, o.xml_url, o.html_url, o.folder) for o in doc.outlines] == [
        ("A & co", "https://a.example/feed", "https://a.example/", ("Social networks",)),
        ("B", "https://b.example/rss?x=1&y=2", "", ("Social networks", "F")),
    ]
    # Into another topic (owned by someone else): the same sources, not new ones, filed
    # there as the export filed them.
    report = import_opml(other_topic, exported, other_topic.owner, NOW)
    assert report.counts["added"] == 2
    assert followed(other_topic) == followed(topic)
    assert Source.objects.count() == 2
    assert sorted(
        TopicSource.objects.filter(topic=other_topic).values_list("folder", flat=True)
    ) == [["Social networks"], ["Social networks", "F"]]
    # The sources page shows where each feed was filed.
    page = client_in.get(reverse("curation:sources", args=[topic.slug]))
    assert "F</small>" in page.content.decode()


# Views


def upload(client, topic: Topic, data: bytes, name: str = "feeds.opml"):
    return client.post(
        reverse("curation:opml_import", args=[topic.slug]),
        {"file": SimpleUploadedFile(name, data, content_type="text/x-opml")},
    )


def test_import_page_shows_the_form_and_export_link(client_in, topic) -> None:
    response = client_in.get(reverse("curation:opml_import", args=[topic.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert reverse("curation:opml_export", args=[topic.slug]) in page


def test_upload_imports_and_reports(client_in, topic) -> None:
    data = opml(
        feed("https://a.example/feed", "A"),
        feed("javascript:alert(1)", "Evil"),
        feed("https://a.example/feed", "A twice"),
    )
    response = upload(client_in, topic, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 feed added, 1 skipped, 1 listed twice." in page
    assert "<code>javascript:alert(1)</code>" in page
    assert 'href="javascript:' not in page
    assert followed(topic) == {"https://a.example/feed"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>Hello</body></html>", "not an OPML file"),
        (b"\x00\x01\x02garbage\xff\xfe", "not well-formed XML"),
        (
            b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
            "declares XML entities",
        ),
        (b"", "The submitted file is empty."),
    ],
)
def test_upload_of_something_else_is_refused_clearly(client_in, topic, data, message) -> None:
    response = upload(client_in, topic, data, "notes.txt")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Source.objects.exists()


def test_post_without_a_file_asks_for_one(client_in, topic) -> None:
    response = client_in.post(reverse("curation:opml_import", args=[topic.slug]), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_upload_over_two_megabytes_is_refused(client_in, topic) -> None:
    data = opml(feed("https://a.example/feed")) + b" " * (2 * 1024 * 1024)
    response = upload(client_in, topic, data)
    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()
    assert not Source.objects.exists()


def test_export_downloads_slug_dot_opml(client_in, topic) -> None:
    source = Source.objects.create(url="https://a.example/feed", title="A")
    TopicSource.objects.create(topic=topic, source=source)
    response = client_in.get(reverse("curation:opml_export", args=[topic.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-opml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="social-networks.opml"'
    assert [o.xml_url for o in parse_opml(response.content).outlines] == [source.url]


def test_non_owner_gets_403(client, other_topic, curator) -> None:
    client.force_login(curator)
    import_url = reverse("curation:opml_import", args=[other_topic.slug])
    assert client.get(import_url).status_code == 403
    assert upload(client, other_topic, opml(feed("https://a.example/feed"))).status_code == 403
    export_url = reverse("curation:opml_export", args=[other_topic.slug])
    assert client.get(export_url).status_code == 403
    assert not Source.objects.exists()


def test_anonymous_is_sent_to_log_in(client, topic) -> None:
    response = client.get(reverse("curation:opml_export", args=[topic.slug]))
    assert response.status_code == 302 and "/login/" in response["Location"]
