"""Pseudonyms for the people in a release: HMAC-SHA256 of the username under a per-release secret, so a
release never shows usernames and two releases cannot be joined on a person without both secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace

from annotations.exports.records import ReleaseSpan

__all__ = ["PSEUDONYM_NOTE", "Pseudonymizer"]

PSEUDONYM_NOTE = (
    'People appear as pseudonyms such as "reviewer-7f3a9c1d": the first hex digits of HMAC-SHA256(username) '
    "under a secret made for this release and not published. A pseudonym is the same person throughout the "
    "release (as reviewer and as curator); the same person has a different pseudonym in another release."
)
DIGITS = 8
_MAX_DIGITS = 64


class Pseudonymizer:
    """Maps usernames to stable pseudonyms ("reviewer-" and DIGITS hex digits) under one secret.

    Two usernames whose first digits collide are told apart by a longer digest for the one seen second,
    so one instance never gives two people the same pseudonym (at 8 digits, a 1-in-10^5 event for 300
    people); use one instance for a whole release.
    """

    def __init__(self, secret: bytes, *, prefix: str = "reviewer", digits: int = DIGITS) -> None:
        if len(secret) < 16:
            raise ValueError("the secret must be at least 16 bytes; use Pseudonymizer.new_secret()")
        if not 4 <= digits <= _MAX_DIGITS:
            raise ValueError(f"digits must be between 4 and {_MAX_DIGITS}")
        self._secret = secret
        self._prefix = prefix
        self._digits = digits
        self._by_username: dict[str, str] = {}
        self._taken: set[str] = set()

    @staticmethod
    def new_secret() -> bytes:
        return secrets.token_bytes(32)

    def __call__(self, username: str) -> str:
        return self.pseudonym(username)

    def pseudonym(self, username: str) -> str:
        known = self._by_username.get(username)
        if known is not None:
            return known
        digest = hmac.new(self._secret, username.encode("utf-8"), hashlib.sha256).hexdigest()
        for length in range(self._digits, _MAX_DIGITS + 1):
            candidate = f"{self._prefix}-{digest[:length]}"
            if candidate not in self._taken:
                break
        else:  # pragma: no cover - a full SHA-256 collision
            raise ValueError("pseudonym collision")
        self._by_username[username] = candidate
        self._taken.add(candidate)
        return candidate

    def pseudonyms(self, usernames: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.pseudonym(name) for name in usernames)

    def span(self, span: ReleaseSpan) -> ReleaseSpan:
        """The span with its reviewers and curator replaced by their pseudonyms."""
        curator = None if span.curator is None else self.pseudonym(span.curator)
        return replace(span, reviewers=self.pseudonyms(span.reviewers), curator=curator)
