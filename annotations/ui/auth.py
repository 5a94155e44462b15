"""The login page, with failed logins limited per username and per client address.

A blocked attempt answers 429 before the password is checked, so guessing on gains nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse

from annotations.services.login_throttle import login_blocked, login_failed, login_succeeded


def client_address(request: HttpRequest) -> str:
    """The client's address: from X-Forwarded-For when proxies we trust append to it, else the socket's.

    The same rule as DRF's throttles (NUM_PROXIES), so both limits count the same client.
    """
    proxies = settings.FACTCHECK_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = forwarded.split(",")
        return addresses[-min(proxies, len(addresses))].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def throttled_message() -> str:
    minutes = max(1, round(settings.FACTCHECK_LOGIN_WINDOW_SECONDS / 60))
    return (
        "Too many failed log-ins for this account or from your address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


class ThrottledLoginView(LoginView):
    template_name = "login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if login_blocked(username=username, ip=client_address(request)):
            form = self.get_form_class()(request, initial={"username": username})
            response = self.render_to_response(
                self.get_context_data(form=form, throttled=throttled_message()), status=429
            )
            response["Retry-After"] = str(settings.FACTCHECK_LOGIN_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        login_succeeded(username=self.request.POST.get("username", ""))
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # Count only attempts that tested a password; a form missing a field tested nothing.
        username = self.request.POST.get("username", "")
        if username and self.request.POST.get("password"):
            login_failed(username=username, ip=client_address(self.request))
        return super().form_invalid(form)
