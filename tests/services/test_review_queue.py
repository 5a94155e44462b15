"""Review queues on the real PostgreSQL: k distinct reviewers, race-free hand-out, leases, skip, submit,
reopen and reassign, and the article's review state kept in step with its assignments."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from annotations.domain import ArticleStatus, AssignmentStatus, DomainError, QueueOrder, Role
from annotations.models import Article, Assignment, AuditEvent, Project, Span
from annotations.services.projects import project_update
from annotations.services.review import (
    assignment_create,
    assignment_reassign,
    assignment_renew,
    assignment_reopen,
    assignment_skip,
    assignment_submit,
    leases_expire,
    queue_next,
)
from annotations.services.spans import span_create
from tests.api.conftest import span_body
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

TEXT = "Officials said a ceasefire had been agreed in Geneva on Monday."


def reviewers(project: Project, n: int, prefix: str = "r") -> list[User]:
    return [
        MembershipFactory.create(
            project=project, role=Role.ANNOTATOR, user=UserFactory.create(username=f"{prefix}{i}")
        ).user
        for i in range(n)
    ]


def state(article: Article) -> tuple[int, int, str]:
    article.refresh_from_db()
    return article.open_slots, article.submitted_count, article.review_status


def holding(article: Article) -> int:
    return Assignment.objects.filter(
        article=article,
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED],
    ).count()


@pytest.mark.django_db
def test_a_new_article_has_k_free_slots_whatever_inserts_it() -> None:
    project = ProjectFactory.create(reviewers_per_article=3)
    article = ArticleFactory.create(project=project)
    assert state(article) == (3, 0, ArticleStatus.UNASSIGNED)


@pytest.mark.django_db
def test_next_hands_each_article_to_k_distinct_reviewers_in_priority_order() -> None:
    project = ProjectFactory.create(reviewers_per_article=2)
    low = ArticleFactory.create(project=project, priority=0)
    high = ArticleFactory.create(project=project, priority=5)
    a, b, c = reviewers(project, 3)
    first = queue_next(project=project, reviewer=a)
    assert first is not None
    assert first.article_id == high.pk
    assert first.status == AssignmentStatus.IN_PROGRESS
    assert first.lease_expires_at is not None
    # The same reviewer asking again gets the same open work back, not a second article.
    again = queue_next(project=project, reviewer=a)
    assert again is not None
    assert again.pk == first.pk
    second = queue_next(project=project, reviewer=b)
    assert second is not None
    assert second.article_id == high.pk
    assert second.reviewer_id == b.pk
    assert state(high) == (0, 0, ArticleStatus.IN_REVIEW)
    third = queue_next(project=project, reviewer=c)  # high is full: k reached
    assert third is not None
    assert third.article_id == low.pk
    assert Assignment.objects.filter(article=high).count() == 2
    taken = AuditEvent.objects.filter(action="assignment.take").order_by("id")
    assert [(e.actor_id, e.object_id, (e.after or {}).get("article")) for e in taken] == [
        (a.pk, str(first.pk), high.pk),
        (b.pk, str(second.pk), high.pk),
        (c.pk, str(third.pk), low.pk),
    ]
    assert taken[0].project_id == project.pk


@pytest.mark.django_db
def test_oldest_first_ignores_priority() -> None:
    project = ProjectFactory.create(queue_order=QueueOrder.OLDEST)
    old = ArticleFactory.create(project=project, priority=0)
    ArticleFactory.create(project=project, priority=9)
    (a,) = reviewers(project, 1)
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    assert taken.article_id == old.pk


@pytest.mark.django_db
def test_next_is_none_when_nothing_is_left_for_the_reviewer() -> None:
    project = ProjectFactory.create(reviewers_per_article=2)
    article = ArticleFactory.create(project=project)
    (a,) = reviewers(project, 1)
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    assignment_submit(article=article, reviewer=a)
    assert queue_next(project=project, reviewer=a) is None  # one free slot left, but never the same article twice


@pytest.mark.django_db
def test_only_annotators_take_work() -> None:
    project = ProjectFactory.create()
    ArticleFactory.create(project=project)
    curator = MembershipFactory.create(project=project, role=Role.CURATOR).user
    with pytest.raises(DomainError) as caught:
        queue_next(project=project, reviewer=curator)
    assert caught.value.code == "forbidden"
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_a_skipped_article_goes_to_someone_else_and_never_back() -> None:
    project = ProjectFactory.create(reviewers_per_article=1)
    article = ArticleFactory.create(project=project)
    a, b = reviewers(project, 2)
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    span_create(article=article, annotator=a, **span_body(article.text, "number"))
    assignment_skip(article=article, reviewer=a)
    assert state(article) == (1, 0, ArticleStatus.UNASSIGNED)
    assert queue_next(project=project, reviewer=a) is None
    other = queue_next(project=project, reviewer=b)
    assert other is not None
    assert other.article_id == article.pk
    assert Span.objects.filter(article=article, annotator=a).count() == 1  # kept, out of the review
    with pytest.raises(DomainError):
        assignment_submit(article=article, reviewer=a)


@pytest.mark.django_db
def test_an_expired_lease_returns_the_slot_and_keeps_the_spans() -> None:
    project = ProjectFactory.create(reviewers_per_article=1, lease_minutes=30)
    article = ArticleFactory.create(project=project)
    a, b = reviewers(project, 2)
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    span_create(article=article, annotator=a, **span_body(article.text, "number"))
    assert leases_expire() == 0  # not due yet
    assert leases_expire(now=timezone.now() + timedelta(minutes=31)) == 1
    taken.refresh_from_db()
    assert taken.status == AssignmentStatus.EXPIRED
    assert taken.lease_expires_at is None
    assert state(article) == (1, 0, ArticleStatus.UNASSIGNED)
    assert AuditEvent.objects.filter(action="assignment.expire", object_id=str(taken.pk)).count() == 1
    assert Span.objects.filter(article=article, annotator=a).count() == 1
    other = queue_next(project=project, reviewer=b)
    assert other is not None
    assert other.article_id == article.pk
    # The slot is gone: the first reviewer cannot renew or submit, but their spans stay stored.
    with pytest.raises(DomainError, match="went to another reviewer"):
        assignment_renew(article=article, reviewer=a)
    with pytest.raises(DomainError, match="went to another reviewer"):
        assignment_submit(article=article, reviewer=a)
    assert Span.objects.filter(article=article, annotator=a).count() == 1


@pytest.mark.django_db
def test_an_expired_lease_is_taken_back_while_its_slot_is_free() -> None:
    project = ProjectFactory.create(reviewers_per_article=1)
    article = ArticleFactory.create(project=project)
    (a,) = reviewers(project, 1)
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    leases_expire(now=timezone.now() + timedelta(hours=1))
    back = queue_next(project=project, reviewer=a)
    assert back is not None
    assert back.pk == taken.pk
    assert back.status == AssignmentStatus.IN_PROGRESS
    assert state(article) == (0, 0, ArticleStatus.IN_REVIEW)


@pytest.mark.django_db
def test_renewing_moves_the_lease_on() -> None:
    project = ProjectFactory.create(lease_minutes=10)
    article = ArticleFactory.create(project=project)
    (a,) = reviewers(project, 1)
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    assert taken.lease_expires_at is not None
    Assignment.objects.filter(pk=taken.pk).update(lease_expires_at=timezone.now() + timedelta(minutes=1))
    renewed = assignment_renew(article=article, reviewer=a)
    assert renewed.lease_expires_at is not None
    assert renewed.lease_expires_at > timezone.now() + timedelta(minutes=9)


@pytest.mark.django_db
def test_all_k_submitted_makes_the_article_ready_for_curation_with_a_disagreement_score() -> None:
    project = ProjectFactory.create(reviewers_per_article=2)
    article = ArticleFactory.create(project=project, text=TEXT)
    a, b = reviewers(project, 2)
    for reviewer in (a, b):
        queue_next(project=project, reviewer=reviewer)
    span_create(article=article, annotator=a, **span_body(TEXT, "a ceasefire"))
    span_create(article=article, annotator=b, **span_body(TEXT, "in Geneva"))
    assignment_submit(article=article, reviewer=a)
    assert state(article) == (0, 1, ArticleStatus.IN_REVIEW)
    assignment_submit(article=article, reviewer=b)
    assert state(article) == (0, 2, ArticleStatus.READY_FOR_CURATION)
    assert article.ready_at is not None
    assert article.disagreement == 1.0  # two places, each marked by one reviewer only


@pytest.mark.django_db
def test_reopen_unlocks_the_reviewers_work_and_takes_the_article_back_to_review() -> None:
    project = ProjectFactory.create(reviewers_per_article=1)
    article = ArticleFactory.create(project=project, text=TEXT)
    (a,) = reviewers(project, 1)
    curator = MembershipFactory.create(project=project, role=Role.CURATOR).user
    queue_next(project=project, reviewer=a)
    submitted = assignment_submit(article=article, reviewer=a)
    with pytest.raises(DomainError) as locked:
        span_create(article=article, annotator=a, **span_body(TEXT, "a ceasefire"))
    assert locked.value.code == "locked"
    reopened = assignment_reopen(assignment=submitted, actor=curator)
    assert reopened.status == AssignmentStatus.ASSIGNED
    assert state(article) == (0, 0, ArticleStatus.IN_REVIEW)
    span_create(article=article, annotator=a, **span_body(TEXT, "a ceasefire"))  # unlocked again
    assert queue_next(project=project, reviewer=a).pk == submitted.pk  # type: ignore[union-attr]
    with pytest.raises(DomainError):
        assignment_reopen(assignment=reopened, actor=curator)  # not submitted now


@pytest.mark.django_db
def test_reassign_moves_unfinished_work_to_another_reviewer() -> None:
    project = ProjectFactory.create(reviewers_per_article=1)
    article = ArticleFactory.create(project=project)
    a, b = reviewers(project, 2)
    manager = MembershipFactory.create(project=project, role=Role.MANAGER).user
    taken = queue_next(project=project, reviewer=a)
    assert taken is not None
    moved = assignment_reassign(assignment=taken, reviewer=b, actor=manager)
    assert moved.reviewer_id == b.pk
    assert moved.status == AssignmentStatus.ASSIGNED
    taken.refresh_from_db()
    assert taken.status == AssignmentStatus.REVOKED
    assert state(article) == (0, 0, ArticleStatus.IN_REVIEW)
    assert queue_next(project=project, reviewer=a) is None
    with pytest.raises(DomainError):
        assignment_reassign(assignment=taken, reviewer=a, actor=manager)


@pytest.mark.django_db
def test_explicit_assignment_respects_k_and_refuses_a_reviewer_who_skipped() -> None:
    project = ProjectFactory.create(reviewers_per_article=1)
    article = ArticleFactory.create(project=project)
    a, b = reviewers(project, 2)
    manager = MembershipFactory.create(project=project, role=Role.MANAGER).user
    given = assignment_create(article=article, reviewer=a, actor=manager)
    assert given.status == AssignmentStatus.ASSIGNED
    with pytest.raises(DomainError) as full:
        assignment_create(article=article, reviewer=b, actor=manager)
    assert full.value.code == "conflict"
    assignment_skip(article=article, reviewer=a)
    with pytest.raises(DomainError) as again:
        assignment_create(article=article, reviewer=a, actor=manager)
    assert again.value.code == "duplicate"
    assignment_create(article=article, reviewer=b, actor=manager)
    assert state(article) == (0, 0, ArticleStatus.IN_REVIEW)


@pytest.mark.django_db
def test_changing_k_recounts_free_slots_and_readiness() -> None:
    project = ProjectFactory.create(reviewers_per_article=2)
    article = ArticleFactory.create(project=project)
    (a,) = reviewers(project, 1)
    manager = MembershipFactory.create(project=project, role=Role.MANAGER).user
    queue_next(project=project, reviewer=a)
    assignment_submit(article=article, reviewer=a)
    assert state(article) == (1, 1, ArticleStatus.IN_REVIEW)
    project_update(project=project, actor=manager, changes={"reviewers_per_article": 1})
    assert state(article) == (0, 1, ArticleStatus.READY_FOR_CURATION)
    assert article.disagreement == 0.0  # one reviewer cannot disagree with anyone
    project_update(project=project, actor=manager, changes={"reviewers_per_article": 3})
    assert state(article) == (2, 1, ArticleStatus.IN_REVIEW)


def _pull_concurrently(project: Project, users: list[User], calls_each: int = 1) -> list[Assignment | None]:
    barrier = threading.Barrier(len(users) * calls_each)
    results: list[Assignment | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def pull(user: User) -> None:
        try:
            barrier.wait()
            got = queue_next(project=project, reviewer=user)
            with lock:
                results.append(got)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pull, args=(u,)) for u in users for _ in range(calls_each)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_next_calls_never_over_assign_or_hand_a_slot_out_twice() -> None:
    project = ProjectFactory.create(reviewers_per_article=2)
    articles = [ArticleFactory.create(project=project) for _ in range(20)]  # 40 slots for 50 reviewers
    users = reviewers(project, 50)
    results = _pull_concurrently(project, users)
    handed = [r for r in results if r is not None]
    assert len(handed) == 40
    assert results.count(None) == 10
    per_article = Counter(r.article_id for r in handed)
    assert set(per_article.values()) == {2}
    assert len({(r.article_id, r.reviewer_id) for r in handed}) == 40  # k distinct reviewers each
    assert len({r.reviewer_id for r in handed}) == 40  # nobody got two articles
    for article in articles:
        assert state(article) == (0, 0, ArticleStatus.IN_REVIEW)
        assert holding(article) == 2


@pytest.mark.django_db(transaction=True)
def test_one_reviewers_concurrent_calls_get_one_article() -> None:
    project = ProjectFactory.create(reviewers_per_article=2)
    for _ in range(10):
        ArticleFactory.create(project=project)
    (a,) = reviewers(project, 1)
    results = _pull_concurrently(project, [a], calls_each=10)
    assert len({r.pk for r in results if r is not None}) == 1
    assert Assignment.objects.filter(reviewer=a).count() == 1
