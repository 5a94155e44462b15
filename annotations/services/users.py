"""User accounts created by the app itself (demo data, first manager)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from annotations.domain import DomainError


@transaction.atomic
def user_ensure(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    superuser: bool = False,
) -> tuple[User, bool]:
    """The user with this name, created with this password if absent (an existing password is kept)."""
    if not username.strip():
        raise DomainError("username is empty", field="username")
    model = get_user_model()
    user, created = model.objects.get_or_create(
        username=username.strip(),
        defaults={
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created
