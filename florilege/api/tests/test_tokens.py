"""Personal access tokens: stored hashed, shown once, revoked by their owner; a wrong,
revoked or expired token is a 401, a too narrow scope a 403, and neither changes anything."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from florilege.api import tokens
from florilege.api.models import ApiToken
from florilege.curation.models import AuditEvent, Scoop
from florilege.curation.tests.flow_helpers import make_scoop, make_suggestion
from florilege.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


def test_only_a_digest_is_stored(team) -> None:
    new = tokens.create(team["editor"], "phone", "read", 30, timezone.now())
    row = ApiToken.objects.get()
    assert new.raw.startswith("flg_") and len(new.raw) > 40
    assert new.raw not in (row.digest, row.prefix) and row.digest == tokens.digest_of(new.raw)
    assert row.expires_at is not None


def _untouched(topic, suggestion, scoop) -> None:
    assert Suggestion.objects.get(pk=suggestion.pk).status == "pending"
    assert Scoop.objects.get(pk=scoop.pk).status == "published"
    assert not AuditEvent.objects.exists()


@pytest.fixture
def targets(topic, team):
    return make_suggestion(topic), make_scoop(topic, team["editor"], "published")


def _writes(api, topic, targets, token):
    suggestion, scoop = targets
    yield api("post", f"/topics/{topic.slug}/suggestions/{suggestion.pk}/discard", token)
    yield api("post", f"/topics/{topic.slug}/scoops/{scoop.pk}/unpublish", token)
    yield api("delete", f"/topics/{topic.slug}/scoops/{scoop.pk}", token)


def _bad_tokens(team, token_for) -> dict[str, str]:
    now = timezone.now()
    revoked = token_for(team["editor"], "admin", now=now)
    tokens.revoke(team["editor"], ApiToken.objects.get(digest=tokens.digest_of(revoked)).pk, now)
    expired = token_for(team["editor"], "admin", days=7, now=now - timedelta(days=8))
    inactive_user = team["contributor"]
    inactive = token_for(inactive_user, "admin", now=now)
    inactive_user.is_active = False
    inactive_user.save()
    return {
        "wrong": "flg_" + "x" * 43,
        "not ours": "ghp_abcdef",
        "revoked": revoked,
        "expired": expired,
        "inactive user": inactive,
    }


def test_bad_tokens_are_401_and_change_nothing(api, token_for, team, topic, targets) -> None:
    for name, token in _bad_tokens(team, token_for).items():
        for answer in _writes(api, topic, targets, token):
            assert answer.status_code == 401, name
            assert answer["Content-Type"] == "application/problem+json"
            assert answer["WWW-Authenticate"].startswith("Bearer")
            assert json.loads(answer.content)["status"] == 401
    _untouched(topic, *targets)


def test_read_scope_cannot_write(api, token_for, team, topic, targets) -> None:
    token = token_for(team["editor"], "read")
    for answer in _writes(api, topic, targets, token):
        assert answer.status_code == 403
        assert "scope is read" in json.loads(answer.content)["detail"]
    _untouched(topic, *targets)


def test_curate_scope_cannot_change_the_team(api, token_for, team, topic) -> None:
    token = token_for(team["owner"], "curate")
    answer = api("put", f"/topics/{topic.slug}/team/{team['viewer'].pk}", token,
                 json={"role": "editor"})  # fmt: skip
    assert answer.status_code == 403
    assert team["viewer"].memberships.get().role == "viewer"


def test_settings_page_creates_shows_once_and_revokes(client, team) -> None:
    client.force_login(team["editor"])
    page = client.post("/account/tokens/", {"name": "Phone", "scope": "curate", "days": "30"})
    assert page.status_code == 200
    token = ApiToken.objects.get(user=team["editor"])
    raw = page.context["new"].raw
    assert raw in page.content.decode() and token.digest == tokens.digest_of(raw)
    again = client.get("/account/tokens/").content.decode()
    assert raw not in again and token.prefix in again
    # Another user's token id changes nothing.
    other = tokens.create(team["viewer"], "theirs", "read", 0, timezone.now()).token
    client.post("/account/tokens/", {"step": "revoke", "token": str(other.pk)})
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    client.post("/account/tokens/", {"step": "revoke", "token": str(token.pk)})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    refused = client.post("/account/tokens/", {"name": "", "scope": "root", "days": "3"})
    assert refused.status_code == 400
