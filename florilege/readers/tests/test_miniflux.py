"""The Miniflux API v1 subset through Django's test client: shapes reader apps read,
filters, authentication by X-Auth-Token and HTTP Basic, and 400 for malformed input."""

from __future__ import annotations

import base64
import json

import pytest

from florilege.readers.models import SeenSuggestion
from florilege.readers.tests.fixtures import app_password, queue_of
from florilege.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(curator):
    return {"HTTP_X_AUTH_TOKEN": app_password(curator)}


def test_basic_auth_with_the_app_password_only(client, curator):
    secret = app_password(curator)
    good = base64.b64encode(f"curator:{secret}".encode()).decode()
    assert client.get("/v1/me", HTTP_AUTHORIZATION=f"Basic {good}").status_code == 200
    main = base64.b64encode(b"curator:a-long-test-password").decode()
    response = client.get("/v1/me", HTTP_AUTHORIZATION=f"Basic {main}")
    assert response.status_code == 401
    assert response.json() == {"error_message": "Unauthorized"}
    other = base64.b64encode(f"someone:{secret}".encode()).decode()
    assert client.get("/v1/me", HTTP_AUTHORIZATION=f"Basic {other}").status_code == 401


def test_entries_filters_and_paging(client, curator, topic, auth):
    made = queue_of(topic, 5)
    SeenSuggestion.objects.create(user=curator, suggestion=made[0])
    unread = client.get("/v1/entries?status=unread&limit=2&offset=1", **auth).json()
    assert unread["total"] == 4
    assert [e["id"] for e in unread["entries"]] == [made[2].pk, made[3].pk]
    entry = unread["entries"][0]
    assert entry["status"] == "unread" and entry["feed"]["category"]["id"] == topic.pk
    assert entry["feed_id"] == topic.pk and entry["starred"] is False
    read = client.get(f"/v1/feeds/{topic.pk}/entries?status=read", **auth).json()
    assert [e["id"] for e in read["entries"]] == [made[0].pk]
    oldest = client.get("/v1/entries?order=id&direction=asc&limit=1", **auth).json()
    assert oldest["entries"][0]["id"] == made[0].pk


def test_other_topics_are_not_found(client, topic, auth):
    assert client.get(f"/v1/categories/{topic.pk + 1}/entries", **auth).status_code == 404


def test_put_entries_statuses(client, curator, topic, auth):
    made = queue_of(topic, 2)

    def put(body: dict) -> int:
        return client.put(
            "/v1/entries", json.dumps(body), content_type="application/json", **auth
        ).status_code

    assert put({"entry_ids": [made[0].pk], "status": "read"}) == 204
    assert SeenSuggestion.objects.filter(user=curator).count() == 1
    assert put({"entry_ids": [made[0].pk], "status": "unread"}) == 204
    assert not SeenSuggestion.objects.exists()
    assert put({"entry_ids": [made[1].pk], "status": "removed"}) == 204
    made[1].refresh_from_db()
    assert made[1].status == Suggestion.Status.DISCARDED


BAD_GETS = [
    "/v1/entries?status=maybe",
    "/v1/entries?limit=-1",
    "/v1/entries?limit=lots",
    "/v1/entries?offset=1.5",
    "/v1/entries?order=random",
    "/v1/entries?direction=up",
    "/v1/entries?starred=perhaps",
    "/v1/entries?category_id=x",
    "/v1/entries/99999999999999999999999",
    "/v1/feeds/99999999999999999999999/entries",
]
BAD_PUTS = [
    b"",
    b"not json",
    b"[]",
    b'{"entry_ids": [], "status": "read"}',
    b'{"entry_ids": ["1"], "status": "read"}',
    b'{"entry_ids": [1], "status": "gone"}',
    b'{"entry_ids": [true], "status": "read"}',
    b'{"entry_ids": [99999999999999999999999], "status": "read"}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("url", BAD_GETS)
def test_malformed_queries_answer_4xx(client, topic, auth, url):
    queue_of(topic, 1)
    assert client.get(url, **auth).status_code in (400, 404)


@pytest.mark.parametrize("body", BAD_PUTS)
def test_malformed_bodies_answer_400(client, topic, auth, body):
    queue_of(topic, 1)
    response = client.put("/v1/entries", body, content_type="application/json", **auth)
    assert response.status_code == 400


def test_bookmark_twice_and_by_a_viewer(client, curator, topic, auth, django_user_model):
    from florilege.curation.models import Scoop
    from florilege.topics.models import Membership
    from florilege.topics.permissions import Role

    made = queue_of(topic, 2)
    url = f"/v1/entries/{made[0].pk}/bookmark"
    assert client.put(url, **auth).status_code == 204
    assert client.put(url, **auth).status_code == 204  # a second toggle does not unscoop
    assert Scoop.objects.count() == 1
    viewer = django_user_model.objects.create_user("vera", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=viewer, role=Role.VIEWER)
    as_viewer = {"HTTP_X_AUTH_TOKEN": app_password(viewer)}
    response = client.put(f"/v1/entries/{made[1].pk}/bookmark", **as_viewer)
    assert response.status_code == 403 and "error_message" in response.json()
    assert Scoop.objects.count() == 1
    assert client.put("/v1/entries/999999/bookmark", **auth).status_code == 404
