"""`manage.py import_articles PATH... --project SLUG`: import articles from files or folders."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from annotations.management.importing import FileImportCommand
from annotations.services.articles import article_import


class Command(FileImportCommand):
    help = (
        "Import articles (plain text, Markdown with front matter, HTML, JSONL; detected by content) into a "
        "project, creating the project if needed. Exits 1 if any record failed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        project, report, elapsed = self.run_import(options, article_import)
        summary = (
            f"Imported {report.created:,} articles into {project.slug!r} "
            f"({report.duplicates:,} duplicates skipped, {report.failed:,} failed; batch #{report.batch_id}) "
            f"in {elapsed:.2f} s"
        )
        if not report.ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
