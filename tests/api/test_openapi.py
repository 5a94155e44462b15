"""The committed OpenAPI schema (docs/openapi.yaml) is what the code generates: API changes are deliberate."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

SCHEMA = REPO / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path: pytest.TempPathFactory) -> None:
    generated = tmp_path / "openapi.yaml"  # type: ignore[operator]
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(generated),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert generated.read_text() == SCHEMA.read_text(), (
        "the API changed: run `make schema` and commit docs/openapi.yaml"
    )


def test_swagger_ui_is_served(client: object) -> None:
    response = client.get("/api/docs/")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
