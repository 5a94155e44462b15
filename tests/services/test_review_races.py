"""Review and curation under interleavings and out-of-order requests: a second reading of issue #6 found
each of these breaking the counters, blind review or the gold's provenance.

The concurrent cases run a second transaction in a thread on its own connection, at the moment named.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from annotations.domain import HOLDING_SLOT, ArticleStatus, AssignmentStatus, DomainError, Role
from annotations.models import Article, Assignment, Span
from annotations.services import review
from annotations.services.curation import (
    GoldFields,
    curation_complete,
    curation_reopen,
    curation_start,
    gold_span_create,
    gold_span_delete,
)
from annotations.services.projects import project_update
from annotations.services.review import (
    assignment_create,
    assignment_reopen,
    assignment_skip,
    assignment_submit,
    queue_next,
)
from annotations.services.spans import span_create, span_delete, span_update
from tests.api.conftest import span_body
from tests.conftest import Personas
from tests.factories import ArticleFactory, MembershipFactory

TEXT = "Officials said a ceasefire had been agreed in Geneva on Monday, and aid would reach the city."


def ready_article(personas: Personas, text: str = TEXT) -> tuple[Article, Span, Span]:
    """An article both reviewers (k = 2) submitted, each with one span."""
    article = ArticleFactory.create(project=personas.project, text=text)
    a, b = personas.annotator, personas.other_annotator
    queue_next(project=personas.project, reviewer=a)
    queue_next(project=personas.project, reviewer=b)
    span_a = span_create(article=article, annotator=a, **span_body(text, "a ceasefire"))
    span_b = span_create(article=article, annotator=b, **span_body(text, "in Geneva"))
    assignment_submit(article=article, reviewer=a)
    assignment_submit(article=article, reviewer=b)
    return article, span_a, span_b


def holders(article: Article) -> int:
    return Assignment.objects.filter(article=article, status__in=HOLDING_SLOT).count()


def in_other_transaction(work: Callable[[], object]) -> None:
    """Run `work` to its commit on another connection, now; its error is raised here."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(20)
    if errors:
        raise errors[0]


@pytest.mark.django_db
def test_curation_neither_writes_gold_nor_completes_while_a_reviewer_is_reopened(personas: Personas) -> None:
    """Else the article became curated with a reviewer's work open: they saw the others' spans, could skip,
    and the freed slot handed the curated article to a new reviewer."""
    article, _, _ = ready_article(personas)
    curation_start(article=article, curator=personas.curator)
    assignment_reopen(
        assignment=Assignment.objects.get(article=article, reviewer=personas.annotator), actor=personas.curator
    )
    with pytest.raises(DomainError, match=r"back in review \(1 of 2") as caught:
        curation_complete(article=article, curator=personas.curator)
    assert caught.value.code == "conflict"
    with pytest.raises(DomainError, match="back in review"):
        gold_span_create(article=article, curator=personas.curator, fields=GoldFields(start=0, end=9))
    article.refresh_from_db()
    assert (article.review_status, article.open_slots) == (ArticleStatus.IN_REVIEW, 0)
    assert not Span.objects.filter(article=article, is_gold=True).exists()

    assignment_submit(article=article, reviewer=personas.annotator)  # ready again: curation goes on
    curation_complete(article=article, curator=personas.curator)
    assignment = Assignment.objects.get(article=article, reviewer=personas.annotator)
    with pytest.raises(DomainError, match="already submitted"):
        assignment_skip(article=article, reviewer=personas.annotator)
    article.refresh_from_db()
    assert (article.review_status, article.open_slots, assignment.status) == (
        ArticleStatus.CURATED,
        0,
        AssignmentStatus.SUBMITTED,
    )


@pytest.mark.django_db
def test_reopening_a_curation_after_k_rose_sends_the_article_back_for_more_reviews(personas: Personas) -> None:
    article, _, _ = ready_article(personas)
    curation_start(article=article, curator=personas.curator)
    curation_complete(article=article, curator=personas.curator)
    project_update(project=personas.project, actor=personas.manager, changes={"reviewers_per_article": 3})
    curation_reopen(article=article, curator=personas.curator)
    article.refresh_from_db()
    assert (article.review_status, article.submitted_count, article.open_slots) == (ArticleStatus.IN_REVIEW, 2, 1)
    third = MembershipFactory.create(project=personas.project, role=Role.ANNOTATOR).user
    given = queue_next(project=personas.project, reviewer=third)
    assert given is not None
    assert given.article_id == article.pk


@pytest.mark.django_db
def test_a_span_that_gold_derives_from_changes_only_once_that_gold_is_deleted(personas: Personas) -> None:
    """Else a reopened reviewer's delete emptied the gold's `derived_from` (and an edit made it point at
    other text)."""
    article, span_a, _ = ready_article(personas)
    curation_start(article=article, curator=personas.curator)
    gold = gold_span_create(article=article, curator=personas.curator, fields=GoldFields(from_span=span_a.pk))
    assignment_reopen(
        assignment=Assignment.objects.get(article=article, reviewer=personas.annotator), actor=personas.curator
    )
    for change in (
        lambda: span_delete(span=span_a, actor=personas.annotator, version=span_a.version),
        lambda: span_update(span=span_a, actor=personas.annotator, version=span_a.version, note="moved"),
    ):
        with pytest.raises(DomainError, match=f"into gold span #{gold.pk}") as caught:
            change()
        assert caught.value.code == "locked"
    assert list(gold.derived_from.values_list("pk", flat=True)) == [span_a.pk]
    with pytest.raises(DomainError, match="changed in the article's curation"):
        span_update(span=gold, actor=personas.curator, version=gold.version, note="not here")

    gold_span_delete(article=article, span_id=gold.pk, curator=personas.curator)  # allowed while in review
    span_delete(span=span_a, actor=personas.annotator, version=span_a.version)
    assert not Span.objects.filter(pk__in=[gold.pk, span_a.pk]).exists()


@pytest.mark.django_db
def test_gold_is_deleted_only_through_its_own_articles_curation(personas: Personas) -> None:
    """The curation page's delete named a gold span by id alone: any open curation's page (another project's
    too) deleted any article's gold."""
    article, span_a, _ = ready_article(personas)
    other_article, _, _ = ready_article(personas, text=TEXT.replace("Monday", "Tuesday"))
    for each in (article, other_article):
        curation_start(article=each, curator=personas.curator)
    gold = gold_span_create(article=article, curator=personas.curator, fields=GoldFields(from_span=span_a.pk))
    client = Client()
    client.force_login(personas.curator)
    response = client.post(f"/articles/{other_article.pk}/curate/", {"action": "delete", "gold": gold.pk})
    assert response.status_code == 400
    assert f"no gold span #{gold.pk} in this article" in response.content.decode()
    assert Span.objects.filter(pk=gold.pk).exists()
    with pytest.raises(DomainError, match=f"no gold span #{gold.pk} in this article") as caught:
        gold_span_delete(article=other_article, span_id=gold.pk, curator=personas.curator)
    assert (caught.value.field, caught.value.code) == ("span", "not_found")
    gold_span_delete(article=article, span_id=gold.pk, curator=personas.curator)
    assert not Span.objects.filter(pk=gold.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_next_does_not_revive_open_work_that_the_sweeper_expired_meanwhile(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With k = 1: the sweeper expires the reviewer's lease between "next" finding it and locking it. The
    re-read sees it expired, and the take gives the slot back to them: one holder, no free slot."""
    project = personas.project
    project.reviewers_per_article = 1
    project.save()
    article = ArticleFactory.create(project=project, text=TEXT)
    first = queue_next(project=project, reviewer=personas.annotator)
    assert first is not None
    Assignment.objects.filter(pk=first.pk).update(lease_expires_at=timezone.now() - timedelta(minutes=1))
    real_lock = review._lock_article
    swept: list[int] = []

    def sweeper_first(article_id: int) -> Article:
        if not swept:
            in_other_transaction(lambda: swept.append(review.leases_expire()))
        return real_lock(article_id)

    monkeypatch.setattr(review, "_lock_article", sweeper_first)
    again = queue_next(project=project, reviewer=personas.annotator)
    monkeypatch.setattr(review, "_lock_article", real_lock)
    assert swept == [1]
    assert again is not None
    assert again.article_id == article.pk
    article.refresh_from_db()
    assert (holders(article), article.open_slots) == (1, 0)
    assert queue_next(project=project, reviewer=personas.other_annotator) is None


@pytest.mark.django_db(transaction=True)
def test_taking_back_an_expired_lease_does_not_undo_a_submit_committed_meanwhile(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's lease expired; their submit holds the article while their "next" waits for it. The
    take's snapshot still shows the lease expired: it used to overwrite the submitted assignment and count
    a slot off that was never taken."""
    project = personas.project
    article = ArticleFactory.create(project=project, text=TEXT)
    first = queue_next(project=project, reviewer=personas.annotator)
    assert first is not None
    Assignment.objects.filter(pk=first.pk).update(lease_expires_at=timezone.now() - timedelta(minutes=1))
    assert review.leases_expire() == 1
    holding = threading.Event()
    real_refresh = review._refresh

    def slow_refresh(ids: list[int]) -> None:
        real_refresh(ids)
        if threading.current_thread() is not threading.main_thread():
            holding.set()
            time.sleep(1.5)  # the submit keeps the article locked while "next" runs into it

    monkeypatch.setattr(review, "_refresh", slow_refresh)
    submitter = threading.Thread(
        target=in_other_transaction, args=(lambda: assignment_submit(article=article, reviewer=personas.annotator),)
    )
    submitter.start()
    assert holding.wait(10)
    given = queue_next(project=project, reviewer=personas.annotator)
    submitter.join(20)
    assert given is None  # nothing else in the pool for them
    article.refresh_from_db()
    assignment = Assignment.objects.get(pk=first.pk)
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert (article.open_slots, article.submitted_count) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_next_does_not_hold_an_ended_works_article_while_it_waits_for_another(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's open work on X ends (their submit from another tab) between "next" finding it and
    locking it; "next" then waits for Y, which a manager's k change holds while it asks for X. Holding X's
    lock past the re-read deadlocked the two."""
    project = personas.project
    y = ArticleFactory.create(project=project, text=TEXT)  # the lower id: the refresh locks it first
    x = ArticleFactory.create(project=project, text=TEXT.replace("Monday", "Tuesday"))
    assignment_create(article=x, reviewer=personas.annotator, actor=personas.manager)
    assert queue_next(project=project, reviewer=personas.annotator) is not None  # X, in progress
    real_lock, real_params = review._lock_article, review.take_params
    refresh: list[threading.Thread] = []
    failures: list[BaseException] = []

    def submit_first(article_id: int) -> Article:
        if threading.current_thread() is threading.main_thread() and not refresh:
            in_other_transaction(lambda: assignment_submit(article=x, reviewer=personas.annotator))
        return real_lock(article_id)

    def k_changes() -> None:
        try:
            in_other_transaction(lambda: review.project_review_refresh(project=project))  # Y, then X
        except BaseException as error:
            failures.append(error)

    def then_the_manager(**options: Any) -> Any:
        refresh.append(threading.Thread(target=k_changes))
        refresh[-1].start()
        time.sleep(0.5)  # the refresh holds Y and waits for X
        return real_params(**options)

    monkeypatch.setattr(review, "_lock_article", submit_first)
    monkeypatch.setattr(review, "take_params", then_the_manager)
    given = queue_next(project=project, reviewer=personas.annotator)
    for thread in refresh:
        thread.join(20)
    assert failures == []
    assert given is not None
    assert given.article_id == y.pk
