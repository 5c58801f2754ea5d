"""The curation services and views enforce the permission matrix: every role x action
pair, against the table of ``topics/tests/test_permission_matrix.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from florilege.curation.models import AuditEvent, DeskItem, DeskNote, Scoop
from florilege.curation.services import audit, desk, publication
from florilege.curation.services import topics as topic_service
from florilege.curation.services.opml import export_opml
from florilege.curation.services.publication import PublishPlan
from florilege.curation.services.scooping import ScoopDraft, discard_suggestion, scoop_url
from florilege.curation.services.sources import remove_source
from florilege.curation.tests.flow_helpers import make_scoop, make_suggestion
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource
from florilege.topics.permissions import Action
from florilege.topics.tests.team_fixtures import NOW, ROLES
from florilege.topics.tests.test_permission_matrix import EXPECTED

pytestmark = pytest.mark.django_db


# One call per action into the service that guards it. Each returns a function that tells
# whether the target changed, so a refusal is checked to have changed nothing.
def _view_queue(topic, user, people):
    make_scoop(topic, people["contributor"], "awaiting")
    list(publication.review_queue(topic, user))
    return lambda: False


def _propose(topic, user, people):
    draft = ScoopDraft(url="https://news.example/p", title="P", insight="Why.")
    scoop_url(topic, user, draft, NOW, PublishPlan("propose"))
    return lambda: Scoop.objects.filter(status="awaiting").exists()


def _publish(topic, user, people):
    draft = ScoopDraft(url="https://news.example/n", title="N", insight="Why.")
    scoop_url(topic, user, draft, NOW, PublishPlan("now"))
    return lambda: Scoop.objects.filter(status="published").exists()


def _approve(topic, user, people):
    scoop = make_scoop(topic, people["contributor"], "awaiting")
    publication.approve(scoop, user, NOW)
    return lambda: Scoop.objects.get(pk=scoop.pk).status == "published"


def _edit(topic, user, people):
    scoop = make_scoop(topic, people["editor"], "published")
    changes = publication.ScoopEdit("New title", "", "New insight.", [])
    publication.edit(scoop, user, changes, NOW)
    return lambda: Scoop.objects.get(pk=scoop.pk).title == "New title"


def _unpublish(topic, user, people):
    scoop = make_scoop(topic, people["editor"], "published")
    publication.unpublish(scoop, user, NOW)
    return lambda: Scoop.objects.get(pk=scoop.pk).status == "unpublished"


def _delete(topic, user, people):
    scoop = make_scoop(topic, people["editor"], "published")
    publication.delete(scoop, user, NOW)
    return lambda: not Scoop.objects.filter(pk=scoop.pk).exists()


def _discard(topic, user, people):
    suggestion = make_suggestion(topic)
    discard_suggestion(suggestion, user, NOW)
    return lambda: Suggestion.objects.get(pk=suggestion.pk).status == "discarded"


def _curate(topic, user, people):
    export_opml(topic, user, NOW)
    return lambda: False


def _manage_sources(topic, user, people):
    suggestion = make_suggestion(topic)
    remove_source(topic, suggestion.entry.source_id, user)
    return lambda: not TopicSource.objects.exists()


def _manage_topic(topic, user, people):
    publication.update_schedule(topic, user, "Europe/Paris", [0], [time(9)], NOW)
    return lambda: Topic.objects.get(pk=topic.pk).time_zone == "Europe/Paris"


def _view_audit(topic, user, people):
    list(audit.events(topic, user))
    return lambda: False


def _delete_topic(topic, user, people):
    topic_service.delete_topic(topic, user, topic.title, NOW)
    return lambda: not Topic.objects.filter(pk=topic.pk).exists()


def _desk_item(topic):
    return desk.record(desk.Feedback(topic=topic, kind="comment", key="comment:1", text="Hi"), NOW)


def _desk_note(topic, user, people):
    item = _desk_item(topic)
    desk.add_note(user, item, "Seen", NOW)
    return lambda: DeskNote.objects.filter(item=item).exists()


def _desk_work(topic, user, people):
    item = _desk_item(topic)
    desk.set_status(user, item, "done", NOW)
    return lambda: DeskItem.objects.get(pk=item.pk).status == "done"


SERVICES: dict[str, Callable] = {
    Action.VIEW_QUEUE: _view_queue,
    Action.SCOOP_PROPOSE: _propose,
    Action.PUBLISH: _publish,
    Action.APPROVE: _approve,
    Action.EDIT_SCOOP: _edit,
    Action.UNPUBLISH: _unpublish,
    Action.DELETE_SCOOP: _delete,
    Action.DISCARD: _discard,
    Action.CURATE: _curate,
    Action.MANAGE_SOURCES: _manage_sources,
    Action.MANAGE_TOPIC: _manage_topic,
    Action.VIEW_AUDIT: _view_audit,
    Action.DELETE_TOPIC: _delete_topic,
    Action.DESK_NOTE: _desk_note,
    Action.DESK_WORK: _desk_work,
}
# Comment moderation's services belong to publishing; its rule is checked through ``can``.
# Invitations and roles belong to accounts, which tests its services against ``EXPECTED``.
NO_SERVICE_HERE = {Action.MODERATE, Action.MANAGE_MEMBERS}


def test_every_action_has_a_service_case() -> None:
    assert set(SERVICES) | NO_SERVICE_HERE == Action.ALL


@pytest.mark.parametrize("action", sorted(SERVICES))
@pytest.mark.parametrize("role", ROLES)
def test_services_enforce(team, topic, role: str, action: str) -> None:
    user = team[role]
    audit_before = AuditEvent.objects.count()
    if role in EXPECTED[action]:
        changed = SERVICES[action](topic, user, team)
        if action not in {Action.VIEW_QUEUE, Action.CURATE, Action.VIEW_AUDIT}:
            assert changed()
    else:
        # The setup (fixtures made by the test) may write; the refused call must not.
        with pytest.raises(PermissionDenied) as refused:
            SERVICES[action](topic, user, team)
        assert str(refused.value)  # a message the user can read
        assert AuditEvent.objects.count() == audit_before
        assert not Scoop.objects.exclude(status__in=["awaiting", "published"]).exists()
        assert Topic.objects.get(pk=topic.pk).time_zone == "UTC"
        assert not Scoop.objects.filter(status="unpublished").exists()
        assert not DeskNote.objects.exists()
        assert not DeskItem.objects.filter(status="done").exists()


# A sample through the views: the same refusals reach the browser as a 403 with the reason.
@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        ("viewer", "curation:queue", 200),
        ("outsider", "curation:queue", 403),
        ("contributor", "curation:review", 200),
        ("contributor", "curation:sources", 403),
        ("editor", "curation:sources", 200),
        ("editor", "curation:topic_edit", 403),
        ("owner_member", "curation:topic_edit", 200),
        ("editor", "curation:audit", 403),
        ("owner_member", "curation:audit", 200),
        ("admin", "curation:audit", 200),
        ("editor", "curation:topic_delete", 403),
        ("owner_member", "curation:topic_delete", 200),
        ("admin", "curation:topic_delete", 200),
        ("editor", "curation:topic_export", 403),
        ("owner_member", "curation:topic_export", 200),
        ("viewer", "curation:scoop_url", 403),
        ("contributor", "curation:scoop_url", 200),
        ("viewer", "curation:items", 200),
        ("outsider", "curation:items", 403),
        ("editor", "webhooks:manage", 403),
        ("contributor", "webhooks:manage", 403),
        ("owner_member", "webhooks:manage", 200),
        ("admin", "webhooks:manage", 200),
        ("editor", "curation:scoopit_import", 403),
        ("owner_member", "curation:scoopit_import", 200),
        ("viewer", "curation:audience", 200),
        ("outsider", "curation:audience", 403),
        ("viewer", "curation:audience_json", 200),
        ("outsider", "curation:audience_json", 403),
    ],
)
def test_views_follow_roles(client, team, topic, role, name, status) -> None:
    client.force_login(team[role])
    response = client.get(reverse(name, args=[topic.slug]))
    assert response.status_code == status
    if status == 403:
        assert "Nothing was changed" in response.content.decode()


def test_contributor_cannot_publish_through_the_endpoint(client, team, topic) -> None:
    draft = make_scoop(topic, team["contributor"], "draft")
    client.force_login(team["contributor"])
    url = reverse("curation:scoop_action", args=[topic.slug, draft.pk, "publish"])
    response = client.post(url, {"mode": "now"})
    assert response.status_code == 403
    assert "Only editors and owners publish" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.published_at is None
    assert not AuditEvent.objects.exists()
    approve = reverse("curation:scoop_action", args=[topic.slug, draft.pk, "approve"])
    assert client.post(approve, {"mode": "now"}).status_code == 403
