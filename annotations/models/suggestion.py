"""Suggestion runs for a span (one per model, version and index state) and their ranked suggestions."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, F, Q, UniqueConstraint

from annotations.domain import Decision, RunStatus
from annotations.models._choices import choices, in_enum
from annotations.models.claim import CanonicalClaim
from annotations.models.span import Span


class SuggestionRun(models.Model):
    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="suggestion_runs")
    model_name = models.CharField(max_length=200)
    model_version = models.CharField(max_length=100)
    index_state = models.CharField(max_length=100, help_text="Fingerprint of the claim index searched.")
    status = models.CharField(max_length=10, choices=choices(RunStatus), default=RunStatus.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the task was queued for the broker (set with the row, published after commit); "
        "empty if the publish failed.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, help_text="A running run past this is stale.")
    timings = models.JSONField(default=dict, blank=True, help_text="Milliseconds per stage.")

    class Meta:
        constraints = [
            in_enum("status", RunStatus, "suggestion_run_status_valid"),
            UniqueConstraint(
                fields=["span", "model_name", "model_version", "index_state"],
                name="suggestion_run_one_per_span_model_index",
            ),
            CheckConstraint(
                condition=~Q(status=RunStatus.FAILED) | ~Q(error=""), name="suggestion_run_failed_has_error"
            ),
            CheckConstraint(
                condition=~Q(status=RunStatus.RUNNING) | Q(lease_expires_at__isnull=False),
                name="suggestion_run_running_has_lease",
            ),
            CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(finished_at__gte=F("started_at")),
                name="suggestion_run_finished_after_started",
            ),
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="suggestion_run_status_lease")]

    def __str__(self) -> str:
        return f"run {self.pk} for span {self.span_id}: {self.status}"


class Suggestion(models.Model):
    run = models.ForeignKey(SuggestionRun, on_delete=models.CASCADE, related_name="suggestions")
    claim = models.ForeignKey(CanonicalClaim, on_delete=models.PROTECT, related_name="suggestions")
    rank = models.PositiveSmallIntegerField()
    dense_score = models.FloatField(null=True, blank=True)
    lexical_score = models.FloatField(null=True, blank=True)
    title_score = models.FloatField(
        null=True, blank=True, help_text="Cosine similarity of the span to the claim's title (its text, if untitled)."
    )
    fused_score = models.FloatField(help_text="The score the suggestions are ranked by.")
    decision = models.CharField(max_length=10, choices=choices(Decision), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["run", "rank"], name="suggestion_rank_unique_in_run"),
            UniqueConstraint(fields=["run", "claim"], name="suggestion_claim_unique_in_run"),
            CheckConstraint(condition=Q(rank__gte=1), name="suggestion_rank_from_one"),
            CheckConstraint(
                condition=Q(decision="") | Q(decision__in=[d.value for d in Decision]),
                name="suggestion_decision_valid",
            ),
            CheckConstraint(
                condition=(Q(decision="") & Q(decided_at__isnull=True))
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="suggestion_decided_at_iff_decision",
            ),
        ]
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return f"#{self.rank} claim {self.claim_id} ({self.fused_score:.3f})"
