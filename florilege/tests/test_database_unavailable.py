"""While the database cannot be reached, pages answer a 503 with ``Retry-After`` (in the
visitor's language, under the site's policy) rather than a 500, and the error is logged.

The outage is real: on PostgreSQL the connection is closed and its settings pointed at a
closed port; on SQLite (whose test database lives in memory and cannot be closed without
losing it) the error comes from opening a database in a folder that does not exist."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator

import pytest
from django.db import OperationalError, connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.test import Client

from florilege.lib.errors import RETRY_AFTER_SECONDS, server_error


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe is closed: nothing listens


@pytest.fixture
def database_down(tmp_path) -> Iterator[Callable[[], None]]:
    """Cuts the database off; calling the value it gives brings it back."""
    if connection.vendor != "postgresql":
        pytest.skip("cuts a server connection: run on PostgreSQL")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))

    def restore() -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    try:
        yield restore
    finally:
        restore()


@pytest.mark.django_db(transaction=True)
def test_pages_answer_503_while_the_database_is_unreachable(database_down, caplog) -> None:
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.content.decode()
    assert "Temporairement indisponible" in body
    assert "style-src" in response["Content-Security-Policy"]
    # The page's one style block is allowed by its hash, not by 'unsafe-inline'.
    assert "sha256-" in response["Content-Security-Policy"]
    assert any(record.exc_info for record in caplog.records), "the traceback is logged"


@pytest.mark.django_db(transaction=True)
def test_pages_answer_again_once_the_database_is_back(database_down) -> None:
    client = Client(raise_request_exception=False)
    assert client.get("/").status_code == 503
    database_down()
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_an_unreachable_database_gives_the_503_page(rf, tmp_path) -> None:
    missing = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "no" / "db")})
    try:
        missing.ensure_connection()
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Temporarily unavailable" in response.content.decode()


def test_other_server_errors_stay_500(rf) -> None:
    try:
        raise KeyError("a bug")
    except KeyError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500 and not response.has_header("Retry-After")
