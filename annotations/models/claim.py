"""Canonical claims: the claim base that spans link to, with an embedding and a full-text vector."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.db.models.functions import MD5
from pgvector.django import VectorField

from annotations.domain import ClaimStatus
from annotations.models._choices import choices, in_enum
from annotations.models.article import ImportBatch
from annotations.models.project import ClaimBase


class CanonicalClaim(models.Model):
    claim_base = models.ForeignKey(ClaimBase, on_delete=models.PROTECT, related_name="claims")
    text = models.TextField()
    # Lower-cased, whitespace-folded text: duplicates within a claim base are detected on it.
    normalized_text = models.TextField()
    title = models.CharField(max_length=500, blank=True, help_text="Headline of the fact-check, if any.")
    language = models.CharField(max_length=35, blank=True)
    claimant = models.CharField(max_length=300, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    verdict = models.CharField(max_length=200, blank=True, help_text="The fact-checker's rating, as written.")
    fact_check_url = models.URLField(max_length=2000, blank=True)
    reviewed_by = models.CharField(max_length=300, blank=True, help_text="The fact-checking organisation.")
    tags = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    status = models.CharField(max_length=10, choices=choices(ClaimStatus), default=ClaimStatus.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_claims"
    )
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("text", weight="B", config="english")
        + SearchVector("claimant", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_from_span = models.ForeignKey(
        "annotations.Span", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            CheckConstraint(condition=~Q(text=""), name="claim_text_not_blank"),
            in_enum("status", ClaimStatus, "claim_status_valid"),
            CheckConstraint(
                condition=(Q(status=ClaimStatus.MERGED) & Q(merged_into__isnull=False))
                | (Q(status=ClaimStatus.ACTIVE) & Q(merged_into__isnull=True)),
                name="claim_merged_iff_target",
            ),
            CheckConstraint(condition=~Q(merged_into=F("id")), name="claim_not_merged_into_itself"),
            CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            UniqueConstraint(F("claim_base"), MD5("normalized_text"), name="claim_unique_text_per_base"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="claim_search_vector"),
            models.Index(fields=["claim_base", "status", "language"], name="claim_base_status_language"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class ClaimEmbedding(models.Model):
    """A claim's vector under one embedding model and version.

    Vectors live beside the claim, one row per model, so a new model is filled in the background while
    the old one keeps serving; a partial HNSW index per model (matching.vector_index) makes them searchable.
    """

    claim = models.ForeignKey(CanonicalClaim, on_delete=models.CASCADE, related_name="embeddings")
    model_name = models.CharField(max_length=200)
    model_version = models.CharField(max_length=100)
    dimensions = models.PositiveIntegerField()
    # Dimension-free column: each model's rows share a dimension, checked below and cast by its index.
    vector = VectorField()
    text_sha256 = models.CharField(max_length=64, help_text="Of the text embedded; a changed claim is re-embedded.")
    # The title is a signal of its own (matching re-ranks candidates by it, docs/matching.md), so it is
    # embedded apart from the text; a claim without a title has none.
    title_vector = VectorField(null=True, blank=True)
    title_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Of the title embedded; empty when there is no title vector."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["claim", "model_name", "model_version"], name="claim_embedding_one_per_model"),
            CheckConstraint(condition=Q(dimensions__gte=1), name="claim_embedding_dimensions_positive"),
            CheckConstraint(
                condition=(Q(title_vector__isnull=True) & Q(title_sha256=""))
                | (Q(title_vector__isnull=False) & ~Q(title_sha256="")),
                name="claim_embedding_title_vector_iff_digest",
            ),
        ]
        indexes = [models.Index(fields=["model_name", "model_version"], name="claim_embedding_model")]

    def __str__(self) -> str:
        return f"claim {self.claim_id} under {self.model_name}@{self.model_version}"
