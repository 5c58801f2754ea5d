"""Every role x action pair, through ``can``. The services' own checks are tested by the
apps that own them, against the same table (``EXPECTED``).

The REST API is held to the same table, endpoint by endpoint, in
``api/tests/test_permission_matrix_api.py``.

The expected table is written out here, independently of ``permissions.ROLE_ACTIONS``: a
change to the module's table that is not also made here fails.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from florilege.topics.permissions import Action, can
from florilege.topics.tests.team_fixtures import ROLES

pytestmark = pytest.mark.django_db

EVERYONE = {"owner", "owner_member", "editor", "contributor", "viewer", "admin"}
PROPOSERS = {"owner", "owner_member", "editor", "contributor", "admin"}
EDITORS = {"owner", "owner_member", "editor", "admin"}
OWNERS = {"owner", "owner_member", "admin"}

EXPECTED: dict[str, set[str]] = {
    Action.VIEW_QUEUE: EVERYONE,
    Action.SCOOP_PROPOSE: PROPOSERS,
    Action.PUBLISH: EDITORS,
    Action.APPROVE: EDITORS,
    Action.EDIT_SCOOP: EDITORS,
    Action.UNPUBLISH: EDITORS,
    Action.DELETE_SCOOP: EDITORS,
    Action.DISCARD: EDITORS,
    Action.CURATE: EDITORS,
    Action.MANAGE_SOURCES: EDITORS,
    Action.MODERATE: EDITORS,
    Action.MANAGE_MEMBERS: OWNERS,
    Action.MANAGE_TOPIC: OWNERS,
    Action.VIEW_AUDIT: OWNERS,
    Action.DELETE_TOPIC: OWNERS,
    Action.DESK_NOTE: PROPOSERS,
    Action.DESK_WORK: EDITORS,
}


def test_expected_table_covers_every_action() -> None:
    assert set(EXPECTED) == Action.ALL


@pytest.mark.parametrize("action", sorted(Action.ALL))
@pytest.mark.parametrize("role", [*ROLES, "anonymous", "inactive_editor"])
def test_can(team, topic, role: str, action: str) -> None:
    if role == "anonymous":
        user = AnonymousUser()
    elif role == "inactive_editor":
        user = team["editor"]
        user.is_active = False
        user.save()
    else:
        user = team[role]
    assert can(user, topic, action) is (role in EXPECTED[action])


def test_unknown_action_is_a_bug(team, topic) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        can(team["owner"], topic, "fly")
