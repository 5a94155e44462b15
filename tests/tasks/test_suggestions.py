"""Suggestions end to end with the real Celery worker, the bundled embedder, pgvector and full text.

Also the delivery guarantees: a rolled-back span runs nothing, a committed one survives Redis being down,
a run is computed once however often it is delivered, and a dead worker's run is picked up again.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotations.domain import RunStatus
from annotations.matching.embedders import describe
from annotations.models import Article, CanonicalClaim, ClaimEmbedding, Span, Suggestion, SuggestionRun
from annotations.services.review import assignment_create
from annotations.services.spans import span_create
from annotations.services.suggestions import suggestion_run_execute
from factcheck.embedded import EmbeddedRedis
from tests.api.conftest import span_body
from tests.conftest import Personas, client_for, wait_until
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

TEXT = (
    "GENEVA - Negotiators said the second day of the Geneva talks on 18 February ended after roughly two "
    "hours. Officials in Kyiv insisted no ceasefire had been agreed, and the Kremlin said it was too early "
    "to judge."
)


@pytest.fixture
def article(personas: Personas) -> Article:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=None)
    return article


def run_of(span_id: int) -> SuggestionRun:
    return SuggestionRun.objects.get(span_id=span_id)


def test_a_new_span_gets_ranked_suggestions_from_the_worker(
    personas: Personas, claims: list[CanonicalClaim], article: Article
) -> None:
    client = client_for(personas.annotator)
    body = span_body(TEXT, "the second day of the Geneva talks on 18 February ended after roughly two hours")
    span = client.post(f"/api/v1/articles/{article.pk}/spans", body, format="json").json()
    wait_until(lambda: run_of(span["id"]).status == RunStatus.DONE, 60, "the suggestion run")
    listed = client.get(f"/api/v1/spans/{span['id']}/suggestions").json()
    run = listed["runs"][0]
    assert listed["status"] == "done"
    assert (run["model_name"], run["model_version"]) == (
        describe(settings.FACTCHECK_EMBEDDER).name,
        describe(settings.FACTCHECK_EMBEDDER).version,
    )
    top = run["suggestions"][0]
    assert top["claim"]["text"] == "The second day of the Geneva talks on 18 February 2026 ended after about two hours."
    assert top["dense_score"] > 0.8
    assert top["lexical_score"] > 0
    assert top["title_score"] > 0.7  # to its title, "Second day of Geneva talks was brief"
    assert [s["rank"] for s in run["suggestions"]] == list(range(1, len(run["suggestions"]) + 1))
    assert len(run["suggestions"]) == 10
    timings = SuggestionRun.objects.get(span_id=span["id"]).timings
    assert {"embed", "dense", "lexical", "total"} <= set(timings)


def test_a_rolled_back_span_runs_nothing(personas: Personas, claims: list[CanonicalClaim], article: Article) -> None:
    def failing_request() -> None:
        with transaction.atomic():
            span = span_create(article=article, annotator=personas.annotator, **span_body(TEXT, "GENEVA"))
            assert SuggestionRun.objects.filter(span=span).exists()
            raise RuntimeError("the request failed after the span was written")

    with pytest.raises(RuntimeError):
        failing_request()
    time.sleep(2)  # two sweeps of the worker's beat
    assert not Span.objects.exists()
    assert not SuggestionRun.objects.exists()


def test_a_committed_span_survives_redis_being_down(
    personas: Personas, claims: list[CanonicalClaim], article: Article
) -> None:
    # A task the worker holds unacknowledged while Redis goes away (an ETA task, like the debounced agreement
    # computation): the worker must survive the broker's loss with it (it died in kombu's restore, once).
    current_app.send_task("annotations.compute_agreement", args=[0], countdown=120, ignore_result=True)
    time.sleep(1)
    redis_server = EmbeddedRedis(settings.DATA_DIR)
    redis_server.stop()
    try:
        started = time.monotonic()
        response = client_for(personas.annotator).post(
            f"/api/v1/articles/{article.pk}/spans",
            span_body(TEXT, "no ceasefire had been agreed"),
            format="json",
        )
        assert response.status_code == 201  # the write commits though the broker is gone
        assert time.monotonic() - started < 5  # and the request does not hang on it
        run = run_of(response.json()["id"])
        assert (run.status, run.dispatched_at) == (RunStatus.QUEUED, None)  # the outbox row waits
    finally:
        redis_server.start()
    wait_until(lambda: run_of(response.json()["id"]).status == RunStatus.DONE, 90, "the sweeper to deliver it")
    top = Suggestion.objects.filter(run__span_id=response.json()["id"]).order_by("rank").first()
    assert top is not None
    assert "ceasefire" in top.claim.text


def test_running_a_run_twice_stores_one_result_and_deleted_spans_are_no_ops(
    personas: Personas, claims: list[CanonicalClaim], article: Article
) -> None:
    with transaction.atomic():  # no worker involvement: claim the run before its dispatch runs
        span = span_create(article=article, annotator=personas.annotator, **span_body(TEXT, "Kremlin"))
        run = SuggestionRun.objects.get(span=span)
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING, lease_expires_at=timezone.now() + timedelta(hours=1)
        )
    assert suggestion_run_execute(run_id=run.pk) is False  # held by someone else
    SuggestionRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    wait_until(lambda: run_of(span.pk).status == RunStatus.DONE, 60, "the sweeper to take over the dead lease")
    first = list(Suggestion.objects.filter(run=run).values_list("claim_id", "rank"))
    assert suggestion_run_execute(run_id=run.pk) is False  # done already: nothing changes
    assert list(Suggestion.objects.filter(run=run).values_list("claim_id", "rank")) == first
    assert SuggestionRun.objects.get(pk=run.pk).attempts == 1
    Span.objects.filter(pk=span.pk).delete()
    assert suggestion_run_execute(run_id=run.pk) is False  # the run went with its span


def test_editing_a_span_recomputes_and_editing_a_claim_reembeds(
    personas: Personas, claims: list[CanonicalClaim], article: Article
) -> None:
    client = client_for(personas.annotator)
    span = client.post(f"/api/v1/articles/{article.pk}/spans", span_body(TEXT, "GENEVA"), format="json").json()
    wait_until(lambda: run_of(span["id"]).status == RunStatus.DONE, 60, "the first run")
    body = {**span_body(TEXT, "the Kremlin said it was too early to judge"), "version": 1}
    assert client.patch(f"/api/v1/spans/{span['id']}", body, format="json").status_code == 200
    wait_until(
        lambda: (
            run_of(span["id"]).status == RunStatus.DONE and Suggestion.objects.filter(run__span_id=span["id"]).exists()
        ),
        60,
        "the recomputed run",
    )
    top = Suggestion.objects.filter(run__span_id=span["id"]).order_by("rank").first()
    assert top is not None
    assert "too early" in top.claim.text

    claim = claims[0]
    old = ClaimEmbedding.objects.get(claim=claim).text_sha256
    curator = client_for(personas.curator)
    assert (
        curator.patch(
            f"/api/v1/claims/{claim.pk}",
            {"text": "Rubio met Zelensky in Munich.", "version": 1},
            format="json",
        ).status_code
        == 200
    )
    wait_until(
        lambda: ClaimEmbedding.objects.filter(claim=claim).exclude(text_sha256=old).exists(),
        60,
        "the edited claim to be embedded again",
    )
