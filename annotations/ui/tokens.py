"""The API tokens page: list my tokens, create one (its key is shown once), revoke one.

A new key waits in the session only until the next page render, which removes it.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from annotations.domain import DomainError
from annotations.selectors.tokens import token_of_user, tokens_for_user
from annotations.services.tokens import NAME_MAX_LENGTH, token_create, token_revoke

NEW_KEY_SESSION = "api_token_new_key"


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH, help_text="What the token is for, e.g. a script.")
    expires_in_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        label="Expires in (days)",
        help_text="1 to 365; leave empty for a token that does not expire.",
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required ran first; this narrows the type
        raise Http404
    return user


@never_cache  # the page may show a secret
@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    new_key = None
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            days = form.cleaned_data["expires_in_days"]
            try:
                token, key = token_create(
                    user=user,
                    name=form.cleaned_data["name"],
                    expires_at=timezone.now() + timedelta(days=days) if days else None,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                # Post/redirect/get: a reload must not create a second token.
                request.session[NEW_KEY_SESSION] = {"id": token.pk, "name": token.name, "key": key}
                return redirect("tokens")
        status = 400
    else:
        form = TokenCreateForm()
        new_key = request.session.pop(NEW_KEY_SESSION, None)
        status = 200
    now = timezone.now()
    tokens = [(token, token.status_at(now)) for token in tokens_for_user(user)]
    return render(request, "tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}, status=status)


@login_required
@require_POST
def token_revoke_page(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    token = token_of_user(user=user, token_id=token_id)
    if token is None:
        raise Http404("no such token")
    token_revoke(token=token, actor=user)
    messages.success(request, f"The token “{token.name}” is revoked; it no longer works.")
    return redirect("tokens")
