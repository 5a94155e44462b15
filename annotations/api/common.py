"""What every view shares: pagination, version preconditions (If-Match / ETag), and 409 bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.errors import error
from annotations.domain import DomainError

T = TypeVar("T")


class CursorPage(CursorPagination):
    """For lists that grow without bound: stable under inserts, no COUNT(*)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"


class NumberedPage(PageNumberPagination):
    """For short lists, and for ranked search results (a rank order has no cursor)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def requested_version(request: Request, body_version: int | None) -> int | None:
    """The version the client read: If-Match wins over a `version` field in the body."""
    header = request.headers.get("If-Match")
    if header is None:
        return body_version
    match = _IF_MATCH.match(header)
    if match is None:
        raise ValidationError({"If-Match": ['send the ETag you read, e.g. "3"']})
    return int(match.group(1))


def query_version(request: Request) -> int | None:
    """`?version=N` for requests without a body (DELETE); a value that is not a number is a 400."""
    raw = request.query_params.get("version")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError({"version": ["must be a positive integer"]})
    return int(raw)


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def write_or_conflict(write: Callable[[], T], current: Callable[[], dict[str, Any]]) -> T | Response:
    """Run a versioned write; a stale version becomes 409 carrying the current state, not an overwrite."""
    try:
        return write()
    except DomainError as exc:
        if exc.code != "conflict" or "current_version" not in exc.details:
            raise
        return Response(
            {"errors": [error(exc.field, exc.code, exc.message)], "current": current()},
            status=status.HTTP_409_CONFLICT,
        )
