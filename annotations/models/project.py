"""Projects, their members and roles, and the claim base a project's suggestions search."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint

from annotations.domain import QueueOrder, Role
from annotations.models._choices import choices, in_enum


class ClaimBase(models.Model):
    """A collection of canonical claims shared by the projects that point to it."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    serving_embedder = models.CharField(
        max_length=100,
        blank=True,
        help_text="The embedder (a FACTCHECK_EMBEDDER value) whose vectors of these claims are complete and "
        "serve suggestions; empty means the configured one. After a model change it switches once the new "
        "model has embedded every claim.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


def default_labels() -> list[str]:
    return ["claim"]


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True)
    labels = models.JSONField(default=default_labels, help_text="The span labels reviewers may choose from.")
    reviewers_per_article = models.PositiveSmallIntegerField(default=2)
    lease_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="How long a taken article stays with its reviewer without activity."
    )
    queue_order = models.CharField(max_length=20, choices=choices(QueueOrder), default=QueueOrder.PRIORITY)
    suggestion_settings = models.JSONField(default=dict, blank=True)
    claim_base = models.ForeignKey(ClaimBase, on_delete=models.PROTECT, related_name="projects")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            CheckConstraint(
                condition=Q(reviewers_per_article__gte=1) & Q(reviewers_per_article__lte=20),
                name="project_reviewers_per_article_1_to_20",
            ),
            CheckConstraint(condition=~Q(slug=""), name="project_slug_not_blank"),
            CheckConstraint(
                condition=Q(lease_minutes__gte=1) & Q(lease_minutes__lte=1440), name="project_lease_1_to_1440_minutes"
            ),
            in_enum("queue_order", QueueOrder, "project_queue_order_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=choices(Role))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["user", "project"], name="membership_one_per_user_and_project"),
            in_enum("role", Role, "membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.project}"
