"""API views of dataset releases (issue #8): the releases of a project, a new one (built by the worker), one
release, and its files. Thin, as in views.py: the release service checks filters and builds."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import release_serializers as r
from annotations.api import serializers as s
from annotations.api.common import NumberedPage
from annotations.api.errors import error, error_response
from annotations.api.permissions import acting_user, project_for
from annotations.api.views import responses
from annotations.domain import ReleaseStatus, Role
from annotations.models import DatasetRelease, Project
from annotations.selectors.releases import ReleaseFilters, release_for, releases_of
from annotations.services.releases import release_create, release_filters_clean, release_path, release_progress

EXTRA_FILES = ("manifest.json", "README.md")
CONTENT_TYPES = {
    ".jsonl": "application/x-ndjson",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".parquet": "application/vnd.apache.parquet",
    ".md": "text/markdown",
}


def release_files(release: DatasetRelease) -> list[dict[str, Any]]:
    """The files of a published release, as the manifest lists them, then manifest.json and README.md."""
    if release.status != ReleaseStatus.PUBLISHED:
        return []
    entries = release.manifest.get("files", {})
    listed = [
        {
            "name": name,
            "sha256": sha,
            "bytes": entries.get(name, {}).get("bytes"),
            "rows": entries.get(name, {}).get("rows"),
        }
        for name, sha in sorted(release.files.items())
    ]
    listed += [{"name": name, "sha256": None, "bytes": None, "rows": None} for name in EXTRA_FILES]
    for item in listed:
        item["url"] = reverse("api:release-file", args=[release.project_id, release.version, item["name"]])
    return listed


def downloadable(release: DatasetRelease) -> set[str]:
    return set(release.files) | set(EXTRA_FILES)


def release_body(release: DatasetRelease) -> dict[str, Any]:
    agreement = release.manifest.get("agreement", {}) if release.status == ReleaseStatus.PUBLISHED else {}
    return dict(
        r.ReleaseOutput(
            {
                "version": release.version,
                "status": release.status,
                "progress": release_progress(release),
                "filters": ReleaseFilters().as_dict() | dict(release.filters),
                "counts": release.counts,
                "created_by": release.created_by.username,
                "created_at": release.created_at,
                "published_at": release.published_at,
                "error": release.error,
                "files": release_files(release),
                "agreement": agreement,
            }
        ).data
    )


def release_or_404(project: Project, version: int) -> DatasetRelease:
    release = release_for(project=project, version=version)
    if release is None:
        raise NotFound("no such release")
    return release


class ReleaseListView(GenericAPIView):
    pagination_class = NumberedPage
    serializer_class = r.ReleaseOutput

    @extend_schema(
        operation_id="releases_list",
        summary="The project's dataset releases, newest first (curator or manager)",
        responses=responses({200: r.ReleaseOutput(many=True)}, 403),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        page = self.paginate_queryset(releases_of(project=project))
        return self.get_paginated_response([release_body(release) for release in page or []])

    @extend_schema(
        operation_id="releases_create",
        summary="Ask for a new release (manager)",
        description="The next version, built by the worker in the background: read it again (or the list) "
        "until its status is published (or failed). Each bad filter is a 400 naming its field; nothing to "
        "release is a 400 on `scope`.",
        request=r.ReleaseFiltersInput,
        responses=responses({202: r.ReleaseOutput}, 400, 403),
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        body = request.data if isinstance(request.data, dict) else {"filters": request.data}
        filters = release_filters_clean(body, project=project)  # each problem names its field
        release = release_create(project=project, actor=acting_user(request), filters=filters)
        return Response(release_body(release), status=status.HTTP_202_ACCEPTED)


class ReleaseDetailView(APIView):
    @extend_schema(
        operation_id="releases_retrieve",
        summary="One release (curator or manager)",
        responses=responses({200: r.ReleaseOutput}, 403),
    )
    def get(self, request: Request, project_id: int, version: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        return Response(release_body(release_or_404(project, version)))


class ReleaseFileView(APIView):
    @extend_schema(
        operation_id="releases_file",
        summary="Download one file of a published release (curator or manager)",
        description="Only the files the manifest lists, manifest.json and README.md; anything else is a 404. "
        "A release still building (or failed) is a 409.",
        responses={
            **responses({200: OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment.")}, 403),
            409: s.ErrorOutput,
        },
    )
    def get(self, request: Request, project_id: int, version: int, path: str) -> Response | FileResponse:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        release = release_or_404(project, version)
        if release.status != ReleaseStatus.PUBLISHED:
            return error_response(
                status.HTTP_409_CONFLICT,
                [error(None, "conflict", f"release {version} is {release.status}, not published")],
            )
        if path not in downloadable(release):
            raise NotFound("no such file in this release")
        file = release_path(release) / path
        if not file.is_file():
            raise NotFound("no such file in this release")
        suffix = file.suffix.lower()
        content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return FileResponse(file.open("rb"), as_attachment=True, filename=file.name, content_type=content_type)
