"""Spans: create, adjust and delete a reviewer's highlight, validated against the article text.

Lock rule: every write to an existing span (and to its claim link) first takes the span row lock through
`span_lock`, before the version check; only the span's row, so writes to other spans of the same article
or project never wait for it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotations.domain import AssignmentStatus, DomainError, quote_context
from annotations.models import Article, Assignment, Span
from annotations.selectors.review import assignment_is_submitted
from annotations.services._insert import insert_family
from annotations.services._versioning import version_check
from annotations.services.audit import audit_event, audit_record
from annotations.services.suggestions import suggestion_run_dispatch, suggestion_run_new, suggestion_run_request

NOTE_MAX_CHARS = 10_000


def span_snapshot(span: Span) -> dict[str, Any]:
    return {
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "label": span.label,
        "note": span.note,
        "version": span.version,
    }


def _check_offsets(article: Article, start: int, end: int, quote: str) -> tuple[str, str]:
    """Validate [start, end) and the client's quote against the text; return (prefix, suffix)."""
    length = len(article.text)
    if start < 0 or start >= length:
        raise DomainError(f"start must be in [0, {length}), got {start}", field="start", code="out_of_range")
    if end <= start or end > length:
        raise DomainError(f"end must be in ({start}, {length}], got {end}", field="end", code="out_of_range")
    prefix, expected, suffix = quote_context(article.text, start, end)
    if quote != expected:
        raise DomainError(
            f"quote does not match the text at [{start}, {end}): the text there is {expected!r}",
            field="quote",
            code="mismatch",
            expected=expected,
        )
    return prefix, suffix


def _check_label(article: Article, label: str) -> str:
    labels = article.project.labels
    if label and label not in labels:
        raise DomainError(f"label must be one of {', '.join(labels)} (or empty)", field="label")
    return label


def _check_note(note: str) -> str:
    if len(note) > NOTE_MAX_CHARS:
        raise DomainError(f"note is longer than {NOTE_MAX_CHARS:,} characters", field="note")
    return note


def span_lock(span: Span) -> Span:
    """The span, re-read and locked for this transaction, with its article, project and claim base."""
    return (
        Span.objects.select_for_update(of=("self",))
        .select_related("article", "article__project__claim_base")
        .get(pk=span.pk)
    )


def span_check_editable(*, article: Article, annotator: User) -> None:
    """A reviewer's annotations are locked once they submitted the article (a curator can reopen it)."""
    if assignment_is_submitted(article_id=article.pk, reviewer_id=annotator.pk):
        raise _locked()


def span_check_writable(span: Span) -> None:
    """Whether this span (locked) may be changed, its link included: not a gold span (curation writes
    those), not a reviewer span that gold derives from (the gold's provenance would no longer hold; the
    curator deletes that gold first), and not once its reviewer submitted the article."""
    if span.is_gold:
        raise DomainError("gold spans are changed in the article's curation", code="locked")
    cited = Span.derived_from.through.objects.filter(to_span_id=span.pk).values_list("from_span_id", flat=True)
    gold = cited.first()
    if gold is not None:
        raise DomainError(
            f"the curator took this span into gold span #{gold}; it can change once that gold span is deleted",
            code="locked",
        )
    span_check_editable(article=span.article, annotator=span.annotator)


def _locked() -> DomainError:
    return DomainError(
        "you submitted this article; your annotations are locked until a curator reopens it",
        field=None,
        code="locked",
    )


# The reviewer's assignment is read with a share lock: a submit in progress (it holds the row FOR UPDATE)
# is waited for, so a span never lands after the work was handed in.
_NOT_SUBMITTED = f"""
    (
        SELECT status FROM {Assignment._meta.db_table}
        WHERE article_id = %s AND reviewer_id = %s
        FOR SHARE
    ) IS DISTINCT FROM %s
"""  # noqa: S608 - identifiers from the models; values are parameters


def span_create(
    *, article: Article, annotator: User, start: int, end: int, quote: str, label: str = "", note: str = ""
) -> Span:
    """Highlight [start, end) of the article for `annotator`, with its audit event and first suggestion run.

    The hottest write of the product, so it is one SQL statement (services/_insert.py): the span, the
    event and the run are inserted together, and only if the annotator has not submitted the article.
    """
    prefix, suffix = _check_offsets(article, start, end, quote)
    span = Span(
        article=article,
        annotator=annotator,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        label=_check_label(article, label),
        note=_check_note(note),
    )
    event = audit_event(
        actor=annotator, action="span.create", obj=span, project=article.project, after=span_snapshot(span)
    )
    run = suggestion_run_new(span=span)
    guard = (_NOT_SUBMITTED, [article.pk, annotator.pk, AssignmentStatus.SUBMITTED.value])
    if not insert_family(span, [(event, "object_id"), (run, "span_id")], guard=guard):
        raise _locked()
    suggestion_run_dispatch(run)
    Span.link.related.set_cached_value(span, None)  # a new span has no claim link: reading it needs no query
    return span


@transaction.atomic
def span_update(
    *,
    span: Span,
    actor: User,
    version: int | None,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    label: str | None = None,
    note: str | None = None,
) -> Span:
    """Change a span's boundaries (with the new quote), label or note; bumps the version."""
    locked = span_lock(span)
    version_check(locked, version, what="span")
    span_check_writable(locked)
    before = span_snapshot(locked)
    text_changed = start is not None or end is not None or quote is not None
    if text_changed:
        if quote is None:
            raise DomainError("send the quote for the new boundaries", field="quote", code="required")
        new_start = locked.start if start is None else start
        new_end = locked.end if end is None else end
        locked.prefix, locked.suffix = _check_offsets(locked.article, new_start, new_end, quote)
        locked.start, locked.end, locked.quote = new_start, new_end, quote
    if label is not None:
        locked.label = _check_label(locked.article, label)
    if note is not None:
        locked.note = _check_note(note)
    locked.version += 1
    locked.save()
    if text_changed:
        suggestion_run_request(span=locked)
    audit_record(
        actor=actor,
        action="span.update",
        obj=locked,
        project=locked.article.project,
        before=before,
        after=span_snapshot(locked),
    )
    return locked


@transaction.atomic
def span_delete(*, span: Span, actor: User, version: int | None) -> None:
    locked = span_lock(span)
    version_check(locked, version, what="span")
    span_check_writable(locked)
    audit_record(
        actor=actor,
        action="span.delete",
        obj=locked,
        project=locked.article.project,
        before=span_snapshot(locked),
    )
    locked.delete()
