"""Review work: assignments of articles to reviewers (with leases) and curators' adjudications."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint

from annotations.domain import AdjudicationStatus, AssignmentStatus
from annotations.models._choices import choices, in_enum
from annotations.models.article import Article


class Assignment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=20, choices=choices(AssignmentStatus), default=AssignmentStatus.ASSIGNED)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["article", "reviewer"], name="assignment_one_per_article_and_reviewer"),
            in_enum("status", AssignmentStatus, "assignment_status_valid"),
            CheckConstraint(
                condition=~Q(status=AssignmentStatus.IN_PROGRESS) | Q(lease_expires_at__isnull=False),
                name="assignment_in_progress_has_lease",
            ),
            CheckConstraint(
                condition=~Q(status=AssignmentStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="assignment_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="assignment_reviewer_status"),
            # Recent submissions: the agreement catch-up and submissions per day.
            models.Index(
                fields=["submitted_at"],
                name="assignment_submitted_at",
                condition=Q(status=AssignmentStatus.SUBMITTED),
            ),
            # The lease sweeper's scan.
            models.Index(
                fields=["lease_expires_at"],
                name="assignment_lease_expiry",
                condition=Q(status=AssignmentStatus.IN_PROGRESS),
            ),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} for {self.reviewer}: {self.status}"


class Adjudication(models.Model):
    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="adjudication")
    curator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications")
    status = models.CharField(
        max_length=20, choices=choices(AdjudicationStatus), default=AdjudicationStatus.IN_PROGRESS
    )
    decisions = models.JSONField(default=list, blank=True, help_text="One entry per disagreement settled.")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            in_enum("status", AdjudicationStatus, "adjudication_status_valid"),
            CheckConstraint(
                condition=~Q(status=AdjudicationStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="adjudication_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"adjudication of article {self.article_id}: {self.status}"
