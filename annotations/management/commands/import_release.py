"""`manage.py import_release FOLDER --project SLUG`: a release's articles, then its spans and links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.domain import DomainError
from annotations.management.actors import command_actor
from annotations.selectors.projects import project_by_slug
from annotations.services.articles import article_import
from annotations.services.releases import release_spans_import


class Command(BaseCommand):
    help = (
        "Import a release folder into a project: its articles.jsonl, then the spans and links of its spans.jsonl "
        "(or, with --from annotations.jsonld, of its W3C Web Annotations). All or nothing for the spans."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--project", required=True, help="the target project's slug")
        parser.add_argument(
            "--from", dest="source", default="spans.jsonl", choices=["spans.jsonl", "annotations.jsonld"]
        )
        parser.add_argument("--user", help="who the spans are recorded for (default: the project's first manager)")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        project = project_by_slug(options["project"])
        if project is None:
            raise CommandError(f"no project {options['project']!r}")
        for name in ("articles.jsonl", options["source"]):
            if not (folder / name).is_file():
                raise CommandError(f"{folder}: no {name}")
        user = command_actor(project, options["user"])
        with (folder / "articles.jsonl").open("rb") as stream:
            report = article_import(project=project, sources=[("articles.jsonl", stream)], actor=user)
        if not report.ok:
            raise CommandError("; ".join(map(str, report.problems[:5])))
        try:
            count = release_spans_import(
                project=project,
                actor=user,
                data=(folder / options["source"]).read_bytes(),
                source_name=options["source"],
            )
        except DomainError as error:
            details = error.details.get("problems", [])
            lines = [f"{p['file']}, line {p['line']}: {p['message']}" for p in details[:20]]
            raise CommandError("\n".join([error.message, *lines])) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created:,} articles ({report.duplicates:,} already there) and {count:,} spans "
                f"imported into {project.slug!r}"
            )
        )
