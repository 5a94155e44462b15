"""Page shells: the home page (a placeholder until the annotation workspace lands) and login."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.selectors.projects import projects_for_user


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    projects = projects_for_user(user) if isinstance(user, User) else []
    return render(request, "home.html", {"projects": projects})
