"""A real Celery worker process picks up tasks from the embedded Redis and reaches the test database."""

from __future__ import annotations

import subprocess

import pytest
from django.conf import settings

from annotations.tasks import ping


@pytest.mark.django_db(transaction=True)
def test_worker_round_trip(celery_worker_process: subprocess.Popen[bytes]) -> None:
    result = ping.delay().get(timeout=30)
    assert result == {"pong": "pong", "database": settings.DATABASES["default"]["NAME"]}
    assert result["database"].startswith("test_")
