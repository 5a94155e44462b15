"""Thin API views: parse input, check the project role, call one service, shape the output."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.errors import error, error_response
from annotations.api.permissions import acting_user, project_for
from annotations.api.serializers import (
    ArticleImportInput,
    ErrorOutput,
    ImportFailedOutput,
    ImportReportOutput,
)
from annotations.domain import Role
from annotations.services.articles import article_import


class ArticleImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="articles_import",
        summary="Import articles from files",
        description="Managers upload one or more files (field `files`). Good records are stored; bad ones "
        "are reported by file and line. If any record failed the status is 400, but the good ones are kept "
        "(see `report.created`). Duplicates (same text already in the project) are skipped, not failures.",
        request={"multipart/form-data": ArticleImportInput},
        responses={
            201: ImportReportOutput,
            400: ImportFailedOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            413: ErrorOutput,
            415: ErrorOutput,
        },
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.FACTCHECK_MAX_UPLOAD_BYTES:
            return error_response(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                [
                    error(
                        "files",
                        "too_large",
                        f"the upload is {length:,} bytes; the limit is "
                        f"{settings.FACTCHECK_MAX_UPLOAD_BYTES:,}",
                    )
                ],
            )
        form = ArticleImportInput(data=request.data)
        form.is_valid(raise_exception=True)
        uploads = form.validated_data["files"]
        report = article_import(
            project=project,
            sources=[(upload.name, upload.file) for upload in uploads],
            actor=acting_user(request),
        )
        body = report.as_dict()
        if report.ok:
            return Response(body, status=status.HTTP_201_CREATED)
        failures = [
            error(
                p.field or "files",
                p.code,
                p.message,
                file=p.source_name,
                **({"line": p.line} if p.line else {}),
            )
            for p in report.problems
            if p.code != "duplicate"
        ]
        return error_response(status.HTTP_400_BAD_REQUEST, failures, report=body)
