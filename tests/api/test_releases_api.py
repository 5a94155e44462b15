"""The release endpoints: a manager asks for a release (202), the build publishes it, curators list, read and
download its files (checksums as the manifest says); nothing outside the manifest downloads, an unpublished
release is a 409, bad filters a 400 naming the field, annotators 403 and outsiders 404."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.contrib.auth.models import User

from annotations.models import DatasetRelease
from annotations.services.releases import release_build
from tests.conftest import client_for
from tests.services.test_curation import Team
from tests.services.test_releases import curated

__all__ = ["curated"]  # the fixture, imported for pytest

pytestmark = pytest.mark.django_db


def url(team: Team, tail: str = "") -> str:
    return f"/api/v1/projects/{team.project.pk}/releases{tail}"


def manager(team: Team) -> User:
    user = team.manager  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def create(team: Team, body: dict[str, Any] | None = None) -> Any:
    return client_for(manager(team)).post(url(team), body or {}, format="json")


def published(team: Team) -> dict[str, Any]:
    response = create(team, {"scope": "curated", "include_reviewer_spans": False})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["version"] == 1
    assert body["status"] == "building"
    assert body["files"] == []
    release = DatasetRelease.objects.get(project=team.project, version=body["version"])
    built = release_build(release_id=release.pk)
    assert built is not None
    assert built.status == "published", built.error
    return body


def test_create_build_list_detail_download(curated: Team) -> None:
    published(curated)
    curator = client_for(curated.curator)
    listing = curator.get(url(curated))
    assert listing.status_code == 200
    (item,) = listing.json()["results"]
    assert item["status"] == "published"
    assert item["progress"] == 1.0
    assert item["created_by"] == "boss"
    assert item["counts"]["spans"] == 2
    assert item["filters"]["scope"] == "curated"
    assert "pseudonym_key" not in json.dumps(item)
    names = {f["name"] for f in item["files"]}
    assert {"spans.jsonl", "claim-retrieval/qrels.tsv", "manifest.json", "README.md"} <= names

    detail = curator.get(url(curated, "/1"))
    assert detail.status_code == 200
    assert detail.json() == item
    spans = next(f for f in item["files"] if f["name"] == "spans.jsonl")
    assert spans["url"] == url(curated, "/1/files/spans.jsonl")

    download = curator.get(spans["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/x-ndjson"
    assert download["Content-Disposition"].startswith("attachment")
    data = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    manifest = json.loads(b"".join(curator.get(url(curated, "/1/files/manifest.json")).streaming_content))  # type: ignore[attr-defined]
    assert hashlib.sha256(data).hexdigest() == manifest["files"]["spans.jsonl"]["sha256"] == spans["sha256"]

    qrels = curator.get(url(curated, "/1/files/claim-retrieval/qrels.tsv"))
    assert qrels.status_code == 200
    assert qrels["Content-Type"] == "text/tab-separated-values"
    readme = curator.get(url(curated, "/1/files/README.md"))
    assert readme.status_code == 200
    assert readme["Content-Type"].startswith("text/markdown")


@pytest.mark.parametrize(
    "path",
    ["../../../etc/passwd", "..%2F..%2Fmanifest.json", "claim-retrieval/../spans.jsonl", "nope.txt", "manifest.json/"],
)
def test_only_listed_files_download(curated: Team, path: str) -> None:
    published(curated)
    response = client_for(curated.curator).get(url(curated, f"/1/files/{path}"))
    assert response.status_code == 404


def test_an_unpublished_release_is_409_and_an_unknown_one_404(curated: Team) -> None:
    assert create(curated).status_code == 202
    curator = client_for(curated.curator)
    response = curator.get(url(curated, "/1/files/spans.jsonl"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "conflict"
    assert curator.get(url(curated, "/2")).status_code == 404
    assert curator.get(url(curated, "/2/files/spans.jsonl")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"include_reviewer_spans": "yes"}, "include_reviewer_spans"),
        ({"published_from": "17/02/2026"}, "published_from"),
        ({"published_from": "2026-03-01", "published_to": "2026-02-01"}, "published_from"),
        ({"labels": ["no-such-label"]}, "labels"),
        ({"colour": "blue"}, "colour"),
        ({"published_to": "1990-01-01"}, "scope"),  # nothing to release
    ],
)
def test_bad_filters_are_400_naming_the_field(curated: Team, body: dict[str, Any], field: str) -> None:
    response = create(curated, body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not DatasetRelease.objects.exists()


def test_who_may_do_what(curated: Team) -> None:
    published(curated)
    outsider = User.objects.create(username="stranger")
    for user, status in [(curated.a, 403), (outsider, 404)]:
        client = client_for(user)
        assert client.get(url(curated)).status_code == status
        assert client.get(url(curated, "/1")).status_code == status
        assert client.get(url(curated, "/1/files/spans.jsonl")).status_code == status
        assert client.post(url(curated), {}, format="json").status_code == status
    assert client_for(curated.curator).post(url(curated), {}, format="json").status_code == 403
    assert client_for(None).get(url(curated)).status_code == 401
