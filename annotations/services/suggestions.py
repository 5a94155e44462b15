"""Suggestion runs: requested with a span (the queued run row is the outbox), executed by the worker,
swept when a publish failed or a worker died.

Lock rule: a run is claimed by a conditional UPDATE (queued, or running with an expired lease, becomes
running); exactly one executor wins, so running a task twice stores one result. The claim's start time is
its token: the executor stores its result, or its failure, only while the run is still the one it claimed.
An edit of the span re-queues the run (a new claim, on the new text), so a slower executor that read the old
text stores nothing.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations.domain import RunStatus
from annotations.matching.embedders import describe, embedder_key, get_embedder
from annotations.matching.retrieval import RETRIEVAL_VERSION, ensure_vector_index, rank_claims
from annotations.models import Span, Suggestion, SuggestionRun
from annotations.selectors.claims import claims_hidden_from
from annotations.services.embeddings import embedders_in_use, serving_embedder
from factcheck.after_response import after_response

log = logging.getLogger(__name__)

TOP_K = 10
REDISPATCH_AFTER = timedelta(seconds=60)


def _dispatch(run_id: int) -> None:
    """Hand the run to the broker. A run is stored with its dispatch time already set (saving an UPDATE
    per span); if the publish fails, the time is cleared so that the next sweep retries it at once. If the
    process dies between commit and publish, the sweeper retries it after REDISPATCH_AFTER."""
    try:
        # By name: services never import the task module (an edge). The run row holds the outcome, so no
        # task result is kept (waiting for one would subscribe to a result channel on every publish).
        current_app.send_task("annotations.suggest_for_span", args=[run_id], ignore_result=True)
    except Exception:  # the broker's errors vary by transport; the sweeper retries whatever it was
        log.warning("could not publish suggestion run %s; the sweeper will retry", run_id, exc_info=True)
        SuggestionRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(dispatched_at=None)


def _run_key(span: Span) -> dict[str, Any]:
    # The claim base's serving model: during a model change, the one whose vectors are complete.
    model = describe(serving_embedder(span.article.project.claim_base))
    return {"span": span, "model_name": model.name, "model_version": model.version, "index_state": RETRIEVAL_VERSION}


def suggestion_run_new(*, span: Span) -> SuggestionRun:
    """The first run of a span being created, unsaved: the span's INSERT writes it too (services/spans.py),
    and `suggestion_run_dispatch` publishes it once that commits."""
    return SuggestionRun(**_run_key(span), dispatched_at=timezone.now())


def suggestion_run_dispatch(run: SuggestionRun) -> None:
    """Publish the run after the current transaction commits, and in a web request after the response is
    sent: a rolled-back span runs nothing, and the client does not wait for the broker."""
    run_id = run.pk
    transaction.on_commit(lambda: after_response(lambda: _dispatch(run_id)), robust=True)


def suggestion_run_request(*, span: Span) -> SuggestionRun:
    """Queue a run for an existing span under the current model and retrieval; dispatched after commit.

    Called inside the span's write transaction: a rolled-back edit runs nothing. A run whose span text
    changed is reset (its old suggestions described the old text).
    """
    now = timezone.now()
    run, created = SuggestionRun.objects.get_or_create(**_run_key(span), defaults={"dispatched_at": now})
    # Runs under an earlier model or retrieval described the old text too; the delivery would still show them.
    SuggestionRun.objects.filter(span=span).exclude(pk=run.pk).delete()
    if not created:
        Suggestion.objects.filter(run=run).delete()
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED,
            error="",
            started_at=None,
            finished_at=None,
            lease_expires_at=None,
            dispatched_at=now,
            queued_at=now,
            timings={},
        )
    suggestion_run_dispatch(run)
    return run


def _claim(run_id: int) -> datetime | None:
    """Take the run for this executor; its token (the claim's start time), or None if it is not to be had."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.FACTCHECK_SUGGESTION_LEASE_SECONDS)
    claimable = Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now)
    claimed = SuggestionRun.objects.filter(claimable, pk=run_id).update(
        status=RunStatus.RUNNING, started_at=now, lease_expires_at=lease, attempts=F("attempts") + 1
    )
    return now if claimed == 1 else None


def _held(run_id: int, token: datetime) -> Q:
    return Q(pk=run_id, status=RunStatus.RUNNING, started_at=token)


def suggestion_run_execute(*, run_id: int, transient: tuple[type[BaseException], ...] = ()) -> bool:
    """Compute and store the run's ranked suggestions. False if there was nothing to do.

    A vanished run (its span was deleted) or one another executor holds is a no-op. An error of a
    `transient` kind (the database or broker away for a moment) gives the run back to the queue, so that a
    retry can take it at once; any other error is recorded on the run for the reviewer. Either is re-raised.
    """
    token = _claim(run_id)
    if token is None:
        return False
    try:
        return _execute(run_id, token)
    except transient:
        with contextlib.suppress(Exception):  # with the database away this fails too: the lease runs out
            SuggestionRun.objects.filter(_held(run_id, token)).update(status=RunStatus.QUEUED, lease_expires_at=None)
        raise
    except Exception as error:
        _fail(run_id, token, f"{type(error).__name__}: {error}")
        raise


def _execute(run_id: int, token: datetime) -> bool:
    run = SuggestionRun.objects.select_related("span", "span__article__project").filter(pk=run_id).first()
    if run is None:
        return False
    key = embedder_key(run.model_name)
    if key is None:
        _fail(run_id, token, f"no installed embedder makes {run.model_name}")
        return False
    embedder = get_embedder(key, settings.FACTCHECK_EMBED_THREADS)
    if (embedder.name, embedder.version) != (run.model_name, run.model_version):
        _fail(
            run_id,
            token,
            f"this worker runs {embedder.name}@{embedder.version}, the run asks for "
            f"{run.model_name}@{run.model_version}",
        )
        return False
    # Blind review: never suggest a claim a fellow reviewer wrote from their span on this article.
    hidden = set(claims_hidden_from(run.span.annotator_id))
    ranking = rank_claims(
        run.span.quote,
        claim_base_id=run.span.article.project.claim_base_id,
        embedder=embedder,
        top_k=TOP_K + len(hidden),
    )
    shown = [f for f in ranking.fused if f.claim_id not in hidden][:TOP_K]
    fused = [replace(f, rank=rank) for rank, f in enumerate(shown, start=1)]
    with transaction.atomic():
        still_ours = SuggestionRun.objects.select_for_update().filter(_held(run_id, token)).first()
        if still_ours is None:  # the span was edited (the run re-queued for its new text) or deleted meanwhile
            return False
        Suggestion.objects.filter(run_id=run_id).delete()
        Suggestion.objects.bulk_create(
            Suggestion(
                run_id=run_id,
                claim_id=f.claim_id,
                rank=f.rank,
                dense_score=f.scores.get("dense"),
                lexical_score=f.scores.get("lexical"),
                title_score=f.scores.get("title"),
                fused_score=f.fused_score,
            )
            for f in fused
        )
        still_ours.status = RunStatus.DONE
        still_ours.finished_at = timezone.now()
        still_ours.lease_expires_at = None
        still_ours.timings = {k: round(v, 2) for k, v in ranking.timings_ms.items()}
        still_ours.save(update_fields=["status", "finished_at", "lease_expires_at", "timings"])
    return True


def _fail(run_id: int, token: datetime, error: str) -> None:
    """Record that the claimed run gave up (bad data, a bug); the reviewer sees the error. Not if the run is
    no longer the one claimed: an edit's new request is not to be marked failed by the old attempt."""
    SuggestionRun.objects.filter(_held(run_id, token)).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now(), lease_expires_at=None
    )


def suggestion_runs_sweep() -> int:
    """Re-dispatch runs left behind: publish failed, message lost, or worker died. Returns how many."""
    now = timezone.now()
    stale = SuggestionRun.objects.filter(
        Q(status=RunStatus.QUEUED, dispatched_at__isnull=True)
        | Q(status=RunStatus.QUEUED, dispatched_at__lt=now - REDISPATCH_AFTER)
        | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now)
        & (Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
    ).values_list("pk", flat=True)[:1000]
    ids = list(stale)
    # Dispatched now: the next sweep leaves them alone for REDISPATCH_AFTER (a failed publish clears it).
    SuggestionRun.objects.filter(pk__in=ids).update(dispatched_at=now)
    for run_id in ids:
        _dispatch(run_id)
    return len(ids)


def vector_index_ensure() -> None:
    """The vector index of every model in use (the configured one, and one still serving a claim base)."""
    for key in embedders_in_use():
        ensure_vector_index(describe(key))
