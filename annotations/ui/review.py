"""Review pages: a reviewer's "start next article", the curation queue and the curation view (reviewers'
spans aligned side by side, gold spans with provenance), and the manager's progress page with reassignment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotations.agreement.alignment import Group
from annotations.domain import AdjudicationStatus, ArticleStatus, AssignmentStatus, DomainError, LinkSource, Role
from annotations.models import Adjudication, Article, Assignment, Membership, Project, Span
from annotations.selectors.review import CurationView, curation_queue, curation_view, project_progress
from annotations.services.curation import (
    GoldFields,
    curation_complete,
    curation_reopen,
    curation_start,
    gold_span_create,
    gold_span_delete,
)
from annotations.services.review import assignment_reassign, assignment_reopen, queue_next
from annotations.ui.scope import project_or_404, signed_in

CURATION_PAGE_SIZE = 50
KIND_LABELS = {"agree": "agree", "link_differs": "link differs", "overlap": "overlap", "missing": "missing"}


# --- The reviewer's queue ---------------------------------------------------------------------------


@login_required
@require_POST
def queue_next_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """Hand the reviewer their next article (their open work first) and open it in the workspace."""
    project, _ = project_or_404(request, project_id)
    try:
        assignment = queue_next(project=project, reviewer=signed_in(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("project", project.pk)
    if assignment is None:
        messages.info(request, "Nothing is left for you to review in this project right now.")
        return redirect("project", project.pk)
    return redirect("workspace", assignment.article_id)


# --- The curation queue -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def curation_queue_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id, needs=Role.CURATOR)
    page = Paginator(curation_queue(project=project), CURATION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/curation_queue.html", {"project": project, "role": role.value, "page": page})


# --- The curation view ------------------------------------------------------------------------------


class GoldForm(forms.Form):
    """A gold span the curator writes: boundaries in code points, a label, and a claim or "no match"."""

    start = forms.IntegerField(min_value=0, label="Start")
    end = forms.IntegerField(min_value=1, label="End")
    label = forms.ChoiceField(required=False, label="Label")
    note = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))
    claim = forms.IntegerField(required=False, min_value=1, label="Claim #")
    no_match = forms.BooleanField(required=False, label="No matching claim")
    derived_from = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, labels: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["label"].choices = [("", "(no label)"), *((label, label) for label in labels)]  # type: ignore[attr-defined]

    def clean_derived_from(self) -> tuple[int, ...]:
        raw = self.cleaned_data.get("derived_from") or ""
        try:
            return tuple(int(part) for part in raw.split(",") if part.strip())
        except ValueError:
            raise forms.ValidationError("derived_from must list span ids") from None

    def gold_fields(self) -> GoldFields:
        data = self.cleaned_data
        return GoldFields(
            start=data["start"],
            end=data["end"],
            label=data["label"] or "",
            note=data["note"] or "",
            claim=data["claim"],
            no_match=bool(data["no_match"]),
            derived_from=data["derived_from"],
        )


@dataclass
class SpanCell:
    span: Span
    link_text: str
    error: str = ""


@dataclass
class GroupRow:
    index: int
    group: Group[str]
    quote: str
    kind_label: str
    cells: list[tuple[str, list[SpanCell]]]  # (reviewer, their spans here), in the reviewers' order
    gold: list[int]  # gold spans that settle spans of this group
    form: GoldForm
    form_prefix: str


@dataclass
class GoldRow:
    span: Span
    prefilled: bool
    link_text: str
    link_source: str
    derived: list[str]  # "annotator1's span #12"
    error: str = ""


@dataclass
class CurationErrors:
    """Each DomainError of a POST, keyed by what caused it, so the page shows it beside that control."""

    by_key: dict[str, str] = field(default_factory=dict)
    form_prefix: str = ""
    form: GoldForm | None = None


def link_text(span: Span) -> str:
    link = getattr(span, "link", None)
    if link is None:
        return "no link"
    if link.claim_id is None:
        return "no match"
    return f"claim #{link.claim_id}: {link.claim.text}"


def link_source(span: Span) -> str:
    """Where a gold link came from, e.g. "suggestion #2, 0.83, multilingual-e5-small@1"."""
    link = getattr(span, "link", None)
    if link is None:
        return ""
    if link.source == LinkSource.SUGGESTION:
        parts = [f"suggestion #{link.suggestion_rank}" if link.suggestion_rank else "suggestion"]
        if link.suggestion_score is not None:
            parts.append(f"{link.suggestion_score:.2f}")
        if link.suggestion_model:
            parts.append(link.suggestion_model)
        return ", ".join(parts)
    return {"search": "claim search", "created": "new claim", "no_match": "no matching claim"}.get(
        link.source, link.source
    )


def _article_for_curator(request: HttpRequest, article_id: int) -> tuple[Article, Project, Role]:
    article = Article.objects.select_related("project").filter(pk=article_id).first()
    if article is None:
        raise Http404("no such article")
    _, role = project_or_404(request, article.project_id, needs=Role.CURATOR)
    return article, article.project, role


def _segments(text: str, rows: list[GroupRow]) -> list[tuple[str, GroupRow | None]]:
    """The article text cut at the groups' hulls (which never overlap), for marking them."""
    out: list[tuple[str, GroupRow | None]] = []
    at = 0
    for row in rows:
        if row.group.start > at:
            out.append((text[at : row.group.start], None))
        out.append((text[row.group.start : row.group.end], row))
        at = row.group.end
    if at < len(text):
        out.append((text[at:], None))
    return out


def _curation_context(
    article: Article, project: Project, view: CurationView, adjudication: Adjudication | None, errors: CurationErrors
) -> dict[str, object]:
    labels = list(project.labels)
    shown = {"curation"} | {k for k in errors.by_key if k.startswith("reopen:")}
    shown |= {f"delete:{gold.pk}" for gold in view.gold} | {f"accept:{span_id}" for span_id in view.spans}
    # An error about something this page no longer shows (a stale form) goes beside the curation actions.
    stray = [message for key, message in errors.by_key.items() if key not in shown]
    prefilled = {d["gold"] for d in (adjudication.decisions if adjudication else []) if d.get("action") == "prefilled"}
    gold_of: dict[int, list[int]] = {}
    gold_rows = []
    for gold in view.gold:
        derived_ids = sorted(s.pk for s in gold.derived_from.all())
        for span_id in derived_ids:
            gold_of.setdefault(span_id, []).append(gold.pk)
        derived = [
            f"{view.spans[i].annotator.username}'s span #{i}" if i in view.spans else f"span #{i}" for i in derived_ids
        ]
        gold_rows.append(
            GoldRow(
                span=gold,
                prefilled=gold.pk in prefilled,
                link_text=link_text(gold),
                link_source=link_source(gold),
                derived=derived,
                error=errors.by_key.get(f"delete:{gold.pk}", ""),
            )
        )
    rows = []
    for index, group in enumerate(view.groups, start=1):
        cells = [
            (
                reviewer,
                [
                    SpanCell(
                        span=view.spans[item.id],
                        link_text=link_text(view.spans[item.id]),
                        error=errors.by_key.get(f"accept:{item.id}", ""),
                    )
                    for item in group.by_reviewer[reviewer]
                ],
            )
            for reviewer in view.reviewers
        ]
        prefix = f"g{index}"
        span_ids = [item.id for item in group.spans]
        form = (
            errors.form
            if errors.form is not None and errors.form_prefix == prefix
            else GoldForm(
                prefix=prefix,
                labels=labels,
                initial={"start": group.start, "end": group.end, "derived_from": ",".join(map(str, span_ids))},
            )
        )
        rows.append(
            GroupRow(
                index=index,
                group=group,
                quote=article.text[group.start : group.end],
                kind_label=KIND_LABELS[group.kind],
                cells=cells,
                gold=sorted({g for i in span_ids for g in gold_of.get(i, [])}),
                form=form,
                form_prefix=prefix,
            )
        )
    new_form = GoldForm(prefix="new", labels=labels)
    if errors.form is not None and errors.form_prefix == "new":
        new_form = errors.form
    is_open = adjudication is not None and adjudication.status != AdjudicationStatus.COMPLETED
    curated = article.review_status == ArticleStatus.CURATED
    return {
        "article": article,
        "project": project,
        "view": view,
        "rows": rows,
        "segments": _segments(article.text, rows),
        "gold_rows": gold_rows,
        "adjudication": adjudication,
        "is_open": is_open,
        "curated": curated,
        "ready": article.review_status == ArticleStatus.READY_FOR_CURATION,
        "submitted": [a for a in view.assignments if a.status == AssignmentStatus.SUBMITTED],
        "reopen_errors": {k.split(":", 1)[1]: v for k, v in errors.by_key.items() if k.startswith("reopen:")},
        "curation_error": " ".join(filter(None, [errors.by_key.get("curation", ""), *stray])),
        "new_form": new_form,
        "new_form_error": errors.form_prefix == "new",
    }


def _curation_post(request: HttpRequest, article: Article, curator: User, labels: list[str]) -> CurationErrors | str:
    """Run one curation action; a success message, or the errors to show beside their causes."""
    action = request.POST.get("action", "")
    errors = CurationErrors()

    def number(name: str) -> int | None:
        try:
            return int(request.POST.get(name, ""))
        except ValueError:
            return None

    try:
        if action == "start":
            curation_start(article=article, curator=curator)
            return "Curation started; where every reviewer agreed, the gold is pre-filled."
        if action == "complete":
            curation_complete(article=article, curator=curator)
            return "Curation complete: the article is curated, and blind review has ended for it."
        if action == "reopen":
            curation_reopen(article=article, curator=curator)
            return "Curation reopened: the gold can be changed again."
        if action == "accept":
            span_id = number("span")
            if span_id is None:
                errors.by_key["curation"] = "name the reviewer span to accept"
                return errors
            # The group's other spans are settled by this choice too: they join its provenance.
            settled = tuple(sorted({int(i) for i in request.POST.getlist("settles") if i.isdigit()} - {span_id}))
            try:
                fields = GoldFields(from_span=span_id, derived_from=settled)
                gold_span_create(article=article, curator=curator, fields=fields)
            except DomainError as exc:
                errors.by_key[f"accept:{span_id}"] = exc.message
                return errors
            return f"Span #{span_id} accepted as gold."
        if action == "delete":
            gold_id = number("gold")
            try:
                gold_span_delete(article=article, span_id=gold_id if gold_id is not None else 0, curator=curator)
            except DomainError as exc:
                errors.by_key[f"delete:{gold_id}"] = exc.message
                return errors
            return f"Gold span #{gold_id} deleted."
        if action == "write":
            prefix = request.POST.get("form", "new")
            prefix = prefix if prefix == "new" or (prefix.startswith("g") and prefix[1:].isdigit()) else "new"
            form = GoldForm(request.POST, prefix=prefix, labels=labels)
            errors.form, errors.form_prefix = form, prefix
            if not form.is_valid():
                return errors
            try:
                gold = gold_span_create(article=article, curator=curator, fields=form.gold_fields())
            except DomainError as exc:
                name = exc.field if exc.field in form.fields and exc.field != "derived_from" else None
                form.add_error(name, exc.message)
                return errors
            return f"Gold span #{gold.pk} written."
        if action == "reopen_assignment":
            assignment_id = number("assignment") or 0
            assignment = Assignment.objects.filter(pk=assignment_id, article=article).select_related("reviewer").first()
            if assignment is None:
                errors.by_key[f"reopen:{assignment_id}"] = "no such assignment on this article"
                return errors
            try:
                assignment_reopen(assignment=assignment, actor=curator)
            except DomainError as exc:
                errors.by_key[f"reopen:{assignment.pk}"] = exc.message
                return errors
            return f"{assignment.reviewer.username}'s work is reopened: it is back in their queue."
    except DomainError as exc:  # start, complete, reopen
        errors.by_key["curation"] = exc.message
        return errors
    errors.by_key["curation"] = f"unknown action {action!r}"
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def curation_page(request: HttpRequest, article_id: int) -> HttpResponse:
    article, project, role = _article_for_curator(request, article_id)
    errors = CurationErrors()
    status = 200
    if request.method == "POST":
        outcome = _curation_post(request, article, signed_in(request), list(project.labels))
        if isinstance(outcome, str):
            messages.success(request, outcome)
            return redirect("curate", article.pk)
        errors, status = outcome, 400
        article.refresh_from_db(fields=["review_status", "submitted_count", "disagreement"])
    view = curation_view(article=article)
    adjudication = Adjudication.objects.filter(article=article).select_related("curator").first()
    context = _curation_context(article, project, view, adjudication, errors)
    context["role"] = role.value
    return render(request, "review/curate.html", context, status=status)


# --- Progress for managers --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def progress_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id, needs=Role.MANAGER)
    annotators = list(
        Membership.objects.filter(project=project, role=Role.ANNOTATOR)
        .select_related("user")
        .order_by("user__username")
        .values_list("user__pk", "user__username")
    )
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        message = _reassign(request, project, dict(annotators), errors)
        if message:
            messages.success(request, message)
            return redirect("progress", project.pk)
        status = 400
    progress = project_progress(project=project)
    submitted = [cast(int, day["submitted"]) for day in progress.per_day]
    most = max(submitted, default=0) or 1
    per_day = [{**day, "percent": round(100 * n / most)} for day, n in zip(progress.per_day, submitted, strict=True)]
    stuck = [
        {
            "assignment": a,
            "error": errors.get(a.pk, ""),
            "others": [(pk, name) for pk, name in annotators if pk != a.reviewer_id],
        }
        for a in progress.stuck
    ]
    statuses = [s.value for s in AssignmentStatus]
    reviewers = [{"username": r["username"], "counts": [(s, r[s]) for s in statuses]} for r in progress.reviewers]
    context = {
        "project": project,
        "role": role.value,
        "progress": progress,
        "article_counts": [(s.value.replace("_", " "), progress.articles[s.value]) for s in ArticleStatus],
        "statuses": [s.replace("_", " ") for s in statuses],
        "reviewers": reviewers,
        "per_day": per_day,
        "stuck": stuck,
        "orphan_error": errors.get(0, ""),
    }
    return render(request, "review/progress.html", context, status=status)


def _reassign(request: HttpRequest, project: Project, annotators: dict[int, str], errors: dict[int, str]) -> str:
    """Reassign a stuck assignment from the form; a success message, or "" with the error in `errors`."""
    try:
        assignment_id = int(request.POST.get("assignment", ""))
    except ValueError:
        errors[0] = "name the assignment to reassign"
        return ""
    assignment = Assignment.objects.filter(pk=assignment_id, article__project=project).first()
    if assignment is None:
        errors[0] = f"no assignment #{assignment_id} in this project"
        return ""
    try:
        reviewer_id = int(request.POST.get("reviewer", ""))
    except ValueError:
        reviewer_id = 0
    if reviewer_id not in annotators:
        errors[assignment.pk] = "choose an annotator of this project"
        return ""
    reviewer = User.objects.get(pk=reviewer_id)
    try:
        assignment_reassign(assignment=assignment, reviewer=reviewer, actor=signed_in(request))
    except DomainError as exc:
        errors[assignment.pk] = exc.message
        return ""
    return f"Article #{assignment.article_id} is reassigned to {annotators[reviewer_id]}."
