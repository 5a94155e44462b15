"""The import page for managers: upload article or claim files, read the per-line report, and follow the
background embedding of imported claims (htmx polls a small progress fragment until it is done)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from annotations.domain import DomainError, Role
from annotations.selectors.imports import import_batch_for, import_progress
from annotations.services.articles import article_import
from annotations.services.claim_import import claim_import
from annotations.ui.scope import project_or_404, signed_in

IMPORTERS = {"articles": article_import, "claims": claim_import}
PROGRESS_POLLS = 180  # once a second: three minutes, then the page stops asking


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        if not [f for f in files if f]:
            raise forms.ValidationError("Choose at least one file.", code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("articles", "Articles (text, Markdown, HTML, JSONL)"),
            ("claims", "Claims (CSV, JSONL, ClaimReview)"),
        ],
        widget=forms.RadioSelect,
        initial="articles",
    )
    uploads = MultipleFileField(label="Files")


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id, needs=Role.MANAGER)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = kind = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            sources = [(f.name or "upload", f.file) for f in form.cleaned_data["uploads"]]
            try:
                report = IMPORTERS[kind](project=project, sources=sources, actor=signed_in(request))
            except DomainError as exc:  # the whole import refused (e.g. a concurrent claim with the same text)
                form.add_error(None, exc.message)
                status = 409 if exc.code == "conflict" else 400
            else:
                status = 200 if report.ok else 400
                form = ImportForm(initial={"kind": kind})
        else:
            status = 400
    context = {"project": project, "form": form, "report": report, "kind": kind, "role": role.value}
    return render(request, "imports/page.html", context, status=status)


@login_required
@require_GET
def import_progress_fragment(request: HttpRequest, project_id: int, batch_id: int) -> HttpResponse:
    project, _ = project_or_404(request, project_id, needs=Role.MANAGER)
    batch = import_batch_for(project=project, batch_id=batch_id)
    if batch is None:
        raise Http404("no such import")
    try:
        polls = max(0, int(request.GET.get("polls", "0")))
    except ValueError:
        polls = 0
    context = {
        "project": project,
        "progress": import_progress(batch),
        "next_polls": polls + 1,
        "gave_up": polls >= PROGRESS_POLLS,  # stop polling: the worker may be stopped or busy elsewhere
    }
    return render(request, "imports/_progress.html", context)
