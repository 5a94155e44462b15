"""Review work: handing articles to k blind reviewers (a pull queue with leases, or a manager's explicit
assignment), skipping, submitting, reopening and reassigning.

Each article keeps its review state in its own row (`open_slots`, `submitted_count`, `review_status`), so
"next article" reads one partial index instead of counting assignments.

Lock rule: the article row first, then assignment rows. "Next" takes the first free article with
`FOR UPDATE SKIP LOCKED`, so concurrent callers never wait on each other nor take the same slot; the other
writes lock the article and then re-count its assignments (`_refresh`), so its counters cannot drift.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from annotations.agreement.alignment import align, disagreement
from annotations.domain import (
    HOLDING_SLOT,
    OPEN_WORK,
    ArticleStatus,
    AssignmentStatus,
    DomainError,
    QueueOrder,
    Role,
)
from annotations.models import Article, Assignment, AuditEvent, Membership, Project
from annotations.selectors.review import reviewer_span_items
from annotations.services.agreement import agreement_request
from annotations.services.audit import audit_event, audit_record

_A = Article._meta.db_table
_S = Assignment._meta.db_table
_P = Project._meta.db_table
_E = AuditEvent._meta.db_table
_HOLDING = tuple(status.value for status in HOLDING_SLOT)

# --- Counters ---------------------------------------------------------------------------------------

# Identifiers come from the models; every value is a parameter.
_REFRESH_SQL = f"""
    UPDATE {_A} a SET
        open_slots = CASE WHEN a.review_status = %(curated)s THEN 0
            ELSE greatest(0, p.reviewers_per_article - coalesce(h.holding, 0)) END,
        submitted_count = coalesce(h.submitted, 0),
        review_status = CASE
            WHEN a.review_status = %(curated)s THEN a.review_status
            WHEN coalesce(h.submitted, 0) >= p.reviewers_per_article THEN %(ready)s
            WHEN coalesce(h.holding, 0) > 0 THEN %(in_review)s
            ELSE %(unassigned)s END,
        ready_at = CASE WHEN coalesce(h.submitted, 0) >= p.reviewers_per_article THEN coalesce(a.ready_at, now()) END,
        disagreement = CASE WHEN coalesce(h.submitted, 0) >= p.reviewers_per_article THEN a.disagreement END
    FROM {_P} p, {_A} a2
    LEFT JOIN (
        SELECT article_id,
            count(*) FILTER (WHERE status = ANY(%(holding)s)) AS holding,
            count(*) FILTER (WHERE status = %(submitted)s) AS submitted
        FROM {_S} WHERE article_id = ANY(%(ids)s) GROUP BY article_id
    ) h ON h.article_id = a2.id
    WHERE a.id = ANY(%(ids)s) AND a2.id = a.id AND p.id = a.project_id
    RETURNING a.id, a.review_status, a.disagreement
"""  # noqa: S608


def _refresh(article_ids: list[int]) -> None:
    """Re-count the articles' slots and submissions from their assignments (their rows must be locked), and
    score the disagreement of each article that just became ready for curation."""
    if not article_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _REFRESH_SQL,
            {
                "ids": article_ids,
                "holding": list(_HOLDING),
                "submitted": AssignmentStatus.SUBMITTED.value,
                "curated": ArticleStatus.CURATED.value,
                "ready": ArticleStatus.READY_FOR_CURATION.value,
                "in_review": ArticleStatus.IN_REVIEW.value,
                "unassigned": ArticleStatus.UNASSIGNED.value,
            },
        )
        rows = cursor.fetchall()
    for article_id, status, score in rows:
        if status == ArticleStatus.READY_FOR_CURATION and score is None:
            Article.objects.filter(pk=article_id).update(disagreement=article_disagreement(article_id))


def article_disagreement(article_id: int) -> float:
    """How much the submitted reviewers disagree on the article (0 to 1; see agreement.alignment)."""
    items = reviewer_span_items(article_id=article_id)
    return disagreement(align(items), len(items))


def _lock_article(article_id: int) -> Article:
    return Article.objects.select_for_update(of=("self",)).select_related("project").get(pk=article_id)


def _lease_end(project: Project, now: datetime) -> datetime:
    return now + timedelta(minutes=project.lease_minutes)


# --- Taking work ------------------------------------------------------------------------------------

_ORDER = {
    QueueOrder.PRIORITY: "a.priority DESC, a.created_at, a.id",
    QueueOrder.OLDEST: "a.created_at, a.id",
}
# Take the first article with a free slot that this reviewer has never held (an expired lease of theirs
# may be taken back), in one statement with its audit event (as services/audit.py would write it). First
# skipping rows other transactions are handing out; if that finds nothing while such rows exist, waiting
# for them: each is then checked again (READ COMMITTED re-evaluates a locked row's condition), so a slot
# another call just took is passed over. The NOT EXISTS, though, reads the statement's snapshot: an
# assignment of this reviewer to the picked article committed since then (a manager's, or their own submit
# of an expired lease) is caught by the upsert, which takes an existing row back only if it is expired. The
# slot is counted off only for an assignment actually given; the pick comes back either way, so that the
# caller can tell "nothing to pick" from "picked, but lost the race" and pick again.
_TAKE_SQL = f"""
    WITH pick AS (
        SELECT a.id FROM {_A} a
        WHERE a.project_id = %(project)s AND a.open_slots > 0
            AND NOT EXISTS (
                SELECT 1 FROM {_S} s
                WHERE s.article_id = a.id AND s.reviewer_id = %(reviewer)s AND s.status <> %(expired)s
            )
        ORDER BY {{order}}
        LIMIT 1
        FOR UPDATE OF a {{skip}}
    ), given AS (
        INSERT INTO {_S} AS s (article_id, reviewer_id, status, assigned_at, started_at, lease_expires_at)
        SELECT pick.id, %(reviewer)s, %(in_progress)s, %(now)s, %(now)s, %(lease)s FROM pick
        ON CONFLICT (article_id, reviewer_id) DO UPDATE
            SET status = EXCLUDED.status, started_at = EXCLUDED.started_at,
                lease_expires_at = EXCLUDED.lease_expires_at
            WHERE s.status = %(expired)s
        RETURNING id, article_id, assigned_at
    ), taken AS (
        UPDATE {_A} a SET open_slots = a.open_slots - 1, review_status = %(in_review)s
        FROM given WHERE a.id = given.article_id
        RETURNING a.id
    ), event AS (
        INSERT INTO {_E} (actor_id, actor_name, project_id, action, object_type, object_id, after, at)
        SELECT %(reviewer)s, %(username)s, %(project)s, 'assignment.take', 'assignment', given.id::text,
            jsonb_build_object('article', given.article_id, 'lease_expires_at', %(lease_text)s), %(now)s
        FROM given
    )
    SELECT pick.id, given.id, given.assigned_at FROM pick LEFT JOIN given ON given.article_id = pick.id
"""  # noqa: S608
_TAKE = {
    (order, skip): _TAKE_SQL.format(order=sql, skip="SKIP LOCKED" if skip else "")
    for order, sql in _ORDER.items()
    for skip in (True, False)
}


def take_params(*, project: Project, reviewer: User, now: datetime) -> dict[str, int | str | datetime]:
    """The parameters of the take statement (`_TAKE`), also for benchmarks that EXPLAIN it."""
    lease = _lease_end(project, now)
    return {
        "project": project.pk,
        "reviewer": reviewer.pk,
        "expired": AssignmentStatus.EXPIRED.value,
        "in_review": ArticleStatus.IN_REVIEW.value,
        "in_progress": AssignmentStatus.IN_PROGRESS.value,
        "now": now,
        "lease": lease,
        "lease_text": lease.isoformat(),
        "username": reviewer.get_username(),
    }


def _check_reviewer(project: Project, reviewer: User, *, lock: bool = False, code: str = "invalid") -> None:
    """The reviewer must be an annotator of the project: a bad name in a manager's input (400), or, with
    code="forbidden", a caller asking for work they may not take (403)."""
    memberships = Membership.objects.filter(project=project, user=reviewer, role=Role.ANNOTATOR)
    if lock:  # one reviewer's concurrent "next" calls go one at a time: they never get two articles at once
        memberships = memberships.select_for_update()
    if not memberships.exists():
        raise DomainError(f"{reviewer.get_username()} is not an annotator of this project", field="reviewer", code=code)


@transaction.atomic
def queue_next(*, project: Project, reviewer: User) -> Assignment | None:
    """The reviewer's next article: their open work first (its lease renewed), else a new slot from the
    pool in the project's queue order, with a lease. None when the pool has nothing left for them.

    Race-free: the pick skips rows that concurrent calls hold, and a reviewer's own calls are serialised.
    """
    _check_reviewer(project, reviewer, lock=True, code="forbidden")
    now = timezone.now()
    lease = _lease_end(project, now)
    current = _open_work(project, reviewer)
    if current is not None:
        _start_lease(current, now=now, lease=lease)
        return current
    params = take_params(project=project, reviewer=reviewer, now=now)
    order = QueueOrder(project.queue_order)
    with connection.cursor() as cursor:
        for _attempt in range(TAKE_ATTEMPTS):
            # Each pass runs in a savepoint, released only when it gave an assignment: a row it locked but
            # passed over (its last slot went while it looked) is not held while the waiting pass waits for
            # other rows (holding it deadlocked two calls that held each other's rows: seen in CI, 50 threads).
            for skip in (True, False):  # skipping rows in other calls' hands; then, if none was left, waiting
                savepoint = transaction.savepoint()
                cursor.execute(_TAKE[order, skip], params)
                row = cursor.fetchone()
                if row is not None and row[1] is not None:
                    transaction.savepoint_commit(savepoint)
                    return _taken(row, reviewer=reviewer, now=now, lease=lease)
                transaction.savepoint_rollback(savepoint)
                if row is not None:
                    break  # picked, but given to this reviewer meanwhile: pick again, on a fresh snapshot
            else:
                return None  # neither pass found an article for them
            current = _open_work(project, reviewer)  # a manager may have just given them that very article
            if current is not None:
                _start_lease(current, now=now, lease=lease)
                return current
    raise DomainError("the queue changed while it was read; ask for the next article again", code="conflict")


TAKE_ATTEMPTS = 3


def _open_work(project: Project, reviewer: User) -> Assignment | None:
    """The reviewer's open work in the project (first by priority), locked with its article. Re-read under
    the lock: the sweeper, a reassign or their own submit may have ended it since it was found."""
    for _attempt in range(TAKE_ATTEMPTS):
        found = (
            Assignment.objects.filter(article__project=project, reviewer=reviewer, status__in=OPEN_WORK)
            .order_by("-article__priority", "assigned_at", "id")
            .values_list("id", "article_id")
            .first()
        )
        if found is None:
            return None
        # In a savepoint: an article whose work ended meanwhile is not held while the take waits for others.
        savepoint = transaction.savepoint()
        _lock_article(found[1])
        current = Assignment.objects.select_for_update(of=("self",)).get(pk=found[0])
        if current.status in OPEN_WORK:
            transaction.savepoint_commit(savepoint)
            return current
        transaction.savepoint_rollback(savepoint)
    return None


def _taken(row: tuple[int, int, datetime], *, reviewer: User, now: datetime, lease: datetime) -> Assignment:
    article_id, assignment_id, assigned_at = row
    assignment = Assignment(
        pk=assignment_id,
        article_id=article_id,
        reviewer=reviewer,
        status=AssignmentStatus.IN_PROGRESS,
        assigned_at=assigned_at,
        started_at=now,
        lease_expires_at=lease,
    )
    assignment._state.adding, assignment._state.db = False, connection.alias
    return assignment


def _start_lease(assignment: Assignment, *, now: datetime, lease: datetime) -> None:
    assignment.status = AssignmentStatus.IN_PROGRESS
    assignment.started_at = assignment.started_at or now
    assignment.lease_expires_at = lease
    assignment.save(update_fields=["status", "started_at", "lease_expires_at"])


@transaction.atomic
def assignment_renew(*, article: Article, reviewer: User) -> Assignment:
    """Keep (or start) the reviewer's lease on `article` while they work. An expired lease is taken back
    if a slot is still free; otherwise the article went to someone else (409; their spans are kept).

    Renewals are bookkeeping and record no audit event; taking an expired slot back does.
    """
    locked = _lock_article(article.pk)
    assignment = Assignment.objects.select_for_update(of=("self",)).filter(article=locked, reviewer=reviewer).first()
    if assignment is None or assignment.status in (AssignmentStatus.SKIPPED, AssignmentStatus.REVOKED):
        raise DomainError("this article is not assigned to you", code="forbidden")
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError("you already submitted this article", code="conflict")
    now = timezone.now()
    if assignment.status == AssignmentStatus.EXPIRED:
        if locked.open_slots == 0:
            raise DomainError(
                "your lease expired and the article went to another reviewer; your spans are kept",
                code="conflict",
            )
        _start_lease(assignment, now=now, lease=_lease_end(locked.project, now))
        _refresh([locked.pk])
        audit_record(
            actor=reviewer,
            action="assignment.retake",
            obj=assignment,
            project=locked.project,
            after={"article": locked.pk},
        )
        return assignment
    _start_lease(assignment, now=now, lease=_lease_end(locked.project, now))
    return assignment


@transaction.atomic
def assignment_create(*, article: Article, reviewer: User, actor: User | None) -> Assignment:
    """A manager assigns `article` to `reviewer` (it goes to the top of their queue, without a lease until
    they start), at most k distinct reviewers per article. A reviewer who skipped it or had it revoked is
    refused; one whose lease expired gets it back."""
    locked = _lock_article(article.pk)
    project = locked.project
    _check_reviewer(project, reviewer)
    existing = Assignment.objects.select_for_update(of=("self",)).filter(article=locked, reviewer=reviewer).first()
    if existing is not None and existing.status != AssignmentStatus.EXPIRED:
        raise DomainError(
            f"article #{locked.pk} was already given to {reviewer.get_username()} ({existing.status})",
            field="reviewer",
            code="duplicate",
        )
    if locked.open_slots == 0:
        k = project.reviewers_per_article
        raise DomainError(f"article #{locked.pk} already has {k} of {k} reviewers", field="article", code="conflict")
    if existing is None:
        assignment = Assignment.objects.create(article=locked, reviewer=reviewer, assigned_by=actor)
    else:
        assignment = existing
        assignment.status, assignment.assigned_by, assignment.lease_expires_at = AssignmentStatus.ASSIGNED, actor, None
        assignment.save(update_fields=["status", "assigned_by", "lease_expires_at"])
    _refresh([locked.pk])
    audit_record(
        actor=actor,
        action="assignment.create",
        obj=assignment,
        project=project,
        after={"article": locked.pk, "reviewer": reviewer.get_username()},
    )
    return assignment


def _own_assignment(article: Article, reviewer: User) -> Assignment:
    assignment = Assignment.objects.select_for_update(of=("self",)).filter(article=article, reviewer=reviewer).first()
    if assignment is None or assignment.status in (AssignmentStatus.SKIPPED, AssignmentStatus.REVOKED):
        raise DomainError("this article is not assigned to you", code="forbidden")
    return assignment


@transaction.atomic
def assignment_skip(*, article: Article, reviewer: User) -> Assignment:
    """The reviewer passes on `article`: the slot goes back to the pool for someone else, and the article
    is never handed to this reviewer again. Spans they saved stay stored (and out of curation)."""
    locked = _lock_article(article.pk)
    assignment = _own_assignment(locked, reviewer)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError("you already submitted this article; a curator can reopen it", code="conflict")
    before = {"status": assignment.status}
    assignment.status, assignment.lease_expires_at = AssignmentStatus.SKIPPED, None
    assignment.save(update_fields=["status", "lease_expires_at"])
    _refresh([locked.pk])
    audit_record(
        actor=reviewer,
        action="assignment.skip",
        obj=assignment,
        project=locked.project,
        before=before,
        after={"status": assignment.status, "article": locked.pk},
    )
    return assignment


@transaction.atomic
def assignment_submit(*, article: Article, reviewer: User) -> Assignment:
    """The reviewer hands in their work on `article`: their spans and links are locked from now on. When
    all k reviewers have submitted, the article is ready for curation.

    An expired lease can still be submitted while a slot is free (the work is not lost); submitting twice
    is a 409, not a second audit event.
    """
    locked = _lock_article(article.pk)
    assignment = _own_assignment(locked, reviewer)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError("you already submitted this article", code="conflict")
    if assignment.status == AssignmentStatus.EXPIRED and locked.open_slots == 0:
        raise DomainError(
            "your lease expired and the article went to another reviewer; your spans are kept", code="conflict"
        )
    before = {"status": assignment.status}
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.lease_expires_at = None
    assignment.save(update_fields=["status", "submitted_at", "lease_expires_at"])
    _refresh([locked.pk])
    agreement_request(project_id=locked.project_id)  # after commit, debounced
    audit_record(
        actor=reviewer,
        action="assignment.submit",
        obj=assignment,
        project=locked.project,
        before=before,
        after={"status": assignment.status, "article": locked.pk},
    )
    return assignment


def _lock_assignment(assignment_id: int) -> tuple[Article, Assignment]:
    article_id = Assignment.objects.filter(pk=assignment_id).values_list("article_id", flat=True).first()
    if article_id is None:
        raise DomainError(f"no assignment #{assignment_id}", field="assignment", code="not_found")
    article = _lock_article(article_id)
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("reviewer").get(pk=assignment_id)
    return article, assignment


@transaction.atomic
def assignment_reopen(*, assignment: Assignment, actor: User) -> Assignment:
    """A curator hands a submitted piece of work back to its reviewer: their spans unlock and the article
    goes back to the top of their queue (assigned, no lease). Not on a curated article: reopen its
    curation first."""
    article, locked = _lock_assignment(assignment.pk)
    if locked.status != AssignmentStatus.SUBMITTED:
        raise DomainError(f"only submitted work can be reopened (this is {locked.status})", code="conflict")
    if article.review_status == ArticleStatus.CURATED:
        raise DomainError("the article is curated; reopen its curation first", code="conflict")
    locked.status, locked.submitted_at = AssignmentStatus.ASSIGNED, None
    locked.save(update_fields=["status", "submitted_at"])
    _refresh([article.pk])
    agreement_request(project_id=article.project_id)  # a submission fewer: the figures change
    audit_record(
        actor=actor,
        action="assignment.reopen",
        obj=locked,
        project=article.project,
        before={"status": AssignmentStatus.SUBMITTED},
        after={"status": locked.status, "article": article.pk},
    )
    return locked


@transaction.atomic
def assignment_reassign(*, assignment: Assignment, reviewer: User, actor: User) -> Assignment:
    """A manager moves unfinished work to another reviewer: the old assignment is revoked (its spans stay
    stored), the new reviewer gets the article at the top of their queue. Returns the new assignment."""
    article, locked = _lock_assignment(assignment.pk)
    if locked.status in (AssignmentStatus.SUBMITTED, AssignmentStatus.SKIPPED, AssignmentStatus.REVOKED):
        raise DomainError(f"only unfinished work can be reassigned (this is {locked.status})", code="conflict")
    if reviewer.pk == locked.reviewer_id:
        raise DomainError("that reviewer already has this article", field="reviewer", code="conflict")
    locked.status, locked.lease_expires_at = AssignmentStatus.REVOKED, None
    locked.save(update_fields=["status", "lease_expires_at"])
    _refresh([article.pk])
    audit_record(
        actor=actor,
        action="assignment.revoke",
        obj=locked,
        project=article.project,
        after={"article": article.pk, "reviewer": locked.reviewer.get_username(), "to": reviewer.get_username()},
    )
    return assignment_create(article=article, reviewer=reviewer, actor=actor)


# --- Leases -----------------------------------------------------------------------------------------

_EXPIRE_SQL = f"""
    WITH due AS (
        SELECT a.id, a.project_id FROM {_A} a
        WHERE a.id IN (
            SELECT article_id FROM {_S} WHERE status = %(in_progress)s AND lease_expires_at < %(now)s
        )
        ORDER BY a.id LIMIT %(limit)s
        FOR UPDATE OF a SKIP LOCKED
    )
    UPDATE {_S} s SET status = %(expired)s, lease_expires_at = NULL
    FROM due WHERE s.article_id = due.id AND s.status = %(in_progress)s AND s.lease_expires_at < %(now)s
    RETURNING s.id, s.article_id, due.project_id
"""  # noqa: S608


def leases_expire(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Give the slots of leases that ran out back to the pool (the reviewers' spans are kept); returns how
    many expired. Run by the sweeper; articles being written to right now are left for its next pass."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _EXPIRE_SQL,
            {
                "in_progress": AssignmentStatus.IN_PROGRESS.value,
                "expired": AssignmentStatus.EXPIRED.value,
                "now": now or timezone.now(),
                "limit": limit,
            },
        )
        rows = cursor.fetchall()
        _refresh(sorted({article_id for _, article_id, _ in rows}))
        AuditEvent.objects.bulk_create(
            audit_event(
                actor=None,
                action="assignment.expire",
                obj=Assignment(pk=assignment_id),
                project=Project(pk=project_id),
                after={"article": article_id},
            )
            for assignment_id, article_id, project_id in rows
        )
    return len(rows)


def project_review_refresh(*, project: Project) -> None:
    """After k changed: every unfinished article's slots and status, counted again (locks them in order)."""
    ids = list(
        Article.objects.select_for_update(of=("self",))
        .filter(project=project)
        .exclude(review_status=ArticleStatus.CURATED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    _refresh(ids)
