"""The OpenAPI document is committed (docs/api/openapi.json) so a change to the API shows
in review; this fails when the served document differs from the file."""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"
REGENERATE = "make openapi"


def test_committed_schema_is_the_served_one() -> None:
    served = Client().get("/api/v1/openapi.json").json()
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, f"The API changed: run `{REGENERATE}` and commit the file."


def test_every_operation_documents_its_problems() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for path, operations in committed["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "application/problem+json" in answers["401"]["content"], (method, path)
            assert operation.get("security"), (method, path)
