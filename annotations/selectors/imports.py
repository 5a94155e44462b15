"""Reads of import batches, with the embedding progress of imported claims."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from annotations.domain import ClaimStatus, ImportKind
from annotations.matching.embedders import describe
from annotations.models import ClaimEmbedding, ImportBatch, Project


@dataclass(frozen=True)
class ImportProgress:
    batch: ImportBatch
    to_embed: int  # active claims of the batch (merged ones are never embedded)
    embedded: int  # of which the configured model has a vector

    @property
    def done(self) -> bool:
        return self.embedded >= self.to_embed


def import_batch_for(*, project: Project, batch_id: int) -> ImportBatch | None:
    return ImportBatch.objects.filter(project=project, pk=batch_id).first()


def import_batch_by_id(batch_id: int) -> ImportBatch:
    return ImportBatch.objects.get(pk=batch_id)


def import_progress(batch: ImportBatch) -> ImportProgress:
    if batch.kind != ImportKind.CLAIMS:
        return ImportProgress(batch=batch, to_embed=0, embedded=0)
    # Active claims only: a claim merged away is never embedded, so counting it would never finish.
    model = describe(settings.FACTCHECK_EMBEDDER)
    embedded = ClaimEmbedding.objects.filter(
        claim__import_batch=batch,
        claim__status=ClaimStatus.ACTIVE,
        model_name=model.name,
        model_version=model.version,
    ).count()
    to_embed = batch.claims.filter(status=ClaimStatus.ACTIVE).count()
    return ImportProgress(batch=batch, to_embed=to_embed, embedded=embedded)
