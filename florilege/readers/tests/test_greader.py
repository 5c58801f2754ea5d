"""The Google Reader API (FreshRSS dialect) through Django's test client: login, lists,
streams with continuation, edits; malformed parameters answer 400."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.readers import ids
from florilege.readers.models import SeenSuggestion
from florilege.readers.tests.fixtures import app_password, queue_of
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Membership
from florilege.topics.permissions import Role

pytestmark = pytest.mark.django_db
G = "/api/greader.php"
R = G + "/reader/api/0"


@pytest.fixture
def secret(curator):
    return app_password(curator)


@pytest.fixture
def auth(secret):
    return {"HTTP_AUTHORIZATION": f"GoogleLogin auth=curator/{secret}"}


def test_client_login_answers_freshrss_three_lines(client, curator, secret):
    response = client.post(G + "/accounts/ClientLogin", {"Email": "curator", "Passwd": secret})
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == f"SID=curator/{secret}"
    assert lines[2] == f"Auth=curator/{secret}"


def test_the_account_password_is_refused(client, curator):
    response = client.post(
        G + "/accounts/ClientLogin", {"Email": "curator", "Passwd": "a-long-test-password"}
    )
    assert response.status_code == 401


def test_revoked_password_is_refused(client, curator, secret, auth):
    from florilege.readers.models import AppPassword

    assert client.get(R + "/user-info", **auth).status_code == 200
    AppPassword.objects.filter(user=curator).delete()
    assert client.get(R + "/user-info", **auth).status_code == 401


def test_lists(client, topic, auth):
    info = client.get(R + "/user-info?output=json", **auth).json()
    assert info["userName"] == "curator"
    tags = client.get(R + "/tag/list?output=json", **auth).json()["tags"]
    assert {"id": "user/-/label/Social networks", "type": "folder"} in tags
    subs = client.get(R + "/subscription/list?output=json", **auth).json()["subscriptions"]
    assert subs[0]["id"] == f"feed/{topic.pk}"
    assert subs[0]["categories"][0]["label"] == "Social networks"


def test_ids_pages_then_contents(client, topic, auth):
    made = queue_of(topic, 5)
    query = f"s={ids.READING_LIST}&xt={ids.READ}&n=2&output=json"
    first = client.get(f"{R}/stream/items/ids?{query}", **auth).json()
    assert [r["id"] for r in first["itemRefs"]] == [str(made[0].pk), str(made[1].pk)]
    rest = client.get(f"{R}/stream/items/ids?{query}&c={first['continuation']}", **auth).json()
    assert [r["id"] for r in rest["itemRefs"]] == [str(made[2].pk), str(made[3].pk)]
    body = {"i": [r["id"] for r in first["itemRefs"]] + [ids.long_id(made[4].pk)]}
    items = client.post(R + "/stream/items/contents?output=json", body, **auth).json()["items"]
    assert [i["id"] for i in items] == [ids.long_id(s.pk) for s in (made[0], made[1], made[4])]
    assert items[0]["title"] == "Mastodon news 0"
    assert items[0]["origin"]["streamId"] == f"feed/{topic.pk}"
    assert items[0]["alternate"][0]["href"].endswith("entry-0")


def test_read_means_seen_by_default(client, curator, topic, auth):
    made = queue_of(topic, 2)
    token = client.get(R + "/token", **auth).content.decode().strip()
    body = {"i": str(made[0].pk), "a": ids.READ, "T": token}
    assert client.post(R + "/edit-tag", body, **auth).content == b"OK"
    made[0].refresh_from_db()
    assert made[0].status == Suggestion.Status.PENDING  # still in the queue
    assert SeenSuggestion.objects.filter(user=curator, suggestion=made[0]).exists()
    unread = client.get(f"{R}/stream/items/ids?s={ids.READING_LIST}&xt={ids.READ}", **auth)
    assert [r["id"] for r in unread.json()["itemRefs"]] == [str(made[1].pk)]
    client.post(R + "/edit-tag", {"i": str(made[0].pk), "r": ids.READ}, **auth)
    assert not SeenSuggestion.objects.filter(user=curator).exists()


def test_read_means_discard_when_chosen(client, curator, topic, auth):
    from florilege.readers import queue

    queue.set_read_means(curator, "discard")
    made = queue_of(topic, 1)
    client.post(R + "/edit-tag", {"i": ids.long_id(made[0].pk), "a": ids.READ}, **auth)
    made[0].refresh_from_db()
    assert made[0].status == Suggestion.Status.DISCARDED


def test_wrong_edit_token_is_refused(client, topic, auth):
    made = queue_of(topic, 1)
    body = {"i": str(made[0].pk), "a": ids.READ, "T": "forged"}
    response = client.post(R + "/edit-tag", body, **auth)
    assert response.status_code == 401
    assert response["Google-Bad-Token"] == "true"


def test_star_keeps_a_draft(client, curator, topic, auth):
    made = queue_of(topic, 1)
    client.post(R + "/edit-tag", {"i": str(made[0].pk), "a": ids.STARRED}, **auth)
    scoop = Scoop.objects.get(topic=topic)
    assert scoop.status == "draft"
    assert scoop.insight == ""
    # The curator finishes it on the web: the drafts list and the edit page open.
    web = Client()
    web.force_login(curator)
    assert web.get(reverse("curation:scoops", args=[topic.slug])).status_code == 200
    edit = reverse("curation:scoop_edit", args=[topic.slug, scoop.pk])
    assert web.get(edit).status_code == 200
    starred = client.get(f"{R}/stream/items/ids?s={ids.STARRED}", **auth).json()
    assert starred["itemRefs"] == [{"id": str(made[0].pk)}]


def test_star_publishes_where_one_click_scoops_are_allowed(client, topic, auth):
    topic.allow_scoop_without_insight = True
    topic.save()
    made = queue_of(topic, 1)
    client.post(R + "/edit-tag", {"i": str(made[0].pk), "a": ids.STARRED}, **auth)
    assert Scoop.objects.get(topic=topic).status == "published"


def test_a_viewer_cannot_scoop(client, topic, django_user_model):
    viewer = django_user_model.objects.create_user("vera", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=viewer, role=Role.VIEWER)
    auth = {"HTTP_AUTHORIZATION": f"GoogleLogin auth={app_password(viewer)}"}
    made = queue_of(topic, 1)
    response = client.post(R + "/edit-tag", {"i": str(made[0].pk), "a": ids.STARRED}, **auth)
    assert response.status_code == 403
    assert not Scoop.objects.exists()


def test_a_stranger_sees_nothing(client, topic, django_user_model):
    other = django_user_model.objects.create_user("otto", password="a-long-test-password")
    auth = {"HTTP_AUTHORIZATION": f"GoogleLogin auth={app_password(other)}"}
    made = queue_of(topic, 1)
    assert client.get(R + "/subscription/list", **auth).json() == {"subscriptions": []}
    items = client.post(R + "/stream/items/contents", {"i": str(made[0].pk)}, **auth).json()
    assert items["items"] == []
    client.post(R + "/edit-tag", {"i": str(made[0].pk), "a": ids.STARRED}, **auth)
    assert not Scoop.objects.exists()


def test_mark_all_as_read(client, curator, topic, auth):
    queue_of(topic, 3)
    client.post(R + "/mark-all-as-read", {"s": ids.STARRED}, **auth)
    assert not SeenSuggestion.objects.exists()
    response = client.post(R + "/mark-all-as-read", {"s": f"feed/{topic.pk}"}, **auth)
    assert response.content == b"OK"
    assert SeenSuggestion.objects.filter(user=curator).count() == 3


def test_atom_stream_marks_read_items(client, curator, topic, auth):
    made = queue_of(topic, 2)
    client.post(R + "/edit-tag", {"i": str(made[1].pk), "a": ids.READ}, **auth)
    body = client.get(f"{G}/reader/atom/feed/{topic.pk}?n=10", **auth).content.decode()
    assert body.count("<entry>") == 2
    assert 'label="read"' in body and 'label="fresh"' in body


BAD = [
    ("get", "/stream/items/ids", {"s": "nonsense"}),
    ("get", "/stream/items/ids", {"s": ids.READING_LIST, "n": "ten"}),
    ("get", "/stream/items/ids", {"s": ids.READING_LIST, "c": "x" * 50}),
    ("get", "/stream/items/ids", {"s": ids.READING_LIST, "ot": "-1"}),
    ("get", "/stream/items/ids", {"s": ids.READING_LIST, "nt": "9" * 18}),
    ("get", "/stream/items/ids", {}),
    ("post", "/stream/items/contents", {"i": "tag:google.com,2005:reader/item/zz"}),
    ("post", "/stream/items/contents", {"i": "9" * 30}),
    ("post", "/edit-tag", {"i": "-"}),
    ("post", "/edit-tag", {}),
    ("post", "/mark-all-as-read", {"s": "feed/abc"}),
    ("post", "/mark-all-as-read", {"s": ids.READING_LIST, "ts": "soon"}),
    ("get", "/stream/contents/feed/1", {"n": "1e3"}),
]


@pytest.mark.parametrize(("method", "path", "data"), BAD)
def test_malformed_parameters_answer_400(client, topic, auth, method, path, data):
    queue_of(topic, 1)
    response = getattr(client, method)(R + path, data, **auth)
    assert response.status_code == 400, response.content


def test_rate_limit_answers_429_with_retry_after(client, topic, auth, settings):
    settings.CONFIG = settings.CONFIG.__class__(
        **{**settings.CONFIG.__dict__, "READER_API_REQUESTS_PER_MINUTE": 3}
    )
    codes = [client.get(R + "/user-info", **auth).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get(R + "/user-info", **auth)
    assert 1 <= int(response["Retry-After"]) <= 61


def test_failed_logins_are_limited(client, curator, settings):
    settings.CONFIG = settings.CONFIG.__class__(
        **{**settings.CONFIG.__dict__, "READER_API_FAILED_LOGINS_PER_MINUTE": 2}
    )
    body = {"Email": "curator", "Passwd": "flr_guess"}
    codes = [client.post(G + "/accounts/ClientLogin", body).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
