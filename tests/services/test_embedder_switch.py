"""Changing the embedding model without downtime: the old vectors serve suggestions until the new model has
embedded every claim, then the claim base switches (real embedders, real pgvector, in-process)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from annotations.domain import RunStatus
from annotations.models import Article, AuditEvent, CanonicalClaim, ClaimBase, Suggestion, SuggestionRun
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.embeddings import (
    claim_bases_switch_when_complete,
    claims_embed,
    claims_missing_any,
    claims_to_reindex,
    serving_embedder,
)
from annotations.services.review import assignment_create
from annotations.services.spans import span_create
from annotations.services.suggestions import suggestion_run_execute
from tests.api.conftest import span_body
from tests.conftest import Personas
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db  # one transaction: the session's worker never sees these rows

OLD, NEW = "e5-small-q4", "e5-small-enpt-q4"
TEXT = "Officials said a ceasefire had been agreed in Geneva, and the talks would resume on Monday."
CLAIMS = [
    "A ceasefire was agreed at the Geneva talks.",
    "The Geneva talks collapsed without any agreement.",
    "Vaccines contain microchips for tracking people.",
]


def as_if_committed() -> None:
    """Check the deferred constraints now, as the worker's own embedding transactions would have: PostgreSQL
    builds no index on a table with constraint checks pending in the same transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def suggest(personas: Personas, needle: str, article: Article) -> SuggestionRun:
    """A span created and its run executed, as a request and the worker would (reading the article afresh)."""
    article = Article.objects.select_related("project__claim_base").get(pk=article.pk)
    span = span_create(article=article, annotator=personas.annotator, **span_body(TEXT, needle))
    run = SuggestionRun.objects.get(span=span)
    assert suggestion_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    return run


def test_old_vectors_serve_until_the_new_model_has_embedded_every_claim(personas: Personas) -> None:
    base = personas.project.claim_base
    claims = [
        claim_create(claim_base_id=base.pk, fields=ClaimFields(text=text), actor=personas.manager) for text in CLAIMS
    ]
    claims_embed(claim_ids=[c.pk for c in claims], key=OLD)
    as_if_committed()
    assert base.slug in claim_bases_switch_when_complete()  # (the other persona project's empty base too)
    base.refresh_from_db()
    assert base.serving_embedder == OLD
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)

    with override_settings(FACTCHECK_EMBEDDER=NEW):
        # The new model has no vectors yet: suggestions keep using the old one, dense scores included.
        assert serving_embedder(ClaimBase.objects.get(pk=base.pk)) == OLD
        run = suggest(personas, "a ceasefire had been agreed", article)
        assert run.model_name == "multilingual-e5-small-q4"
        top = Suggestion.objects.filter(run=run).order_by("rank").first()
        assert top is not None
        assert top.claim_id == claims[0].pk
        assert top.dense_score is not None

        # A claim added meanwhile needs vectors from both models; the rest only from the new one.
        added = claim_create(
            claim_base_id=base.pk, fields=ClaimFields(text="Talks resume on Monday."), actor=personas.manager
        )
        missing = claims_missing_any(limit=100)
        assert missing == {NEW: [c.pk for c in claims] + [added.pk], OLD: [added.pk]}
        key, to_reindex = claims_to_reindex()
        assert (key, to_reindex) == (NEW, missing[NEW])

        # Part-way through, nothing switches.
        claims_embed(claim_ids=to_reindex[:2], key=NEW)
        assert base.slug not in claim_bases_switch_when_complete()
        assert ClaimBase.objects.get(pk=base.pk).serving_embedder == OLD

        # Complete: the base switches, the switch is audited, and new runs use the new model's vectors.
        claims_embed(claim_ids=to_reindex, key=NEW)
        as_if_committed()
        assert base.slug in claim_bases_switch_when_complete()
        assert ClaimBase.objects.get(pk=base.pk).serving_embedder == NEW
        event = AuditEvent.objects.get(
            action="claim_base.embedder_switch", object_id=str(base.pk), after__serving_embedder=NEW
        )
        assert event.before == {"serving_embedder": OLD}
        run = suggest(personas, "the talks would resume on Monday", article)
        assert run.model_name == "e5-small-enpt-q4"
        ranked = list(Suggestion.objects.filter(run=run).order_by("rank").values_list("claim_id", "dense_score"))
        assert ranked[0][0] in {added.pk, claims[0].pk, claims[1].pk}
        assert all(score is not None for _, score in ranked)
        assert CanonicalClaim.objects.filter(claim_base=base).count() == 4


def test_an_unknown_embedder_is_refused_naming_it(db: None) -> None:
    from annotations.domain import DomainError

    with pytest.raises(DomainError) as caught:
        claims_to_reindex("no-such-model")
    assert caught.value.field == "embedder"
    assert "no-such-model" in caught.value.message
