"""One error shape for every API failure: {"errors": [{"field", "code", "message"}]} with the right status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.domain import DomainError

_DOMAIN_STATUS = {
    "duplicate": status.HTTP_409_CONFLICT,
    "conflict": status.HTTP_409_CONFLICT,
    "not_found": status.HTTP_404_NOT_FOUND,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}


def error(field: str | None, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message, **extra}


def error_response(status_code: int, errors: list[dict[str, Any]], **extra: Any) -> Response:
    return Response({"errors": errors, **extra}, status=status_code)


def _flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """Turn DRF's nested error detail into a flat list, with dotted field paths (`items.3.start`)."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            path = ".".join(p for p in (field, name) if p) or None
            out.extend(_flatten(value, path))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            nested = isinstance(value, (dict, list))
            out.extend(_flatten(value, f"{field}.{index}" if nested and field else field))
        return out
    return [error(field, getattr(detail, "code", "invalid") or "invalid", str(detail))]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        extra = {"line": exc.line} if exc.line is not None else {}
        extra.update(exc.details)
        return error_response(
            _DOMAIN_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
            [error(exc.field, exc.code, exc.message, **extra)],
        )
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, [error(None, "too_large", str(exc))])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        response.data = {"errors": _flatten(exc.detail)}
        if isinstance(exc, exceptions.ValidationError):
            response.data = {"errors": _flatten(exc.detail)}
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for URLs no route matches: the API's JSON shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"errors": [error(None, "not_found", f"no such resource: {request.path}")]}
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)
