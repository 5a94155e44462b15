"""Canonical claims: creation with duplicate detection on the normalised text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from annotations.domain import DomainError, normalize_text
from annotations.models import CanonicalClaim, ClaimBase
from annotations.services.audit import audit_record

_SPACES = re.compile(r"\s+")


def claim_normalized_text(text: str) -> str:
    """The key duplicates are found by: NFKC, case-folded, whitespace folded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@transaction.atomic
def claim_create(
    *,
    claim_base: ClaimBase,
    text: str,
    actor: User | None,
    title: str = "",
    language: str = "",
    claimant: str = "",
    claim_date: date | None = None,
    verdict: str = "",
    fact_check_url: str = "",
    reviewed_by: str = "",
    tags: list[str] | None = None,
) -> CanonicalClaim:
    text = normalize_text(text)
    if not text:
        raise DomainError("claim text is empty", field="text")
    normalized = claim_normalized_text(text)
    existing = CanonicalClaim.objects.filter(claim_base=claim_base, normalized_text=normalized).first()
    if existing is not None:
        raise DomainError(f"claim #{existing.pk} has the same text", field="text", code="duplicate")
    tags = sorted({tag.strip() for tag in (tags or []) if tag.strip()})
    claim = CanonicalClaim.objects.create(
        claim_base=claim_base,
        text=text,
        normalized_text=normalized,
        title=title.strip(),
        language=language.strip(),
        claimant=claimant.strip(),
        claim_date=claim_date,
        verdict=verdict.strip(),
        fact_check_url=fact_check_url.strip(),
        reviewed_by=reviewed_by.strip(),
        tags=tags,
        created_by=actor,
    )
    audit_record(actor=actor, action="claim.create", obj=claim, project=None, after={"text": text})
    return claim
