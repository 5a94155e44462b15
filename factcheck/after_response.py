"""Work that may wait until the response is sent: `after_response(job)`.

In a web request the job runs when the server closes the response (Django's `request_finished`), so the
client does not wait for it; anywhere else (a worker, a command, a shell) it runs at once. Only for work
whose loss is tolerated: a job still pending when the process dies is lost. The suggestion runs use it to
publish their task; an unpublished run is an outbox row that the sweeper publishes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished, request_started
from django.dispatch import receiver

log = logging.getLogger(__name__)
_local = threading.local()  # a WSGI request is served, and closed, on one thread


def after_response(job: Callable[[], None]) -> None:
    pending: list[Callable[[], None]] | None = getattr(_local, "pending", None)
    if pending is None:
        job()
    else:
        pending.append(job)


@receiver(request_started)
def _collect(**kwargs: Any) -> None:
    _run_pending()  # left over if a previous response on this thread was never closed
    _local.pending = []


@receiver(request_finished)
def _run(**kwargs: Any) -> None:
    _run_pending()


def _run_pending() -> None:
    pending: list[Callable[[], None]] | None = getattr(_local, "pending", None)
    _local.pending = None
    for job in pending or ():
        try:
            job()
        except Exception:  # one failed job must not stop the others, nor reach the server
            log.exception("a job after the response failed")
