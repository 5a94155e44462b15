"""Input and output serializers: inputs validate shape and types, outputs describe responses."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


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
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()
    line = serializers.IntegerField(required=False)
    file = serializers.CharField(required=False)


# `errors` would shadow Serializer.errors, so these response shapes are declared for the schema only.
ErrorOutput = inline_serializer("Errors", fields={"errors": ErrorItem(many=True)})
ImportFailedOutput = inline_serializer(
    "ImportFailed", fields={"errors": ErrorItem(many=True), "report": ImportReportOutput()}
)
