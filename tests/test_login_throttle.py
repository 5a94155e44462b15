"""The login page limits failed logins: 5 per username and 20 per client address in 15 minutes. Beyond that
it answers 429 without testing the password; a successful login clears the username's count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from tests.caching import cache_forget_all
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _forget_counters() -> Iterator[None]:
    cache_forget_all()
    yield
    cache_forget_all()


@pytest.fixture
def password_checks() -> Iterator[list[str]]:
    """Usernames whose password was tested and found wrong (Django's own signal)."""
    seen: list[str] = []

    def record(sender: object, credentials: dict[str, Any], **kwargs: object) -> None:
        seen.append(credentials.get("username", ""))

    user_login_failed.connect(record)
    yield seen
    user_login_failed.disconnect(record)


def log_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password, "next": "/"}, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_sixth_attempt_is_429_even_with_the_right_password(password_checks: list[str]) -> None:
    UserFactory.create(username="alice")
    client = Client()
    for _ in range(5):
        response = log_in(client, "alice", WRONG)
        assert response.status_code == 200
        assert "enter a correct username and password" in response.content.decode()
    assert len(password_checks) == 5

    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert "Wait 15 minutes" in page
    assert 'role="alert"' in page
    assert 'value="alice"' in page  # the form keeps the username
    assert response["Retry-After"] == "900"
    assert not logged_in(client)
    assert len(password_checks) == 5  # the password was not even tested

    # The limit is per username: another account from the same address still logs in.
    UserFactory.create(username="bob")
    assert log_in(client, "bob", PASSWORD).status_code == 302
    assert logged_in(client)


def test_usernames_are_counted_without_regard_to_case_or_spaces() -> None:
    UserFactory.create(username="alice")
    for username in ["alice", "ALICE", " Alice", "alice ", "aLiCe"]:
        assert log_in(Client(), username, WRONG).status_code == 200
    assert log_in(Client(), "alice", PASSWORD).status_code == 429


def test_a_success_clears_the_username_count() -> None:
    UserFactory.create(username="alice")
    client = Client()
    for _ in range(4):
        assert log_in(client, "alice", WRONG).status_code == 200
    assert log_in(client, "alice", PASSWORD).status_code == 302
    assert logged_in(client)

    client = Client()
    for _ in range(5):
        assert log_in(client, "alice", WRONG).status_code == 200  # a fresh allowance of five
    assert log_in(client, "alice", PASSWORD).status_code == 429


def test_an_incomplete_form_is_not_a_failure(password_checks: list[str]) -> None:
    UserFactory.create(username="alice")
    for _ in range(10):
        assert log_in(Client(), "alice", "").status_code == 200
    assert password_checks == []
    assert log_in(Client(), "alice", PASSWORD).status_code == 302


def test_the_address_limit_counts_every_username(settings: Any) -> None:
    settings.FACTCHECK_LOGIN_FAILURES_PER_IP = 20
    UserFactory.create(username="alice")
    for i in range(20):  # four failures each for five usernames: no username reaches its limit
        assert log_in(Client(), f"guess{i % 5}", WRONG, REMOTE_ADDR="10.0.0.1").status_code == 200

    response = log_in(Client(), "alice", PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    # Another address is not affected, and a success does not clear the address's count.
    assert log_in(Client(), "alice", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302
    assert log_in(Client(), "alice", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429


def test_limits_and_window_come_from_the_settings(settings: Any) -> None:
    settings.FACTCHECK_LOGIN_FAILURES_PER_USER = 2
    settings.FACTCHECK_LOGIN_WINDOW_SECONDS = 120
    UserFactory.create(username="alice")
    for _ in range(2):
        assert log_in(Client(), "alice", WRONG).status_code == 200
    response = log_in(Client(), "alice", PASSWORD)
    assert response.status_code == 429
    assert "Wait 2 minutes" in response.content.decode()
    assert response["Retry-After"] == "120"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(settings: Any) -> None:
    settings.FACTCHECK_TRUSTED_PROXIES = 1
    settings.FACTCHECK_LOGIN_FAILURES_PER_IP = 2
    UserFactory.create(username="alice")
    proxy = {"REMOTE_ADDR": "172.16.0.1"}
    for name in ["a", "b"]:
        # A spoofed first entry is ignored: the proxy appends the address it saw.
        forwarded = {"HTTP_X_FORWARDED_FOR": f"1.1.1.{name == 'a'}, 203.0.113.7"}
        assert log_in(Client(), name, WRONG, **proxy, **forwarded).status_code == 200
    blocked = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert log_in(Client(), "alice", PASSWORD, **proxy, **blocked).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert log_in(Client(), "alice", PASSWORD, **proxy, **other).status_code == 302


def test_the_admin_login_form_is_the_limited_one() -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"
    response = Client().post("/admin/login/", {"username": "root", "password": WRONG})
    assert response.status_code == 302  # not checked there
