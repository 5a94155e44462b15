"""What the import commands share: paths (files or folders), the project, progress, the problem report."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.domain import DomainError, ImportReport
from annotations.management.progress import CountingReader, ProgressBar
from annotations.models import Project
from annotations.services.projects import project_get_or_create

Importer = Callable[..., ImportReport]  # (project=, sources=, actor=, on_progress=) -> ImportReport


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


class FileImportCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders of files")
        parser.add_argument("--project", required=True, metavar="SLUG", help="project slug (created if new)")
        parser.add_argument("--no-progress", action="store_true", help="do not draw a progress bar")

    def run_import(self, options: dict[str, Any], importer: Importer) -> tuple[Project, ImportReport, float]:
        """Run `importer` over the paths with a progress bar; print every problem. Returns the elapsed seconds."""
        files = expand_paths(options["paths"])
        try:
            project, created = project_get_or_create(slug=options["project"], actor=None)
        except DomainError as error:
            raise CommandError(f"--project: {error}") from None
        if created:
            self.stdout.write(f"Created project {project.slug!r}")
        quiet = options["no_progress"]
        progress = ProgressBar(cast(TextIO, self.stderr._out), sum(f.stat().st_size for f in files), unit="records")
        with contextlib.ExitStack() as stack:
            streams: list[tuple[str, BinaryIO]] = []
            for path in files:
                raw = stack.enter_context(path.open("rb"))
                streams.append((str(path), raw if quiet else cast(BinaryIO, CountingReader(raw, progress))))
            started = time.perf_counter()
            report = importer(
                project=project, sources=streams, actor=None, on_progress=None if quiet else progress.records
            )
        elapsed = time.perf_counter() - started
        if not quiet:
            progress.draw(final=True)
        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.problems_truncated:
            self.stderr.write("(more problems not shown; only the first 1,000 are kept)")
        return project, report, elapsed
