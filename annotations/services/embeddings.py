"""Claim embeddings: computed in batches by the worker, one row per claim and model, never blocking a write.

Claims are embedded after their transaction commits; the sweeper finds any claim the current model has not
embedded yet (new, edited, or a model change), so a lost message only delays, never loses, an embedding.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.db import transaction

from annotations.domain import text_sha256
from annotations.matching.embedders import Embedder, describe, get_embedder, model_id
from annotations.models import CanonicalClaim, ClaimEmbedding

log = logging.getLogger(__name__)

BATCH_SIZE = 128


def embedding_text(claim: CanonicalClaim) -> str:
    return claim.text


def claims_embed_later(claim_ids: Sequence[int]) -> None:
    """After commit, ask the worker to embed these claims (in batches)."""
    ids = list(claim_ids)

    def publish() -> None:
        for start in range(0, len(ids), BATCH_SIZE):
            try:
                current_app.send_task(
                    "annotations.embed_claims", args=[ids[start : start + BATCH_SIZE]], ignore_result=True
                )
            except Exception:  # the sweeper embeds whatever this left out
                log.warning("could not publish claim embedding; the sweeper will retry", exc_info=True)
                return

    transaction.on_commit(publish, robust=True)


def claims_embed(*, claim_ids: Sequence[int], embedder: Embedder | None = None) -> int:
    """Embed the given claims that lack a current vector under the embedder's model. Returns how many."""
    embedder = embedder or get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)
    model = model_id(embedder)
    claims = list(CanonicalClaim.objects.filter(pk__in=claim_ids).only("id", "text", "title"))
    current = dict(
        ClaimEmbedding.objects.filter(
            claim_id__in=claim_ids, model_name=model.name, model_version=model.version
        ).values_list("claim_id", "text_sha256")
    )
    todo = [c for c in claims if current.get(c.pk) != text_sha256(embedding_text(c))]
    if not todo:
        return 0
    vectors = embedder.embed_passages([embedding_text(c) for c in todo])
    rows = [
        ClaimEmbedding(
            claim_id=c.pk,
            model_name=model.name,
            model_version=model.version,
            dimensions=model.dimensions,
            vector=vector.tolist(),
            text_sha256=text_sha256(embedding_text(c)),
        )
        for c, vector in zip(todo, vectors, strict=True)
    ]
    ClaimEmbedding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["claim", "model_name", "model_version"],
        update_fields=["vector", "dimensions", "text_sha256"],
    )
    return len(rows)


def claims_missing_embeddings(*, limit: int = 10_000, claim_base_id: int | None = None) -> list[int]:
    """Active claims (of one claim base, if given) the configured model has not embedded yet."""
    model = describe(settings.FACTCHECK_EMBEDDER)
    embedded = ClaimEmbedding.objects.filter(model_name=model.name, model_version=model.version)
    claims = CanonicalClaim.objects.filter(status="active")
    if claim_base_id is not None:
        claims = claims.filter(claim_base_id=claim_base_id)
    return list(claims.exclude(pk__in=embedded.values("claim_id")).order_by("pk").values_list("pk", flat=True)[:limit])
