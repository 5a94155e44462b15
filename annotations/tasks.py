"""Celery tasks: ids in, a service call, narrow retries, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="annotations.ping")
def ping() -> dict[str, str]:
    """Round trip for health checks and tests: proves the worker runs and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        row = cursor.fetchone()
    return {"pong": "pong", "database": row[0] if row else ""}
