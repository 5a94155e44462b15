"""Reads of import batches, with the embedding progress of imported claims."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from annotations.domain import ImportKind
from annotations.matching.embedders import describe
from annotations.models import ClaimEmbedding, ImportBatch, Project


@dataclass(frozen=True)
class ImportProgress:
    batch: ImportBatch
    to_embed: int  # claims of the batch still in the claim base
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
    model = describe(settings.FACTCHECK_EMBEDDER)
    embedded = ClaimEmbedding.objects.filter(
        claim__import_batch=batch, model_name=model.name, model_version=model.version
    ).count()
    return ImportProgress(batch=batch, to_embed=batch.claims.count(), embedded=embedded)
