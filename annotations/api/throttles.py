"""API rate limits that fail open: while the cache (Redis) is unreachable, requests are not counted.

A brief Redis outage must not turn every API call into a 500; the limits resume when it is back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes while it loads
    from rest_framework.views import APIView

from annotations.services.login_throttle import CACHE_ERRORS

log = logging.getLogger(__name__)


class _FailOpen(SimpleRateThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            log.warning("API throttle skipped: the cache is unreachable")
            return True


class UserThrottle(_FailOpen, UserRateThrottle):
    pass


class AnonThrottle(_FailOpen, AnonRateThrottle):
    pass
