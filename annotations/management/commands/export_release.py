"""`manage.py export_release PROJECT --out DIR`: make a new release of a project and copy its files to DIR."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.domain import DomainError, ReleaseStatus
from annotations.management.actors import command_actor
from annotations.selectors.projects import project_by_slug
from annotations.services.releases import release_build, release_create, release_filters_clean, release_path


class Command(BaseCommand):
    help = (
        "Publish a new release of a project (the next version, built in this process) and copy its files, "
        "manifest and datasheet to --out. Exits 1 if the filters are refused or the build fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="the project's slug")
        parser.add_argument("--out", required=True, type=Path, help="folder to copy the release into (new or empty)")
        parser.add_argument("--scope", default="curated", help="curated (gold spans) or submitted (every review)")
        parser.add_argument("--include-reviewer-spans", action="store_true", help="with curated: reviewers' too")
        parser.add_argument("--published-from", help="only articles published on or after this date")
        parser.add_argument("--published-to", help="only articles published on or before this date")
        parser.add_argument("--label", action="append", default=[], help="only spans with this label (repeatable)")
        parser.add_argument("--user", help="who makes the release (default: the project's first manager)")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        if project is None:
            raise CommandError(f"no project {options['project']!r}")
        out: Path = options["out"]
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"--out {out} is not empty")
        user = command_actor(project, options["user"])
        raw = {
            "scope": options["scope"],
            "include_reviewer_spans": options["include_reviewer_spans"],
            "published_from": options["published_from"],
            "published_to": options["published_to"],
            "labels": options["label"],
        }
        try:
            filters = release_filters_clean(raw, project=project)
            release = release_create(project=project, actor=user, filters=filters, dispatch=False)
        except DomainError as error:
            raise CommandError(f"{error.field or 'filters'}: {error.message}") from None
        built = release_build(release_id=release.pk)
        if built is None or built.status != ReleaseStatus.PUBLISHED:
            raise CommandError(f"release {release.version} failed: {built.error if built else 'deleted'}")
        shutil.copytree(release_path(built), out, dirs_exist_ok=True)
        for path in out.rglob("*"):
            if path.is_file():
                path.chmod(0o644)  # the copy is the caller's; the published original stays read-only
        counts = built.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {built.version} of {project.slug!r}: {counts.get('spans', 0):,} spans, "
                f"{counts.get('articles', 0):,} articles, {counts.get('claims', 0):,} claims, in {out}"
            )
        )
