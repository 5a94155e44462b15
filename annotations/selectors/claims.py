"""Reads of canonical claims: the claim bases a user may search, filters, full-text search, and the spans
linked to a claim that blind review lets the user see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from annotations.domain import AdjudicationStatus, AssignmentStatus, ClaimStatus, Role
from annotations.models import Adjudication, Assignment, CanonicalClaim, Membership, Span


def claims_hidden_from(user_id: int) -> QuerySet[CanonicalClaim, int]:
    """Blind review for claims: the ids of claims another reviewer wrote from a span of an article this user
    also reviews, until that article is adjudicated. Their wording would show the colleague's highlight."""
    article = OuterRef("created_from_span__article_id")
    reviewing = Assignment.objects.filter(article_id=article, reviewer_id=user_id).exclude(
        status=AssignmentStatus.SKIPPED
    )
    adjudicated = Adjudication.objects.filter(article_id=article, status=AdjudicationStatus.COMPLETED)
    return (
        CanonicalClaim.objects.filter(Exists(reviewing), created_from_span__isnull=False)
        .exclude(created_from_span__annotator_id=user_id)
        .exclude(Exists(adjudicated))
        .values_list("pk", flat=True)
    )


def claims_list(
    *,
    claim_base_id: int,
    language: str = "",
    verdict: str = "",
    tag: str = "",
    status: str = "",
    hidden_from: int | None = None,
) -> QuerySet[CanonicalClaim]:
    """The claim base's claims, filtered; with `hidden_from` (a user id), without `claims_hidden_from` it."""
    queryset = CanonicalClaim.objects.filter(claim_base_id=claim_base_id).defer("normalized_text")
    if hidden_from is not None:
        queryset = queryset.exclude(pk__in=claims_hidden_from(hidden_from))
    if language:
        queryset = queryset.filter(language=language)
    if verdict:
        queryset = queryset.filter(verdict__iexact=verdict)
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def claims_search(*, claim_base_id: int, q: str, **filters: Any) -> QuerySet[CanonicalClaim]:
    """Full-text search (websearch syntax: "quoted phrases", -exclusions, or) ranked by relevance."""
    query = SearchQuery(q, search_type="websearch", config="english")
    return (
        claims_list(claim_base_id=claim_base_id, **filters)
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "id")
    )


def claim_for(*, user: User, claim_id: int) -> CanonicalClaim | None:
    """The claim if the user belongs to a project that searches its claim base (and blind review lets the
    user see it)."""
    queryset = (
        CanonicalClaim.objects.select_related("merged_into")
        .filter(pk=claim_id)
        .exclude(pk__in=claims_hidden_from(user.pk))
    )
    if not user.is_superuser:
        queryset = queryset.filter(claim_base__projects__memberships__user=user)
    return queryset.distinct().first()


def claim_role(*, user: User, claim: CanonicalClaim) -> Role | None:
    """The user's strongest role among the projects that use the claim's base."""
    if user.is_superuser:
        return Role.MANAGER
    roles = set(
        Membership.objects.filter(user=user, project__claim_base_id=claim.claim_base_id).values_list("role", flat=True)
    )
    for role in (Role.MANAGER, Role.CURATOR, Role.ANNOTATOR):
        if role in roles:
            return role
    return None


def claim_linked_spans(*, user: User, claim: CanonicalClaim) -> QuerySet[Span]:
    """Spans linked to the claim (or to claims merged into it) that blind review lets the user see."""
    claim_ids = [claim.pk, *CanonicalClaim.objects.filter(merged_into=claim).values_list("pk", flat=True)]
    queryset = Span.objects.filter(link__claim_id__in=claim_ids)
    if not user.is_superuser:
        memberships = Membership.objects.filter(user=user)
        privileged = memberships.filter(role__in=[Role.CURATOR, Role.MANAGER]).values("project_id")
        annotated = memberships.filter(role=Role.ANNOTATOR).values("project_id")
        adjudicated = Exists(
            Adjudication.objects.filter(article=OuterRef("article"), status=AdjudicationStatus.COMPLETED)
        )
        assigned = Exists(
            Assignment.objects.filter(article=OuterRef("article"), reviewer=user).exclude(
                status=AssignmentStatus.SKIPPED
            )
        )
        queryset = queryset.filter(
            Q(article__project_id__in=privileged)
            | (Q(article__project_id__in=annotated) & Q(annotator=user, is_gold=False))
            | (Q(article__project_id__in=annotated) & adjudicated & assigned)
        )
    return (
        queryset.select_related("article", "annotator", "link")
        .defer("article__text", "article__metadata")  # a page lists up to 200 spans: not their articles' text
        .order_by("article_id", "start", "id")
    )


def claim_active_target(claim: CanonicalClaim) -> CanonicalClaim:
    """Merged claims redirect: the active claim this one resolves to."""
    return claim.merged_into if claim.status == ClaimStatus.MERGED and claim.merged_into else claim


def claim_ids_by_normalized_text(*, claim_base_id: int, texts: list[str]) -> dict[str, int]:
    """Normalised text -> claim id, for the texts the claim base has."""
    found: dict[str, int] = {}
    for start in range(0, len(texts), 2000):
        chunk = texts[start : start + 2000]
        rows = CanonicalClaim.objects.filter(claim_base_id=claim_base_id, normalized_text__in=chunk)
        found.update(rows.values_list("normalized_text", "pk"))
    return found
