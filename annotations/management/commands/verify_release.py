"""`manage.py verify_release DIR`: check a release folder against its manifest (files and sha256)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.services.releases import release_verify


class Command(BaseCommand):
    help = "Check every file of a release folder against its manifest.json; exits 1 on any difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        if not (folder / "manifest.json").is_file():
            raise CommandError(f"{folder}: no manifest.json")
        problems = release_verify(folder)
        if problems:
            raise CommandError("\n".join(problems), returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{folder}: every file matches its manifest"))
