"""Dataset releases: versioned, immutable once published (a database trigger refuses changes)."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint

from annotations.domain import ReleaseStatus
from annotations.models._choices import choices, in_enum
from annotations.models.agreement import AgreementSnapshot
from annotations.models.project import Project


class DatasetRelease(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="releases")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=choices(ReleaseStatus), default=ReleaseStatus.BUILDING)
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    files = models.JSONField(default=dict, blank=True, help_text="File name -> sha256.")
    manifest = models.JSONField(default=dict, blank=True)
    agreement_snapshot = models.ForeignKey(
        AgreementSnapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    model_versions = models.JSONField(default=list, blank=True)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["project", "version"], name="release_version_unique_per_project"),
            in_enum("status", ReleaseStatus, "release_status_valid"),
            CheckConstraint(condition=Q(version__gte=1), name="release_version_positive"),
            CheckConstraint(
                condition=~Q(status=ReleaseStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="release_published_has_time",
            ),
            CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="release_progress_0_to_1"),
        ]

    def __str__(self) -> str:
        return f"{self.project} v{self.version} ({self.status})"
