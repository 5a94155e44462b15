"""`manage.py load_demo`: the demo project, users, articles and claims from fixtures/demo/ (idempotent)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.domain import DomainError, Role
from annotations.models import Article, Assignment, CanonicalClaim, Project
from annotations.selectors.projects import project_by_slug
from annotations.services.articles import article_import
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.projects import membership_set, project_create
from annotations.services.review import assignment_create, assignment_submit
from annotations.services.spans import span_create
from annotations.services.users import user_ensure

DEMO_DIR = settings.BASE_DIR / "fixtures" / "demo"


class Command(BaseCommand):
    help = "Load the demo project (users, articles, canonical claims) from fixtures/demo/. Safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=DEMO_DIR, help="folder with the demo files")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["dir"]
        try:
            spec = json.loads((folder / "project.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"{folder / 'project.json'}: {error}") from None

        project = project_by_slug(spec["project"]["slug"])
        if project is None:
            project = project_create(actor=None, **spec["project"])
        reviewers = []
        for entry in spec["users"]:
            user, _ = user_ensure(
                username=entry["username"],
                password=spec["password"],
                email=entry.get("email", ""),
                first_name=entry.get("first_name", ""),
                last_name=entry.get("last_name", ""),
                superuser=entry.get("superuser", False),
            )
            membership_set(project=project, user=user, role=entry["role"], actor=None)
            reviewers.append((user, Role(entry["role"])))

        with (folder / "articles.jsonl").open("rb") as stream:
            report = article_import(project=project, sources=[("articles.jsonl", stream)], actor=None)
        if not report.ok:
            raise CommandError("demo articles failed to import: " + "; ".join(map(str, report.problems)))

        new_claims = 0
        with (folder / "claims.jsonl").open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                row = json.loads(line)
                try:
                    fields = ClaimFields(
                        text=row["text"],
                        title=row.get("title", ""),
                        language=row.get("language", ""),
                        claimant=row.get("claimant", ""),
                        claim_date=date.fromisoformat(row["claim_date"]) if row.get("claim_date") else None,
                        verdict=row.get("verdict", ""),
                        fact_check_url=row.get("fact_check_url", ""),
                        reviewed_by=row.get("reviewed_by", ""),
                        tags=tuple(row.get("tags", [])),
                    )
                    claim_create(claim_base_id=project.claim_base_id, fields=fields, actor=None)
                    new_claims += 1
                except DomainError as error:
                    if error.code != "duplicate":
                        raise CommandError(f"claims.jsonl line {number}: {error}") from None
        self._review_work(project, spec["queue"])
        self.stdout.write(
            f"Demo project {project.slug!r}: {report.created} new articles, {new_claims} new claims, "
            f"users {', '.join(u['username'] for u in spec['users'])} (password {spec['password']!r})"
        )

    def _review_work(self, project: Project, queue: dict[str, Any]) -> None:
        """Some articles assigned to both annotators, the rest left to the pull queue, and one article
        reviewed by both and submitted, so the curator has work at once. Done only on the first load."""
        if Assignment.objects.filter(article__project=project).exists():
            return
        annotators = list(
            User.objects.filter(memberships__project=project, memberships__role=Role.ANNOTATOR).order_by("username")
        )
        articles = {a.external_id: a for a in Article.objects.filter(project=project)}
        for external_id in queue["assigned"]:
            for annotator in annotators[: project.reviewers_per_article]:
                assignment_create(article=articles[external_id], reviewer=annotator, actor=None)
        reviewed = articles[queue["reviewed"]["article"]]
        claims = {c.text: c for c in CanonicalClaim.objects.filter(claim_base_id=project.claim_base_id)}
        for username, spans in queue["reviewed"]["reviews"].items():
            reviewer = User.objects.get(username=username)
            assignment_create(article=reviewed, reviewer=reviewer, actor=None)
            for entry in spans:
                start = reviewed.text.index(entry["quote"])
                span = span_create(
                    article=reviewed,
                    annotator=reviewer,
                    start=start,
                    end=start + len(entry["quote"]),
                    quote=entry["quote"],
                    label=entry["label"],
                )
                target = LinkTarget(claim=claims[entry["claim"]]) if entry["claim"] else LinkTarget(no_match=True)
                claim_link_create(span=span, target=target, actor=reviewer)
            assignment_submit(article=reviewed, reviewer=reviewer)
