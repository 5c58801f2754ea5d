import pytest
from django.urls import reverse

from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db


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
        ("languages", "french", "Unknown language: french. Tick among: English"),
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


def test_other_users_cannot_act_on_a_topic(client, topic, django_user_model) -> None:
    from florilege.curation.models import Scoop
    from florilege.sources.models import Entry, Source
    from florilege.suggestions.models import Suggestion
    from florilege.topics.models import TopicSource

    source = Source.objects.create(url="https://news.example/feed")
    TopicSource.objects.create(topic=topic, source=source)
    entry = Entry.objects.create(source=source, key="k", url="https://news.example/a", title="A")
    suggestion = Suggestion.objects.create(topic=topic, entry=entry)
    other = django_user_model.objects.create_user("other", password="another-long-password")
    client.force_login(other)
    slug = topic.slug
    posts = {
        reverse("curation:discard", args=[slug, suggestion.pk]): {},
        reverse("curation:scoop", args=[slug, suggestion.pk]): {
            "url": "https://news.example/a",
            "title": "A",
            "insight": "Mine now.",
        },
        reverse("curation:source_remove", args=[slug, source.pk]): {},
        reverse("curation:topic_edit", args=[slug]): {"title": "Taken", "slug": slug},
        reverse("curation:sources", args=[slug]): {"url": "https://other.example/feed"},
        reverse("curation:scoop_url", args=[slug]): {
            "url": "https://news.example/b",
            "title": "B",
            "insight": "Mine.",
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    suggestion.refresh_from_db()
    topic.refresh_from_db()
    assert suggestion.status == "pending" and topic.title == "Social networks"
    assert TopicSource.objects.count() == 1 and not Scoop.objects.exists()


def test_services_check_permissions_too(topic, django_user_model) -> None:
    from datetime import UTC, datetime

    from django.core.exceptions import PermissionDenied

    from florilege.curation.services.scooping import ScoopDraft, scoop_url

    other = django_user_model.objects.create_user("other", password="another-long-password")
    draft = ScoopDraft(url="https://news.example/a", title="A", insight="Mine.")
    with pytest.raises(PermissionDenied):
        scoop_url(topic, other, draft, datetime(2026, 3, 2, tzinfo=UTC))


def test_empty_address_is_made_from_the_title_at_a_word(client_in) -> None:
    title = (
        "Réseaux sociaux décentralisés, modération communautaire et fédivers "
        "en Europe de l'Ouest"
    )
    response = client_in.post(
        reverse("curation:topic_create"),
        {"title": title, "slug": "", "languages": "", "keywords": ""},
    )
    assert response.status_code == 302
    slug = Topic.objects.get(title=title).slug
    assert slug == "reseaux-sociaux-decentralises-moderation-communautaire-et-fedivers-en-europe-de"
    assert len(slug) <= 80


def test_empty_address_and_no_letters_in_the_title_is_refused(client_in) -> None:
    response = client_in.post(
        reverse("curation:topic_create"),
        {"title": "!!!", "slug": "", "languages": "", "keywords": ""},
    )
    assert response.status_code == 200 and "Choose an address" in response.content.decode()
    assert not Topic.objects.exists()
