"""The API enforces the permission matrix of the web pages: every role x action pair that
has an endpoint, against the table of ``topics/tests/test_permission_matrix.py``. Tokens
here have the ``admin`` scope, so only the role decides; a refusal is a 403 problem
document and changes nothing (checked in the database)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from florilege.curation.models import AuditEvent, Scoop
from florilege.curation.tests.flow_helpers import make_scoop, make_suggestion
from florilege.publishing.models import Comment
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Membership, TopicSource
from florilege.topics.permissions import Action
from florilege.topics.tests.team_fixtures import ROLES
from florilege.topics.tests.test_permission_matrix import EXPECTED

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict | None
    changed: Callable[[], bool]  # did the call change what it targets?


def _view_queue(topic, team) -> Call:
    make_suggestion(topic)
    return Call("get", f"/topics/{topic.slug}/suggestions", None, lambda: False)


def _propose(topic, team) -> Call:
    s = make_suggestion(topic)
    return Call("post", f"/topics/{topic.slug}/suggestions/{s.pk}/scoop",
                {"insight": "Why.", "mode": "propose"}, Scoop.objects.exists)  # fmt: skip


def _publish(topic, team) -> Call:
    s = make_suggestion(topic)
    return Call("post", f"/topics/{topic.slug}/suggestions/{s.pk}/scoop",
                {"insight": "Why.", "mode": "now"},
                Scoop.objects.filter(status="published").exists)  # fmt: skip


def _edit(topic, team) -> Call:
    scoop = make_scoop(topic, team["editor"], "published")
    return Call("patch", f"/topics/{topic.slug}/scoops/{scoop.pk}", {"title": "New title"},
                lambda: Scoop.objects.get(pk=scoop.pk).title == "New title")  # fmt: skip


def _unpublish(topic, team) -> Call:
    scoop = make_scoop(topic, team["editor"], "published")
    return Call("post", f"/topics/{topic.slug}/scoops/{scoop.pk}/unpublish", None,
                lambda: Scoop.objects.get(pk=scoop.pk).status == "unpublished")  # fmt: skip


def _delete(topic, team) -> Call:
    scoop = make_scoop(topic, team["editor"], "published")
    return Call("delete", f"/topics/{topic.slug}/scoops/{scoop.pk}", None,
                lambda: not Scoop.objects.filter(pk=scoop.pk).exists())  # fmt: skip


def _discard(topic, team) -> Call:
    s = make_suggestion(topic)
    return Call("post", f"/topics/{topic.slug}/suggestions/{s.pk}/discard", None,
                lambda: Suggestion.objects.get(pk=s.pk).status == "discarded")  # fmt: skip


def _curate(topic, team) -> Call:
    return Call("get", f"/topics/{topic.slug}/sources/opml", None, lambda: False)


def _manage_sources(topic, team) -> Call:
    source_id = make_suggestion(topic).entry.source_id
    return Call("delete", f"/topics/{topic.slug}/sources/{source_id}", None,
                lambda: not TopicSource.objects.exists())  # fmt: skip


def _manage_members(topic, team) -> Call:
    viewer = team["viewer"]
    return Call("put", f"/topics/{topic.slug}/team/{viewer.pk}", {"role": "contributor"},
                lambda: Membership.objects.get(user=viewer).role == "contributor")  # fmt: skip


def _moderate(topic, team) -> Call:
    scoop = make_scoop(topic, team["editor"], "published")
    comment = Comment.objects.create(scoop=scoop, author_name="R", body="Hi", body_html="Hi")
    return Call("post", f"/topics/{topic.slug}/comments/{comment.pk}/moderate",
                {"action": "approve"},
                lambda: Comment.objects.get(pk=comment.pk).status == "approved")  # fmt: skip


CALLS: dict[str, Callable] = {
    Action.VIEW_QUEUE: _view_queue,
    Action.SCOOP_PROPOSE: _propose,
    Action.PUBLISH: _publish,
    Action.EDIT_SCOOP: _edit,
    Action.UNPUBLISH: _unpublish,
    Action.DELETE_SCOOP: _delete,
    Action.DISCARD: _discard,
    Action.CURATE: _curate,
    Action.MANAGE_SOURCES: _manage_sources,
    Action.MANAGE_MEMBERS: _manage_members,
    Action.MODERATE: _moderate,
}
# Pages of the web with no endpoint in the API (yet): approving proposals, the topic's
# settings, the audit log, deleting a topic, the engagement desk.
NO_ENDPOINT = {
    Action.APPROVE, Action.MANAGE_TOPIC, Action.VIEW_AUDIT, Action.DELETE_TOPIC,
    Action.DESK_NOTE, Action.DESK_WORK,
}  # fmt: skip


def test_every_action_is_covered_or_listed() -> None:
    assert set(CALLS) | NO_ENDPOINT == Action.ALL
    assert not set(CALLS) & NO_ENDPOINT


@pytest.mark.parametrize("action", sorted(CALLS))
@pytest.mark.parametrize("role", ROLES)
def test_api_follows_the_matrix(api, token_for, team, topic, role, action) -> None:
    call = CALLS[action](topic, team)
    audit_before = AuditEvent.objects.count()
    answer = api(call.method, call.path, token_for(team[role], "admin"), json=call.body)
    if role in EXPECTED[action]:
        assert answer.status_code < 300, answer.content
        assert call.changed() or call.method == "get"
    else:
        assert answer.status_code == 403, answer.content
        assert answer["Content-Type"] == "application/problem+json"
        assert json.loads(answer.content)["detail"]
        assert not call.changed()
        assert AuditEvent.objects.count() == audit_before
