"""A topic's banner uploaded on its settings page: kept for the ``pictures`` stage as a
scoop's upload is (same checks, its original never served), shown once made, removed with
a box, refused with a clear reason, and only by those who change the topic's settings."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from florilege.curation.services.topics import export_topic
from florilege.curation.tests.test_topic_settings import settings_data
from florilege.jobs.registry import StageContext, get
from florilege.lib import media
from florilege.media.models import Picture
from florilege.publishing.cache import clear_all
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_all()
    return settings.MEDIA_ROOT


def png(size=(1500, 400), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def banner_file(data: bytes | None = None, name: str = "banner.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png() if data is None else data, "image/png")


def edit_url(topic: Topic) -> str:
    return reverse("curation:topic_edit", args=[topic.slug])


def run_stage() -> int:
    return get("pictures").run(StageContext(now=timezone.now()))


def uploads(root: Path) -> list[Path]:
    folder = root / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def test_an_uploaded_banner_is_made_by_the_stage_and_served_as_our_copy(
    client_in, topic, settings, media_root
) -> None:
    page = client_in.get(edit_url(topic)).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="header_image_upload"' in page
    assert 'name="header_image_clear"' not in page  # no banner to remove yet
    response = client_in.post(
        edit_url(topic), settings_data(topic, header_image_upload=banner_file())
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.header_image_url.startswith(f"{settings.BASE_URL}/media/uploads/")
    picture = topic.header_picture
    assert picture is not None and picture.status == Picture.Status.PENDING
    # The original is never served, and the public page has no banner until it is made.
    assert Client().get(topic.header_image_url.removeprefix(settings.BASE_URL)).status_code == 404
    assert 'class="banner' not in Client().get(topic.get_absolute_url()).content.decode()
    page = client_in.get(edit_url(topic)).content.decode()
    assert "Current banner" in page and "Your picture is being prepared." in page

    assert run_stage() == 1
    picture.refresh_from_db()
    assert picture.status == Picture.Status.READY and (picture.width, picture.height) == (
        1500,
        400,
    )
    assert uploads(media_root) == []  # the original went once made
    clear_all()
    public = Client().get(topic.get_absolute_url()).content.decode()
    large = picture.renditions["large"]["jpeg"]
    assert f'src="/media/{large}"' in public and "/media/uploads/" not in public

    # The settings page shows it, leaves the address empty, and saving keeps it.
    page = client_in.get(edit_url(topic)).content.decode()
    assert f'src="/media/{picture.renditions["card"]["jpeg"]}"' in page
    assert "/media/uploads/" not in page and 'name="header_image_clear"' in page
    assert "An uploaded banner is shown" in page
    kept = topic.header_image_url
    assert client_in.post(edit_url(topic), settings_data(topic)).status_code == 302
    topic.refresh_from_db()
    assert (topic.header_image_url, topic.header_picture_id) == (kept, picture.pk)
    # An export gives our large JPEG's address, never the upload's.
    exported = export_topic(topic, topic.owner, timezone.now())
    assert exported["settings"]["header_image_url"] == media.url_of(large)
    assert list(exported["pictures"]) == [media.url_of(large)]


def test_removing_the_banner(client_in, topic) -> None:
    client_in.post(edit_url(topic), settings_data(topic, header_image_upload=banner_file()))
    topic.refresh_from_db()
    assert topic.header_picture_id is not None
    response = client_in.post(edit_url(topic), settings_data(topic, header_image_clear="on"))
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.header_image_url, topic.header_picture_id) == ("", None)
    # An address banner goes the same way.
    data = settings_data(topic, header_image_url="https://img.example/b.jpg")
    client_in.post(edit_url(topic), data)
    topic.refresh_from_db()
    assert topic.header_image_url == "https://img.example/b.jpg"
    client_in.post(edit_url(topic), data | {"header_image_clear": "on"})
    topic.refresh_from_db()
    assert (topic.header_image_url, topic.header_picture_id) == ("", None)


def test_an_address_replaces_an_uploaded_banner(client_in, topic) -> None:
    client_in.post(edit_url(topic), settings_data(topic, header_image_upload=banner_file()))
    topic.refresh_from_db()
    uploaded = topic.header_picture_id
    data = settings_data(topic, header_image_url="https://img.example/b.jpg")
    assert client_in.post(edit_url(topic), data).status_code == 302
    topic.refresh_from_db()
    assert topic.header_image_url == "https://img.example/b.jpg"
    assert topic.header_picture_id not in (None, uploaded)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "Vector images (SVG) are not accepted"),
        (b"GIF89a nonsense", "This file is not a picture we can read."),
        (b"", "The submitted file is empty."),
        (b"big", "The picture is too large: up to 1.9"),
    ],
)
def test_a_refused_file_is_a_clear_error_and_changes_nothing(
    client_in, topic, settings, media_root, data, message
) -> None:
    settings.CONFIG = replace(settings.CONFIG, IMAGE_MAX_BYTES=2_000_000)
    if data == b"big":
        data = b"\x89PNG\r\n\x1a\n" + b"\0" * 2_000_001
    response = client_in.post(
        edit_url(topic),
        settings_data(topic, title="A new title", header_image_upload=banner_file(data, "b.svg")),
    )
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="A new title"' in page  # what was typed stays in the form
    topic.refresh_from_db()
    assert (topic.title, topic.header_image_url) == ("Social networks", "")
    assert uploads(media_root) == [] and not Picture.objects.exists()


def test_uploading_and_removing_at_once_is_refused(client_in, topic) -> None:
    Topic.objects.filter(pk=topic.pk).update(header_image_url="https://img.example/b.jpg")
    topic.refresh_from_db()
    response = client_in.post(
        edit_url(topic),
        settings_data(topic, header_image_upload=banner_file(), header_image_clear="on"),
    )
    assert response.status_code == 200
    assert "Upload a new banner or remove it, not both." in response.content.decode()
    topic.refresh_from_db()
    assert topic.header_image_url == "https://img.example/b.jpg"


@pytest.mark.parametrize("uploaded", [False, True], ids=["address-banner", "uploaded-banner"])
def test_removing_the_banner_and_typing_an_address_at_once_is_refused(
    client_in, topic, media_root, uploaded
) -> None:
    if uploaded:
        client_in.post(edit_url(topic), settings_data(topic, header_image_upload=banner_file()))
    else:
        Topic.objects.filter(pk=topic.pk).update(header_image_url="https://img.example/b.jpg")
    topic.refresh_from_db()
    before = (topic.header_image_url, topic.header_picture_id)
    data = settings_data(
        topic, header_image_url="https://img.example/other.jpg", header_image_clear="on"
    )
    response = client_in.post(edit_url(topic), data)
    assert response.status_code == 200
    assert "Type a banner&#x27;s address or remove it, not both." in response.content.decode()
    topic.refresh_from_db()
    assert (topic.header_image_url, topic.header_picture_id) == before


@pytest.mark.parametrize("banner", ["", "https://img.example/b.jpg"])
def test_uploading_and_typing_an_address_at_once_is_refused(
    client_in, topic, media_root, banner
) -> None:
    Topic.objects.filter(pk=topic.pk).update(header_image_url=banner)
    topic.refresh_from_db()
    data = settings_data(
        topic, header_image_url="https://img.example/other.jpg", header_image_upload=banner_file()
    )
    response = client_in.post(edit_url(topic), data)
    assert response.status_code == 200
    assert "Upload a banner or type its address, not both." in response.content.decode()
    topic.refresh_from_db()
    assert topic.header_image_url == banner
    assert uploads(media_root) == [] and not Picture.objects.exists()


def test_uploading_with_the_current_address_left_in_its_field_replaces_it(
    client_in, topic, media_root
) -> None:
    Topic.objects.filter(pk=topic.pk).update(header_image_url="https://img.example/b.jpg")
    topic.refresh_from_db()
    data = settings_data(
        topic, header_image_url="https://img.example/b.jpg", header_image_upload=banner_file()
    )
    assert client_in.post(edit_url(topic), data).status_code == 302
    topic.refresh_from_db()
    assert topic.header_image_url.startswith("http") and "/media/uploads/" in topic.header_image_url


@pytest.mark.parametrize("role", ["editor", "contributor", "viewer", "outsider"])
def test_only_who_changes_the_settings_uploads_a_banner(team, topic, media_root, role) -> None:
    client = Client()
    client.force_login(team[role])
    data = settings_data(topic, header_image_upload=banner_file())
    assert client.post(edit_url(topic), data).status_code == 403
    topic.refresh_from_db()
    assert topic.header_image_url == "" and uploads(media_root) == []
    assert not Picture.objects.exists()


def test_anonymous_is_sent_to_log_in(client, topic, media_root) -> None:
    data = settings_data(topic, header_image_upload=banner_file())
    response = client.post(edit_url(topic), data)
    assert response.status_code == 302 and "login" in response["Location"]
    assert uploads(media_root) == []


def test_an_owner_member_uploads_a_banner(team, topic) -> None:
    client = Client()
    client.force_login(team["owner_member"])
    data = settings_data(topic, header_image_upload=banner_file())
    assert client.post(edit_url(topic), data).status_code == 302
    topic.refresh_from_db()
    assert topic.header_picture is not None


def test_a_new_topic_has_no_upload_field(client_in) -> None:
    page = client_in.get(reverse("curation:topic_create")).content.decode()
    assert 'name="header_image_url"' in page and 'name="header_image_upload"' not in page
