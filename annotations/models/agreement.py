"""Agreement snapshots: one measured figure per scope and metric, kept over time, never overwritten."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, F, Q

from annotations.domain import AgreementScope
from annotations.models._choices import choices, in_enum
from annotations.models.article import Article
from annotations.models.project import Project


class AgreementSnapshot(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreement_snapshots")
    scope = models.CharField(max_length=20, choices=choices(AgreementScope))
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reviewer_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reviewer_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    metric = models.CharField(max_length=60)
    value = models.FloatField(null=True, blank=True, help_text="Null where the metric is undefined.")
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n_units = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    inputs_fingerprint = models.CharField(max_length=64)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            in_enum("scope", AgreementScope, "agreement_scope_valid"),
            CheckConstraint(
                condition=(
                    Q(scope=AgreementScope.PROJECT)
                    & Q(article__isnull=True)
                    & Q(reviewer_a__isnull=True)
                    & Q(reviewer_b__isnull=True)
                )
                | (
                    Q(scope=AgreementScope.ARTICLE)
                    & Q(article__isnull=False)
                    & Q(reviewer_a__isnull=True)
                    & Q(reviewer_b__isnull=True)
                )
                | (
                    Q(scope=AgreementScope.REVIEWER_PAIR)
                    & Q(reviewer_a__isnull=False)
                    & Q(reviewer_b__isnull=False)
                    & Q(reviewer_a__lt=F("reviewer_b"))
                ),
                name="agreement_scope_fields_match",
            ),
            CheckConstraint(
                condition=Q(ci_low__isnull=True) | Q(ci_high__isnull=True) | Q(ci_low__lte=F("ci_high")),
                name="agreement_interval_ordered",
            ),
        ]
        indexes = [models.Index(fields=["project", "scope", "metric", "-computed_at"], name="agreement_latest")]

    def __str__(self) -> str:
        return f"{self.metric}={self.value} ({self.scope})"
