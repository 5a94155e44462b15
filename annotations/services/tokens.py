"""Named API tokens: create (the key is returned once, only its hash is kept), revoke, note their use.

The audit trail names the token and its owner, never the key or its hash.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations.domain import DomainError
from annotations.models import ApiToken
from annotations.selectors.tokens import token_key_hash
from annotations.services.audit import audit_record

KEY_PREFIX = "fc_"
PREFIX_LENGTH = 8
MAX_ACTIVE_TOKENS = 20
NAME_MAX_LENGTH = 100
# The stored last_used_at may lag by this much: a busy client costs one UPDATE a minute, not one a request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_key_new() -> str:
    # 30 random bytes are 40 URL-safe characters (240 bits).
    return KEY_PREFIX + secrets.token_urlsafe(30)


@transaction.atomic
def token_create(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` and its key, in clear; the key cannot be recovered later.

    Locks the user's row, so two concurrent creations cannot both pass the limit on active tokens.
    """
    name = name.strip()
    if not name:
        raise DomainError("a token needs a name", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(f"a token name has at most {NAME_MAX_LENGTH} characters", field="name")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise DomainError("the expiry must lie in the future", field="expires_at")
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = ApiToken.objects.filter(ApiToken.active_q(now), user=user).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            f"you have {MAX_ACTIVE_TOKENS} active tokens, the most allowed: revoke one first",
            field="name",
            code="too_many",
        )
    key = token_key_new()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=token_key_hash(key),
        prefix=key[:PREFIX_LENGTH],
        expires_at=expires_at,
    )
    audit_record(
        actor=user,
        action="apitoken.create",
        obj=token,
        project=None,
        after={
            "user": user.get_username(),
            "name": name,
            "prefix": token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke the token; its owner or a staff member (the admin) may. Revoking twice changes nothing."""
    if actor.pk != token.user_id and not actor.is_staff:
        raise DomainError("this is another user's token", code="not_found")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="apitoken.revoke",
        obj=locked,
        project=None,
        before={"revoked_at": None},
        after={
            "user": locked.user.get_username(),
            "name": locked.name,
            "prefix": locked.prefix,
            "revoked_at": locked.revoked_at.isoformat(),
        },
    )
    return locked


def token_mark_used(*, token: ApiToken, now: datetime | None = None) -> None:
    """Note that the token was used, unless that was noted less than a minute ago.

    Not audited: this is bookkeeping on every request, not a change anyone made. The UPDATE is
    conditional, so concurrent requests with the same token write once.
    """
    now = now or timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > threshold:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
