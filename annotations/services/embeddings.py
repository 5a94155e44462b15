"""Claim embeddings: computed in batches by the worker, one row per claim and model, never blocking a write.

Claims are embedded after their transaction commits; the sweeper finds any claim the current model has not
embedded yet (new, edited, or a model change), so a lost message only delays, never loses, an embedding. A
row holds the text's vector and, apart, the title's; a row without the title's vector of a titled claim
counts as not embedded yet, which is how claims embedded before titles were get theirs.

Model changes without downtime: each claim base has a serving embedder, whose vectors are complete. When
FACTCHECK_EMBEDDER names another one, the configured (target) model embeds every claim in the background
while suggestions keep using the serving model (and new or edited claims get vectors from both); once the
target has embedded every active claim of the base, the sweeper switches the base to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from annotations.domain import DomainError, text_sha256
from annotations.matching.embedders import EMBEDDERS, Embedder, ModelId, Vectors, describe, get_embedder, model_id
from annotations.matching.retrieval import ensure_vector_index
from annotations.models import CanonicalClaim, ClaimBase, ClaimEmbedding
from annotations.services.audit import audit_record

log = logging.getLogger(__name__)

BATCH_SIZE = 128
EMBED_QUEUED_SECONDS = 600  # a batch the sweeper queued whose message was lost is queued again after this


def embedding_text(claim: CanonicalClaim) -> str:
    return claim.text


def embedding_title(claim: CanonicalClaim) -> str:
    """The title embedded apart from the text (matching re-ranks by it); empty: the claim gets no title vector."""
    return claim.title


def _title_sha256(claim: CanonicalClaim) -> str:
    title = embedding_title(claim)
    return text_sha256(title) if title else ""


def serving_embedder(claim_base: ClaimBase) -> str:
    """The embedder whose vectors serve suggestions for this claim base (an EMBEDDERS key)."""
    key = claim_base.serving_embedder
    return key if key in EMBEDDERS else settings.FACTCHECK_EMBEDDER


def embedders_in_use() -> list[str]:
    """The configured embedder, and any other that still serves a claim base (during a model change)."""
    serving = ClaimBase.objects.exclude(serving_embedder="").values_list("serving_embedder", flat=True).distinct()
    keys = [settings.FACTCHECK_EMBEDDER]
    keys += sorted(k for k in serving if k in EMBEDDERS and k != settings.FACTCHECK_EMBEDDER)
    return keys


def claims_embed_later(claim_ids: Sequence[int]) -> None:
    """After commit, ask the worker to embed these claims (in batches) under every embedder in use."""
    ids = list(claim_ids)
    keys = embedders_in_use()

    def publish() -> None:
        for key in keys:
            for start in range(0, len(ids), BATCH_SIZE):
                try:
                    current_app.send_task(
                        "annotations.embed_claims", args=[ids[start : start + BATCH_SIZE], key], ignore_result=True
                    )
                except Exception:  # the sweeper embeds whatever this left out
                    log.warning("could not publish claim embedding; the sweeper will retry", exc_info=True)
                    return

    transaction.on_commit(publish, robust=True)


def claims_embed(*, claim_ids: Sequence[int], embedder: Embedder | None = None, key: str | None = None) -> int:
    """Embed the given claims' texts and titles that lack a current vector under the embedder's model (default:
    the configured one, or the one named by `key`). Returns how many claims got a vector.

    Texts and titles go to the model in one batch. A claim whose text changed gets both again (its row is
    rewritten); one whose row lacks only its title's vector (a row from before titles were embedded, or an
    edited title) gets that alone, and a removed title loses its vector.
    """
    embedder = embedder or get_embedder(key or settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)
    model = model_id(embedder)
    claims = list(CanonicalClaim.objects.filter(pk__in=claim_ids).only("id", "text", "title"))
    current = {
        claim_id: (pk, text_digest, title_digest)
        for pk, claim_id, text_digest, title_digest in ClaimEmbedding.objects.filter(
            claim_id__in=claim_ids, model_name=model.name, model_version=model.version
        ).values_list("pk", "claim_id", "text_sha256", "title_sha256")
    }
    whole = [c for c in claims if c.pk not in current or current[c.pk][1] != text_sha256(embedding_text(c))]
    rewritten = {c.pk for c in whole}
    titles_only = [c for c in claims if c.pk not in rewritten and current[c.pk][2] != _title_sha256(c)]
    if not whole and not titles_only:
        return 0
    titled = [c for c in whole + titles_only if embedding_title(c)]
    vectors = embedder.embed_passages([embedding_text(c) for c in whole] + [embedding_title(c) for c in titled])
    text_vectors = dict(zip((c.pk for c in whole), vectors[: len(whole)], strict=True))
    title_vectors = dict(zip((c.pk for c in titled), vectors[len(whole) :], strict=True))
    with transaction.atomic():
        # Written only for claims still worded as embedded, read under the claims' row locks: an edit since
        # (it cleared the vectors and asked for new ones, which another worker may have written already) wins.
        locked = (  # in id order, as a merge locks its two claims
            CanonicalClaim.objects.select_for_update(no_key=True).filter(pk__in=[c.pk for c in claims]).order_by("pk")
        )
        now = {pk: (text, title) for pk, text, title in locked.values_list("pk", "text", "title")}
        whole = [c for c in whole if now.get(c.pk) == (c.text, c.title)]
        titles_only = [c for c in titles_only if now.get(c.pk) == (c.text, c.title)]
        _rows_write(model, whole, text_vectors, title_vectors)
        _titles_write({current[c.pk][0]: c for c in titles_only}, title_vectors)
    return len(whole) + len(titles_only)


def _rows_write(
    model: ModelId, claims: list[CanonicalClaim], text_vectors: dict[int, Vectors], title_vectors: dict[int, Vectors]
) -> None:
    """Insert or overwrite whole rows: text and title vectors with their digests."""
    rows = [
        ClaimEmbedding(
            claim_id=c.pk,
            model_name=model.name,
            model_version=model.version,
            dimensions=model.dimensions,
            vector=text_vectors[c.pk].tolist(),
            text_sha256=text_sha256(embedding_text(c)),
            title_vector=title_vectors[c.pk].tolist() if c.pk in title_vectors else None,
            title_sha256=_title_sha256(c),
        )
        for c in claims
    ]
    ClaimEmbedding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["claim", "model_name", "model_version"],
        update_fields=["vector", "dimensions", "text_sha256", "title_vector", "title_sha256"],
    )


def _titles_write(claims_by_row: dict[int, CanonicalClaim], title_vectors: dict[int, Vectors]) -> None:
    """Set only the title vectors of existing rows (by row id), keeping their text vectors."""
    rows = [
        ClaimEmbedding(
            pk=row_id,
            title_vector=title_vectors[c.pk].tolist() if c.pk in title_vectors else None,
            title_sha256=_title_sha256(c),
        )
        for row_id, c in claims_by_row.items()
    ]
    ClaimEmbedding.objects.bulk_update(rows, ["title_vector", "title_sha256"])


def claims_missing_embeddings(
    *, limit: int = 10_000, claim_base_id: int | None = None, key: str | None = None
) -> list[int]:
    """Active claims (of one claim base, if given) that an embedder (default: the configured one) has not
    embedded yet, text or title."""
    model = describe(key or settings.FACTCHECK_EMBEDDER)
    # Complete: a text vector, and a title vector if the claim has a title (so rows from before titles were
    # embedded are backfilled by the same path, and a model switch waits for the titles too).
    embedded = ClaimEmbedding.objects.filter(model_name=model.name, model_version=model.version).filter(
        Q(title_vector__isnull=False) | Q(claim__title="")
    )
    claims = CanonicalClaim.objects.filter(status="active")
    if claim_base_id is not None:
        claims = claims.filter(claim_base_id=claim_base_id)
    return list(claims.exclude(pk__in=embedded.values("claim_id")).order_by("pk").values_list("pk", flat=True)[:limit])


def claims_to_reindex(key: str | None = None) -> tuple[str, list[int]]:
    """The embedder (default: the configured one) and every active claim it lacks, its vector index built
    first. For a model change ahead of the sweeper's pace (2,000 claims per sweep)."""
    key = key or settings.FACTCHECK_EMBEDDER
    if key not in EMBEDDERS:
        raise DomainError(f"unknown embedder {key!r}; known: {', '.join(sorted(EMBEDDERS))}", field="embedder")
    ensure_vector_index(describe(key))
    return key, claims_missing_embeddings(limit=10_000_000, key=key)


def _queued_mark(key: str, claim_id: int) -> str:
    return f"embed-queued:{key}:{claim_id}"


def claims_not_queued_lately(key: str, claim_ids: list[int]) -> list[int]:
    """Of these claims, those the sweeper has not queued for this embedder in the last EMBED_QUEUED_SECONDS
    (`claims_mark_queued`): while a backlog is being embedded, each sweep would otherwise queue it again."""
    queued = cache.get_many([_queued_mark(key, claim_id) for claim_id in claim_ids])
    return [claim_id for claim_id in claim_ids if _queued_mark(key, claim_id) not in queued]


def claims_mark_queued(key: str, claim_ids: list[int]) -> None:
    """The sweeper published these claims' batch (marked after the publish: a failed one leaves none)."""
    cache.set_many({_queued_mark(key, claim_id): 1 for claim_id in claim_ids}, timeout=EMBED_QUEUED_SECONDS)


def claims_missing_any(*, limit: int) -> dict[str, list[int]]:
    """For the sweeper: per embedder in use, the claims it still has to embed. A claim base in a model change
    needs the target's vectors for all claims, and the serving model's for its new and edited ones."""
    missing: dict[str, list[int]] = {}
    target = settings.FACTCHECK_EMBEDDER
    ids = claims_missing_embeddings(limit=limit, key=target)
    if ids:
        missing[target] = ids
    for key in embedders_in_use()[1:]:
        bases = ClaimBase.objects.filter(serving_embedder=key).values_list("pk", flat=True)
        ids = []
        for base_id in bases:
            ids += claims_missing_embeddings(limit=limit - len(ids), claim_base_id=base_id, key=key)
        if ids:
            missing[key] = ids
    return missing


def claim_bases_switch_when_complete() -> list[str]:
    """Switch every claim base whose configured model has embedded all its active claims to that model.

    Called by the sweeper; returns the slugs switched. The target's vector index is built before the switch,
    so the first suggestion under the new model finds it. Recorded in the audit trail.
    """
    target = settings.FACTCHECK_EMBEDDER
    switched = []
    for base in ClaimBase.objects.exclude(serving_embedder=target).order_by("pk"):
        if claims_missing_embeddings(limit=1, claim_base_id=base.pk, key=target):
            continue
        ensure_vector_index(describe(target))
        before = base.serving_embedder
        updated = ClaimBase.objects.filter(pk=base.pk, serving_embedder=before).update(serving_embedder=target)
        if updated:
            audit_record(
                actor=None,
                action="claim_base.embedder_switch",
                obj=base,
                project=None,
                before={"serving_embedder": before},
                after={"serving_embedder": target},
            )
            switched.append(base.slug)
    return switched
