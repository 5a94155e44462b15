"""The span JSON is built by hand (span_json) for speed; it must equal what the declared fields describe.

Three shapes: no link, a "no matching claim" link, and a link to a claim found through a suggestion (with
rank, score and model). Both roads are checked: a Span instance (span create and detail) and the rows
the article view reads in SQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from annotations.api.serializers import ArticleDetailOutput, SpanOutput, article_json, span_json, span_row
from annotations.domain import LinkSource, Role
from annotations.models import Article, CanonicalClaim, Span, Suggestion, SuggestionRun
from annotations.selectors.articles import span_rows_visible
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.spans import span_create
from tests.api.conftest import ARTICLE_TEXT, span_body
from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db


def declared(span: Span) -> dict[str, Any]:
    """The output of SpanOutput's declared fields, through DRF's own field-by-field serialization."""
    return dict(serializers.Serializer.to_representation(SpanOutput(), span))


@pytest.fixture
def spans(personas: Personas, article: Article, claim: CanonicalClaim) -> list[Span]:
    annotator = personas.annotator
    plain = span_create(article=article, annotator=annotator, **span_body(ARTICLE_TEXT, "Geneva"), note="ünïcode")
    unmatched = span_create(article=article, annotator=annotator, **span_body(ARTICLE_TEXT, "Envoys 🇺🇦 met"))
    claim_link_create(span=unmatched, target=LinkTarget(no_match=True), actor=annotator)
    suggested = span_create(
        article=article, annotator=annotator, label="claim", **span_body(ARTICLE_TEXT, "a ceasefire had not")
    )
    run = SuggestionRun.objects.get(span=suggested)
    suggestion = Suggestion.objects.create(run=run, claim=claim, rank=2, dense_score=0.8, fused_score=0.6125)
    target = LinkTarget(claim=claim, source=LinkSource.SUGGESTION, suggestion=suggestion)
    claim_link_create(span=suggested, target=target, actor=annotator)
    return [plain, unmatched, suggested]


def loaded(span: Span) -> Span:
    return Span.objects.select_related("annotator", "link", "link__claim").get(pk=span.pk)


def test_an_instance_serializes_as_the_declared_fields_describe(spans: list[Span]) -> None:
    tz = timezone.get_current_timezone()
    for span in spans:
        expected = declared(loaded(span))
        assert span_json(span_row(loaded(span)), tz) == expected
        assert list(span_json(span_row(loaded(span)), tz)) == list(expected)  # same key order too
    linked = declared(loaded(spans[2]))["link"]
    assert (linked["suggestion_rank"], linked["suggestion_score"], linked["source"]) == (2, 0.6125, "suggestion")
    assert linked["claim"]["id"] == loaded(spans[2]).link.claim_id
    assert declared(loaded(spans[1]))["link"]["no_match"] is True


def test_the_article_view_rows_serialize_like_instances(
    personas: Personas, article: Article, spans: list[Span]
) -> None:
    tz = timezone.get_current_timezone()
    rows = span_rows_visible(user=personas.annotator, role=Role.ANNOTATOR, article=article)
    assert [span_json(row, tz) for row in rows] == [declared(loaded(span)) for span in spans]


def test_a_time_with_no_fraction_is_written_without_one(
    personas: Personas, article: Article, spans: list[Span]
) -> None:
    whole = timezone.now().replace(microsecond=0)
    Span.objects.filter(pk=spans[0].pk).update(updated_at=whole)
    tz = timezone.get_current_timezone()
    rows = span_rows_visible(user=personas.annotator, role=Role.ANNOTATOR, article=article)
    assert span_json(rows[0], tz)["updated_at"] == declared(loaded(spans[0]))["updated_at"]
    assert "." not in span_json(rows[0], tz)["updated_at"]


def test_the_endpoints_agree(personas: Personas, article: Article, spans: list[Span]) -> None:
    client = client_for(personas.annotator)
    listed = client.get(f"/api/v1/articles/{article.pk}").json()["spans"]
    assert listed == [client.get(f"/api/v1/spans/{span.pk}").json() for span in spans]


def test_the_article_json_is_what_the_declared_fields_describe(
    personas: Personas, article: Article, spans: list[Span]
) -> None:
    Article.objects.filter(pk=article.pk).update(
        published_date="2026-02-18", metadata={"source": "wire", "tags": ["geneva"]}, priority=3
    )
    article = Article.objects.get(pk=article.pk)
    rows = span_rows_visible(user=personas.annotator, role=Role.ANNOTATOR, article=article)
    serializer = ArticleDetailOutput(article, context={"span_rows": rows})
    expected = dict(serializers.Serializer.to_representation(serializer, article))
    built = article_json(article, rows, timezone.get_current_timezone())
    assert built == expected
    assert list(built) == list(expected)
    assert built["published_date"] == "2026-02-18"
    assert len(built["spans"]) == len(spans)
