import pytest
from django.urls import reverse

from florilege.curation.models import Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client, curator):
    client.force_login(curator)
    return client


def test_create_topic(client_in) -> None:
    response = client_in.post(
        reverse("curation:topic_create"),
        {
            "title": "Open data",
            "slug": "open-data",
            "description": "Data for all.",
            "languages": "fr, EN",
            "keywords": "open data, données ouvertes\nAPI",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(slug="open-data")
    assert topic.languages == ["fr", "en"]
    assert topic.keywords == ["open data", "données ouvertes", "API"]


def test_slug_clash_is_refused_and_changes_nothing(client_in, topic) -> None:
    response = client_in.post(
        reverse("curation:topic_create"),
        {"title": "Other", "slug": topic.slug, "languages": "", "keywords": ""},
    )
    assert response.status_code == 200
    assert "already uses this address" in response.content.decode()
    assert Topic.objects.count() == 1
    assert Topic.objects.get().title == "Social networks"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("languages", "french", "two-letter codes"),
        ("slug", "new", "reserved"),
        ("slug", "not a slug!", "Enter a valid"),
        ("title", "", "required"),
    ],
)
def test_bad_topic_input(client_in, field: str, value: str, message: str) -> None:
    data = {"title": "T", "slug": "t", "languages": "", "keywords": ""} | {field: value}
    response = client_in.post(reverse("curation:topic_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Topic.objects.exists()


def test_curation_pages_need_login(client, topic) -> None:
    for name in ("curation:queue", "curation:sources", "curation:scoop_url"):
        response = client.get(reverse(name, args=[topic.slug]))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_other_users_cannot_curate(client, topic, django_user_model) -> None:
    other = django_user_model.objects.create_user("other", password="another-long-password")
    client.force_login(other)
    assert client.get(reverse("curation:queue", args=[topic.slug])).status_code == 403
