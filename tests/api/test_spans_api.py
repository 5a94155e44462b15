"""Spans through the API: validation against the article, code-point offsets, versions and 409s."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from annotations.models import Article, AuditEvent, Span
from tests.api.conftest import ARTICLE_TEXT, span_body
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def create(personas: Personas, article: Article, body: dict[str, object], user: User | None = None) -> Any:
    client = client_for(user or personas.annotator)
    return client.post(f"/api/v1/articles/{article.pk}/spans", body, format="json")


def test_create_span_after_emoji_uses_code_points(personas: Personas, article: Article) -> None:
    body = span_body(ARTICLE_TEXT, "met for two hours", label="claim")
    assert body["start"] == ARTICLE_TEXT.index("met")  # a Python (code point) index
    response = create(personas, article, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["start"], data["end"], data["quote"], data["version"]) == (
        body["start"],
        body["end"],
        "met for two hours",
        1,
    )
    assert data["prefix"] == ARTICLE_TEXT[max(0, body["start"] - 32) : body["start"]]
    assert "🇺🇦" in data["prefix"]
    assert response["ETag"] == '"1"'
    assert AuditEvent.objects.filter(action="span.create", object_id=str(data["id"])).exists()


def test_composed_accent_counts_as_one_code_point(personas: Personas, article: Article) -> None:
    assert "Café" in ARTICLE_TEXT  # NFC composed the combining accent at import
    response = create(personas, article, span_body(ARTICLE_TEXT, "Café owners"))
    assert response.status_code == 201
    assert response.json()["end"] - response.json()["start"] == len("Café owners") == 11


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"start": 0, "end": 7, "quote": "Genevx,"}, "quote", "mismatch"),
        ({"start": 0, "end": 10_000, "quote": "x"}, "end", "out_of_range"),
        ({"start": 5, "end": 5, "quote": ""}, "quote", "blank"),
        ({"start": 7, "end": 5, "quote": "x"}, "end", "out_of_range"),
        ({"start": "0", "end": 7, "quote": "Geneva,"}, "start", "invalid"),
        ({"start": 0.0, "end": 7, "quote": "Geneva,"}, "start", "invalid"),
        ({"start": True, "end": 7, "quote": "Geneva,"}, "start", "invalid"),
        ({"start": -1, "end": 7, "quote": "Geneva,"}, "start", "min_value"),
        ({"end": 7, "quote": "Geneva,"}, "start", "required"),
        ({"start": 0, "end": 7, "quote": "Geneva,", "label": "opinion"}, "label", "invalid"),
        ({"start": 0, "end": 7, "quote": "Geneva,", "note": "x" * 10_001}, "note", "max_length"),
    ],
)
def test_bad_spans_are_400_naming_the_field(
    personas: Personas, article: Article, body: dict[str, object], field: str, code: str
) -> None:
    response = create(personas, article, body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["errors"][0]["code"] == code
    assert not Span.objects.exists()


def test_quote_mismatch_shows_the_expected_text(personas: Personas, article: Article) -> None:
    error = create(personas, article, {"start": 0, "end": 7, "quote": "Genf, 1"}).json()["errors"][0]
    assert error["expected"] == "Geneva,"
    assert "'Geneva,'" in error["message"]


def test_update_needs_the_current_version_and_a_stale_one_is_409_with_current_state(
    personas: Personas, article: Article
) -> None:
    client = client_for(personas.annotator)
    span = create(personas, article, span_body(ARTICLE_TEXT, "Envoys")).json()
    url = f"/api/v1/spans/{span['id']}"
    assert client.patch(url, {"note": "who?"}, format="json").json()["errors"][0]["field"] == "version"
    first = client.patch(url, {"note": "first", "version": 1}, format="json")
    assert first.status_code == 200
    assert (first.json()["version"], first["ETag"]) == (2, '"2"')
    stale = client.patch(url, {"note": "second"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    assert stale.json()["current"]["note"] == "first"
    assert stale.json()["errors"][0]["code"] == "conflict"
    assert Span.objects.get(pk=span["id"]).note == "first"
    moved = client.patch(url, {**span_body(ARTICLE_TEXT, "Envoys 🇺🇦 met"), "version": 2}, format="json")
    assert moved.status_code == 200
    assert moved.json()["quote"] == "Envoys 🇺🇦 met"
    bad_move = client.patch(url, {"start": 0, "version": 3}, format="json")
    assert bad_move.json()["errors"][0]["field"] == "quote"


def test_delete_with_version(personas: Personas, article: Article) -> None:
    client = client_for(personas.annotator)
    span = create(personas, article, span_body(ARTICLE_TEXT, "Envoys")).json()
    assert client.delete(f"/api/v1/spans/{span['id']}?version=7").status_code == 409
    bad = client.delete(f"/api/v1/spans/{span['id']}?version=one")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "version"
    assert client.delete(f"/api/v1/spans/{span['id']}", HTTP_IF_MATCH='"1"').status_code == 204
    assert not Span.objects.exists()


def test_overlapping_spans_are_allowed(personas: Personas, article: Article) -> None:
    assert create(personas, article, span_body(ARTICLE_TEXT, "Envoys 🇺🇦 met")).status_code == 201
    assert create(personas, article, span_body(ARTICLE_TEXT, "met for two")).status_code == 201
    detail = client_for(personas.annotator).get(f"/api/v1/articles/{article.pk}").json()
    assert [s["quote"] for s in detail["spans"]] == ["Envoys 🇺🇦 met", "met for two"]
    assert detail["length"] == len(ARTICLE_TEXT)


def test_others_may_not_edit_my_span(personas: Personas, article: Article) -> None:
    span = create(personas, article, span_body(ARTICLE_TEXT, "Envoys")).json()
    url = f"/api/v1/spans/{span['id']}"
    assert client_for(personas.curator).patch(url, {"note": "x", "version": 1}, format="json").status_code == 403
    assert (
        client_for(personas.other_annotator).patch(url, {"note": "x", "version": 1}, format="json").status_code == 404
    )
    assert client_for(personas.outsider).get(url).status_code == 404
