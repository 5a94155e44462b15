"""Named API tokens: the key is shown once and stored as a hash; Token and Bearer headers; revocation,
expiry and the limit of 20; the /account/tokens/ page with CSRF; the admin action; CSRF on session API calls.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from annotations.api.auth import ApiTokenAuthentication
from annotations.models import ApiToken, Article, AuditEvent
from annotations.services.tokens import MAX_ACTIVE_TOKENS, token_create, token_revoke
from tests.caching import cache_forget_all
from tests.conftest import Personas, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens"
PAGE = "/account/tokens/"


@pytest.fixture(autouse=True)
def _forget_counters() -> Iterator[None]:
    cache_forget_all()
    yield
    cache_forget_all()


def with_key(key: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def assert_error_shape(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"errors"}
    assert body["errors"]
    for item in body["errors"]:
        assert {"field", "code", "message"} <= set(item)
    return body["errors"][0]


# --- Creation: the key once, only its hash kept -------------------------------------------------


def test_create_shows_the_key_once_and_stores_only_its_hash(personas: Personas) -> None:
    client = client_for(personas.annotator)
    response = client.post(TOKENS, {"name": "nightly export", "expires_in_days": 30}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert re.fullmatch(r"fc_[A-Za-z0-9_-]{40}", key)
    assert body["prefix"] == key[:8]
    assert body["status"] == "active"
    expires = timezone.now() + timedelta(days=30)
    assert abs(ApiToken.objects.get().expires_at - expires) < timedelta(minutes=1)  # type: ignore[operator]

    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values().get(pk=token.pk).values()]
    assert all(key not in value for value in stored)

    listed = client.get(TOKENS).json()
    assert listed["count"] == 1
    assert "key" not in listed["results"][0]
    assert key not in json.dumps(listed)

    event = AuditEvent.objects.get(action="apitoken.create")
    assert event.actor_name == "annotator"
    recorded = json.dumps([event.before, event.after])
    assert key not in recorded
    assert token.key_hash not in recorded


@pytest.mark.parametrize(
    "payload",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "a", "expires_in_days": 0},
     {"name": "a", "expires_in_days": 366}],
    ids=["missing", "empty", "blank", "too-long", "zero-days", "too-many-days"],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(personas: Personas, payload: dict[str, object]) -> None:
    response = client_for(personas.annotator).post(TOKENS, payload, format="json")
    error = assert_error_shape(response, 400)
    assert error["field"] in {"name", "expires_in_days"}
    assert not ApiToken.objects.exists()


def test_at_most_20_active_tokens(personas: Personas) -> None:
    user = personas.annotator
    tokens = [token_create(user=user, name=f"t{i}")[0] for i in range(MAX_ACTIVE_TOKENS)]
    client = client_for(user)
    error = assert_error_shape(client.post(TOKENS, {"name": "one more"}, format="json"), 400)
    assert (error["field"], error["code"]) == ("name", "too_many")

    # Revoked and expired tokens do not count.
    token_revoke(token=tokens[0], actor=user)
    ApiToken.objects.filter(pk=tokens[1].pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(TOKENS, {"name": "one more"}, format="json").status_code == 201
    assert client.post(TOKENS, {"name": "and another"}, format="json").status_code == 201
    assert client.post(TOKENS, {"name": "too many again"}, format="json").status_code == 400
    # The limit is per user.
    assert client_for(personas.curator).post(TOKENS, {"name": "mine"}, format="json").status_code == 201


# --- Authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_the_key_authenticates_with_token_and_bearer(personas: Personas, keyword: str) -> None:
    token, key = token_create(user=personas.curator, name="script")
    response = with_key(key, keyword).get(TOKENS)
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [token.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(personas: Personas, django_assert_num_queries: object) -> None:
    token, key = token_create(user=personas.curator, name="script")
    authenticator = ApiTokenAuthentication()

    def authenticate() -> None:
        request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {key}"))
        user, auth = authenticator.authenticate(request)  # type: ignore[misc]
        assert (user, auth) == (personas.curator, token)

    with django_assert_num_queries(2):  # type: ignore[operator]
        authenticate()  # the lookup, and the UPDATE of last_used_at
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    with django_assert_num_queries(1):  # type: ignore[operator]
        authenticate()  # the lookup only: used less than a minute ago
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):  # type: ignore[operator]
        authenticate()
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first  # type: ignore[operator]


def _revoked(user: User) -> str:
    token, key = token_create(user=user, name="old")
    token_revoke(token=token, actor=user)
    return key


def _expired(user: User) -> str:
    token, key = token_create(user=user, name="short", expires_at=timezone.now() + timedelta(seconds=5))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return key


def _inactive(user: User) -> str:
    _, key = token_create(user=user, name="left")
    User.objects.filter(pk=user.pk).update(is_active=False)
    return key


@pytest.mark.parametrize(
    ("make_key", "message"),
    [
        (_revoked, "revoked"),
        (_expired, "expired"),
        (_inactive, "inactive"),
        (lambda user: "fc_" + "x" * 40, "not valid"),
        (lambda user: "fc_a fc_b", "must be"),
    ],
    ids=["revoked", "expired", "inactive-user", "unknown", "malformed"],
)
def test_refused_keys_are_401_in_the_error_shape(personas: Personas, make_key: object, message: str) -> None:
    key = make_key(personas.annotator)  # type: ignore[operator]
    response = with_key(key).get(TOKENS)
    error = assert_error_shape(response, 401)
    assert error["code"] == "authentication_failed"
    assert message in str(error["message"])
    assert response["WWW-Authenticate"] == "Token"


def test_no_credentials_is_401_not_403(db: None) -> None:
    response = APIClient().get(TOKENS)
    error = assert_error_shape(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


# --- Revocation ------------------------------------------------------------------------------------


def test_revoke_my_token_and_it_stops_working(personas: Personas) -> None:
    token, key = token_create(user=personas.annotator, name="script")
    client = client_for(personas.annotator)
    assert client.delete(f"{TOKENS}/{token.pk}").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert with_key(key).get(TOKENS).status_code == 401
    assert client.delete(f"{TOKENS}/{token.pk}").status_code == 204  # again: nothing changes
    assert AuditEvent.objects.filter(action="apitoken.revoke").count() == 1


def test_another_users_token_is_404(personas: Personas) -> None:
    token, key = token_create(user=personas.curator, name="theirs")
    response = client_for(personas.annotator).delete(f"{TOKENS}/{token.pk}")
    assert assert_error_shape(response, 404)["code"] == "not_found"
    token.refresh_from_db()
    assert token.revoked_at is None
    assert with_key(key).get(TOKENS).status_code == 200
    assert client_for(personas.annotator).delete(f"{TOKENS}/999999").status_code == 404


def test_list_shows_only_my_tokens(personas: Personas) -> None:
    token_create(user=personas.annotator, name="mine")
    token_create(user=personas.curator, name="theirs")
    body = client_for(personas.annotator).get(TOKENS).json()
    assert [row["name"] for row in body["results"]] == ["mine"]


# --- The page --------------------------------------------------------------------------------------


def _csrf(client: Client, path: str = PAGE) -> str:
    page = client.get(path)
    assert page.status_code == 200
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match
    return match.group(1)


def test_page_needs_login(db: None) -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_page_creates_shows_the_key_once_and_revokes(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.annotator)
    assert 'href="/account/tokens/"' in client.get("/").content.decode()  # the header links the page

    # Without the CSRF token the form is refused.
    assert client.post(PAGE, {"name": "laptop"}).status_code == 403
    assert not ApiToken.objects.exists()

    csrf = _csrf(client)
    response = client.post(PAGE, {"name": "laptop", "expires_in_days": "7", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    token = ApiToken.objects.get()
    assert token.expires_at is not None

    page = client.get(PAGE)
    assert page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    key = re.search(r'value="(fc_[^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert "will not be shown again" in html
    assert f"{token.prefix}…" in html
    assert key not in client.get(PAGE).content.decode()  # once only

    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403  # no CSRF token
    response = client.post(f"/account/tokens/{token.pk}/revoke/", {"csrfmiddlewaretoken": _csrf(client)})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    html = client.get(PAGE).content.decode()
    assert "revoked" in html
    assert f"/account/tokens/{token.pk}/revoke/" not in html  # no button for a revoked token


def test_page_reports_bad_input_and_the_limit(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.annotator)
    response = client.post(PAGE, {"name": "x", "expires_in_days": "400"})
    assert response.status_code == 400
    assert "less than or equal to 365" in response.content.decode()
    for i in range(MAX_ACTIVE_TOKENS):
        token_create(user=personas.annotator, name=f"t{i}")
    response = client.post(PAGE, {"name": "one more"})
    assert response.status_code == 400
    assert "revoke one first" in response.content.decode()
    assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS


def test_page_cannot_revoke_another_users_token(personas: Personas) -> None:
    token, _ = token_create(user=personas.curator, name="theirs")
    client = Client()
    client.force_login(personas.annotator)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert "theirs" not in client.get(PAGE).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


# --- The admin ---------------------------------------------------------------------------------------


def test_admin_revokes_selected_tokens_and_cannot_add_or_edit(personas: Personas) -> None:
    first, first_key = token_create(user=personas.annotator, name="one")
    second, _ = token_create(user=personas.curator, name="two")
    _, kept_key = token_create(user=personas.curator, name="kept")
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/annotations/apitoken/")
    assert listing.status_code == 200
    assert "Revoke selected tokens" in listing.content.decode()
    assert client.get("/admin/annotations/apitoken/add/").status_code == 403
    change = client.get(f"/admin/annotations/apitoken/{first.pk}/change/").content.decode()
    assert 'name="name"' not in change  # shown, not editable

    response = client.post(
        "/admin/annotations/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert set(ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert with_key(first_key).get(TOKENS).status_code == 401
    assert with_key(kept_key).get(TOKENS).status_code == 200
    events = AuditEvent.objects.filter(action="apitoken.revoke")
    assert {e.actor_name for e in events} == {"root"}
    assert events.count() == 2


def test_staff_without_the_change_permission_cannot_revoke(personas: Personas) -> None:
    token, _ = token_create(user=personas.annotator, name="one")
    viewer = UserFactory.create(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client = Client()
    client.force_login(viewer)
    assert "Revoke selected tokens" not in client.get("/admin/annotations/apitoken/").content.decode()
    client.post("/admin/annotations/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None


# --- CSRF on session-authenticated API calls --------------------------------------------------------

FEED = b'{"text": "The envoys met in Geneva."}\n'


def _import(client: Client, project_id: int, **extra: Any) -> Any:
    upload = SimpleUploadedFile("feed.jsonl", FEED, content_type="application/octet-stream")
    return client.post(f"/api/v1/projects/{project_id}/articles/import", {"files": [upload]}, **extra)


def test_session_api_post_without_csrf_token_is_403(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.manager)
    response = _import(client, personas.project.pk)
    error = assert_error_shape(response, 403)
    assert "CSRF" in str(error["message"])
    assert not Article.objects.exists()

    # With the CSRF token (from any page's form) the same session may post.
    csrf = _csrf(client, PAGE)
    response = _import(client, personas.project.pk, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content


def test_token_api_post_needs_no_csrf_token(personas: Personas) -> None:
    _, key = token_create(user=personas.manager, name="importer")
    client = Client(enforce_csrf_checks=True)
    response = _import(client, personas.project.pk, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 201, response.content
