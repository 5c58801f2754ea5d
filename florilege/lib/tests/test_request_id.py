"""Every response has a request id, and a server error is logged with it and its traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from florilege.lib import requestid


@pytest.fixture
def request_log() -> Iterator[io.StringIO]:
    """What the configured django.request handler writes (stderr in production)."""
    handlers = [
        h for h in logging.getLogger("django.request").handlers if type(h) is logging.StreamHandler
    ]
    assert handlers, "django.request has no handler: server errors would go nowhere"
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


@pytest.mark.urls("florilege.lib.tests.failing_urls")
def test_a_server_error_is_logged_with_its_traceback_and_request_id(client, request_log) -> None:
    client.raise_request_exception = False
    response = client.get("/broken/", headers={"X-Request-ID": "edge-7f3a.42"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "edge-7f3a.42"
    logged = request_log.getvalue()
    assert "level=ERROR logger=django.request request_id=edge-7f3a.42" in logged
    assert "Traceback (most recent call last)" in logged
    assert "KeyError: 'missing'" in logged and "failing_urls.py" in logged


@pytest.mark.urls("florilege.lib.tests.failing_urls")
def test_a_server_error_without_an_incoming_id_gets_one(client, request_log) -> None:
    client.raise_request_exception = False
    response = client.get("/broken/")
    made = response["X-Request-ID"]
    assert len(made) == 32 and f"request_id={made} " in request_log.getvalue()


@pytest.mark.django_db
def test_every_response_has_its_own_id(client) -> None:
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert first != second and requestid.accepted(first) == first


@pytest.mark.parametrize(
    "raw",
    ["", "a" * 65, "two words", "line\nbreak", "x=1 level=ERROR", "-starts-with-dash", "é"],
)
def test_an_unsafe_incoming_id_is_replaced(raw: str) -> None:
    assert requestid.accepted(raw) is None


def test_outside_a_request_records_say_so() -> None:
    record = logging.LogRecord("florilege", logging.INFO, __file__, 1, "x", None, None)
    requestid.RequestIdFilter().filter(record)
    assert record.request_id == "-"  # type: ignore[attr-defined]
