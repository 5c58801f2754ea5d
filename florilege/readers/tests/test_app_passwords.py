"""The reader-apps settings page: an app password is shown once and stored as a digest;
revoking it locks the app out; the "read" choice is saved."""

from __future__ import annotations

import pytest

from florilege.readers import access, queue
from florilege.readers.models import AppPassword
from florilege.testing import must_search

pytestmark = pytest.mark.django_db
URL = "/account/reader-apps/"


def test_create_shows_the_secret_once_and_stores_a_digest(client_in, curator):
    response = client_in.post(URL, {"step": "create", "name": "Phone"})
    text = response.content.decode()
    secret = must_search(r'id="app-password"[^>]*>(flr_[^<]+)<', text).group(1)
    row = AppPassword.objects.get(user=curator)
    assert row.digest == access.digest(secret) and secret not in row.digest
    assert response["Cache-Control"] == "no-store"
    assert secret not in client_in.get(URL).content.decode()


def test_a_name_is_required(client_in, curator):
    response = client_in.post(URL, {"step": "create", "name": "  "})
    assert 'role="alert"' in response.content.decode()
    assert not AppPassword.objects.exists()


def test_revoke_locks_the_app_out(client_in, client, curator):
    from django.utils import timezone

    row, secret = access.create(curator, "Phone", timezone.now())
    assert client.get("/v1/me", HTTP_X_AUTH_TOKEN=secret).status_code == 200
    client_in.post(URL, {"step": "revoke", "id": str(row.pk)})
    assert not AppPassword.objects.exists()
    assert client.get("/v1/me", HTTP_X_AUTH_TOKEN=secret).status_code == 401


def test_someone_else_cannot_revoke(client_in, curator, django_user_model):
    from django.utils import timezone

    other = django_user_model.objects.create_user("otto", password="a-long-test-password")
    row, _secret = access.create(other, "Phone", timezone.now())
    client_in.post(URL, {"step": "revoke", "id": str(row.pk)})
    assert AppPassword.objects.filter(pk=row.pk).exists()


def test_read_choice_is_saved(client_in, curator):
    assert queue.read_means(curator) == "seen"
    client_in.post(URL, {"step": "read_means", "read_means": "discard"})
    assert queue.read_means(curator) == "discard"
    client_in.post(URL, {"step": "read_means", "read_means": "explode"})
    assert queue.read_means(curator) == "discard"


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302
