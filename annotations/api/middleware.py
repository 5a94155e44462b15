"""Refuses oversized API request bodies with 413 from the Content-Length, before anything reads them.

Paths ending in /import allow FACTCHECK_MAX_UPLOAD_BYTES; the rest of /api/ FACTCHECK_MAX_BODY_BYTES.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestBodyLimit:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0  # as Django and DRF read it: such a body is never read
            # Settings are read per request, so that tests can override them.
            limit = (
                settings.FACTCHECK_MAX_UPLOAD_BYTES
                if path.rstrip("/").endswith("/import")
                else settings.FACTCHECK_MAX_BODY_BYTES
            )
            if length > limit:
                message = f"the request body is {length:,} bytes; the limit is {limit:,}"
                return JsonResponse({"errors": [{"field": None, "code": "too_large", "message": message}]}, status=413)
        return self.get_response(request)
