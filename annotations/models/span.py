"""Spans (half-open code-point ranges of an article's text) and their links to canonical claims."""

from django.conf import settings
from django.db import models
from django.db.models import CheckConstraint, F, Q

from annotations.domain import PREFIX_SUFFIX_LENGTH, LinkSource
from annotations.models._choices import choices, in_enum
from annotations.models.article import Article
from annotations.models.claim import CanonicalClaim


class Span(models.Model):
    """A reviewer's highlight.

    A database trigger checks `end <= length(text)` and that quote, prefix and suffix equal the text.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="spans")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spans")
    start = models.PositiveIntegerField(help_text="First code point, counted from 0.")
    end = models.PositiveIntegerField(help_text="One past the last code point (half-open).")
    quote = models.TextField()
    prefix = models.CharField(max_length=PREFIX_SUFFIX_LENGTH, blank=True)
    suffix = models.CharField(max_length=PREFIX_SUFFIX_LENGTH, blank=True)
    label = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    is_gold = models.BooleanField(default=False)
    derived_from = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="gold_spans")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            CheckConstraint(condition=Q(start__gte=0) & Q(start__lt=F("end")), name="span_start_before_end"),
            CheckConstraint(condition=Q(version__gte=1), name="span_version_positive"),
        ]
        indexes = [
            models.Index(fields=["article", "annotator", "start"], name="span_article_annotator"),
        ]

    def __str__(self) -> str:
        return f"[{self.start}, {self.end}) {self.quote[:40]}"


class ClaimLink(models.Model):
    """What a span says: a canonical claim, or an explicit "no matching claim" (claim is null)."""

    span = models.OneToOneField(Span, on_delete=models.CASCADE, related_name="link")
    claim = models.ForeignKey(CanonicalClaim, null=True, blank=True, on_delete=models.PROTECT, related_name="links")
    source = models.CharField(max_length=20, choices=choices(LinkSource))
    suggestion = models.ForeignKey(
        "annotations.Suggestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    # Copied from the suggestion so provenance survives a re-run of suggestions.
    suggestion_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    suggestion_score = models.FloatField(null=True, blank=True)
    suggestion_model = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            in_enum("source", LinkSource, "claim_link_source_valid"),
            CheckConstraint(
                condition=(Q(source=LinkSource.NO_MATCH) & Q(claim__isnull=True))
                | (~Q(source=LinkSource.NO_MATCH) & Q(claim__isnull=False)),
                name="claim_link_no_match_iff_no_claim",
            ),
            CheckConstraint(
                condition=Q(source=LinkSource.SUGGESTION)
                | (Q(suggestion_rank__isnull=True) & Q(suggestion_score__isnull=True)),
                name="claim_link_rank_only_for_suggestions",
            ),
            CheckConstraint(
                condition=~Q(source=LinkSource.SUGGESTION)
                | (Q(suggestion_rank__isnull=False) & Q(suggestion_rank__gte=1)),
                name="claim_link_suggestion_has_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"span {self.span_id} -> {self.claim_id or 'no match'}"
