"""Claim links: what a span says. One link per span: a canonical claim, a new claim written from the span,
or an explicit "no matching claim". Accepting a suggestion records its rank, score and model.

Lock rule: every write locks the span row first, so two requests on one span cannot both create a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations.domain import ClaimStatus, Decision, DomainError, LinkSource
from annotations.models import CanonicalClaim, ClaimLink, Span, Suggestion
from annotations.services._versioning import version_check
from annotations.services.audit import audit_record
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.spans import span_check_editable, span_check_writable, span_lock


@dataclass(frozen=True)
class LinkTarget:
    """Exactly one of: an existing claim, a new claim's fields, or no match."""

    claim: CanonicalClaim | None = None
    new_claim: ClaimFields | None = None
    no_match: bool = False
    source: LinkSource | None = None  # for an existing claim: search (default) or suggestion
    suggestion: Suggestion | None = None


def link_snapshot(link: ClaimLink) -> dict[str, Any]:
    return {
        "claim": link.claim_id,
        "source": link.source,
        "suggestion": link.suggestion_id,
        "rank": link.suggestion_rank,
        "version": link.version,
    }


def _lock_span(span: Span) -> Span:
    locked = span_lock(span)
    span_check_writable(locked)
    return locked


def _resolve(span: Span, target: LinkTarget, actor: User) -> dict[str, Any]:
    """The link's fields for `target`, after checking it against the span's project."""
    given = sum([target.claim is not None, target.new_claim is not None, target.no_match])
    if given != 1:
        raise DomainError("give exactly one of: claim, new_claim, no_match", field="claim")
    if target.no_match:
        return {"claim": None, "source": LinkSource.NO_MATCH, "suggestion": None}
    claim_base = span.article.project.claim_base_id
    if target.new_claim is not None:
        created = claim_create(claim_base_id=claim_base, fields=target.new_claim, actor=actor, from_span=span)
        return {"claim": created, "source": LinkSource.CREATED, "suggestion": None}
    claim = target.claim
    assert claim is not None
    if claim.claim_base_id != claim_base:
        raise DomainError(f"claim #{claim.pk} is not in this project's claim base", field="claim")
    if claim.status == ClaimStatus.MERGED and claim.merged_into_id is not None:
        claim = CanonicalClaim.objects.get(pk=claim.merged_into_id)  # a merged claim redirects
    fields: dict[str, Any] = {
        "claim": claim,
        "source": target.source or LinkSource.SEARCH,
        "suggestion": None,
    }
    if fields["source"] == LinkSource.SUGGESTION:
        suggestion = target.suggestion
        if suggestion is None:
            raise DomainError("a link from a suggestion names the suggestion", field="suggestion")
        if suggestion.run.span_id != span.pk or suggestion.claim_id not in (target.claim.pk, claim.pk):  # type: ignore[union-attr]
            raise DomainError(f"suggestion #{suggestion.pk} is not for this span and claim", field="suggestion")
        fields.update(
            suggestion=suggestion,
            suggestion_rank=suggestion.rank,
            suggestion_score=suggestion.fused_score,
            suggestion_model=f"{suggestion.run.model_name}@{suggestion.run.model_version}",
        )
    elif fields["source"] not in (LinkSource.SEARCH,):
        raise DomainError("source of a link to an existing claim is search or suggestion", field="source")
    return fields


def _apply_suggestion_decision(span: Span, fields: dict[str, Any], actor: User) -> None:
    """The suggestion the link now comes from is the span's one accepted suggestion: one accepted before it
    (the link since replaced or removed) is undecided again, so acceptance rates and reciprocal ranks count
    what the reviewer ended with, once."""
    suggestion = fields.get("suggestion")
    earlier = Suggestion.objects.filter(run__span=span, decision=Decision.ACCEPTED)
    if suggestion is not None:
        earlier = earlier.exclude(pk=suggestion.pk)
    earlier.update(decision="", decided_by=None, decided_at=None)
    if suggestion is not None:
        suggestion.decision = Decision.ACCEPTED
        suggestion.decided_by = actor
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["decision", "decided_by", "decided_at"])


@transaction.atomic
def claim_link_create(*, span: Span, target: LinkTarget, actor: User) -> ClaimLink:
    locked = _lock_span(span)
    existing = ClaimLink.objects.filter(span=locked).first()
    if existing is not None:
        raise DomainError(
            f"span #{locked.pk} already has a link (version {existing.version}); replace it with PUT",
            field="span",
            code="duplicate",
            current_version=existing.version,
        )
    fields = _resolve(locked, target, actor)
    link = ClaimLink.objects.create(span=locked, created_by=actor, **fields)
    _apply_suggestion_decision(locked, fields, actor)
    audit_record(
        actor=actor,
        action="claim_link.create",
        obj=link,
        project=locked.article.project,
        after=link_snapshot(link),
    )
    return link


@transaction.atomic
def claim_link_replace(*, span: Span, target: LinkTarget, actor: User, version: int | None) -> ClaimLink:
    locked = _lock_span(span)
    link = ClaimLink.objects.select_for_update().filter(span=locked).first()
    if link is None:
        raise DomainError(f"span #{locked.pk} has no link to replace; create it with POST", code="not_found")
    version_check(link, version, what="link")
    before = link_snapshot(link)
    fields = _resolve(locked, target, actor)
    link.claim = fields["claim"]
    link.source = fields["source"]
    link.suggestion = fields["suggestion"]
    link.suggestion_rank = fields.get("suggestion_rank")
    link.suggestion_score = fields.get("suggestion_score")
    link.suggestion_model = fields.get("suggestion_model", "")
    link.created_by = actor
    link.version += 1
    link.save()
    _apply_suggestion_decision(locked, fields, actor)
    audit_record(
        actor=actor,
        action="claim_link.replace",
        obj=link,
        project=locked.article.project,
        before=before,
        after=link_snapshot(link),
    )
    return link


@transaction.atomic
def claim_link_delete(*, span: Span, actor: User, version: int | None) -> None:
    locked = _lock_span(span)
    link = ClaimLink.objects.select_for_update().filter(span=locked).first()
    if link is None:
        raise DomainError(f"span #{locked.pk} has no link", code="not_found")
    version_check(link, version, what="link")
    audit_record(
        actor=actor,
        action="claim_link.delete",
        obj=link,
        project=locked.article.project,
        before=link_snapshot(link),
    )
    link.delete()
    _apply_suggestion_decision(locked, {}, actor)


@transaction.atomic
def suggestion_decide(*, suggestion: Suggestion, decision: Decision, actor: User) -> Suggestion:
    """Record the reviewer's decision; accepting also links the span to the suggested claim."""
    run_span = suggestion.run.span
    if decision == Decision.ACCEPTED:
        target = LinkTarget(claim=suggestion.claim, source=LinkSource.SUGGESTION, suggestion=suggestion)
        if ClaimLink.objects.filter(span=run_span).exists():
            current = ClaimLink.objects.get(span=run_span)
            claim_link_replace(span=run_span, target=target, actor=actor, version=current.version)
        else:
            claim_link_create(span=run_span, target=target, actor=actor)
        suggestion.refresh_from_db()
        return suggestion
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    span_check_editable(article=run_span.article, annotator=run_span.annotator)
    if ClaimLink.objects.filter(span=run_span, suggestion=locked).exists():
        raise DomainError(
            "the span is linked to this suggestion's claim; change or remove the link first",
            field="decision",
            code="conflict",
        )
    locked.decision = decision
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decision", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="suggestion.decide",
        obj=locked,
        project=run_span.article.project,
        after={"decision": decision.value, "rank": locked.rank, "claim": locked.claim_id},
    )
    return locked
