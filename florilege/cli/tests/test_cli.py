"""The ``florilege`` command line, run in process (``main(argv)``) against the test
database, and once as a separate process (``python -m florilege.cli``)."""

from __future__ import annotations

import argparse
import base64
import io
import json
import shutil
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path

import pytest
from PIL import Image

from florilege.cli import NOT_FOUND, REFUSED, USAGE, _parser, main
from florilege.curation.models import AutomationRule, Scoop
from florilege.curation.services.topics import export_topic
from florilege.media.models import Picture
from florilege.media.tests.helpers import illustrate, picture_bytes
from florilege.sources.models import Source
from florilege.testing import Reply
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "florilege" / "curation" / "tests" / "fixtures"
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loop news</title>
<link>http://127.0.0.1/</link><item><title>One</title><link>https://n.example/1</link>
<guid>1</guid></item></channel></rss>"""


def run(capsys, *argv: str, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_console_script_is_declared_and_importable() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = scripts["florilege"].partition(":")
    assert (module, name) == ("florilege.cli", "main")
    assert getattr(import_module(module), name) is main


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                yield from ((f"{name} {n}", s) for n, s in _subparsers(sub))


def test_every_command_has_help(capsys) -> None:
    names = [name for name, _ in _subparsers(_parser())]
    assert {"user create", "topic export", "topic import", "source add", "opml import",
            "scoopit import", "worker once", "status"} <= set(names)  # fmt: skip
    for name in names:
        with pytest.raises(SystemExit) as done:
            main([*name.split(), "--help"])
        assert done.value.code == 0
        assert "usage: florilege " + name in capsys.readouterr().out
    assert main(["topic"]) == USAGE
    with pytest.raises(SystemExit) as wrong:
        main(["topic", "export"])  # the address is missing
    assert wrong.value.code == USAGE


def test_users_and_topics(capsys, monkeypatch, django_user_model) -> None:
    code, out, _ = run(capsys, "user", "create", "ana", "--email", "ana@example.org",
                       "--password-stdin", stdin=b"a-long-enough-passphrase\n",
                       monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0 and "created user ana" in out
    assert django_user_model.objects.get(username="ana").check_password("a-long-enough-passphrase")
    code, _, err = run(capsys, "user", "create", "ana")
    assert code == REFUSED and "already exists" in err
    code, _, err = run(capsys, "user", "create", "bob", "--password-stdin", stdin=b"123\n",
                       monkeypatch=monkeypatch)  # fmt: skip
    assert code == REFUSED and "too short" in err
    assert not django_user_model.objects.filter(username="bob").exists()
    code, out, _ = run(capsys, "topic", "create", "Open data", "--owner", "ana",
                       "--language", "fr", "--keywords", "data, open")  # fmt: skip
    assert (code, out.strip()) == (0, "open-data")
    topic = Topic.objects.get(slug="open-data")
    assert topic.languages == ["fr"] and topic.keywords == ["data", "open"]
    code, _, err = run(capsys, "topic", "create", "Open data", "--owner", "ana")
    assert code == REFUSED and "already uses this address" in err
    code, _, err = run(capsys, "topic", "create", "X", "--owner", "ana", "--language", "zz")
    assert code == REFUSED and "Unknown language" in err
    code, _, err = run(capsys, "topic", "create", "Y", "--owner", "nobody")
    assert code == NOT_FOUND and "nobody" in err
    code, out, _ = run(capsys, "topic", "list", "--json")
    assert json.loads(out)[0]["slug"] == "open-data"


def test_sources_with_discovery_and_opml(capsys, topic, curator, loopback, tmp_path) -> None:
    loopback.routes["/site"] = Reply(200, b'<html><head><link rel="alternate" '
                                     b'type="application/rss+xml" href="/feed.xml"></head></html>',
                                     {"Content-Type": "text/html"})  # fmt: skip
    loopback.routes["/feed.xml"] = Reply(200, RSS, {"Content-Type": "application/rss+xml"})
    code, out, _ = run(capsys, "source", "add", topic.slug, loopback.url("/site"))
    assert code == 0 and out.strip() == "following " + loopback.url("/feed.xml")
    code, _, err = run(capsys, "source", "add", topic.slug, loopback.url("/feed.xml"))
    assert code == REFUSED and "already follows" in err
    path = tmp_path / "out.opml"
    assert run(capsys, "opml", "export", topic.slug, "-o", str(path))[0] == 0
    assert loopback.url("/feed.xml").encode() in path.read_bytes()
    other = Topic.objects.create(title="Other", slug="other", owner=curator)
    code, out, _ = run(capsys, "opml", "import", "other", str(path))
    assert code == 0 and out.startswith("1 added")
    assert TopicSource.objects.filter(topic=other).count() == 1
    code, _, err = run(capsys, "opml", "import", "other", str(tmp_path / "missing.opml"))
    assert code == NOT_FOUND
    (tmp_path / "bad.opml").write_bytes(b"not xml at all")
    assert run(capsys, "opml", "import", "other", str(tmp_path / "bad.opml"))[0] == REFUSED


def test_roles_are_checked_for_the_acting_user(capsys, topic, django_user_model) -> None:
    django_user_model.objects.create_user("stranger", password="a-long-test-password")
    code, _, err = run(capsys, "topic", "export", topic.slug, "--as", "stranger")
    assert code == REFUSED and "not allowed" in err
    assert run(capsys, "topic", "export", "no-such-topic")[0] == NOT_FOUND


def _rich_topic(topic, curator) -> None:
    source = Source.objects.create(url="https://feeds.example/a.xml", title="Feed A")
    TopicSource.objects.create(topic=topic, source=source, added_by=curator, folder=["News"])
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    # Every field set as the creation service would set it (a source name is always there).
    common = {"topic": topic, "curator": curator, "insight_html": "<p>x</p>", "source_name": "N"}
    Scoop.objects.create(**common, url="https://n.example/1", canonical_url="n.example/1",
                         title="First", insight="Why *this*", tags=["a", "b"],
                         image_url="https://img.example/1.png", image_width=640,
                         image_height=480, published_at=when, created_at=when,
                         pinned_at=when + timedelta(days=1))  # fmt: skip
    Scoop.objects.create(**common, url="https://n.example/2", canonical_url="n.example/2",
                         title="Draft", insight="", status="draft", published_at=None)  # fmt: skip
    Scoop.objects.create(**common, url="https://n.example/3", canonical_url="n.example/3",
                         title="Proposal", insight="Maybe", status="awaiting",
                         published_at=None)  # fmt: skip
    AutomationRule.objects.create(topic=topic, name="Tag it", action="tag", tag="hot",
                                  keywords=["mastodon"], source_ids=[source.pk])  # fmt: skip
    topic.time_zone, topic.slot_times = "Europe/Paris", ["09:00", "17:30"]
    topic.save()


def _comparable(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    data.pop("exported_at")
    # A restored picture is re-encoded by the pipeline: the same size, not the same bytes.
    for picture in data.get("pictures", {}).values():
        picture["data"] = Image.open(io.BytesIO(base64.b64decode(picture["data"]))).size
    data["settings"].pop("slug")
    for row in data["sources"]:
        row.pop("added_at")
    for row in data["scoops"]:
        row.pop("curator")
        if row["status"] != "published":
            row.pop("created_at"), row.pop("updated_at")
        else:
            row.pop("updated_at")
    return data


def test_topic_round_trip(capsys, topic, curator, tmp_path, django_user_model) -> None:
    _rich_topic(topic, curator)
    path = tmp_path / "topic.json"
    assert run(capsys, "topic", "export", topic.slug, "-o", str(path))[0] == 0
    exported = json.loads(path.read_text())
    assert exported["format"] == "florilege-topic/2"
    django_user_model.objects.create_user("newowner", password="a-long-test-password")
    code, out, err = run(capsys, "topic", "import", str(path), "--owner", "newowner",
                         "--slug", "copy")  # fmt: skip
    assert code == 0, err
    assert "1 sources, 3 scoops, 1 rules, 0 pictures" in out
    copy = Topic.objects.get(slug="copy")
    assert copy.owner.get_username() == "newowner"
    again = export_topic(copy, copy.owner, datetime.now(UTC))
    mine, theirs = _comparable(again), _comparable(exported)
    for new, old in zip(mine.pop("scoops"), theirs.pop("scoops"), strict=True):
        assert {k: v for k, v in new.items() if v != old.get(k)} == {}, old["url"]
    assert mine == theirs
    first = Scoop.objects.get(topic=copy, url="https://n.example/1")
    assert first.published_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    # The same export again without another address: refused, nothing half-written.
    code, _, err = run(capsys, "topic", "import", str(path), "--owner", "newowner")
    assert code == REFUSED and "already uses this address" in err
    (tmp_path / "x.json").write_text('{"format": "something-else/9"}')
    code, _, err = run(capsys, "topic", "import", str(tmp_path / "x.json"), "--owner", "newowner")
    assert code == REFUSED and "not a Florilège topic export" in err
    (tmp_path / "y.json").write_bytes(b"\xff\xfe not json")
    assert run(capsys, "topic", "import", str(tmp_path / "y.json"), "--owner", "newowner")[0] == 1
    assert Topic.objects.count() == 2


def test_topic_round_trip_carries_the_pictures(
    capsys, topic, curator, tmp_path, settings, django_user_model
) -> None:
    """The export holds the pictures' files: another instance (here: this one with its
    pictures and their files gone) shows them at once, without asking their sites."""
    settings.MEDIA_ROOT = tmp_path / "media"
    _rich_topic(topic, curator)
    now = datetime.now(UTC)
    first = Scoop.objects.get(topic=topic, url="https://n.example/1")
    draft = Scoop.objects.get(topic=topic, url="https://n.example/2")
    Scoop.objects.filter(pk=draft.pk).update(image_url="https://img.example/2.png")
    draft.refresh_from_db()
    illustrate(first, now, data=picture_bytes((900, 500), (200, 30, 30)))
    illustrate(draft, now, data=picture_bytes((300, 200), (30, 200, 30)))
    path = tmp_path / "topic.json"
    assert run(capsys, "topic", "export", topic.slug, "-o", str(path))[0] == 0
    exported = json.loads(path.read_text())
    assert set(exported["pictures"]) == {"https://img.example/1.png", "https://img.example/2.png"}
    # Elsewhere: no picture row, no file.
    Picture.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    django_user_model.objects.create_user("newowner", password="a-long-test-password")
    code, out, err = run(capsys, "topic", "import", str(path), "--owner", "newowner",
                         "--slug", "copy")  # fmt: skip
    assert code == 0, err
    assert "3 scoops, 1 rules, 2 pictures" in out
    for url, (width, colour) in {"https://n.example/1": (900, (200, 30, 30)),
                                 "https://n.example/2": (300, (30, 200, 30))}.items():  # fmt: skip
        scoop = Scoop.objects.select_related("picture").get(topic__slug="copy", url=url)
        assert scoop.picture is not None and scoop.picture.is_ready, url
        card = scoop.picture.rendition("card") or scoop.picture.rendition("small")
        assert card is not None
        with Image.open(settings.MEDIA_ROOT / card["jpeg"]) as image:
            pixel = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
        assert isinstance(pixel, tuple)
        assert all(abs(a - b) < 12 for a, b in zip(pixel, colour, strict=True)), url
        assert scoop.picture.width == width
    again = export_topic(Topic.objects.get(slug="copy"), django_user_model.objects.get(
        username="newowner"), datetime.now(UTC))  # fmt: skip
    assert _comparable(again)["pictures"] == _comparable(exported)["pictures"]


def test_a_version_1_export_is_read_and_bad_pictures_are_skipped(
    capsys, topic, curator, tmp_path, django_user_model
) -> None:
    _rich_topic(topic, curator)
    data = export_topic(topic, curator, datetime.now(UTC), with_pictures=False)
    assert data["pictures"] == {}
    old = {k: v for k, v in data.items() if k != "pictures"} | {"format": "florilege-topic/1"}
    (tmp_path / "v1.json").write_text(json.dumps(old))
    django_user_model.objects.create_user("newowner", password="a-long-test-password")
    code, out, err = run(capsys, "topic", "import", str(tmp_path / "v1.json"),
                         "--owner", "newowner", "--slug", "from-v1")  # fmt: skip
    assert code == 0 and "3 scoops, 1 rules, 0 pictures" in out, err
    broken = data | {"pictures": {"https://img.example/1.png": {"data": "not base64!"},
                                  "https://img.example/9.png": {"data": "aGVsbG8="}}}  # fmt: skip
    (tmp_path / "bad.json").write_text(json.dumps(broken))
    code, out, err = run(capsys, "topic", "import", str(tmp_path / "bad.json"),
                         "--owner", "newowner", "--slug", "bad-pictures")  # fmt: skip
    assert code == 0 and "3 scoops, 1 rules, 0 pictures" in out
    assert "picture https://img.example/1.png: not base64 data" in err
    assert "picture https://img.example/9.png:" in err
    assert not Scoop.objects.get(topic__slug="bad-pictures", url="https://n.example/1").picture


def test_scoopit_import_and_worker_status(capsys, topic) -> None:
    page = str(FIXTURES / "scoopit_topic.html")
    code, out, _ = run(capsys, "scoopit", "import", topic.slug, page)
    assert (code, out.strip()) == (0, "3 scoops added, 0 already in the topic")
    assert run(capsys, "scoopit", "import", topic.slug, page)[1].startswith("0 scoops added")
    code, _, err = run(capsys, "scoopit", "import", topic.slug, str(ROOT / "pyproject.toml"))
    assert code == REFUSED and "neither" in err
    code, out, _ = run(capsys, "status", "--json")
    stages = {row["stage"]: row for row in json.loads(out)}
    assert {"fetch", "webhooks", "publish_due"} <= set(stages)
    code, out, _ = run(capsys, "worker", "once", "--stages", "webhooks,publish_due")
    assert code == 0 and "webhooks\t0" in out
    code, _, err = run(capsys, "worker", "once", "--stages", "nope")
    assert code == REFUSED and "nope" in err
