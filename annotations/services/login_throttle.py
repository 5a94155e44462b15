"""Failed-login counters in the shared cache: per username and per client address, in a fixed window.

Checked before a password is tested, so a blocked client learns nothing, not even whether it was right.
"""

from __future__ import annotations

import hashlib
import logging

import redis
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)
# What the Redis cache raises while the server is unreachable.
CACHE_ERRORS = (redis.ConnectionError, redis.TimeoutError)


def _user_key(username: str) -> str:
    # Hashed: usernames are user input of any length and character set; case-folded like a login is.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return f"login-failures:user:{digest}"


def _ip_key(ip: str) -> str:
    return f"login-failures:ip:{ip}"


def _count(key: str) -> int:
    value = cache.get(key)
    return int(value) if value is not None else 0


def _increment(key: str) -> None:
    window = settings.FACTCHECK_LOGIN_WINDOW_SECONDS
    # The window starts at the first failure: `add` sets the expiry once and INCR keeps it.
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new window
        cache.add(key, 1, timeout=window)


def login_blocked(*, username: str, ip: str) -> bool:
    """Whether this username or this address has used up its failures in the current window.

    While the cache (Redis) is unreachable nobody is blocked: logging in matters more than counting.
    """
    try:
        if _count(_user_key(username)) >= settings.FACTCHECK_LOGIN_FAILURES_PER_USER:
            return True
        return _count(_ip_key(ip)) >= settings.FACTCHECK_LOGIN_FAILURES_PER_IP
    except CACHE_ERRORS:
        log.warning("login throttle skipped: the cache is unreachable", exc_info=True)
        return False


def login_failed(*, username: str, ip: str) -> None:
    try:
        _increment(_user_key(username))
        _increment(_ip_key(ip))
    except CACHE_ERRORS:
        log.warning("login failure not counted: the cache is unreachable", exc_info=True)


def login_succeeded(*, username: str) -> None:
    """A correct password clears the username's failures; the address keeps its count."""
    try:
        cache.delete(_user_key(username))
    except CACHE_ERRORS:
        log.warning("login throttle not reset: the cache is unreachable", exc_info=True)
