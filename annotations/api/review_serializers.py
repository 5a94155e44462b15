"""Serializers of the review queue, curation and progress endpoints (issue #6); shared parts come from
serializers.py. Inputs validate strictly, outputs describe responses.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.api.serializers import (
    OFFSET_HELP,
    AssignmentOutput,
    ClaimBriefOutput,
    StrictBooleanField,
    StrictIntegerField,
)
from annotations.domain import AdjudicationStatus, ArticleStatus, AssignmentStatus, LinkSource

# Outputs give statuses as plain strings (as serializers.py does), the values listed in the help text:
# choice fields would add one enum per field name to the schema, and several resources have a `status`.
ARTICLE_STATUS_HELP = "One of: " + ", ".join(ArticleStatus) + "."
ASSIGNMENT_STATUS_HELP = "One of: " + ", ".join(AssignmentStatus) + "."
ADJUDICATION_STATUS_HELP = "One of: " + ", ".join(AdjudicationStatus) + "."

# --- Queue ------------------------------------------------------------------------------------------


class QueueAssignmentOutput(AssignmentOutput):
    article_title = serializers.CharField(source="article.title")
    article_review_status = serializers.CharField(source="article.review_status", help_text=ARTICLE_STATUS_HELP)


class ReassignInput(serializers.Serializer):
    reviewer = serializers.CharField(max_length=150, help_text="The new reviewer's username (an annotator).")


# --- Curation ---------------------------------------------------------------------------------------


class CurationQueueAdjudicationOutput(serializers.Serializer):
    status = serializers.CharField(help_text=ADJUDICATION_STATUS_HELP)
    curator = serializers.CharField(source="curator.username")


class CurationQueueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    disagreement = serializers.FloatField(
        allow_null=True, help_text="0 to 1: the share of span groups where the reviewers do not all agree."
    )
    ready_at = serializers.DateTimeField(allow_null=True, help_text="When the last of the k reviewers submitted.")
    submitted_count = serializers.IntegerField()
    adjudication = serializers.SerializerMethodField()

    @extend_schema_field(CurationQueueAdjudicationOutput(allow_null=True))
    def get_adjudication(self, article: Any) -> dict[str, Any] | None:
        adjudication = getattr(article, "adjudication", None)  # absent: the reverse accessor raises
        return CurationQueueAdjudicationOutput(adjudication).data if adjudication is not None else None


class CurationLinkOutput(serializers.Serializer):
    claim = ClaimBriefOutput(allow_null=True)
    no_match = serializers.SerializerMethodField()
    source = serializers.CharField(help_text="One of: " + ", ".join(LinkSource) + ".")  # type: ignore[assignment]
    suggestion_rank = serializers.IntegerField(allow_null=True)
    suggestion_score = serializers.FloatField(allow_null=True)
    suggestion_model = serializers.CharField()

    def get_no_match(self, link: Any) -> bool:
        return bool(link.claim_id is None)


class CurationSpanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.IntegerField(help_text=OFFSET_HELP)
    end = serializers.IntegerField(help_text=OFFSET_HELP)
    quote = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()
    link = serializers.SerializerMethodField()

    @extend_schema_field(CurationLinkOutput(allow_null=True))
    def get_link(self, span: Any) -> dict[str, Any] | None:
        link = getattr(span, "link", None)
        return CurationLinkOutput(link).data if link is not None else None


class GoldSpanOutput(CurationSpanOutput):
    curator = serializers.CharField(source="annotator.username")
    derived_from = serializers.SerializerMethodField(help_text="The reviewer spans this gold span settles.")

    def get_derived_from(self, span: Any) -> list[int]:
        return sorted(source.pk for source in span.derived_from.all())


class CurationGroupOutput(serializers.Serializer):
    start = serializers.IntegerField(help_text="Where the group's spans begin (the hull). " + OFFSET_HELP)
    end = serializers.IntegerField(help_text=OFFSET_HELP)
    kind = serializers.CharField(
        help_text="`agree`: every reviewer made the same span, label and link; `link_differs`: same bounds, "
        "other label or link; `overlap`: bounds differ; `missing`: some reviewer has no span here.",
    )
    missing = serializers.ListField(child=serializers.CharField(), help_text="Reviewers with no span here.")
    by_reviewer = serializers.DictField(
        child=serializers.ListField(child=CurationSpanOutput()),
        help_text="Every submitted reviewer (username), with their spans in this group.",
    )


class AdjudicationOutput(serializers.Serializer):
    article = serializers.IntegerField(source="article_id")
    status = serializers.CharField(help_text=ADJUDICATION_STATUS_HELP)
    curator = serializers.CharField(source="curator.username")
    decisions = serializers.ListField(
        child=serializers.DictField(), help_text="One entry per gold span written: action, gold, from."
    )
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class CurationAssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.username")
    status = serializers.CharField(help_text=ASSIGNMENT_STATUS_HELP)


class CurationOutput(serializers.Serializer):
    article = serializers.IntegerField()
    title = serializers.CharField()
    review_status = serializers.CharField(help_text=ARTICLE_STATUS_HELP)
    disagreement = serializers.FloatField(allow_null=True)
    reviewers = serializers.ListField(child=serializers.CharField(), help_text="Reviewers who submitted.")
    groups = CurationGroupOutput(many=True)
    gold = GoldSpanOutput(many=True)
    adjudication = AdjudicationOutput(allow_null=True)
    assignments = CurationAssignmentOutput(many=True)


class GoldInput(serializers.Serializer):
    from_span = StrictIntegerField(
        required=False,
        min_value=1,
        help_text="A submitted reviewer span to accept: fields left out are taken from it, its link included.",
    )
    start = StrictIntegerField(required=False, min_value=0, help_text=OFFSET_HELP)
    end = StrictIntegerField(required=False, min_value=1, help_text=OFFSET_HELP)
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)  # type: ignore[assignment]
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=10_000)
    claim = StrictIntegerField(required=False, min_value=1, help_text="Link the gold span to this claim.")
    no_match = StrictBooleanField(required=False, default=False, help_text="Or: no canonical claim matches.")
    derived_from = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        required=False,
        default=list,
        max_length=100,
        help_text="Further submitted reviewer spans this gold span settles.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start is not None and end is not None and start >= end:
            raise serializers.ValidationError({"end": [f"end must be greater than start ({start})"]})
        if "from_span" not in attrs and (start is None or end is None):
            raise serializers.ValidationError({"start": ["a new gold span needs start and end (or from_span)"]})
        return attrs


# --- Progress ---------------------------------------------------------------------------------------


class ArticleCountsOutput(serializers.Serializer):
    unassigned = serializers.IntegerField()
    in_review = serializers.IntegerField()
    ready_for_curation = serializers.IntegerField()
    curated = serializers.IntegerField()


class ReviewerCountsOutput(serializers.Serializer):
    username = serializers.CharField()
    assigned = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    submitted = serializers.IntegerField()
    skipped = serializers.IntegerField()
    expired = serializers.IntegerField()
    revoked = serializers.IntegerField()


class DaySubmissionsOutput(serializers.Serializer):
    day = serializers.DateField()
    submitted = serializers.IntegerField()


class StuckLeaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField(source="article.title")
    reviewer = serializers.CharField(source="reviewer.username")
    status = serializers.CharField(help_text=ASSIGNMENT_STATUS_HELP)
    started_at = serializers.DateTimeField(allow_null=True)
    lease_expires_at = serializers.DateTimeField(allow_null=True)


class ProgressOutput(serializers.Serializer):
    articles = ArticleCountsOutput(help_text="Articles by review status.")
    reviewers = ReviewerCountsOutput(many=True, help_text="Every annotator, with assignments by status.")
    per_day = DaySubmissionsOutput(many=True, help_text="Submissions per day, the last 14 days, oldest first.")
    stuck = StuckLeaseOutput(
        many=True,
        help_text="In-progress work whose lease ran out (not swept yet) or that was taken over 8 hours ago; "
        "at most 100, those whose lease ends first.",
    )
