"""Agreement snapshots: the project's inter-reviewer agreement computed from the submitted reviews
(annotations.agreement.metrics) and stored per scope (project, reviewer pair, article), never overwritten.

A computation whose inputs are unchanged (same fingerprint as the latest project snapshot) stores nothing;
article snapshots are written only for the articles whose own inputs changed (incremental), while project
and pair figures, which pool every article, are written anew with each computation. Every snapshot of one
computation carries the same `details.run`, so the latest complete set of a scope can be read back.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import redis
from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction

from annotations.agreement.metrics import Estimate, agreement_report, inputs_fingerprint
from annotations.domain import AgreementScope, AssignmentStatus, DomainError
from annotations.models import AgreementSnapshot, Article, Assignment, Project
from annotations.selectors.agreement import agreement_inputs, article_fingerprints, latest_fingerprint

log = logging.getLogger(__name__)

RESAMPLES = 1000
LEVEL = 0.95
SEED = 20260301
DEBOUNCE_SECONDS = 10
FORCED_QUEUED_SECONDS = 600  # a forced run queued for a worker that never takes it stops blocking the next
STALE_WINDOW = timedelta(hours=1)

# Project-level metrics, as stored: (metric name, report attribute, what n_units counts).
PROJECT_METRICS = (
    ("span_f1_exact", "span_f1_exact", "articles_count"),
    ("span_f1_overlap", "span_f1_overlap", "articles_count"),
    ("link_percent_agreement", "link_percent_agreement", "link_units"),
    ("link_alpha", "link_alpha", "link_units"),
    ("link_fleiss_kappa", "link_fleiss_kappa", "link_fleiss_units"),
    ("boundary_alpha", "boundary_alpha", "articles_count"),
)
PAIR_METRICS = ("f1_exact", "f1_overlap", "link_percent_agreement", "link_kappa")
ARTICLE_METRICS = ("span_f1_exact", "span_f1_overlap", "link_alpha", "boundary_alpha")


@dataclass(frozen=True)
class AgreementRun:
    run: str
    fingerprint: str
    snapshots: int
    articles: int
    articles_changed: int


def _estimate(metric: str, estimate: Estimate, n_units: int, **fields: Any) -> AgreementSnapshot:
    return AgreementSnapshot(
        metric=metric,
        value=estimate.value,
        ci_low=estimate.low,
        ci_high=estimate.high,
        n_units=n_units,
        **fields,
    )


def agreement_compute(*, project: Project, force: bool = False) -> AgreementRun | None:
    """Compute and store the project's agreement; None when nothing is to be measured yet (no article with
    two submitted reviews) or the inputs are unchanged since the last computation (unless `force`).

    Concurrent computations of one project go one at a time (a transaction-level advisory lock), so the
    second sees the first's fingerprint.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0xA6EE, project.pk])
        inputs = agreement_inputs(project=project)
        if not inputs.articles:
            return None
        options: dict[str, Any] = {"resamples": RESAMPLES, "level": LEVEL, "seed": SEED}
        fingerprint = inputs_fingerprint(inputs.articles, text_lengths=inputs.text_lengths, **options)
        if not force and fingerprint == latest_fingerprint(project=project):
            return None
        report = agreement_report(inputs.articles, text_lengths=inputs.text_lengths, **options)
        run = uuid.uuid4().hex
        details = {"run": run, **options, "reviewers": report.reviewers, "spans": report.spans}
        base = {"project": project, "inputs_fingerprint": fingerprint}
        rows = [
            _estimate(
                metric,
                getattr(report, attribute),
                getattr(report, count),
                scope=AgreementScope.PROJECT,
                details=details,
                **base,
            )
            for metric, attribute, count in PROJECT_METRICS
        ]
        for pair in report.pairs:
            a, b = sorted((int(pair.reviewer_a), int(pair.reviewer_b)))
            for metric in PAIR_METRICS:
                n_units = pair.link_pairs if metric.startswith("link") else pair.articles
                rows.append(
                    _estimate(
                        metric,
                        getattr(pair, metric),
                        n_units,
                        scope=AgreementScope.REVIEWER_PAIR,
                        reviewer_a_id=a,
                        reviewer_b_id=b,
                        details=details,
                        **base,
                    )
                )
        known = article_fingerprints(project=project)
        changed = 0
        for article in report.articles:
            article_id = int(article.article_id)
            own = inputs_fingerprint(
                {article_id: inputs.articles[article_id]},
                text_lengths={article_id: inputs.text_lengths[article_id]},
                **options,
            )
            if known.get(article_id) == own and not force:
                continue
            changed += 1
            article_details = {"run": run, "reviewers": article.reviewers, "spans": article.spans}
            for metric in ARTICLE_METRICS:
                rows.append(
                    AgreementSnapshot(
                        project=project,
                        scope=AgreementScope.ARTICLE,
                        article_id=article_id,
                        metric=metric,
                        value=getattr(article, metric),
                        n_units=article.link_units if metric == "link_alpha" else article.spans,
                        inputs_fingerprint=own,
                        details=article_details,
                    )
                )
        AgreementSnapshot.objects.bulk_create(rows, batch_size=2000)
    return AgreementRun(
        run=run, fingerprint=fingerprint, snapshots=len(rows), articles=len(report.articles), articles_changed=changed
    )


def agreement_request(*, project_id: int) -> None:
    """Ask the worker to recompute a project's agreement after the current transaction commits, at most once
    per DEBOUNCE_SECONDS (the computation reads the state as it is then, so every submission in the window
    is in it). A publish lost to a broken broker is caught up by the sweeper (`agreement_stale_projects`)."""

    def publish() -> None:
        try:
            if not cache.add(f"agreement-queued:{project_id}", 1, timeout=DEBOUNCE_SECONDS):
                return
            current_app.send_task(
                "annotations.compute_agreement", args=[project_id], countdown=DEBOUNCE_SECONDS, ignore_result=True
            )
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            log.warning("agreement for project %s not queued; the sweeper will catch up", project_id, exc_info=True)

    transaction.on_commit(publish, robust=True)


def agreement_recompute_request(*, project: Project) -> None:
    """Ask the worker to recompute the project's agreement now, as a curator or manager asked: no debounce, and
    forced, so a new run is stored even when the inputs are unchanged. Published after the current transaction
    commits (at once outside one); while one forced run is queued and not yet started, asking again adds none
    (that run reads the state as it is when it starts). A broker that cannot take it raises
    DomainError(code="unavailable"): the person asking is told, since the sweeper would not force a run."""
    key = _forced_key(project.pk)

    def publish() -> None:
        if not cache.add(key, 1, timeout=FORCED_QUEUED_SECONDS):
            return
        try:
            current_app.send_task(
                "annotations.compute_agreement", args=[project.pk], kwargs={"force": True}, ignore_result=True
            )
        except Exception as exc:  # the broker's errors vary by transport (kombu wraps redis's own)
            cache.delete(key)
            log.warning("agreement recompute for project %s not queued", project.pk, exc_info=True)
            raise DomainError(
                "the background worker's queue is unreachable; try again in a moment", code="unavailable"
            ) from exc

    transaction.on_commit(publish)


def agreement_forced_run_started(*, project_id: int) -> None:
    """The worker took the queued forced run: a recompute asked for from now on queues another."""
    cache.delete(_forced_key(project_id))


def _forced_key(project_id: int) -> str:
    return f"agreement-forced:{project_id}"


_STALE_SQL = f"""
    SELECT a.project_id FROM {Assignment._meta.db_table} s
    JOIN {Article._meta.db_table} a ON a.id = s.article_id
    WHERE s.status = %(submitted)s AND s.submitted_at > now() - %(window)s::interval AND a.submitted_count >= 2
    GROUP BY a.project_id
    HAVING max(s.submitted_at) > coalesce(
        (SELECT max(g.computed_at) FROM {AgreementSnapshot._meta.db_table} g
         WHERE g.project_id = a.project_id AND g.scope = %(project_scope)s),
        '-infinity'::timestamptz)
"""  # noqa: S608 - identifiers from the models; values are parameters


def agreement_stale_projects(*, window: timedelta = STALE_WINDOW) -> list[int]:
    """Projects with a submission (within `window`) newer than their latest agreement computation.

    The window bounds the catch-up: a resubmission that changes nothing leaves its project "stale" (an
    unchanged computation stores nothing), so it is looked at again for at most that long.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _STALE_SQL,
            {
                "submitted": AssignmentStatus.SUBMITTED.value,
                "project_scope": AgreementScope.PROJECT.value,
                "window": f"{int(window.total_seconds())} seconds",
            },
        )
        return [row[0] for row in cursor.fetchall()]
