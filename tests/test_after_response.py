"""after_response: in a request, jobs wait for the response to be closed; elsewhere they run at once."""

from __future__ import annotations

import logging

import pytest
from django.core.signals import request_finished, request_started

from factcheck.after_response import after_response


def test_outside_a_request_a_job_runs_at_once() -> None:
    ran: list[str] = []
    after_response(lambda: ran.append("job"))
    assert ran == ["job"]


def test_in_a_request_jobs_run_in_order_when_the_response_is_closed(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("the broker is gone")

    request_started.send(sender=None)
    after_response(lambda: ran.append("first"))
    after_response(broken)
    after_response(lambda: ran.append("second"))
    assert ran == []
    with caplog.at_level(logging.ERROR, logger="factcheck.after_response"):
        request_finished.send(sender=None)
    assert ran == ["first", "second"]  # a failing job does not stop the others
    assert "the broker is gone" in caplog.text
    after_response(lambda: ran.append("later"))  # the request is over: no longer deferred
    assert ran == ["first", "second", "later"]


def test_jobs_of_a_response_never_closed_run_when_the_next_request_starts() -> None:
    ran: list[str] = []
    request_started.send(sender=None)
    after_response(lambda: ran.append("orphan"))
    request_started.send(sender=None)
    assert ran == ["orphan"]
    request_finished.send(sender=None)
    assert ran == ["orphan"]
