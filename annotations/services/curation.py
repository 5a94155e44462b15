"""Curation: a curator settles the k reviewers' disagreements on an article into gold spans and links.

Gold spans are spans with `is_gold`, written by the curator, whose `derived_from` lists the reviewer spans
they came from; a gold link copied from a reviewer keeps that link's provenance (source, suggestion rank,
score and model). Where all reviewers agree exactly, starting the curation pre-fills the gold, and the
curator only confirms it by completing.

Lock rule: the article row first (as in services/review.py), then its adjudication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations.domain import AdjudicationStatus, ArticleStatus, ClaimStatus, DomainError, LinkSource, quote_context
from annotations.models import Adjudication, Article, CanonicalClaim, ClaimLink, Span
from annotations.selectors.review import curation_view, submitted_reviewer_spans
from annotations.services.audit import audit_record
from annotations.services.review import _lock_article, _refresh, article_disagreement
from annotations.services.spans import NOTE_MAX_CHARS


@dataclass(frozen=True)
class GoldFields:
    """A gold span as the curator writes it. Omitted fields come from `from_span` when one is named."""

    from_span: int | None = None  # a reviewer span to accept: its boundaries, label, note and link
    start: int | None = None
    end: int | None = None
    label: str | None = None
    note: str | None = None
    claim: int | None = None  # a claim id, or
    no_match: bool = False  # an explicit "no matching claim"; with neither (and no from_span), no link
    derived_from: tuple[int, ...] = ()  # further reviewer spans this gold settles


def _open_adjudication(article: Article, *, ready: bool = True) -> Adjudication:
    """The article's open curation (locked). With `ready`, the article must also still have all k reviews
    submitted: a reviewer's work reopened (or k raised) meanwhile puts it back in review, and gold is not
    written or confirmed before it is ready again (deleting gold still is, e.g. to free a reviewer's span)."""
    adjudication = Adjudication.objects.select_for_update(of=("self",)).filter(article=article).first()
    if adjudication is None or adjudication.status == AdjudicationStatus.COMPLETED:
        raise DomainError("start (or reopen) the curation of this article first", code="conflict")
    if ready and article.review_status != ArticleStatus.READY_FOR_CURATION:
        k = article.project.reviewers_per_article
        raise DomainError(
            f"the article is back in review ({article.submitted_count} of {k} reviewers have submitted); "
            "curation goes on when all have",
            code="conflict",
        )
    return adjudication


def _snapshot(span: Span) -> dict[str, Any]:
    link = getattr(span, "link", None)
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "claim": link.claim_id if link else None,
        "source": link.source if link else None,
        "derived_from": sorted(s.pk for s in span.derived_from.all()),
    }


@transaction.atomic
def curation_start(*, article: Article, curator: User) -> Adjudication:
    """Open the article's curation (or resume it, or take it over from another curator). The first start
    pre-fills a gold span for each place where every reviewer made the same span with the same link."""
    locked = _lock_article(article.pk)
    if locked.review_status == ArticleStatus.CURATED:
        raise DomainError("the article is already curated; reopen its curation to change it", code="conflict")
    if locked.review_status != ArticleStatus.READY_FOR_CURATION:
        k = locked.project.reviewers_per_article
        raise DomainError(
            f"{locked.submitted_count} of {k} reviewers have submitted; curation starts when all have",
            code="conflict",
        )
    adjudication = Adjudication.objects.select_for_update(of=("self",)).filter(article=locked).first()
    if adjudication is not None:
        if adjudication.curator_id != curator.pk:
            adjudication.curator = curator
            adjudication.save(update_fields=["curator"])
        return adjudication
    adjudication = Adjudication.objects.create(article=locked, curator=curator)
    view = curation_view(article=locked)
    decisions = []
    for group in view.groups:
        if group.kind != "agree":
            continue
        sources = [view.spans[item.id] for items in group.by_reviewer.values() for item in items]
        gold = _gold_from(locked, curator, sources[0], derived=sources)
        decisions.append({"action": "prefilled", "gold": gold.pk, "from": [s.pk for s in sources]})
    adjudication.decisions = decisions
    adjudication.save(update_fields=["decisions"])
    if locked.disagreement is None:
        locked.disagreement = article_disagreement(locked.pk)
        locked.save(update_fields=["disagreement"])
    audit_record(
        actor=curator,
        action="curation.start",
        obj=adjudication,
        project=locked.project,
        after={"article": locked.pk, "prefilled": len(decisions)},
    )
    return adjudication


def _gold_from(article: Article, curator: User, source: Span, *, derived: list[Span]) -> Span:
    """A gold copy of a reviewer span, its link's provenance included."""
    gold = Span.objects.create(
        article=article,
        annotator=curator,
        start=source.start,
        end=source.end,
        quote=source.quote,
        prefix=source.prefix,
        suffix=source.suffix,
        label=source.label,
        note=source.note,
        is_gold=True,
    )
    gold.derived_from.set(derived)
    link = getattr(source, "link", None)
    if link is not None:
        _link(gold, curator, link, claim=None, source=LinkSource.SEARCH)
    return gold


def _reviewer_spans(article: Article, ids: set[int], *, from_span: int | None) -> dict[int, Span]:
    """The named spans, which must be submitted reviewer spans of this article (a bad one is reported under
    the field that named it)."""
    view_spans = {
        span.pk: span for span in Span.objects.filter(article=article, is_gold=False, pk__in=ids).select_related("link")
    }
    _, submitted = submitted_reviewer_spans(article_id=article.pk)
    allowed = {span.pk for span in submitted}
    missing = sorted(i for i in ids if i not in view_spans or i not in allowed)
    if missing:
        bad = from_span if from_span in missing else missing[0]
        raise DomainError(
            f"span #{bad} is not a submitted reviewer span of this article",
            field="from_span" if bad == from_span else "derived_from",
        )
    return view_spans


def _claim(article: Article, claim_id: int) -> CanonicalClaim:
    claim = CanonicalClaim.objects.filter(pk=claim_id, claim_base_id=article.project.claim_base_id).first()
    if claim is None:
        raise DomainError(f"claim #{claim_id} is not in this project's claim base", field="claim")
    if claim.status == ClaimStatus.MERGED and claim.merged_into_id is not None:
        claim = CanonicalClaim.objects.get(pk=claim.merged_into_id)
    return claim


@transaction.atomic
def gold_span_create(*, article: Article, curator: User, fields: GoldFields) -> Span:
    """Write a gold span: accept a reviewer's span as it is (`from_span`), edit it (from_span plus changes),
    or write a new one. Its `derived_from` lists the reviewer spans it settles."""
    locked = _lock_article(article.pk)
    adjudication = _open_adjudication(locked)
    ids = set(fields.derived_from) | ({fields.from_span} if fields.from_span is not None else set())
    sources = _reviewer_spans(locked, ids, from_span=fields.from_span)
    base = sources.get(fields.from_span) if fields.from_span is not None else None
    start = fields.start if fields.start is not None else (base.start if base else None)
    end = fields.end if fields.end is not None else (base.end if base else None)
    if start is None or end is None:
        raise DomainError("a new gold span needs start and end (or from_span)", field="start")
    label = fields.label if fields.label is not None else (base.label if base else "")
    if label and label not in locked.project.labels:
        raise DomainError(f"label {label!r} is not one of the project's labels", field="label")
    note = fields.note if fields.note is not None else (base.note if base else "")
    if len(note) > NOTE_MAX_CHARS:
        raise DomainError(f"note is longer than {NOTE_MAX_CHARS:,} characters", field="note")
    if fields.claim is not None and fields.no_match:
        raise DomainError("give claim or no_match, not both", field="claim")
    prefix, quote, suffix = quote_context(locked.text, start, end)
    gold = Span.objects.create(
        article=locked,
        annotator=curator,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        label=label,
        note=note,
        is_gold=True,
    )
    gold.derived_from.set(sources.values())
    base_link = getattr(base, "link", None) if base is not None else None
    if fields.claim is not None:
        claim = _claim(locked, fields.claim)
        same = base_link is not None and base_link.claim_id == claim.pk
        _link(gold, curator, base_link if same else None, claim=claim, source=LinkSource.SEARCH)
    elif fields.no_match:
        same = base_link is not None and base_link.source == LinkSource.NO_MATCH
        _link(gold, curator, base_link if same else None, claim=None, source=LinkSource.NO_MATCH)
    elif base_link is not None:
        _link(gold, curator, base_link, claim=None, source=LinkSource.SEARCH)
    unchanged = (fields.start, fields.end, fields.label, fields.note, fields.claim) == (None,) * 5
    accepted = base is not None and unchanged and not fields.no_match  # the reviewer's version as it is
    decision = {"action": "accepted" if accepted else "written", "gold": gold.pk, "from": sorted(sources)}
    adjudication.decisions = [*adjudication.decisions, decision]
    adjudication.save(update_fields=["decisions"])
    audit_record(actor=curator, action="gold_span.create", obj=gold, project=locked.project, after=_snapshot(gold))
    return gold


def _link(gold: Span, curator: User, copy: ClaimLink | None, *, claim: CanonicalClaim | None, source: str) -> None:
    """The gold span's link: a copy of a reviewer's (provenance kept), or the curator's own choice."""
    if copy is not None:
        ClaimLink.objects.create(
            span=gold,
            claim_id=copy.claim_id,
            source=copy.source,
            suggestion_id=copy.suggestion_id,
            suggestion_rank=copy.suggestion_rank,
            suggestion_score=copy.suggestion_score,
            suggestion_model=copy.suggestion_model,
            created_by=curator,
        )
    else:
        ClaimLink.objects.create(span=gold, claim=claim, source=source, created_by=curator)


@transaction.atomic
def gold_span_delete(*, article: Article, span_id: int, curator: User) -> None:
    """Drop a gold span of `article` (a pre-filled one the curator does not confirm, or a mistake), while its
    curation is open; also while a reopened reviewer's work puts it back in review, since a reviewer span
    that gold derives from can change only once that gold is gone."""
    article = _lock_article(article.pk)
    _open_adjudication(article, ready=False)
    gold = Span.objects.select_for_update(of=("self",)).filter(pk=span_id, article=article, is_gold=True).first()
    if gold is None:
        raise DomainError(f"no gold span #{span_id} in this article", field="span", code="not_found")
    before = _snapshot(gold)
    gold.delete()
    audit_record(actor=curator, action="gold_span.delete", obj=Span(pk=span_id), project=article.project, before=before)


@transaction.atomic
def curation_complete(*, article: Article, curator: User) -> Adjudication:
    """The curator confirms the gold (pre-filled spans included): the article is curated, and blind review
    ends for it."""
    locked = _lock_article(article.pk)
    adjudication = _open_adjudication(locked)
    adjudication.status = AdjudicationStatus.COMPLETED
    adjudication.curator = curator
    adjudication.completed_at = timezone.now()
    adjudication.save(update_fields=["status", "curator", "completed_at"])
    locked.review_status = ArticleStatus.CURATED
    locked.save(update_fields=["review_status"])
    gold = Span.objects.filter(article=locked, is_gold=True).count()
    audit_record(
        actor=curator,
        action="curation.complete",
        obj=adjudication,
        project=locked.project,
        after={"article": locked.pk, "gold_spans": gold},
    )
    return adjudication


@transaction.atomic
def curation_reopen(*, article: Article, curator: User) -> Adjudication:
    """Reopen a curated article: its gold can be changed again (and a reviewer's work reopened), and blind
    review applies again until the curation is completed anew."""
    locked = _lock_article(article.pk)
    adjudication = Adjudication.objects.select_for_update(of=("self",)).filter(article=locked).first()
    if adjudication is None or adjudication.status != AdjudicationStatus.COMPLETED:
        raise DomainError("only a completed curation can be reopened", code="conflict")
    adjudication.status, adjudication.completed_at = AdjudicationStatus.REOPENED, None
    adjudication.save(update_fields=["status", "completed_at"])
    locked.review_status = ArticleStatus.READY_FOR_CURATION
    locked.save(update_fields=["review_status"])
    _refresh([locked.pk])  # re-counted: with k raised while it was curated, it goes back in review for more
    audit_record(
        actor=curator,
        action="curation.reopen",
        obj=adjudication,
        project=locked.project,
        after={"article": locked.pk},
    )
    return adjudication
