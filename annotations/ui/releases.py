"""The dataset releases page: the project's releases (status, progress while building, counts, the manifest's
agreement figures, a download link per file) and, for managers, a "New release" form whose problems show
beside their fields. While a release is building, the list refreshes itself every 2 seconds (htmx). Ten
releases a page, newest first."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from annotations.domain import DomainError, ReleaseStatus, Role
from annotations.models import DatasetRelease, Project
from annotations.selectors.releases import releases_of
from annotations.services.releases import SCOPES, release_create, release_filters_clean, release_progress
from annotations.ui.scope import project_or_404, signed_in

FORM_FIELDS = ("scope", "include_reviewer_spans", "published_from", "published_to", "labels")
POLL_SECONDS = 2
PAGE_SIZE = 10


EXTRA_FILES = ("manifest.json", "README.md")


def release_files(release: DatasetRelease) -> list[dict[str, Any]]:
    """A published release's files as its manifest lists them, then manifest.json and README.md, each with the
    API's download URL (which takes the session, so the links work from the page)."""
    if release.status != ReleaseStatus.PUBLISHED:
        return []
    entries = release.manifest.get("files", {})
    listed = [{"name": name, "sha256": sha, **entries.get(name, {})} for name, sha in sorted(release.files.items())]
    listed += [{"name": name, "sha256": None} for name in EXTRA_FILES]
    for item in listed:
        item["url"] = reverse("api:release-file", args=[release.project_id, release.version, item["name"]])
    return listed


def _rows(project: Project, page: Page[DatasetRelease]) -> tuple[list[dict[str, Any]], bool]:
    rows: list[dict[str, Any]] = []
    for release in page:
        agreement = release.manifest.get("agreement", {}) if release.status == ReleaseStatus.PUBLISHED else {}
        rows.append(
            {
                "release": release,
                "progress": release_progress(release),
                "files": release_files(release),
                "agreement": sorted(agreement.get("figures", {}).items()),
            }
        )
    building = any(release.status == ReleaseStatus.BUILDING for release in (row["release"] for row in rows))
    return rows, building


def _list_context(project: Project, request: HttpRequest) -> dict[str, Any]:
    page = Paginator(releases_of(project=project), PAGE_SIZE).get_page(request.GET.get("page"))
    rows, building = _rows(project, page)
    return {"project": project, "rows": rows, "page": page, "building": building, "poll_seconds": POLL_SECONDS}


def _raw(request: HttpRequest) -> dict[str, Any]:
    """The form, as the filters the release service checks (empty dates are no bound)."""
    return {
        "scope": request.POST.get("scope", "curated"),
        "include_reviewer_spans": request.POST.get("include_reviewer_spans") == "on",
        "published_from": request.POST.get("published_from", ""),
        "published_to": request.POST.get("published_to", ""),
        "labels": request.POST.getlist("labels"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def releases_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id, needs=Role.CURATOR)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"scope": "curated", "include_reviewer_spans": False, "labels": []}
    status = 200
    if request.method == "POST":
        project, role = project_or_404(request, project_id, needs=Role.MANAGER)
        form = _raw(request)
        try:
            filters = release_filters_clean(form, project=project)
            release = release_create(project=project, actor=signed_in(request), filters=filters)
        except DomainError as exc:
            errors[exc.field if exc.field in FORM_FIELDS else "form"] = exc.message
            status = 400
        else:
            messages.success(request, f"Release {release.version} is building; this page follows its progress.")
            return redirect("releases", project.pk)
    context = {
        **_list_context(project, request),
        "role": role.value,
        "is_manager": role.at_least(Role.MANAGER),
        "scopes": SCOPES,
        "labels": project.labels,
        "form": form,
        "errors": errors,
    }
    return render(request, "releases/page.html", context, status=status)


@login_required
@require_GET
def releases_fragment(request: HttpRequest, project_id: int) -> HttpResponse:
    project, _ = project_or_404(request, project_id, needs=Role.CURATOR)
    return render(request, "releases/_list.html", _list_context(project, request))


__all__ = ["releases_fragment", "releases_page"]
