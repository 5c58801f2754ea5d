"""A team on the ``topic`` fixture: one user per role, plus an outsider and a site admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from florilege.topics.models import Membership, Role

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PASSWORD = "a-long-test-password"
ROLES = ("owner", "owner_member", "editor", "contributor", "viewer", "outsider", "admin")


@pytest.fixture
def team(topic, curator, django_user_model) -> dict:
    users = {"owner": curator}
    for name, role in [
        ("owner_member", Role.OWNER),
        ("editor", Role.EDITOR),
        ("contributor", Role.CONTRIBUTOR),
        ("viewer", Role.VIEWER),
    ]:
        users[name] = django_user_model.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(topic=topic, user=users[name], role=role)
    users["outsider"] = django_user_model.objects.create_user("outsider", password=PASSWORD)
    users["admin"] = django_user_model.objects.create_superuser("admin", password=PASSWORD)
    return users
