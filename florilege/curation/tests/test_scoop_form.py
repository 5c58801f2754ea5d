"""The full scoop form: picture choice and upload, the server's preview, the Publish /
Schedule / Save draft buttons, the way back to the queue's next card, the hand-filled
form when a page cannot be fetched, and the one-click scoop without an insight."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from florilege.curation.models import Scoop
from florilege.curation.tests.flow_helpers import make_suggestion
from florilege.jobs.registry import StageContext, get
from florilege.lib.markdown import render_markdown
from florilege.media.models import Picture
from florilege.publishing.cache import clear_all
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides) -> dict:
    return {
        "url": "https://news.example/entry-1",
        "title": "Mastodon news 1",
        "excerpt": "",
        "insight": "This **matters**.",
        "tags": "fediverse",
        "image_url": "",
        "source_name": "",
        "language": "en",
    } | overrides


def png(size=(64, 48), fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt, **save)
    return out.getvalue()


def scoop_url(topic, suggestion) -> str:
    return reverse("curation:scoop", args=[topic.slug, suggestion.pk])


def test_upload_is_kept_for_the_stage_and_served_from_our_origin_once_made(
    team, topic, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    suggestion = make_suggestion(topic)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    upload = SimpleUploadedFile("p.jpg", png(fmt="JPEG", exif=exif.tobytes()), "image/jpeg")
    editor = signed_in(team["editor"])
    response = editor.post(scoop_url(topic, suggestion), form(image_upload=upload, mode="now"))
    assert response.status_code == 302
    scoop = Scoop.objects.select_related("picture").get()
    # The request kept the bytes as they came and queued them: no thumbnail made yet.
    assert scoop.image_url.startswith(f"{settings.BASE_URL}/media/uploads/")
    assert scoop.picture is not None and scoop.picture.status == Picture.Status.PENDING
    assert not (tmp_path / "media" / "images").exists()
    # The original (metadata and all) is never served, and pages show no picture yet.
    assert Client().get(scoop.image_url.removeprefix(settings.BASE_URL)).status_code == 404
    assert "<picture" not in Client().get(scoop.get_absolute_url()).content.decode()

    assert get("pictures").run(StageContext(now=timezone.now())) == 1
    scoop.picture.refresh_from_db()
    assert scoop.picture.status == Picture.Status.READY
    assert (scoop.picture.width, scoop.picture.height) == (64, 48)
    assert not list((tmp_path / "media" / "uploads").iterdir())  # the original is gone
    small = scoop.picture.renditions["small"]["jpeg"]
    served = Client().get(f"/media/{small}")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert "immutable" in served["Cache-Control"] and "max-age=31536000" in served["Cache-Control"]
    body = served.getvalue()
    assert b"SecretCam" not in body and Image.open(io.BytesIO(body)).size == (64, 48)
    clear_all()
    page = Client().get(scoop.get_absolute_url()).content.decode()
    assert 'width="64" height="48" class="' in page and "/media/uploads/" not in page


def test_a_damaged_upload_fails_in_the_stage_and_the_curator_reads_why(
    team, topic, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    suggestion = make_suggestion(topic)
    # A sound header over cut-off pixels: only decoding finds it out, and that is the stage's.
    out = io.BytesIO()
    Image.effect_noise((800, 600), 80).convert("RGB").save(out, format="JPEG")
    damaged = out.getvalue()[: len(out.getvalue()) // 2]
    upload = SimpleUploadedFile("p.jpg", damaged, "image/jpeg")
    editor = signed_in(team["editor"])
    response = editor.post(scoop_url(topic, suggestion), form(image_upload=upload, mode="now"))
    assert response.status_code == 302
    scoop = Scoop.objects.get()
    assert scoop.status == "published"  # a failed picture never holds publishing
    get("pictures").run(StageContext(now=timezone.now()))
    picture = Picture.objects.get(scoops=scoop)
    assert picture.status == Picture.Status.FAILED and picture.error_code == "unreadable"
    edit = editor.get(reverse("curation:scoop_edit", args=[topic.slug, scoop.pk]))
    text = edit.content.decode()
    assert "The picture could not be used:" in text and str(picture.reason) in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "Vector images (SVG) are not accepted"),
        (b"GIF89a nonsense", "This file is not a picture we can read."),
    ],
)
def test_refused_upload_keeps_what_was_typed(team, topic, data, message) -> None:
    suggestion = make_suggestion(topic)
    upload = SimpleUploadedFile("p.svg", data, "image/svg+xml")
    response = signed_in(team["editor"]).post(
        scoop_url(topic, suggestion),
        form(image_upload=upload, insight="My *careful* words", mode="now"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "My *careful* words" in page and not Scoop.objects.exists()


def test_media_view_serves_only_our_names(client) -> None:
    for path in ("/media/../settings.py", "/media/images/x.svg", "/media/images/00/zz-1x1.png"):
        assert client.get(path).status_code == 404


def test_page_pictures_are_offered_and_one_is_chosen(team, topic) -> None:
    suggestion = make_suggestion(topic)
    entry = suggestion.entry
    entry.image_url = "https://news.example/feed-image.jpg"
    entry.content = '<p>Text</p><img src="/inline.png" width="600" height="400">'
    entry.save()
    editor = signed_in(team["editor"])
    page = editor.get(scoop_url(topic, suggestion)).content.decode()
    assert re.search(r'value="https://news.example/feed-image.jpg" checked', page)
    assert 'value="https://news.example/inline.png"' in page and "No picture" in page
    offered = ["https://news.example/feed-image.jpg", "https://news.example/inline.png"]
    editor.post(
        scoop_url(topic, suggestion),
        form(image_url="https://news.example/inline.png", image_options=offered, mode="now"),
    )
    assert Scoop.objects.get().image_url == "https://news.example/inline.png"


def test_no_picture(team, topic) -> None:
    suggestion = make_suggestion(topic)
    signed_in(team["editor"]).post(scoop_url(topic, suggestion), form(image_url="", mode="now"))
    assert Scoop.objects.get().image_url == ""


def test_preview_renders_the_insight_like_the_public_page(team, topic, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    suggestion = make_suggestion(topic)
    insight = "Read **this**, then [that](https://x.example/).\n\n- one\n- two"
    upload = SimpleUploadedFile("p.png", png(), "image/png")
    response = signed_in(team["editor"]).post(
        scoop_url(topic, suggestion), form(insight=insight, preview="1", image_upload=upload)
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Scoop.objects.exists()
    assert render_markdown(insight) in page and "Preview of the insight" in page
    # The upload is kept (stored once) and chosen, so publishing next needs no new upload;
    # until the stage has made its thumbnail the form says so instead of showing it.
    stored = re.search(r'value="(http[^"]+/media/uploads/[^"]+)" checked', page)
    assert stored is not None and "Your picture is being prepared." in page
    assert f'src="{stored[1]}"' not in page
    get("pictures").run(StageContext(now=timezone.now()))
    again = signed_in(team["editor"]).post(
        scoop_url(topic, suggestion),
        form(insight=insight, preview="1", image_url=stored[1], image_options=[stored[1]]),
    )
    made = Picture.objects.get().renditions["small"]["jpeg"]
    assert f'src="/media/{made}"' in again.content.decode()
    # Preview without an insight yet: no error, nothing saved.
    empty = signed_in(team["editor"]).post(
        scoop_url(topic, suggestion), form(insight="", preview="1")
    )
    assert empty.status_code == 200 and "Write an insight" not in empty.content.decode()


def test_editor_buttons_and_date_only_when_scheduling(team, topic) -> None:
    suggestion = make_suggestion(topic)
    page = signed_in(team["editor"]).get(scoop_url(topic, suggestion)).content.decode()
    for value in ("now", "draft", "at", "queue"):
        assert f'name="mode" value="{value}"' in page
    start = page.index('<details class="schedule"')
    schedule = page[start : page.index("</details>", start)]
    assert 'type="datetime-local"' in schedule and 'value="at"' in schedule
    assert page.count('type="datetime-local"') == 1
    assert 'type="radio" name="mode"' not in page


def test_contributor_submits_for_approval_instead(team, topic) -> None:
    suggestion = make_suggestion(topic)
    contributor = signed_in(team["contributor"])
    page = contributor.get(scoop_url(topic, suggestion)).content.decode()
    assert "Submit for approval" in page and 'value="now"' not in page
    assert "datetime-local" not in page
    assert contributor.post(scoop_url(topic, suggestion), form(mode="now")).status_code == 403
    contributor.post(scoop_url(topic, suggestion), form(mode="propose"))
    assert Scoop.objects.get().status == "awaiting"


@pytest.mark.parametrize(
    ("mode", "extra", "status"),
    [
        ("now", {}, "published"),
        ("draft", {}, "draft"),
        ("at", {"at": "2099-01-02T10:30"}, "scheduled"),
    ],
)
def test_each_button_does_what_it_says(team, topic, mode, extra, status) -> None:
    suggestion = make_suggestion(topic)
    signed_in(team["editor"]).post(scoop_url(topic, suggestion), form(mode=mode, **extra))
    assert Scoop.objects.get().status == status


def test_schedule_without_a_date_opens_the_date_again(team, topic) -> None:
    suggestion = make_suggestion(topic)
    response = signed_in(team["editor"]).post(scoop_url(topic, suggestion), form(mode="at"))
    page = response.content.decode()
    assert "Give the date and time to publish at." in page
    assert '<details class="schedule" open>' in page and not Scoop.objects.exists()


def test_publishing_returns_to_the_queue_at_the_next_card(team, topic) -> None:
    first, second = make_suggestion(topic, 1), make_suggestion(topic, 2)
    Suggestion.objects.filter(pk=second.pk).update(score=0.5)
    editor = signed_in(team["editor"])
    queue = editor.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    link = re.search(rf'href="({re.escape(scoop_url(topic, first))}\?next=[^"]+)"', queue)
    assert link is not None
    back = f"/curate/t/{topic.slug}/#s-{second.pk}"
    page = editor.get(link[1].replace("&amp;", "&"))
    assert f'name="next" value="{back}"' in page.content.decode()
    response = editor.post(link[1].replace("&amp;", "&"), form(mode="now", next=back))
    assert response.status_code == 302 and response["Location"] == back


@pytest.mark.parametrize("hostile", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_next_never_leaves_the_site(team, topic, hostile) -> None:
    suggestion = make_suggestion(topic)
    response = signed_in(team["editor"]).post(
        scoop_url(topic, suggestion), form(mode="now", next=hostile)
    )
    assert response["Location"] == Scoop.objects.get().get_absolute_url()


def test_unfetchable_page_gives_a_form_to_fill_by_hand(
    team, topic, loopback: LoopbackServer
) -> None:
    url = reverse("curation:scoop_url", args=[topic.slug])
    address = loopback.url("/gone")
    editor = signed_in(team["editor"])
    page = editor.get(url, {"url": address}).content.decode()
    assert "server answered 404" in page and "by hand" in page
    assert f'name="url" value="{address}"' in page and 'name="title"' in page
    assert 'name="image_upload"' in page and 'name="image_address"' in page
    # A missing title: the form comes back with what was typed.
    again = editor.post(url, form(url=address, title="", insight="Kept words", mode="now"))
    assert "Kept words" in again.content.decode() and not Scoop.objects.exists()
    editor.post(
        url,
        form(url=address, title="Typed title", excerpt="Typed excerpt",
             image_address="https://img.example/p.jpg", mode="now"),
    )  # fmt: skip
    scoop = Scoop.objects.get()
    assert (scoop.title, scoop.excerpt) == ("Typed title", "Typed excerpt")
    assert scoop.image_url == "https://img.example/p.jpg"


def test_scoop_now_only_where_the_topic_allows(team, topic) -> None:
    suggestion = make_suggestion(topic)
    editor = signed_in(team["editor"])
    queue = reverse("curation:queue", args=[topic.slug])
    now_url = reverse("curation:scoop_now", args=[topic.slug, suggestion.pk])
    assert now_url not in editor.get(queue).content.decode()
    refused = editor.post(now_url, follow=True)
    assert "asks for an insight" in refused.content.decode() and not Scoop.objects.exists()
    topic.allow_scoop_without_insight = True
    topic.save()
    assert now_url in editor.get(queue).content.decode()
    assert signed_in(team["contributor"]).post(now_url).status_code == 403
    response = editor.post(now_url)
    assert response.status_code == 302 and response["Location"].startswith(queue)
    scoop = Scoop.objects.get()
    assert scoop.status == "published" and scoop.insight == "" and scoop.insight_html == ""
    suggestion.refresh_from_db()
    assert suggestion.status == "scooped"
    public = Client().get(scoop.get_absolute_url()).content.decode()
    assert 'class="insight"' not in public


def test_topic_settings_offer_the_one_click_scoop(team, topic) -> None:
    owner = signed_in(team["owner"])
    page = owner.get(reverse("curation:topic_edit", args=[topic.slug])).content.decode()
    assert 'name="allow_scoop_without_insight"' in page
