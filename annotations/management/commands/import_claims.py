"""`manage.py import_claims PATH... --project SLUG`: import canonical claims (CSV, JSONL, ClaimReview)."""

from __future__ import annotations

import time
from typing import Any, TextIO, cast

from django.core.management.base import CommandError, CommandParser

from annotations.management.importing import FileImportCommand
from annotations.management.progress import ProgressBar
from annotations.selectors.imports import import_batch_by_id, import_progress
from annotations.services.claim_import import claim_import


class Command(FileImportCommand):
    help = (
        "Import canonical claims (CSV, JSONL, schema.org ClaimReview JSON-LD) into a project's claim base, "
        "then follow their embedding by the worker. Exits 1 if any record failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-wait", action="store_true", help="do not wait for the embeddings")
        parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for the embeddings")

    def handle(self, *args: Any, **options: Any) -> None:
        project, report, _ = self.run_import(options, claim_import)
        summary = (
            f"Imported {report.created:,} claims into the claim base of {project.slug!r} "
            f"({report.duplicates:,} duplicates skipped, {report.failed:,} failed; batch #{report.batch_id})"
        )
        if report.created and not options["no_wait"]:
            self._follow_embedding(report.batch_id, options["timeout"], quiet=options["no_progress"])
        if not report.ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _follow_embedding(self, batch_id: int, timeout: int, *, quiet: bool) -> None:
        batch = import_batch_by_id(batch_id)
        bar = ProgressBar(cast(TextIO, self.stderr._out), 1, unit="claims embedded")
        deadline = time.monotonic() + timeout
        while True:
            state = import_progress(batch)
            if not quiet:
                bar.done_bytes, bar.total, bar.count = state.embedded, max(state.to_embed, 1), state.embedded
                bar.draw(final=state.done)
            if state.done:
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"{state.embedded:,} of {state.to_embed:,} claims embedded after {timeout} s: is a "
                    "worker running? The rest are embedded when one is (the import's status is in the API)."
                )
            time.sleep(0.5)
