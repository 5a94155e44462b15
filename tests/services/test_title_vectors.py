"""Title vectors: each titled claim gets one beside its text's, rows from before titles were embedded are
backfilled by the sweeper's path, and a span that states a claim's title ranks that claim higher (real
embedder, real pgvector, in-process)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from django.conf import settings
from django.test import override_settings

from annotations.domain import text_sha256
from annotations.matching.embedders import Embedder, Vectors, describe, get_embedder
from annotations.matching.retrieval import ensure_vector_index, rank_claims
from annotations.models import Article, CanonicalClaim, ClaimEmbedding, Suggestion, SuggestionRun
from annotations.services.claims import ClaimFields, claim_create, claim_update
from annotations.services.embeddings import (
    claim_bases_switch_when_complete,
    claims_embed,
    claims_missing_any,
    claims_missing_embeddings,
)
from annotations.services.review import assignment_create
from annotations.services.spans import span_create
from annotations.services.suggestions import suggestion_run_execute
from tests.api.conftest import span_body
from tests.conftest import Personas
from tests.factories import ArticleFactory
from tests.services.test_embedder_switch import as_if_committed

pytestmark = pytest.mark.django_db  # one transaction: the session's worker never sees these rows

# (text, title): the first claim's text says little; its title is what a span would state.
CLAIMS = [
    ("Pictures show an animal on a road during a storm.", "Did a Shark Swim Down a Flooded Houston Highway?"),
    ("A shark was photographed in a swimming pool in Sydney.", "Shark in a Sydney Pool?"),
    ("Houston's highways were closed by floods after Hurricane Harvey.", "Houston Flood Closures"),
    ("Sharks have been seen swimming up rivers in Florida.", "Sharks in Florida Rivers"),
    ("A video shows a crocodile crossing a flooded street.", ""),
]
SPAN = "did a shark swim down a flooded highway"  # without titles, the sharks-in-rivers claim ranks first


class CountingEmbedder:
    """The configured embedder, counting the passages it is given (to see what was embedded again)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.version, self.dimensions = inner.name, inner.version, inner.dimensions
        self.passages: list[str] = []

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        self.passages += texts
        return self.inner.embed_passages(texts)


@pytest.fixture
def embedder() -> Embedder:
    return get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)


@pytest.fixture
def made(personas: Personas) -> list[CanonicalClaim]:
    base_id = personas.project.claim_base_id
    return [
        claim_create(claim_base_id=base_id, fields=ClaimFields(text=text, title=title), actor=None)
        for text, title in CLAIMS
    ]


def rows_of(claims: list[CanonicalClaim]) -> dict[int, ClaimEmbedding]:
    model = describe(settings.FACTCHECK_EMBEDDER)
    rows = ClaimEmbedding.objects.filter(claim__in=claims, model_name=model.name, model_version=model.version)
    return {row.claim_id: row for row in rows}


def test_titled_claims_get_a_title_vector_in_the_same_batch(made: list[CanonicalClaim], embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    assert claims_embed(claim_ids=[c.pk for c in made], embedder=counting) == len(made)
    # One batch: every text and every title, and no title for the untitled claim.
    assert sorted(counting.passages) == sorted([text for text, _ in CLAIMS] + [t for _, t in CLAIMS if t])
    rows = rows_of(made)
    titled = rows[made[0].pk]
    assert titled.title_vector is not None
    assert len(titled.title_sha256) == 64
    expected = embedder.embed_passages([CLAIMS[0][1]])[0]
    assert np.allclose(np.asarray(titled.title_vector), expected, atol=1e-5)  # the title's, not the text's
    assert not np.allclose(np.asarray(titled.title_vector), np.asarray(titled.vector), atol=1e-3)
    untitled = rows[made[4].pk]
    assert (untitled.title_vector, untitled.title_sha256) == (None, "")
    assert claims_missing_embeddings(claim_base_id=made[0].claim_base_id) == []
    assert claims_embed(claim_ids=[c.pk for c in made], embedder=counting) == 0  # done ones are skipped


def test_rows_without_title_vectors_are_backfilled_titles_only(made: list[CanonicalClaim], embedder: Embedder) -> None:
    claims_embed(claim_ids=[c.pk for c in made], embedder=embedder)
    text_vectors = {pk: np.asarray(row.vector) for pk, row in rows_of(made).items()}
    # Rows as they were before titles were embedded.
    ClaimEmbedding.objects.filter(claim__in=made).update(title_vector=None, title_sha256="")
    titled = [c.pk for c in made if c.title]
    assert claims_missing_embeddings(claim_base_id=made[0].claim_base_id) == titled
    assert claims_missing_any(limit=100) == {settings.FACTCHECK_EMBEDDER: titled}  # the sweeper's view

    counting = CountingEmbedder(embedder)
    assert claims_embed(claim_ids=titled, embedder=counting) == len(titled)
    assert sorted(counting.passages) == sorted(c.title for c in made if c.title)  # no text embedded again
    rows = rows_of(made)
    assert all(rows[pk].title_vector is not None for pk in titled)
    assert all(np.array_equal(np.asarray(rows[pk].vector), v) for pk, v in text_vectors.items())
    assert claims_missing_embeddings(claim_base_id=made[0].claim_base_id) == []


def test_an_edited_title_is_embedded_again_and_a_removed_one_loses_its_vector(
    personas: Personas,
    made: list[CanonicalClaim],
    embedder: Embedder,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    claims_embed(claim_ids=[made[1].pk], embedder=embedder)
    before = rows_of([made[1]])[made[1].pk]
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[attr-defined]
        claim = claim_update(
            claim=made[1], actor=personas.manager, version=made[1].version, changes={"title": "Pool shark"}
        )
    assert len(callbacks) == 1  # the worker is asked to embed it
    counting = CountingEmbedder(embedder)
    assert claims_embed(claim_ids=[claim.pk], embedder=counting) == 1
    assert counting.passages == ["Pool shark"]
    after = rows_of([claim])[claim.pk]
    assert after.title_sha256 != before.title_sha256
    assert np.array_equal(np.asarray(after.vector), np.asarray(before.vector))

    claim = claim_update(claim=claim, actor=personas.manager, version=claim.version, changes={"title": ""})
    assert claims_embed(claim_ids=[claim.pk], embedder=counting) == 0  # the edit dropped the old title's vector
    assert (rows_of([claim])[claim.pk].title_vector, rows_of([claim])[claim.pk].title_sha256) == (None, "")


def test_a_model_switch_waits_for_the_titles(personas: Personas, made: list[CanonicalClaim]) -> None:
    base = personas.project.claim_base
    new = "e5-small-enpt-q4"
    with override_settings(FACTCHECK_EMBEDDER=new):
        claims_embed(claim_ids=[c.pk for c in made], key=new)
        model = describe(new)
        ClaimEmbedding.objects.filter(claim=made[0], model_name=model.name).update(title_vector=None, title_sha256="")
        as_if_committed()
        assert base.slug not in claim_bases_switch_when_complete()
        claims_embed(claim_ids=[made[0].pk], key=new)
        assert base.slug in claim_bases_switch_when_complete()


def test_a_span_stating_a_title_ranks_that_claim_higher(
    personas: Personas, made: list[CanonicalClaim], embedder: Embedder
) -> None:
    claims_embed(claim_ids=[c.pk for c in made], embedder=embedder)
    as_if_committed()
    ensure_vector_index(describe(settings.FACTCHECK_EMBEDDER))
    base_id = personas.project.claim_base_id
    target = made[0].pk

    def rank_of(**options: object) -> int:
        ranking = rank_claims(SPAN, claim_base_id=base_id, embedder=embedder, **options)  # type: ignore[arg-type]
        return next(f.rank for f in ranking.fused if f.claim_id == target)

    assert rank_of() < rank_of(title_rerank=None)
    assert rank_of() == 1

    # The worker stores each suggestion's title score.
    article = ArticleFactory.create(project=personas.project, text=f"They said {SPAN} on Sunday.")
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    article = Article.objects.select_related("project__claim_base").get(pk=article.pk)
    span = span_create(article=article, annotator=personas.annotator, **span_body(article.text, SPAN))
    run = SuggestionRun.objects.get(span=span)
    assert suggestion_run_execute(run_id=run.pk)
    suggestions = list(Suggestion.objects.filter(run=run).order_by("rank"))
    assert suggestions[0].claim_id == target
    assert all(s.title_score is not None for s in suggestions)
    assert suggestions[0].title_score == max(s.title_score or 0 for s in suggestions)


def test_an_edited_title_is_found_missing_even_if_the_request_to_embed_it_is_lost(
    personas: Personas, made: list[CanonicalClaim], embedder: Embedder
) -> None:
    """The old title's vector used to stay, counted complete: nothing ever embedded the new title."""
    claims_embed(claim_ids=[made[1].pk], embedder=embedder)
    assert made[1].pk not in claims_missing_embeddings(claim_base_id=personas.project.claim_base_id)
    claim_update(claim=made[1], actor=personas.manager, version=made[1].version, changes={"title": "Pool shark"})
    assert made[1].pk in claims_missing_embeddings(claim_base_id=personas.project.claim_base_id)  # the sweeper's


class EditingEmbedder(CountingEmbedder):
    """Edits a claim while its old wording is being embedded, as a request would while a worker runs."""

    def __init__(self, inner: Embedder, edit: Callable[[], object]) -> None:
        super().__init__(inner)
        self.edit: Callable[[], object] | None = edit

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        vectors = super().embed_passages(texts)
        if self.edit is not None:
            self.edit()
            self.edit = None
        return vectors


def test_a_worker_that_embedded_the_old_wording_does_not_overwrite_the_new(
    personas: Personas, made: list[CanonicalClaim], embedder: Embedder
) -> None:
    claim = made[4]
    changes = {"text": "A video shows an alligator crossing a flooded street."}
    edit = EditingEmbedder(
        embedder, lambda: claim_update(claim=claim, actor=personas.manager, version=1, changes=changes)
    )
    assert claims_embed(claim_ids=[claim.pk], embedder=edit) == 0  # it embedded the old text: nothing written
    assert claim.pk not in rows_of([claim])
    assert claim.pk in claims_missing_embeddings(claim_base_id=personas.project.claim_base_id)
    assert claims_embed(claim_ids=[claim.pk], embedder=embedder) == 1
    assert rows_of([claim])[claim.pk].text_sha256 == text_sha256(changes["text"])


def test_the_sweeper_queues_a_backlog_once_not_every_sweep(made: list[CanonicalClaim]) -> None:
    from annotations.services.embeddings import claims_mark_queued, claims_not_queued_lately

    ids = [c.pk for c in made]
    key = settings.FACTCHECK_EMBEDDER
    assert claims_not_queued_lately(key, ids) == ids
    assert claims_not_queued_lately(key, ids) == ids  # not marked: its publish failed, the next sweep retries
    claims_mark_queued(key, ids)
    assert claims_not_queued_lately(key, ids) == []  # still queued: the next sweep leaves them
    assert claims_not_queued_lately("another-embedder", ids[:2]) == ids[:2]  # per embedder
    assert claims_not_queued_lately(key, [*ids, 10**9]) == [10**9]
