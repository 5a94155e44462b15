"""Property-based API tests: Schemathesis sends inputs generated from the OpenAPI schema the app serves,
in-process through the WSGI app, and no input may produce a server error.

Every call is a manager's (with a real API token) in a project with an article, a span, a link, a suggestion
and a member, so the generated bodies reach the services. Each example runs in a savepoint that is rolled
back, so every example meets the same data and a deletion in one cannot hide a failure in the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.domain import ImportKind, Role, RunStatus
from annotations.models import Article, Assignment, DatasetRelease, ImportBatch, Suggestion, SuggestionRun
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.spans import span_create
from annotations.services.tokens import token_create
from factcheck.wsgi import application
from tests.caching import cache_forget_all
from tests.conftest import Personas, client_for
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

BOUNDED = hypothesis.settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),  # a slow database and a function-scoped fixture are expected
)
# Random ids mostly meet a 404 early, so fewer examples find what there is to find.
ANY_IDS = hypothesis.settings(BOUNDED, max_examples=8)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Known differences between the schema and the answers (none now; the tests below pin the fixed ones).
SCHEMA_BUGS: dict[tuple[str, str], list[Any]] = {}


class _Rollback(Exception):
    """Raised to undo one example's writes."""


@dataclass
class Scene:
    headers: dict[str, str]
    path_ids: dict[str, int | str]


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Django's handler closes the database connection after each request, which would end the test's
    transaction; its test client detaches that signal handler for the request, and so do we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def scene(keep_connection: None, personas: Personas, article: Article) -> Iterator[Scene]:
    cache_forget_all()  # API throttles count in Redis; start every operation with a clean slate
    manager = personas.manager
    manager.is_staff = True  # so that POST /projects reaches the service, too
    manager.save(update_fields=["is_staff"])
    claim = claim_create(
        claim_base_id=personas.project.claim_base_id,
        fields=ClaimFields(text="A ceasefire was agreed at the Geneva talks.", tags=("ceasefire",)),
        actor=manager,
    )
    span = span_create(article=article, annotator=manager, start=0, end=6, quote=article.text[:6])
    claim_link_create(span=span, target=LinkTarget(claim=claim), actor=manager)
    run = SuggestionRun.objects.create(
        span=span, model_name="minilm", model_version="1", index_state="i1", status=RunStatus.DONE
    )
    suggestion = Suggestion.objects.create(run=run, claim=claim, rank=1, fused_score=0.5)
    member = MembershipFactory.create(project=personas.project, role=Role.ANNOTATOR)
    _, key = token_create(user=manager, name="schemathesis")
    spare, _ = token_create(user=manager, name="spare")  # the one a generated DELETE may revoke
    yield Scene(
        headers={"Authorization": f"Bearer {key}"},
        path_ids={
            "project_id": personas.project.pk,
            "member_id": member.pk,
            "article_id": article.pk,
            "span_id": span.pk,
            "suggestion_id": suggestion.pk,
            "claim_id": claim.pk,
            "token_id": spare.pk,
            "batch_id": ImportBatch.objects.create(project=personas.project, kind=ImportKind.CLAIMS).pk,
            "assignment_id": Assignment.objects.filter(article=article).order_by("id").values_list("id", flat=True)[0],
            "version": DatasetRelease.objects.create(project=personas.project, version=1, created_by=manager).version,
            "path": "spans.jsonl",
        },
    )
    cache_forget_all()


def call_in_savepoint(case: schemathesis.Case, scene: Scene, excluded: list[Any]) -> None:
    try:
        with transaction.atomic():
            case.call_and_validate(headers=scene.headers, checks=CHECKS, excluded_checks=excluded)
            raise _Rollback
    except _Rollback:
        pass


@schema.parametrize()
@BOUNDED
def test_objects_that_exist(case: schemathesis.Case, scene: Scene) -> None:
    """Generated bodies and queries against the project's real objects."""
    for name in case.path_parameters or {}:
        assert name in scene.path_ids, f"a new path parameter: give the scene a real {name}"
        case.path_parameters[name] = scene.path_ids[name]
    call_in_savepoint(case, scene, SCHEMA_BUGS.get((case.method, case.path), []))


@schema.parametrize()
@ANY_IDS
def test_any_ids(case: schemathesis.Case, scene: Scene) -> None:
    """Generated ids, too: missing, foreign, zero or huge ones must be a 4xx, never a 5xx."""
    excluded = SCHEMA_BUGS.get((case.method, case.path), [])
    if case.path_parameters:
        excluded = [*excluded, content_type_conformance]  # see test_a_malformed_id_is_an_api_error
    call_in_savepoint(case, scene, excluded)


# --- Where the answers and the schema disagree (found by the runs above) ----------------------------


def operation_responses(path: str, method: str) -> dict[str, Any]:
    responses = schema.raw_schema["paths"][path][method]["responses"]
    assert isinstance(responses, dict)
    return responses


def test_token_list_documents_its_invalid_page_404(personas: Personas) -> None:
    response = client_for(personas.annotator).get("/api/v1/tokens?page=0")
    assert response.status_code == 404
    assert "404" in operation_responses("/api/v1/tokens", "get")


@pytest.mark.parametrize("kind", ["articles", "claims"])
def test_import_400_without_files_matches_the_documented_shape(personas: Personas, kind: str) -> None:
    response = client_for(personas.manager).post(
        f"/api/v1/projects/{personas.project.pk}/{kind}/import", {}, format="multipart"
    )
    assert response.status_code == 400
    documented = operation_responses(f"/api/v1/projects/{{project_id}}/{kind}/import", "post")["400"]
    ref = documented["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    required = schema.raw_schema["components"]["schemas"][ref]["required"]
    assert set(required) <= set(response.json()), response.json()


def test_a_malformed_id_is_an_api_error(personas: Personas) -> None:
    response = client_for(personas.manager).get("/api/v1/articles/abc")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    assert response.json()["errors"][0]["code"] == "not_found"


def test_every_operation_with_a_body_documents_413(personas: Personas, settings: Any) -> None:
    settings.FACTCHECK_MAX_BODY_BYTES = 1024
    url = f"/api/v1/projects/{personas.project.pk}/claims"
    response = client_for(personas.annotator).post(url, {"text": "x" * 2048}, format="json")
    assert response.status_code == 413
    undocumented = sorted(
        f"{method.upper()} {path}"
        for path, operations in schema.raw_schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and "413" not in operation["responses"]
    )
    assert undocumented == []
