"""Limits on API requests: throttles answer 429 (`throttled`, with Retry-After) and oversized bodies 413
(`too_large`) before any view runs or the body is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from annotations.api import tokens as token_views
from annotations.models import ApiToken, Article
from factcheck import env
from tests.caching import cache_forget_all
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_counters() -> Iterator[None]:
    cache_forget_all()
    yield
    cache_forget_all()


@pytest.fixture
def tiny_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF copies DEFAULT_THROTTLE_RATES into the class when it is imported, so patch the class.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})


# --- Throttling --------------------------------------------------------------------------------------


def test_settings_wire_both_throttles() -> None:
    api = settings.REST_FRAMEWORK
    assert api["DEFAULT_THROTTLE_CLASSES"] == [
        "annotations.api.throttles.UserThrottle",
        "annotations.api.throttles.AnonThrottle",
    ]
    rates = api["DEFAULT_THROTTLE_RATES"]
    assert isinstance(rates, dict)
    assert set(rates) == {"user", "anon"}


def test_a_user_over_the_rate_gets_429_with_retry_after(personas: Personas, tiny_rates: None) -> None:
    client = client_for(personas.annotator)
    for _ in range(3):
        assert client.get("/api/v1/tokens").status_code == 200
    response = client.get("/api/v1/tokens")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"][0]["field"] is None
    assert body["errors"][0]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Each user has their own allowance.
    assert client_for(personas.curator).get("/api/v1/tokens").status_code == 200


def test_anonymous_clients_over_the_rate_get_429(db: None, tiny_rates: None) -> None:
    # Anonymous requests reach the throttle only on open endpoints (others answer 401 first).
    client = client_for(None)
    assert [client.get("/api/docs/").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/docs/")
    assert response.status_code == 429
    assert response.data["errors"][0]["code"] == "throttled"  # the page is HTML; the data is the same
    assert "Retry-After" in response
    assert client_for(None).get("/api/docs/", REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.parametrize("rate", ["6000/min", "1/s", "20/second", "5/hour", "100/d", "7/day"])
def test_rates_in_the_documented_format_are_accepted(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setattr(env, "READ", set())  # a made-up name must not reach the compose check
    monkeypatch.setenv("FACTCHECK_TEST_RATE", rate)
    assert env.env_rate("FACTCHECK_TEST_RATE", "1/min") == rate


@pytest.mark.parametrize("rate", ["lots", "60", "60/fortnight", "0/min", "-1/min", "60 / min", "1.5/s"])
def test_a_malformed_rate_fails_loudly_naming_the_variable(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setattr(env, "READ", set())
    monkeypatch.setenv("FACTCHECK_API_RATE_USER", rate)
    with pytest.raises(ImproperlyConfigured, match="FACTCHECK_API_RATE_USER"):
        env.env_rate("FACTCHECK_API_RATE_USER", "6000/min")


# --- Body size ---------------------------------------------------------------------------------------


def test_body_limit_is_also_djangos_limit() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.FACTCHECK_MAX_BODY_BYTES
    assert "annotations.api.middleware.RequestBodyLimit" in settings.MIDDLEWARE


@override_settings(FACTCHECK_MAX_BODY_BYTES=1024)
def test_an_oversized_json_body_is_413_before_the_view_runs(personas: Personas) -> None:
    body = json.dumps({"name": "x" * 2000})
    with mock.patch.object(token_views.TokenListView, "post") as view:
        response = client_for(personas.annotator).post("/api/v1/tokens", body, content_type="application/json")
    view.assert_not_called()
    assert response.status_code == 413
    length = len(body.encode())
    assert response.json() == {
        "errors": [
            {
                "field": None,
                "code": "too_large",
                "message": f"the request body is {length:,} bytes; the limit is 1,024",
            }
        ]
    }
    assert not ApiToken.objects.exists()


@override_settings(FACTCHECK_MAX_BODY_BYTES=1024)
def test_any_api_path_is_limited_even_before_routing_or_authentication(db: None) -> None:
    response = client_for(None).post("/api/v1/no-such-thing", "x" * 2000, content_type="text/plain")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
    # Outside /api/ the middleware does not apply (the page answers by its own rules).
    assert client_for(None).post("/no-such-page/", "x" * 10, content_type="text/plain").status_code == 404


@override_settings(FACTCHECK_MAX_BODY_BYTES=1024, FACTCHECK_MAX_UPLOAD_BYTES=4096)
def test_import_paths_use_the_upload_limit(personas: Personas) -> None:
    url = f"/api/v1/projects/{personas.project.pk}/articles/import"
    client = client_for(personas.manager)
    fits = b"".join(b'{"text": "Article %d about the Geneva talks."}\n' % i for i in range(40))
    assert 1024 < len(fits) < 4096 - 500  # over the body limit, under the upload limit with the envelope
    upload = SimpleUploadedFile("feed.jsonl", fits, content_type="application/octet-stream")
    response = client.post(url, {"files": [upload]}, format="multipart")
    assert response.status_code == 201, response.content

    big = SimpleUploadedFile("big.jsonl", fits * 3, content_type="application/octet-stream")
    with mock.patch("annotations.api.views.article_import") as service:
        response = client.post(url, {"files": [big]}, format="multipart")
    service.assert_not_called()
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (None, "too_large")
    assert error["message"].endswith("the limit is 4,096")
    assert Article.objects.count() == 40


@override_settings(FACTCHECK_MAX_BODY_BYTES=1024)
def test_a_body_without_content_length_is_never_read(personas: Personas) -> None:
    """A chunked body has no Content-Length; Django (WSGI) and DRF then read it as empty, whatever its
    size, so it can neither exceed the limit nor be parsed."""
    body = json.dumps({"name": "x" * 5000})
    response = client_for(personas.annotator).post(
        "/api/v1/tokens", body, content_type="application/json", CONTENT_LENGTH=""
    )
    assert response.status_code == 400  # the view saw no `name`
    assert response.json()["errors"][0]["field"] == "name"
    assert not ApiToken.objects.exists()
