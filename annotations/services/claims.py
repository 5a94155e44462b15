"""Canonical claims: create (duplicates found on the normalised text), edit with a version, merge.

Lock rule: claim_update and claim_merge lock the claim rows (ordered by id, so two merges cannot
deadlock) before checking versions and statuses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from annotations.domain import ClaimStatus, DomainError, normalize_text
from annotations.models import CanonicalClaim, ClaimEmbedding, Span
from annotations.services._versioning import version_check
from annotations.services.audit import audit_record
from annotations.services.embeddings import claims_embed_later

_SPACES = re.compile(r"\s+")
TEXT_MAX_CHARS = 5_000
MAX_TAGS = 30


@dataclass(frozen=True)
class ClaimFields:
    text: str
    title: str = ""
    language: str = ""
    claimant: str = ""
    claim_date: date | None = None
    verdict: str = ""
    fact_check_url: str = ""
    reviewed_by: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


def claim_normalized_text(text: str) -> str:
    """The key duplicates are found by: NFKC, case-folded, whitespace folded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def claim_fields_clean(fields: ClaimFields) -> ClaimFields:
    """Normalised, validated fields; DomainError names the field at fault."""
    text = normalize_text(fields.text)
    if not text:
        raise DomainError("claim text is empty", field="text")
    if len(text) > TEXT_MAX_CHARS:
        raise DomainError(f"claim text is longer than {TEXT_MAX_CHARS:,} characters", field="text")
    url = fields.fact_check_url.strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise DomainError("fact_check_url must be an http(s) URL", field="fact_check_url")
    tags = tuple(sorted({tag.strip() for tag in fields.tags if tag.strip()}))
    if len(tags) > MAX_TAGS or any(len(tag) > 100 for tag in tags):
        raise DomainError(f"at most {MAX_TAGS} tags of at most 100 characters", field="tags")
    limits = {"title": 500, "language": 35, "claimant": 300, "verdict": 200, "reviewed_by": 300}
    cleaned = {name: " ".join(normalize_text(getattr(fields, name)).split()) for name in limits}
    for name, limit in limits.items():
        if len(cleaned[name]) > limit:
            raise DomainError(f"{name} is longer than {limit} characters", field=name)
    return replace(
        fields,
        text=text,
        fact_check_url=url,
        tags=tags,
        title=cleaned["title"],
        language=cleaned["language"],
        claimant=cleaned["claimant"],
        verdict=cleaned["verdict"],
        reviewed_by=cleaned["reviewed_by"],
    )


def _check_unique(claim_base_id: int, normalized: str, exclude: int | None = None) -> None:
    clash = CanonicalClaim.objects.filter(claim_base_id=claim_base_id, normalized_text=normalized)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    existing = clash.values_list("pk", flat=True).first()
    if existing is not None:
        raise DomainError(
            f"claim #{existing} has the same text", field="text", code="duplicate", existing_claim=existing
        )


def claim_snapshot(claim: CanonicalClaim) -> dict[str, Any]:
    return {
        "text": claim.text,
        "title": claim.title,
        "verdict": claim.verdict,
        "status": claim.status,
        "merged_into": claim.merged_into_id,
        "version": claim.version,
    }


UNIQUE_TEXT = "claim_unique_text_per_base"  # the constraint behind _check_unique


@transaction.atomic
def claim_create(
    *, claim_base_id: int, fields: ClaimFields, actor: User | None, from_span: Span | None = None
) -> CanonicalClaim:
    fields = claim_fields_clean(fields)
    normalized = claim_normalized_text(fields.text)
    _check_unique(claim_base_id, normalized)
    values = asdict(fields)
    values["tags"] = list(fields.tags)
    try:
        with transaction.atomic():  # a savepoint: the same text may have been committed since the check above
            claim = CanonicalClaim.objects.create(
                claim_base_id=claim_base_id,
                normalized_text=normalized,
                created_by=actor,
                created_from_span=from_span,
                **values,
            )
    except IntegrityError as error:
        if UNIQUE_TEXT not in str(error):
            raise
        _check_unique(claim_base_id, normalized)  # sees the twin now, and names it (a 409)
        raise
    audit_record(actor=actor, action="claim.create", obj=claim, project=None, after=claim_snapshot(claim))
    claims_embed_later([claim.pk])
    return claim


@transaction.atomic
def claim_update(*, claim: CanonicalClaim, actor: User, version: int | None, changes: dict[str, Any]) -> CanonicalClaim:
    """Edit a claim's wording or metadata; a new wording drops the embedding made from the old one, and a
    new title has its vector made again."""
    locked = CanonicalClaim.objects.select_for_update().get(pk=claim.pk)
    version_check(locked, version, what="claim")
    if locked.status == ClaimStatus.MERGED:
        raise DomainError(
            f"claim #{locked.pk} was merged into #{locked.merged_into_id}; edit that one", code="conflict"
        )
    before = claim_snapshot(locked)
    current = ClaimFields(**{name: getattr(locked, name) for name in ClaimFields.__dataclass_fields__})
    updated = claim_fields_clean(replace(current, **changes))
    if updated.text != locked.text:
        normalized = claim_normalized_text(updated.text)
        _check_unique(locked.claim_base_id, normalized, exclude=locked.pk)
        locked.normalized_text = normalized
        ClaimEmbedding.objects.filter(claim=locked).delete()  # described the old wording
        claims_embed_later([locked.pk])
    elif updated.title != locked.title:
        # The title's vector is made again; the text's stays. Cleared now, so that the sweeper makes it even
        # if the publish below is lost (a row of a titled claim without a title vector counts as missing).
        ClaimEmbedding.objects.filter(claim=locked).update(title_vector=None, title_sha256="")
        claims_embed_later([locked.pk])
    for name, value in asdict(updated).items():
        setattr(locked, name, list(value) if name == "tags" else value)
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        action="claim.update",
        obj=locked,
        project=None,
        before=before,
        after=claim_snapshot(locked),
    )
    return locked


@transaction.atomic
def claim_merge(*, source: CanonicalClaim, target: CanonicalClaim, actor: User) -> CanonicalClaim:
    """Merge `source` into `target`: it redirects there from now on, and so do claims merged into it."""
    if source.pk == target.pk:
        raise DomainError("a claim cannot be merged into itself", field="into")
    locked = {
        c.pk: c for c in CanonicalClaim.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.claim_base_id != target.claim_base_id:
        raise DomainError("both claims must be in the same claim base", field="into")
    for claim, name in ((source, "claim"), (target, "into")):
        if claim.status != ClaimStatus.ACTIVE:
            raise DomainError(
                f"claim #{claim.pk} is already merged into #{claim.merged_into_id}",
                field=name,
                code="conflict",
            )
    before = claim_snapshot(source)
    CanonicalClaim.objects.filter(merged_into=source).update(merged_into=target)
    source.status = ClaimStatus.MERGED
    source.merged_into = target
    source.version += 1
    source.save(update_fields=["status", "merged_into", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="claim.merge",
        obj=source,
        project=None,
        before=before,
        after=claim_snapshot(source),
    )
    return target
