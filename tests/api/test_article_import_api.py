"""POST /api/v1/projects/{id}/articles/import: roles, reports, size limits, one error shape."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from annotations.models import Article
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/articles/import"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


FEED = b'{"text": "The envoys met in Geneva.", "title": "Talks"}\n{"text": "A second article."}\n'


@pytest.mark.parametrize(
    ("who", "expected"),
    [("manager", 201), ("curator", 403), ("annotator", 403), ("outsider", 404), (None, 401)],
)
def test_only_managers_import_and_outsiders_see_no_project(personas: Personas, who: str | None, expected: int) -> None:
    user = getattr(personas, who) if who else None
    response = client_for(user).post(
        url(personas.project.pk), {"files": [upload("feed.jsonl", FEED)]}, format="multipart"
    )
    assert response.status_code == expected, response.content
    if expected != 201:
        assert set(response.json()) == {"errors"}
        assert not Article.objects.exists()


def test_import_reports_counts_and_skips_duplicates(personas: Personas) -> None:
    client = client_for(personas.manager)
    first = client.post(url(personas.project.pk), {"files": [upload("feed.jsonl", FEED)]}, format="multipart")
    assert first.status_code == 201
    assert first.json() | {"batch_id": 0} == {
        "batch_id": 0,
        "created": 2,
        "duplicates": 0,
        "failed": 0,
        "problems": [],
        "problems_truncated": False,
    }
    second = client.post(url(personas.project.pk), {"files": [upload("again.jsonl", FEED)]}, format="multipart")
    assert second.status_code == 201
    assert (second.json()["created"], second.json()["duplicates"]) == (0, 2)


def test_failed_lines_give_400_naming_file_and_line_but_keep_good_rows(personas: Personas) -> None:
    content = FEED + b'{"title": "no text here"}\n' + b"not json\n"
    response = client_for(personas.manager).post(
        url(personas.project.pk), {"files": [upload("feed.jsonl", content)]}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert [(e["file"], e["line"], e["field"]) for e in body["errors"]] == [
        ("feed.jsonl", 3, "text"),
        ("feed.jsonl", 4, "files"),
    ]
    assert body["report"]["created"] == 2
    assert Article.objects.filter(project=personas.project).count() == 2


def test_no_files_is_a_400_naming_the_field(personas: Personas) -> None:
    response = client_for(personas.manager).post(url(personas.project.pk), {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "files"


def test_json_body_is_415(personas: Personas) -> None:
    response = client_for(personas.manager).post(
        url(personas.project.pk), json.dumps({"files": []}), content_type="application/json"
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


@override_settings(FACTCHECK_MAX_UPLOAD_BYTES=2048)
def test_oversized_upload_is_413_before_anything_is_read(personas: Personas) -> None:
    big = upload("big.jsonl", b'{"text": "' + b"a" * 4096 + b'"}\n')
    response = client_for(personas.manager).post(url(personas.project.pk), {"files": [big]}, format="multipart")
    assert response.status_code == 413
    # RequestBodyLimit answers from the Content-Length before the view runs: about the body, not a field.
    assert response.json()["errors"][0] == {
        "field": None,
        "code": "too_large",
        "message": response.json()["errors"][0]["message"],
    }
    assert not Article.objects.exists()


def test_html_upload_stores_readable_text_only(personas: Personas) -> None:
    page = (
        b"<html lang='en'><head><title>Geneva talks</title><script>alert('x')</script></head>"
        b"<body><nav>Menu</nav><article><h1>Geneva talks</h1><p onclick='evil()'>The envoys met.</p>"
        b"</article></body></html>"
    )
    response = client_for(personas.manager).post(
        url(personas.project.pk), {"files": [upload("page.html", page)]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    article = Article.objects.get(project=personas.project)
    assert article.title == "Geneva talks"
    assert "The envoys met." in article.text
    for unwanted in ("<", "alert", "Menu"):
        assert unwanted not in article.text
