"""Suggestion runs under edits and failures, with the real embedder and retrieval: an executor that read the
old text stores nothing, nor marks the edit's new request failed; a transient error gives the run back for
the retry; an edit drops the runs of earlier models; the sweeper publishes a left-behind run once per
REDISPATCH_AFTER. The interleavings are made by running the span's edit inside the retrieval call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from annotations.domain import RunStatus
from annotations.models import Article, Span, Suggestion, SuggestionRun
from annotations.services import suggestions
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.spans import span_create, span_update
from tests.api.conftest import ARTICLE_TEXT, article, span_body
from tests.conftest import Personas

pytestmark = pytest.mark.django_db
__all__ = ["article"]  # the fixture

real_rank = suggestions.rank_claims


@pytest.fixture
def span(personas: Personas, article: Article) -> Span:
    for text in ("Envoys met in Geneva for two hours.", "The Kremlin said no ceasefire was agreed."):
        claim_create(claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text=text), actor=None)
    return span_create(article=article, annotator=personas.annotator, **span_body(ARTICLE_TEXT, "Envoys"))


def run_of(span: Span) -> SuggestionRun:
    return SuggestionRun.objects.get(span=span)


def during_retrieval(monkeypatch: pytest.MonkeyPatch, first_call: Callable[[], None]) -> list[str]:
    """Run `first_call` when the first retrieval starts (after the executor read the span); the texts ranked."""
    ranked: list[str] = []

    def rank(text: str, **options: Any) -> Any:
        ranked.append(text)
        if len(ranked) == 1:
            first_call()
        return real_rank(text, **options)

    monkeypatch.setattr(suggestions, "rank_claims", rank)
    return ranked


def edit(span: Span, personas: Personas) -> None:
    span.refresh_from_db()
    span_update(span=span, actor=personas.annotator, version=span.version, **span_body(ARTICLE_TEXT, "The Kremlin"))


def test_an_executor_that_read_the_old_text_stores_nothing(
    personas: Personas, span: Span, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While executor A ranks the old text, the span is edited (the run re-queued) and executor B claims the
    run again: A used to store its old-text results (the run was "running"), and B's were then dropped."""
    run = run_of(span)
    claims: list[Any] = []

    def edit_and_claim_again() -> None:
        edit(span, personas)
        claims.append(suggestions._claim(run.pk))

    ranked = during_retrieval(monkeypatch, edit_and_claim_again)
    assert suggestions.suggestion_run_execute(run_id=run.pk) is False
    run.refresh_from_db()
    assert (run.status, Suggestion.objects.filter(run=run).count()) == (RunStatus.RUNNING, 0)  # B's, still
    (token_b,) = claims
    assert token_b is not None
    assert suggestions._execute(run.pk, token_b) is True  # B finishes, on the new text
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert ranked == ["Envoys", "The Kremlin"]
    assert Suggestion.objects.filter(run=run).exists()


def test_an_old_attempts_error_does_not_fail_the_edits_request(
    personas: Personas, span: Span, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, with A failing: it marked the run failed, which B (and the sweeper) then left alone."""
    from annotations.tasks import suggest_for_span

    run = run_of(span)
    claims: list[Any] = []

    def edit_then_break() -> None:
        edit(span, personas)
        claims.append(suggestions._claim(run.pk))
        raise ValueError("bad data in the old text")

    during_retrieval(monkeypatch, edit_then_break)
    with pytest.raises(ValueError, match="bad data"):
        suggest_for_span(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.RUNNING, "")
    assert suggestions._execute(run.pk, claims[0]) is True
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_an_error_of_the_run_itself_is_recorded_for_the_reviewer(span: Span, monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_of(span)

    def broken(text: str, **options: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr(suggestions, "rank_claims", broken)
    with pytest.raises(ValueError, match="a bug"):
        suggestions.suggestion_run_execute(run_id=run.pk, transient=(OperationalError,))
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "ValueError: a bug")


def test_a_transient_error_gives_the_run_back_for_the_retry(span: Span, monkeypatch: pytest.MonkeyPatch) -> None:
    """It used to stay running under its lease, so the task's retries (1 to 30 s) found it taken and gave up."""
    run = run_of(span)

    def database_gone() -> None:
        raise OperationalError("the database went away")

    during_retrieval(monkeypatch, database_gone)
    with pytest.raises(OperationalError):
        suggestions.suggestion_run_execute(run_id=run.pk, transient=(OperationalError,))
    run.refresh_from_db()
    assert (run.status, run.lease_expires_at, run.error) == (RunStatus.QUEUED, None, "")
    assert suggestions.suggestion_run_execute(run_id=run.pk, transient=(OperationalError,)) is True


def test_an_edit_drops_the_runs_of_earlier_models_and_retrievals(personas: Personas, span: Span) -> None:
    run = run_of(span)
    assert suggestions.suggestion_run_execute(run_id=run.pk)
    SuggestionRun.objects.filter(pk=run.pk).update(index_state="hybrid-1")  # as if retrieval changed since
    edit(span, personas)
    (current,) = SuggestionRun.objects.filter(span=span)
    assert current.pk != run.pk
    assert current.index_state == suggestions.RETRIEVAL_VERSION
    assert not Suggestion.objects.filter(run_id=run.pk).exists()


def test_the_sweeper_publishes_a_left_behind_run_once_per_wait(span: Span, monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[int] = []
    monkeypatch.setattr(suggestions.current_app, "send_task", lambda name, args, **kw: published.extend(args))
    run = run_of(span)
    SuggestionRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now() - timedelta(minutes=5))
    for _ in range(3):
        suggestions.suggestion_runs_sweep()
    assert published == [run.pk]
    SuggestionRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now() - suggestions.REDISPATCH_AFTER * 2)
    suggestions.suggestion_runs_sweep()
    assert published == [run.pk, run.pk]


def test_the_span_has_one_accepted_suggestion_the_one_its_link_comes_from(personas: Personas, span: Span) -> None:
    """Accepting #2 after #1 left both accepted (the mean reciprocal rank counted 1 and 1/2 for one span),
    and a link replaced by a search result or removed left its suggestion accepted."""
    from annotations.domain import Decision, DomainError, LinkSource
    from annotations.models import ClaimLink
    from annotations.selectors.suggestions import suggestion_quality
    from annotations.services.links import LinkTarget, claim_link_delete, claim_link_replace, suggestion_decide

    for text in ("Envoys from Kyiv arrived late.", "Envoys left the talks early."):
        claim_create(claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text=text), actor=None)
    run = run_of(span)
    assert suggestions.suggestion_run_execute(run_id=run.pk)
    first, second = Suggestion.objects.filter(run=run).select_related("run__span", "claim").order_by("rank")[:2]
    suggestion_decide(suggestion=first, decision=Decision.ACCEPTED, actor=personas.annotator)
    suggestion_decide(suggestion=second, decision=Decision.ACCEPTED, actor=personas.annotator)

    def decisions() -> dict[int, str]:
        return dict(Suggestion.objects.filter(run=run, rank__lte=2).values_list("rank", "decision"))

    assert decisions() == {1: "", 2: "accepted"}
    (quality,) = suggestion_quality(project=personas.project)
    assert quality.mrr_accepted == pytest.approx(0.5)
    with pytest.raises(DomainError, match="linked to this suggestion") as caught:
        suggestion_decide(suggestion=second, decision=Decision.REJECTED, actor=personas.annotator)
    assert caught.value.code == "conflict"

    link = ClaimLink.objects.get(span=span)
    target = LinkTarget(claim=first.claim, source=LinkSource.SEARCH)
    link = claim_link_replace(span=span, target=target, actor=personas.annotator, version=link.version)
    assert decisions() == {1: "", 2: ""}
    suggestion_decide(suggestion=first, decision=Decision.ACCEPTED, actor=personas.annotator)
    claim_link_delete(span=span, actor=personas.annotator, version=ClaimLink.objects.get(span=span).version)
    assert decisions() == {1: "", 2: ""}


def test_a_run_whose_worker_died_is_published_again_once_per_wait(span: Span, monkeypatch: pytest.MonkeyPatch) -> None:
    published: list[int] = []
    monkeypatch.setattr(suggestions.current_app, "send_task", lambda name, args, **kw: published.extend(args))
    run = run_of(span)
    past = timezone.now() - timedelta(minutes=5)
    SuggestionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, lease_expires_at=past, dispatched_at=past)
    for _ in range(3):
        suggestions.suggestion_runs_sweep()
    assert published == [run.pk]
