"""Serializers of the dataset release endpoints (issue #8): the filters a manager asks for, and a release with
its progress, counts and files. The manifest itself is a file of the release; the answer carries only its
agreement figures (a building release's manifest holds the pseudonym key, which never leaves the server).
"""

from __future__ import annotations

from rest_framework import serializers

from annotations.services.releases import SCOPES


class ReleaseFiltersInput(serializers.Serializer):
    """Checked by the release service (`release_filters_clean`), so each problem names its field; this
    serializer describes the body for the schema."""

    scope = serializers.ChoiceField(
        choices=list(SCOPES),
        required=False,
        default="curated",
        help_text="curated: the gold spans of curated articles; submitted: every submitted reviewer's spans too.",
    )
    include_reviewer_spans = serializers.BooleanField(
        required=False, default=False, help_text="With scope curated, also the reviewer spans of its articles."
    )
    published_from = serializers.DateField(
        required=False, allow_null=True, help_text="Articles published on or after this day."
    )
    published_to = serializers.DateField(
        required=False, allow_null=True, help_text="Articles published on or before this day."
    )
    labels = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Keep spans with one of these labels."
    )


class ReleaseFiltersOutput(serializers.Serializer):
    scope = serializers.CharField()
    include_reviewer_spans = serializers.BooleanField()
    published_from = serializers.DateField(allow_null=True)
    published_to = serializers.DateField(allow_null=True)
    labels = serializers.ListField(child=serializers.CharField())


class ReleaseFileOutput(serializers.Serializer):
    name = serializers.CharField(help_text="Path inside the release, e.g. claim-retrieval/qrels.tsv.")
    sha256 = serializers.CharField(allow_null=True, help_text="Null for manifest.json and README.md.")
    bytes = serializers.IntegerField(allow_null=True)
    rows = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="Where to download it (curators and managers).")


class ReleaseOutput(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField(help_text="building, published or failed.")
    progress = serializers.FloatField(help_text="0 to 1.")
    filters = ReleaseFiltersOutput()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Empty until published.")
    created_by = serializers.CharField(help_text="Username.")
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(help_text="Why the build failed; empty otherwise.")
    files = ReleaseFileOutput(many=True, help_text="Empty until published.")
    agreement = serializers.DictField(help_text="The manifest's agreement figures (empty if none were computed).")
