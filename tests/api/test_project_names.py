"""Project names and slugs at their length limits: a slug made from a long name is cut to fit, and a name or
slug over the limit is a 400 naming its field (it was a database error, a 500), from the API and the commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Project
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_long_name_gets_a_slug_cut_to_fit_and_an_over_long_one_is_refused() -> None:
    staff = client_for(UserFactory.create(is_staff=True, is_superuser=True))
    made = staff.post("/api/v1/projects", {"name": "Geneva talks " * 11}, format="json")  # 143 characters
    assert made.status_code == 201, made.json()
    assert made.json()["slug"] == ("geneva-talks-" * 8).rstrip("-")[:100].rstrip("-")
    assert len(made.json()["slug"]) <= 100
    for body, field in (({"name": "x" * 201}, "name"), ({"name": "Fine", "slug": "s" * 101}, "slug")):
        refused = staff.post("/api/v1/projects", body, format="json")
        assert refused.status_code == 400, refused.json()
        assert refused.json()["errors"][0]["field"] == field
    assert Project.objects.count() == 1


def test_an_import_command_names_an_over_long_project_slug(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("A short article about talks in Geneva, long enough to import.", encoding="utf-8")
    with pytest.raises(CommandError, match="--project: a slug has at most 100 characters"):
        call_command("import_articles", str(article), "--project", "p" * 150, "--no-progress")
    assert not Project.objects.exists()
