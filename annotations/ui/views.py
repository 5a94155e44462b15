"""The home page, a project's home (my queue, recent activity) and the annotation workspace."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.domain import AssignmentStatus, Role
from annotations.selectors.articles import article_for
from annotations.selectors.projects import projects_for_user
from annotations.selectors.review import assignment_of, next_assignment_after, queue_for, recent_activity
from annotations.ui.scope import project_or_404, signed_in

WORKSPACE_SCRIPT = "app/workspace.js"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    projects = projects_for_user(user) if isinstance(user, User) else []
    return render(request, "home.html", {"projects": projects})


@login_required
@require_GET
def project_home(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id)
    user = signed_in(request)
    return render(
        request,
        "project.html",
        {
            "project": project,
            "role": role.value,
            "queue": queue_for(user=user, project=project),
            "activity": recent_activity(user=user, role=role, project=project),
            "is_curator": role.at_least(Role.CURATOR),
            "is_manager": role.at_least(Role.MANAGER),
            "skipped": "skipped" in request.GET,  # the workspace's Skip comes back here
        },
    )


@login_required
@require_GET
def workspace(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in(request)
    found = article_for(user=user, article_id=article_id)
    if found is None:
        raise Http404("no such article")
    article, role = found
    assignment = assignment_of(user=user, article_id=article.pk)
    status = assignment.status if assignment else None
    built = finders.find(WORKSPACE_SCRIPT) is not None
    context = {
        "article": article,
        "project": article.project,
        "role": role.value,
        "labels_json": json.dumps(list(article.project.labels)),
        "can_annotate": status in (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS),
        "submitted": status == AssignmentStatus.SUBMITTED,
        "next": next_assignment_after(user=user, project=article.project, article_id=article.pk),
        "built": built,
        "script": WORKSPACE_SCRIPT,
    }
    # Without the built script the page still shows the text and says how to build it: never a blank page.
    return render(request, "workspace.html", context, status=200 if built else 503)
