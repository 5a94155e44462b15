"""Celery tasks: ids in, a service call, narrow retries, safe to run twice."""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError, connection

from annotations.selectors.projects import project_by_id
from annotations.services.agreement import (
    agreement_compute,
    agreement_forced_run_started,
    agreement_request,
    agreement_stale_projects,
)
from annotations.services.embeddings import (
    BATCH_SIZE,
    claim_bases_switch_when_complete,
    claims_embed,
    claims_mark_queued,
    claims_missing_any,
    claims_not_queued_lately,
    claims_to_reindex,
)
from annotations.services.releases import release_build
from annotations.services.review import leases_expire
from annotations.services.suggestions import (
    suggestion_run_execute,
    suggestion_runs_sweep,
    vector_index_ensure,
)

log = logging.getLogger(__name__)

# Only failures that go away by themselves are retried: a lost database or broker connection.
TRANSIENT = (OperationalError, redis.ConnectionError, redis.TimeoutError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="annotations.ping")
def ping() -> dict[str, str]:
    """Round trip for health checks and tests: proves the worker runs and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        row = cursor.fetchone()
    return {"pong": "pong", "database": row[0] if row else ""}


@shared_task(name="annotations.suggest_for_span", bind=True, ignore_result=True, **RETRY)
def suggest_for_span(self: object, run_id: int) -> bool:
    """Rank canonical claims for a span's suggestion run. A deleted span or finished run is a no-op. A
    transient error gives the run back to the queue and is retried; any other is recorded on the run (a bug
    or bad data will not heal by retrying) and re-raised."""
    return suggestion_run_execute(run_id=run_id, transient=TRANSIENT)


@shared_task(name="annotations.embed_claims", ignore_result=True, **RETRY)
def embed_claims(claim_ids: list[int], embedder: str | None = None) -> int:
    """Embed a batch of claims under an embedder (default: the configured one); done ones are skipped."""
    return claims_embed(claim_ids=claim_ids, key=embedder)


@shared_task(name="annotations.reindex_claims", **RETRY)
def reindex_claims(embedder: str | None = None) -> int:
    """Queue embedding of every claim an embedder (default: the configured one) lacks, after a model
    change say. Suggestions keep the serving model until the sweeper sees the new one complete."""
    key, missing = claims_to_reindex(embedder)
    for start in range(0, len(missing), BATCH_SIZE):
        embed_claims.delay(missing[start : start + BATCH_SIZE], key)
    return len(missing)


@shared_task(name="annotations.sweep", **RETRY)
def sweep() -> dict[str, int]:
    """Periodic: re-dispatch suggestion runs left behind, embed claims nobody embedded yet (under every
    model in use), switch claim bases whose new model has embedded every claim, and give the slots of
    review leases that ran out back to the pool."""
    runs = suggestion_runs_sweep()
    leases = leases_expire()
    stale = agreement_stale_projects()
    for project_id in stale:
        agreement_request(project_id=project_id)
    queued = 0
    for key, backlog in claims_missing_any(limit=2_000).items():
        missing = claims_not_queued_lately(key, backlog)
        for start in range(0, len(missing), BATCH_SIZE):
            batch = missing[start : start + BATCH_SIZE]
            embed_claims.delay(batch, key)
            claims_mark_queued(key, batch)
        queued += len(missing)
    switched = claim_bases_switch_when_complete()
    return {"runs": runs, "claims": queued, "switched": len(switched), "leases": leases, "agreement": len(stale)}


@shared_task(name="annotations.compute_agreement", ignore_result=True, **RETRY)
def compute_agreement(project_id: int, force: bool = False) -> int:
    """Recompute a project's agreement and store its snapshots (nothing when its inputs are unchanged);
    returns how many snapshots were stored. A deleted project is a no-op."""
    if force:
        agreement_forced_run_started(project_id=project_id)
    project = project_by_id(project_id)
    if project is None:
        return 0
    run = agreement_compute(project=project, force=force)
    return run.snapshots if run is not None else 0


@worker_ready.connect
def _on_worker_ready(**_: object) -> None:
    """Make sure the model's vector index exists and pick up whatever was left while no worker ran."""
    try:
        vector_index_ensure()
        sweep.delay()
    except Exception:  # a worker must start even if this housekeeping cannot run yet
        log.warning("start-up sweep failed", exc_info=True)


@shared_task(name="annotations.build_release", ignore_result=True, **RETRY)
def build_release(release_id: int) -> str | None:
    """Write a release's files and publish it (a published, failed or deleted release is left alone)."""
    release = release_build(release_id=release_id)
    return release.status if release is not None else None
