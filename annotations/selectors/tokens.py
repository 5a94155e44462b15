"""Reads of API tokens: a user's own tokens, and the token a presented key belongs to.

Keys are looked up by their sha256, never stored or compared in clear.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import User
from django.db.models import QuerySet

from annotations.models import ApiToken
from annotations.selectors import _rows


def token_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    """All of the user's tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_of_user(*, user: User, token_id: int) -> ApiToken | None:
    """The user's token with this id; None for another user's token, so its existence does not leak."""
    return ApiToken.objects.filter(user=user, pk=token_id).first()


# In SQL, as it runs on every API request (see _rows). Identifiers come from the models.
_TOKEN_BY_KEY_SQL = f"""
    SELECT {_rows.columns(ApiToken, "t")}, {_rows.columns(User, "u")}
    FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id
    WHERE t.key_hash = %(key_hash)s
"""  # noqa: S608 - identifiers from the models; values are parameters


def token_by_key(key: str) -> ApiToken | None:
    """The token (with its user) this key belongs to, whatever its state; None for an unknown key."""
    row = _rows.fetch_one(_TOKEN_BY_KEY_SQL, {"key_hash": token_key_hash(key)})
    if row is None:
        return None
    split = _rows.width(ApiToken)
    token = _rows.load(ApiToken, row[:split])
    token.user = _rows.load(User, row[split:])
    return token
