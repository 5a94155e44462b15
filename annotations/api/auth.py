"""API authentication by named token: `Authorization: Token <key>` or `Authorization: Bearer <key>`.

Revoked, expired and unknown keys, and keys of inactive users, are refused with 401 (never 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from annotations.models import ApiToken
from annotations.selectors.tokens import token_by_key
from annotations.services.tokens import token_mark_used

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # not ours: another authenticator (the session) may apply
        if len(parts) != 2:
            raise AuthenticationFailed("the Authorization header must be `Token <key>` or `Bearer <key>`")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("the token is not valid") from None
        token = token_by_key(key)
        if token is None:
            raise AuthenticationFailed("the token is not valid")
        now = timezone.now()
        if token.revoked_at is not None:
            raise AuthenticationFailed("the token was revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise AuthenticationFailed("the token has expired")
        if not token.user.is_active:
            raise AuthenticationFailed("the token's user is inactive")
        token_mark_used(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate value makes DRF answer 401 rather than 403 to unauthenticated requests.
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema (drf-spectacular finds it by subclassing)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A named API token, created at /account/tokens/ or POST /api/v1/tokens. Send "
            "`Authorization: Bearer <key>` (or `Authorization: Token <key>`).",
        }
