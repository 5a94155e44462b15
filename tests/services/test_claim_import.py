"""Claim import through the service, the command and the API: formats, duplicates, reports, progress."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from annotations.models import CanonicalClaim, ImportBatch
from annotations.services.claim_import import claim_import
from annotations.services.claims import ClaimFields, claim_create
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db

CLAIM_REVIEW = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "Organization", "name": "Example Checks"},
        {
            "@type": "ClaimReview",
            "url": "https://checks.example.org/2026/02/geneva-ceasefire",
            "headline": "No, no ceasefire was signed in Geneva",
            "claimReviewed": "Russia and Ukraine signed a ceasefire in Geneva.",
            "datePublished": "2026-02-19",
            "author": {"@type": "Organization", "name": "Example Checks"},
            "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "alternateName": "False"},
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": "A viral post"},
                "datePublished": "2026-02-18",
            },
        },
    ],
}


def test_claim_review_csv_and_jsonl_import_with_mapping(personas: Personas) -> None:
    csv = b"claim,rating,url,tags\nEnvoys met for six hours on day one.,True,https://e.org/1,geneva;talks\n"
    jsonl = b'{"text": "The Kremlin said it was too early to judge.", "claimant": "Kremlin"}\n'
    report = claim_import(
        project=personas.project,
        actor=personas.manager,
        sources=[
            ("review.json", io.BytesIO(json.dumps(CLAIM_REVIEW).encode())),
            ("claims.csv", io.BytesIO(csv)),
            ("claims.jsonl", io.BytesIO(jsonl)),
        ],
    )
    assert (report.created, report.duplicates, report.failed) == (3, 0, 0)
    review = CanonicalClaim.objects.get(text="Russia and Ukraine signed a ceasefire in Geneva.")
    assert (review.verdict, review.reviewed_by, review.claimant, str(review.claim_date)) == (
        "False",
        "Example Checks",
        "A viral post",
        "2026-02-18",
    )
    assert review.fact_check_url == "https://checks.example.org/2026/02/geneva-ceasefire"
    assert review.title == "No, no ceasefire was signed in Geneva"
    assert CanonicalClaim.objects.get(text__startswith="Envoys").tags == ["geneva", "talks"]
    assert all(c.import_batch_id == report.batch_id for c in CanonicalClaim.objects.all())


def test_duplicates_and_bad_lines_are_reported(personas: Personas) -> None:
    claim_create(
        claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text="Talks ended early."), actor=None
    )
    jsonl = (
        b'{"text": "TALKS ended  early."}\n{"text": "New claim."}\n{"text": "new CLAIM."}\n'
        b'{"title": "no text"}\n{"text": "x", "fact_check_url": "ftp://nope"}\n'
    )
    report = claim_import(project=personas.project, actor=None, sources=[("c.jsonl", io.BytesIO(jsonl))])
    assert (report.created, report.duplicates, report.failed) == (1, 2, 2)
    assert [(p.line, p.code) for p in report.problems if p.code == "duplicate"] == [(1, "duplicate"), (3, "duplicate")]
    assert {p.field for p in report.problems if p.code != "duplicate"} == {"text", "fact_check_url"}


def test_claim_import_api_and_status(personas: Personas) -> None:
    client = client_for(personas.manager)
    url = f"/api/v1/projects/{personas.project.pk}/claims/import"
    upload = SimpleUploadedFile("r.json", json.dumps(CLAIM_REVIEW).encode())
    response = client.post(url, {"files": [upload]}, format="multipart")
    assert response.status_code == 201, response.content
    batch_id = response.json()["batch_id"]
    status = client.get(f"/api/v1/projects/{personas.project.pk}/imports/{batch_id}").json()
    assert (status["kind"], status["created"], status["to_embed"], status["embedded"], status["done"]) == (
        "claims",
        1,
        1,
        0,
        False,
    )
    assert client_for(personas.annotator).post(url, {"files": [upload]}, format="multipart").status_code == 403
    assert (
        client_for(personas.outsider).get(f"/api/v1/projects/{personas.project.pk}/imports/{batch_id}").status_code
        == 404
    )


def test_import_claims_command(tmp_path: Path) -> None:
    good = tmp_path / "claims.csv"
    good.write_text("text,verdict\nA ceasefire was signed.,False\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_claims",
        str(good),
        "--project",
        "claims-cmd",
        "--no-wait",
        "--no-progress",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Imported 1 claims" in out.getvalue()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": ""}\n', encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_claims",
            str(bad),
            "--project",
            "claims-cmd",
            "--no-wait",
            "--no-progress",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert raised.value.returncode == 1
    assert ImportBatch.objects.filter(kind="claims").count() == 2


def _twin_committed_after_the_check(monkeypatch: pytest.MonkeyPatch, base_id: int, text: str) -> None:
    """The duplicate check passes, then another connection commits a claim of the same text."""
    import threading

    from django.db import connection

    from annotations.services import claims as claims_service

    real_check = claims_service._check_unique
    done: list[bool] = []

    def check_then_race(base: int, normalized: str, exclude: int | None = None) -> None:
        real_check(base, normalized, exclude=exclude)
        if not done:
            done.append(True)

            def twin() -> None:
                try:
                    claim_create(claim_base_id=base_id, fields=ClaimFields(text=text), actor=None)
                finally:
                    connection.close()

            thread = threading.Thread(target=twin)
            thread.start()
            thread.join(10)

    monkeypatch.setattr(claims_service, "_check_unique", check_then_race)


@pytest.mark.django_db(transaction=True)
def test_a_claim_created_meanwhile_with_the_same_text_is_a_duplicate_not_a_crash(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotations.domain import DomainError

    base_id = personas.project.claim_base_id
    _twin_committed_after_the_check(monkeypatch, base_id, "The bridge was closed.")
    with pytest.raises(DomainError) as caught:
        claim_create(claim_base_id=base_id, fields=ClaimFields(text="The bridge was closed."), actor=None)
    twin = CanonicalClaim.objects.get(claim_base_id=base_id)
    assert (caught.value.field, caught.value.code) == ("text", "duplicate")
    assert caught.value.details == {"existing_claim": twin.pk}


def test_an_import_that_meets_a_claim_created_meanwhile_is_refused_whole(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a claim of the same text was committed between the import's duplicate lookup and its insert
    (the lookup is made to miss it): the page says so with a 409, the API too, and nothing is written."""
    from django.test import Client

    from annotations.services import claim_import as claim_import_service

    base_id = personas.project.claim_base_id
    claim_create(claim_base_id=base_id, fields=ClaimFields(text="The bridge was closed."), actor=None)
    monkeypatch.setattr(claim_import_service, "_EXISTING_SQL", "SELECT 1, 1 WHERE %s::int IS NULL AND %s <> ''")
    upload = b'{"text": "A new claim."}\n{"text": "The bridge was closed."}\n'
    client = Client()
    client.force_login(personas.manager)
    page = client.post(
        f"/projects/{personas.project.pk}/import/",
        {"kind": "claims", "uploads": SimpleUploadedFile("claims.jsonl", upload)},
    )
    assert page.status_code == 409
    assert "created while the import ran" in page.content.decode()
    api = client_for(personas.manager).post(
        f"/api/v1/projects/{personas.project.pk}/claims/import",
        {"files": SimpleUploadedFile("claims.jsonl", upload)},
        format="multipart",
    )
    assert api.status_code == 409, api.content
    assert list(CanonicalClaim.objects.filter(claim_base_id=base_id).values_list("text", flat=True)) == [
        "The bridge was closed."
    ]
