"""`manage.py import_articles PATH... --project SLUG`: import articles from files or folders."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, BinaryIO, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.domain import DomainError
from annotations.management.progress import CountingReader, ProgressBar
from annotations.services.articles import article_import
from annotations.services.projects import project_get_or_create


def expand_paths(raw_paths: list[str]) -> list[Path]:
    """Files as given, and the regular, non-hidden files of any folder given, in name order."""
    files: list[Path] = []
    for raw in raw_paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    if not files:
        raise CommandError("no files to import")
    return files


class Command(BaseCommand):
    help = (
        "Import articles (plain text, Markdown with front matter, HTML, JSONL; detected by content) into a "
        "project, creating the project if needed. Exits 1 if any record failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders of files")
        parser.add_argument("--project", required=True, metavar="SLUG", help="project slug (created if new)")
        parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        files = expand_paths(options["paths"])
        try:
            project, created = project_get_or_create(slug=options["project"], actor=None)
        except DomainError as error:
            raise CommandError(f"--project: {error}") from None
        if created:
            self.stdout.write(f"Created project {project.slug!r}")

        progress = ProgressBar(cast(TextIO, self.stderr._out), sum(f.stat().st_size for f in files), unit="records")
        with contextlib.ExitStack() as stack:
            streams: list[tuple[str, BinaryIO]] = []
            for path in files:
                raw = stack.enter_context(path.open("rb"))
                stream = raw if options["no_progress"] else cast(BinaryIO, CountingReader(raw, progress))
                streams.append((str(path), stream))
            started = time.perf_counter()
            report = article_import(
                project=project,
                sources=streams,
                actor=None,
                on_progress=None if options["no_progress"] else progress.records,
            )
        elapsed = time.perf_counter() - started
        if not options["no_progress"]:
            progress.draw(final=True)

        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.problems_truncated:
            self.stderr.write("(more problems not shown; only the first 1,000 are kept)")
        summary = (
            f"Imported {report.created:,} articles into {project.slug!r} "
            f"({report.duplicates:,} duplicates skipped, {report.failed:,} failed; batch #{report.batch_id}) "
            f"in {elapsed:.2f} s"
        )
        if not report.ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
