"""Input and output serializers: inputs validate shape and types strictly, outputs describe responses.

Offsets (`start`, `end`) are Unicode code points into the stored article text, half-open: [start, end).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from annotations.domain import ArticleStatus, Decision, LinkSource, QueueOrder, Role

OFFSET_HELP = "Unicode code points into the article text (not UTF-16 units, not bytes); the range is [start, end)."


class StrictIntegerField(serializers.IntegerField):
    """An integer in the JSON sense: "5", 5.0 and true are refused rather than converted."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


# --- Imports ----------------------------------------------------------------------------------------


class ArticleImportInput(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        help_text="Plain text, Markdown with YAML front matter, HTML or JSONL files; detected by content.",
    )


class ImportProblemOutput(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True, help_text="1-based line, for line-oriented formats.")
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ImportReportOutput(serializers.Serializer):
    batch_id = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    failed = serializers.IntegerField()
    problems = ImportProblemOutput(many=True)
    problems_truncated = serializers.BooleanField()


class ErrorItem(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The input field (dotted path) at fault, if any.")
    code = serializers.CharField()
    message = serializers.CharField()
    line = serializers.IntegerField(required=False)
    file = serializers.CharField(required=False)


# `errors` would shadow Serializer.errors, so these response shapes are declared for the schema only.
ErrorOutput = inline_serializer("Errors", fields={"errors": ErrorItem(many=True)})
ImportFailedOutput = inline_serializer(
    "ImportFailed",
    fields={
        "errors": ErrorItem(many=True),
        "report": ImportReportOutput(required=False, help_text="Present when records were read: what was kept."),
    },
)


# --- Projects and members ---------------------------------------------------------------------------


class ProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    guidelines = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField())
    reviewers_per_article = serializers.IntegerField()
    lease_minutes = serializers.IntegerField(help_text="How long a taken article stays with its reviewer.")
    queue_order = serializers.ChoiceField(choices=[o.value for o in QueueOrder])
    claim_base = serializers.IntegerField(source="claim_base_id")
    created_at = serializers.DateTimeField()


class ProjectCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100, required=False, default="")
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=10_000)
    guidelines = serializers.CharField(required=False, default="", allow_blank=True, max_length=100_000)
    labels = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    reviewers_per_article = StrictIntegerField(required=False, default=2, min_value=1, max_value=20)


class ProjectUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    guidelines = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    labels = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    reviewers_per_article = StrictIntegerField(required=False, min_value=1, max_value=20)
    lease_minutes = StrictIntegerField(
        required=False, min_value=1, max_value=1440, help_text="Lease length of a taken article, in minutes."
    )
    queue_order = serializers.ChoiceField(
        required=False,
        choices=[o.value for o in QueueOrder],
        help_text="`priority`: highest priority first, then oldest; `oldest`: oldest first.",
    )


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=[r.value for r in Role])
    created_at = serializers.DateTimeField()


class MemberInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=[r.value for r in Role])


class MemberUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=[r.value for r in Role])


# --- Claims -----------------------------------------------------------------------------------------


class ClaimBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    verdict = serializers.CharField()
    status = serializers.CharField()


class ClaimOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField()
    claimant = serializers.CharField()
    claim_date = serializers.DateField(allow_null=True)
    verdict = serializers.CharField()
    fact_check_url = serializers.CharField()
    reviewed_by = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ClaimSearchOutput(ClaimOutput):
    rank = serializers.FloatField(help_text="Full-text relevance (ts_rank).")


class ClaimSpanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField(source="article.title")
    start = serializers.IntegerField(help_text=OFFSET_HELP)
    end = serializers.IntegerField(help_text=OFFSET_HELP)
    quote = serializers.CharField()
    annotator = serializers.CharField(source="annotator.username")
    is_gold = serializers.BooleanField()
    link_source = serializers.CharField(source="link.source")


class ClaimDetailOutput(ClaimOutput):
    spans = serializers.SerializerMethodField(
        help_text="The first linked spans the caller may see (at most 200); all of them, paged: claims/{id}/spans"
    )
    more_spans = serializers.SerializerMethodField(help_text="Whether more linked spans exist than `spans` shows")

    @extend_schema_field(ClaimSpanOutput(many=True))
    def get_spans(self, claim: Any) -> list[dict[str, Any]]:
        return ClaimSpanOutput(self.context["spans"], many=True).data  # type: ignore[return-value]

    def get_more_spans(self, claim: Any) -> bool:
        return bool(self.context["more_spans"])


class ClaimInput(serializers.Serializer):
    text = serializers.CharField(max_length=5_000)
    title = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)
    language = serializers.CharField(required=False, default="", allow_blank=True, max_length=35)
    claimant = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)
    claim_date = serializers.DateField(required=False, allow_null=True, default=None)
    verdict = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    fact_check_url = serializers.URLField(required=False, default="", allow_blank=True, max_length=2000)
    reviewed_by = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=30
    )


class ClaimUpdateInput(serializers.Serializer):
    version = StrictIntegerField(required=False, min_value=1, help_text="Or send If-Match.")
    text = serializers.CharField(required=False, max_length=5_000)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    language = serializers.CharField(required=False, allow_blank=True, max_length=35)
    claimant = serializers.CharField(required=False, allow_blank=True, max_length=300)
    claim_date = serializers.DateField(required=False, allow_null=True)
    verdict = serializers.CharField(required=False, allow_blank=True, max_length=200)
    fact_check_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    reviewed_by = serializers.CharField(required=False, allow_blank=True, max_length=300)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=30)


class ClaimMergeInput(serializers.Serializer):
    into = StrictIntegerField(min_value=1, help_text="The claim that remains; this one redirects to it.")


# --- Spans, links, suggestions ----------------------------------------------------------------------


class LinkOutput(serializers.Serializer):
    claim = ClaimBriefOutput(allow_null=True)
    no_match = serializers.SerializerMethodField()
    source = serializers.ChoiceField(choices=[s.value for s in LinkSource])  # type: ignore[assignment]
    suggestion = serializers.IntegerField(source="suggestion_id", allow_null=True)
    suggestion_rank = serializers.IntegerField(allow_null=True)
    suggestion_score = serializers.FloatField(allow_null=True)
    suggestion_model = serializers.CharField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_no_match(self, link: Any) -> bool:
        return bool(link.claim_id is None)


class SpanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id")
    annotator = serializers.CharField(source="annotator.username")
    start = serializers.IntegerField(help_text=OFFSET_HELP)
    end = serializers.IntegerField(help_text=OFFSET_HELP)
    quote = serializers.CharField(help_text="The article text at [start, end).")
    prefix = serializers.CharField(help_text="Up to 32 characters before the span (W3C TextQuoteSelector).")
    suffix = serializers.CharField(help_text="Up to 32 characters after the span.")
    label = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()
    version = serializers.IntegerField()
    is_gold = serializers.BooleanField()
    link = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(LinkOutput(allow_null=True))
    def get_link(self, span: Any) -> dict[str, Any] | None:
        link = getattr(span, "link", None)
        return LinkOutput(link).data if link is not None else None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # The declared fields describe the schema; the JSON is built by span_json (same keys and
        # values, about ten times cheaper: an article view serializes hundreds of spans).
        return span_json(span_row(instance), timezone.get_current_timezone())


def _iso(value: datetime | str, tz: tzinfo) -> str:
    """As DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as `Z`, no zero fraction.

    A string is a time the database already wrote in UTC (`span_rows_visible`); the time zone is UTC.
    """
    if isinstance(value, str):
        return value[:-8] + "Z" if value.endswith(".000000Z") else value
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def span_row(span: Any) -> dict[str, Any]:
    """A Span instance (with `annotator` and `link__claim` loaded or cached) as a row of
    `span_rows_visible`."""
    link = getattr(span, "link", None)
    claim = link.claim if link is not None else None
    return {
        "id": span.id,
        "article_id": span.article_id,
        "annotator__username": span.annotator.username,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "prefix": span.prefix,
        "suffix": span.suffix,
        "label": span.label,
        "note": span.note,
        "version": span.version,
        "is_gold": span.is_gold,
        "created_at": span.created_at,
        "updated_at": span.updated_at,
        "link__id": link.id if link is not None else None,
        "link__claim_id": claim.id if claim is not None else None,
        "link__claim__text": claim.text if claim is not None else None,
        "link__claim__verdict": claim.verdict if claim is not None else None,
        "link__claim__status": claim.status if claim is not None else None,
        "link__source": link.source if link is not None else None,
        "link__suggestion_id": link.suggestion_id if link is not None else None,
        "link__suggestion_rank": link.suggestion_rank if link is not None else None,
        "link__suggestion_score": link.suggestion_score if link is not None else None,
        "link__suggestion_model": link.suggestion_model if link is not None else None,
        "link__version": link.version if link is not None else None,
        "link__created_at": link.created_at if link is not None else None,
    }


def span_json(row: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    """SpanOutput's JSON from a row of `span_rows_visible` (or `span_row`), times in `tz`: the current
    time zone, looked up once by the caller (the lookup costs more than the formatting). Tests hold it
    equal to the declared fields' output."""
    link = None
    if row["link__id"] is not None:
        claim_id = row["link__claim_id"]
        score = row["link__suggestion_score"]
        link = {
            "claim": None
            if claim_id is None
            else {
                "id": claim_id,
                "text": row["link__claim__text"],
                "verdict": row["link__claim__verdict"],
                "status": row["link__claim__status"],
            },
            "no_match": claim_id is None,
            "source": row["link__source"],
            "suggestion": row["link__suggestion_id"],
            "suggestion_rank": row["link__suggestion_rank"],
            "suggestion_score": None if score is None else float(score),
            "suggestion_model": row["link__suggestion_model"],
            "version": row["link__version"],
            "created_at": _iso(row["link__created_at"], tz),
        }
    return {
        "id": row["id"],
        "article": row["article_id"],
        "annotator": row["annotator__username"],
        "start": row["start"],
        "end": row["end"],
        "quote": row["quote"],
        "prefix": row["prefix"],
        "suffix": row["suffix"],
        "label": row["label"],
        "note": row["note"],
        "version": row["version"],
        "is_gold": row["is_gold"],
        "link": link,
        "created_at": _iso(row["created_at"], tz),
        "updated_at": _iso(row["updated_at"], tz),
    }


class SpanCreateInput(serializers.Serializer):
    start = StrictIntegerField(min_value=0, help_text=OFFSET_HELP)
    end = StrictIntegerField(min_value=1, help_text=OFFSET_HELP)
    quote = serializers.CharField(
        trim_whitespace=False, max_length=1_000_000, help_text="Must equal the article text at [start, end)."
    )
    label = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)  # type: ignore[assignment]
    note = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=False, max_length=10_000)


class SpanUpdateInput(serializers.Serializer):
    version = StrictIntegerField(required=False, min_value=1, help_text="Or send If-Match.")
    start = StrictIntegerField(required=False, min_value=0, help_text=OFFSET_HELP)
    end = StrictIntegerField(required=False, min_value=1, help_text=OFFSET_HELP)
    quote = serializers.CharField(required=False, trim_whitespace=False, max_length=1_000_000)
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)  # type: ignore[assignment]
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=10_000)


class LinkInput(serializers.Serializer):
    claim = StrictIntegerField(required=False, min_value=1, help_text="An existing canonical claim.")
    no_match = StrictBooleanField(required=False, default=False, help_text="No canonical claim matches.")
    new_claim = ClaimInput(required=False, help_text="Create a claim from the span and link to it.")
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[LinkSource.SEARCH.value, LinkSource.SUGGESTION.value],
        required=False,
        help_text="How an existing claim was found.",
    )
    suggestion = StrictIntegerField(required=False, min_value=1, help_text="With source=suggestion.")
    version = StrictIntegerField(required=False, min_value=1, help_text="For PUT: the link's version.")


class SuggestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    rank = serializers.IntegerField()
    claim = ClaimBriefOutput()
    dense_score = serializers.FloatField(allow_null=True)
    lexical_score = serializers.FloatField(allow_null=True)
    title_score = serializers.FloatField(
        allow_null=True, help_text="Similarity of the span to the claim's title (its text, if it has none)."
    )
    fused_score = serializers.FloatField(help_text="What the suggestions are ranked by.")
    decision = serializers.CharField()


class SuggestionRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    model_name = serializers.CharField()
    model_version = serializers.CharField()
    error = serializers.CharField()
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    suggestions = SuggestionOutput(many=True)


class SpanSuggestionsOutput(serializers.Serializer):
    span = serializers.IntegerField()
    status = serializers.CharField(help_text="The latest run's status, or `none` before any run.")
    runs = SuggestionRunOutput(many=True)


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[d.value for d in Decision])


# --- Articles and assignments -----------------------------------------------------------------------


class ArticleListOutput(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    title = serializers.CharField()
    source_url = serializers.CharField()
    published_date = serializers.DateField(allow_null=True)
    language = serializers.CharField()
    priority = serializers.IntegerField()
    review_status = serializers.CharField(help_text="One of: " + ", ".join(ArticleStatus) + ".")
    created_at = serializers.DateTimeField()
    my_span_count = serializers.IntegerField(help_text="Spans of the caller in this article.")


class ArticleDetailOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    external_id = serializers.CharField()
    title = serializers.CharField()
    source_url = serializers.CharField()
    published_date = serializers.DateField(allow_null=True)
    language = serializers.CharField()
    priority = serializers.IntegerField()
    metadata = serializers.JSONField()
    text = serializers.CharField(help_text="NFC-normalised and immutable; offsets are code points into it.")
    length = serializers.SerializerMethodField(help_text="len(text) in code points.")
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    spans = serializers.SerializerMethodField()

    def get_length(self, article: Any) -> int:
        return len(article.text)

    @extend_schema_field(SpanOutput(many=True))
    def get_spans(self, article: Any) -> list[dict[str, Any]]:
        tz = timezone.get_current_timezone()
        return [span_json(row, tz) for row in self.context["span_rows"]]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # The declared fields describe the schema; article_json builds the same JSON without DRF building
        # and running a field object per key on every request (tests/api/test_span_json.py).
        return article_json(instance, self.context["span_rows"], timezone.get_current_timezone())


def article_json(article: Any, span_rows: list[dict[str, Any]], tz: tzinfo) -> dict[str, Any]:
    """ArticleDetailOutput's JSON: the article, and its visible spans from `span_rows_visible`."""
    published = article.published_date
    return {
        "id": article.id,
        "project": article.project_id,
        "external_id": article.external_id,
        "title": article.title,
        "source_url": article.source_url,
        "published_date": None if published is None else published.isoformat(),
        "language": article.language,
        "priority": article.priority,
        "metadata": article.metadata,
        "text": article.text,
        "length": len(article.text),
        "sha256": article.sha256,
        "created_at": _iso(article.created_at, tz),
        "spans": [span_json(row, tz) for row in span_rows],
    }


class ArticleListQuery(serializers.Serializer):
    q = serializers.CharField(required=False, default="", max_length=200, help_text="Words in title or text.")
    language = serializers.CharField(required=False, default="", max_length=35)
    external_id = serializers.CharField(required=False, default="", max_length=200)
    published_after = serializers.DateField(required=False, allow_null=True, default=None)
    published_before = serializers.DateField(required=False, allow_null=True, default=None)
    review_status = serializers.ChoiceField(
        required=False, default="", choices=["", *(s.value for s in ArticleStatus)], help_text="Where in review."
    )


class ClaimListQuery(serializers.Serializer):
    language = serializers.CharField(required=False, default="", max_length=35)
    verdict = serializers.CharField(required=False, default="", max_length=200)
    tag = serializers.CharField(required=False, default="", max_length=100)
    status = serializers.ChoiceField(required=False, default="", choices=["", "active", "merged"])


class ClaimSearchQuery(ClaimListQuery):
    q = serializers.CharField(max_length=500, help_text='Web-search syntax: words, "phrases", -exclusions, or.')


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField(source="article_id")
    reviewer = serializers.CharField(source="reviewer.username")
    status = serializers.CharField()
    assigned_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    lease_expires_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


class AssignmentInput(serializers.Serializer):
    article = StrictIntegerField(min_value=1)
    reviewer = serializers.CharField(max_length=150, help_text="The reviewer's username.")


class ImportStatusOutput(serializers.Serializer):
    id = serializers.IntegerField(source="batch.pk")
    kind = serializers.CharField(source="batch.kind")
    created_at = serializers.DateTimeField(source="batch.created_at")
    sources = serializers.ListField(child=serializers.CharField(), source="batch.sources")
    created = serializers.IntegerField(source="batch.created_count")
    duplicates = serializers.IntegerField(source="batch.duplicate_count")
    failed = serializers.IntegerField(source="batch.failed_count")
    problems = ImportProblemOutput(many=True, source="batch.problems")
    to_embed = serializers.IntegerField(help_text="Claims of this import to embed (0 for articles).")
    embedded = serializers.IntegerField(help_text="Of which the worker has embedded so far.")
    done = serializers.BooleanField()


class SuggestionQualityOutput(serializers.Serializer):
    model_name = serializers.CharField()
    model_version = serializers.CharField()
    runs = serializers.IntegerField(help_text="Finished suggestion runs.")
    decided_runs = serializers.IntegerField(help_text="Runs where the reviewer accepted or rejected a suggestion.")
    accepted_runs = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True, help_text="accepted_runs / decided_runs.")
    mrr_accepted = serializers.FloatField(allow_null=True, help_text="Mean 1/rank of accepted suggestions.")
