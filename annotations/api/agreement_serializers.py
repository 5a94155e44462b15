"""Serializers of the agreement endpoints (issue #7): the latest figures, the reviewer matrix, the weakest
articles, history and the recompute request. Inputs validate strictly, outputs describe responses.
"""

from __future__ import annotations

from rest_framework import serializers

from annotations.services.agreement import ARTICLE_METRICS, PAIR_METRICS, PROJECT_METRICS

PROJECT_METRIC_NAMES = tuple(name for name, _, _ in PROJECT_METRICS)
DEFAULT_ARTICLE_METRIC = "link_alpha"
DEFAULT_HISTORY_METRIC = "link_alpha"
VALUE_HELP = "Null where the metric is undefined (e.g. no pairable units)."
INTERVAL_HELP = "95% percentile bootstrap interval over articles; null where undefined."


class AgreementQuery(serializers.Serializer):
    metric = serializers.ChoiceField(
        required=False,
        default=DEFAULT_ARTICLE_METRIC,
        choices=list(ARTICLE_METRICS),
        help_text="The article-level metric that ranks the lowest articles.",
    )


class AgreementHistoryQuery(serializers.Serializer):
    metric = serializers.ChoiceField(
        required=False,
        default=DEFAULT_HISTORY_METRIC,
        choices=list(PROJECT_METRIC_NAMES),
        help_text="The project-level metric.",
    )


class AgreementFigureOutput(serializers.Serializer):
    metric = serializers.CharField(help_text="One of: " + ", ".join(PROJECT_METRIC_NAMES) + ".")
    value = serializers.FloatField(allow_null=True, help_text=VALUE_HELP)
    ci_low = serializers.FloatField(allow_null=True, help_text=INTERVAL_HELP)
    ci_high = serializers.FloatField(allow_null=True, help_text=INTERVAL_HELP)
    n_units = serializers.IntegerField(help_text="What the figure pools: articles, or link units for link metrics.")
    computed_at = serializers.DateTimeField()


class AgreementHistoryOutput(AgreementFigureOutput):
    id = serializers.IntegerField()
    run = serializers.CharField(source="details.run", help_text="The computation that stored the figure.")


class AgreementEstimateOutput(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text=VALUE_HELP)
    ci_low = serializers.FloatField(allow_null=True, help_text=INTERVAL_HELP)
    ci_high = serializers.FloatField(allow_null=True, help_text=INTERVAL_HELP)
    n_units = serializers.IntegerField(help_text="Articles both reviewed, or matched span pairs for link metrics.")


class AgreementPairMetricsOutput(serializers.Serializer):
    # One field per stored pair metric, each an estimate (absent from the answer if not stored).
    f1_exact = AgreementEstimateOutput(required=False)
    f1_overlap = AgreementEstimateOutput(required=False)
    link_percent_agreement = AgreementEstimateOutput(required=False)
    link_kappa = AgreementEstimateOutput(required=False, help_text="Cohen's kappa on the pair's matched spans.")


assert set(AgreementPairMetricsOutput().fields) == set(PAIR_METRICS)  # the schema follows the service


class AgreementPairOutput(serializers.Serializer):
    reviewer_a = serializers.CharField(help_text="Username; the pair is unordered (a has the lower user id).")
    reviewer_b = serializers.CharField()
    metrics = AgreementPairMetricsOutput()


class AgreementArticleOutput(serializers.Serializer):
    article = serializers.IntegerField(source="article_id")
    title = serializers.CharField(source="article.title")
    value = serializers.FloatField(help_text="The chosen metric's latest value for the article.")
    n_units = serializers.IntegerField()
    computed_at = serializers.DateTimeField()


class AgreementOutput(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True, help_text="Null until the first computation.")
    run = serializers.CharField(allow_null=True, help_text="The latest computation's id.")
    fingerprint = serializers.CharField(
        allow_null=True, help_text="The digest of the inputs (reviews and options) the latest figures come from."
    )
    project = AgreementFigureOutput(many=True)
    pairs = AgreementPairOutput(many=True, help_text="The reviewer-by-reviewer matrix, one entry per pair.")
    lowest_metric = serializers.CharField()
    lowest = AgreementArticleOutput(many=True, help_text="At most 20 articles, lowest value first.")


class AgreementRecomputeOutput(serializers.Serializer):
    project = serializers.IntegerField()
    queued = serializers.BooleanField()
