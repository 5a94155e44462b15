"""Articles (immutable normalised text, deduplicated by sha256 within a project) and import batches."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint
from django.db.models.functions import Length

from annotations.domain import ArticleStatus, ImportKind
from annotations.models._choices import choices, in_enum
from annotations.models.project import Project

models.TextField.register_lookup(Length)


class ImportBatch(models.Model):
    """One import run: who, what files, and the per-line report of what was skipped or refused."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_batches")
    kind = models.CharField(max_length=20, choices=choices(ImportKind))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sources = models.JSONField(default=list, help_text="File names, in the order they were read.")
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, help_text="The first problems found (file, line, field, message).")

    class Meta:
        constraints = [in_enum("kind", ImportKind, "import_batch_kind_valid")]

    def __str__(self) -> str:
        return f"{self.kind} import #{self.pk} into {self.project}"


class Article(models.Model):
    # Not a column: `selectors.articles.article_for` notes it on the article it loads.
    is_adjudicated: bool

    # No index of its own: the composite indexes below all lead with project_id.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="articles", db_index=False)
    external_id = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    published_date = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, when known.")
    # Normalised to NFC once at import; a database trigger refuses any later change (offsets point into it).
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    priority = models.IntegerField(default=0, help_text="Higher comes first in review queues.")
    metadata = models.JSONField(default=dict, blank=True)
    # Review state, kept by the review services under the article's row lock (the queue reads these
    # instead of counting assignments): how many of the k reviewer slots are free, how many reviewers
    # submitted, and, once all k have, how much they disagree (the curator queue's order).
    review_status = models.CharField(max_length=20, choices=choices(ArticleStatus), default=ArticleStatus.UNASSIGNED)
    # Set to the project's k on insert by a database trigger, whatever writes the row (COPY, ORM, admin).
    open_slots = models.PositiveSmallIntegerField(
        default=0, help_text="Reviewer slots still free: k minus the assignments that hold one."
    )
    submitted_count = models.PositiveSmallIntegerField(default=0)
    disagreement = models.FloatField(
        null=True, blank=True, help_text="0 (all reviewers agree) to 1, set when the article is ready for curation."
    )
    ready_at = models.DateTimeField(null=True, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["project", "sha256"], name="article_unique_text_per_project"),
            CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="article_sha256_hex"),
            CheckConstraint(condition=Q(text__length__gt=0), name="article_text_not_empty"),
            in_enum("review_status", ArticleStatus, "article_review_status_valid"),
            CheckConstraint(
                condition=Q(disagreement__isnull=True) | (Q(disagreement__gte=0) & Q(disagreement__lte=1)),
                name="article_disagreement_0_to_1",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-priority", "created_at"], name="article_queue_order"),
            models.Index(fields=["project", "external_id"], name="article_external_id", condition=~Q(external_id="")),
            # "Next article" walks one of these from its head: only articles with a free slot are in them.
            models.Index(
                fields=["project", "-priority", "created_at", "id"],
                name="article_open_by_priority",
                condition=Q(open_slots__gt=0),
            ),
            models.Index(
                fields=["project", "created_at", "id"], name="article_open_by_age", condition=Q(open_slots__gt=0)
            ),
            models.Index(
                fields=["project", "-disagreement", "ready_at", "id"],
                name="article_curation_queue",
                condition=Q(review_status=ArticleStatus.READY_FOR_CURATION),
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"article {self.pk}"
