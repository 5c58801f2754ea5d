"""The API's shape: listing, deciding, errors as problem documents, cursors, ETags, rate
limits, and the pinned number of queries of each list."""

from __future__ import annotations

import json

import pytest

from florilege.api.models import ApiToken
from florilege.curation.models import Scoop
from florilege.curation.tests.flow_helpers import make_scoop, make_suggestion
from florilege.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = json.loads(response.content)
    assert body["status"] == status and body["title"]
    return body


def test_queue_is_ranked_with_reasons_and_paged_by_cursor(api, token_for, team, topic) -> None:
    for n in range(5):
        s = make_suggestion(topic, n)
        Suggestion.objects.filter(pk=s.pk).update(score=n / 10, reasons={"parts": [n]})
    token = token_for(team["viewer"], "read")
    first = api("get", f"/topics/{topic.slug}/suggestions?limit=2", token)
    assert first.status_code == 200, first.content
    body = first.json()
    assert [i["score"] for i in body["items"]] == [0.4, 0.3]
    assert body["items"][0]["reasons"] == {"parts": [4]}
    seen = [i["id"] for i in body["items"]]
    cursor = body["next_cursor"]
    while cursor:
        body = api("get", f"/topics/{topic.slug}/suggestions?limit=2&cursor={cursor}", token).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen)) == 5


def test_forged_or_foreign_cursor_is_a_400(api, token_for, team, topic) -> None:
    token = token_for(team["owner"], "read")
    _problem(api("get", f"/topics/{topic.slug}/suggestions?cursor=abc", token), 400)
    for n in range(3):
        make_scoop(topic, team["owner"], "published", n)
    scoops = api("get", f"/topics/{topic.slug}/scoops?limit=1", token).json()
    other = f"/topics/{topic.slug}/suggestions?cursor={scoops['next_cursor']}"
    _problem(api("get", other, token), 400)


def test_scoop_and_discard(api, token_for, team, topic) -> None:
    keep, drop = make_suggestion(topic, 1), make_suggestion(topic, 2)
    token = token_for(team["editor"], "curate")
    body = {"insight": "Why it matters.", "tags": ["fediverse"], "mode": "draft"}
    answer = api("post", f"/topics/{topic.slug}/suggestions/{keep.pk}/scoop", token, json=body)
    assert answer.status_code == 201, answer.content
    scoop = Scoop.objects.get()
    assert scoop.status == "draft" and "fediverse" in scoop.tags
    assert answer.json()["id"] == scoop.pk
    done = api("post", f"/topics/{topic.slug}/suggestions/{drop.pk}/discard", token)
    assert done.status_code == 204
    assert Suggestion.objects.get(pk=drop.pk).status == "discarded"
    again = api("post", f"/topics/{topic.slug}/suggestions/{drop.pk}/discard", token)
    assert "already been decided" in _problem(again, 400)["detail"]


def test_scoop_edit_pin_unpublish_delete(api, token_for, team, topic) -> None:
    scoop = make_scoop(topic, team["editor"], "published")
    token = token_for(team["editor"], "curate")
    path = f"/topics/{topic.slug}/scoops/{scoop.pk}"
    edited = api("patch", path, token, json={"insight": "Better."})
    assert edited.status_code == 200 and edited.json()["insight"] == "Better."
    assert api("post", path + "/pin", token, json={"pinned": True}).json()["pinned"] is True
    assert api("post", path + "/unpublish", token).json()["status"] == "unpublished"
    assert api("delete", path, token).status_code == 204
    assert not Scoop.objects.exists()
    _problem(api("get", path, token), 404)


def test_errors_are_problem_documents(api, token_for, team, topic) -> None:
    token = token_for(team["owner"])
    _problem(api("get", "/topics/nope", token), 404)
    _problem(api("get", "/nowhere", token), 404)
    _problem(api("get", "/topics", None), 401)
    _problem(api("delete", "/topics", token), 405)
    bad = api("post", f"/topics/{topic.slug}/scoops/1/pin", token, json={"pinned": "x"})
    assert _problem(bad, 422)["errors"]
    _problem(api("get", "/topics?limit=1000", token), 422)


def test_etag_answers_304(api, token_for, team, topic) -> None:
    token = token_for(team["owner"], "read")
    first = api("get", f"/topics/{topic.slug}", token)
    etag = first["ETag"]
    assert etag
    again = api("get", f"/topics/{topic.slug}", token, if_none_match=etag)
    assert again.status_code == 304 and not again.content
    topic.title = "Renamed"
    topic.save()
    assert api("get", f"/topics/{topic.slug}", token, if_none_match=etag).status_code == 200


def test_rate_limit_per_token(api, token_for, team, topic, settings) -> None:
    settings.API_RATE_LIMIT = 3
    token, other = token_for(team["owner"], "read"), token_for(team["owner"], "read")
    for _ in range(3):
        assert api("get", "/topics", token).status_code == 200
    limited = api("get", "/topics", token)
    _problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert api("get", "/topics", other).status_code == 200  # per token
    assert ApiToken.objects.filter(last_used_at__isnull=False).count() == 2


def test_openapi_and_docs(client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "cdn" not in page.lower() and "/static/ninja/swagger-ui-bundle.js" in page
    assert "Content-Security-Policy" in docs
    assert "<script>" not in page  # the policy allows no inline script


LISTS = {
    "/topics": 3,
    "/topics/{slug}/suggestions": 5,
    "/topics/{slug}/scoops": 5,
    "/topics/{slug}/sources": 5,
    "/topics/{slug}/comments": 5,
    "/topics/{slug}/team": 6,
}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_list_queries_are_pinned(api, token_for, team, topic, path, django_assert_num_queries):
    for n in range(6):
        make_suggestion(topic, n)
        make_scoop(topic, team["editor"], "published", n)
    token = token_for(team["editor"], "read")
    with django_assert_num_queries(LISTS[path]):
        answer = api("get", path.format(slug=topic.slug), token)
    assert answer.status_code == 200, answer.content
