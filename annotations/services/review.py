"""Review work: explicit assignment of an article to a reviewer, and submitting the work (the queue comes with the
review issue)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations.domain import AssignmentStatus, DomainError, Role
from annotations.models import Article, Assignment, Membership
from annotations.services.audit import audit_record


@transaction.atomic
def assignment_create(*, article: Article, reviewer: User, actor: User | None) -> Assignment:
    """Assign `article` to `reviewer`, at most k distinct reviewers per article (k set per project).

    Lock rule: the article row is locked, so concurrent assignments of one article are counted one by one.
    """
    locked = Article.objects.select_for_update(of=("self",)).select_related("project").get(pk=article.pk)
    project = locked.project
    if not Membership.objects.filter(project=project, user=reviewer, role=Role.ANNOTATOR).exists():
        raise DomainError(f"{reviewer.get_username()} is not an annotator of this project", field="reviewer")
    if Assignment.objects.filter(article=locked, reviewer=reviewer).exists():
        raise DomainError(
            f"article #{locked.pk} is already assigned to {reviewer.get_username()}",
            field="reviewer",
            code="duplicate",
        )
    active = Assignment.objects.filter(article=locked).exclude(status=AssignmentStatus.SKIPPED).count()
    if active >= project.reviewers_per_article:
        raise DomainError(
            f"article #{locked.pk} already has {active} of {project.reviewers_per_article} reviewers",
            field="article",
            code="conflict",
        )
    assignment = Assignment.objects.create(article=locked, reviewer=reviewer, assigned_by=actor)
    audit_record(
        actor=actor,
        action="assignment.create",
        obj=assignment,
        project=project,
        after={"article": locked.pk, "reviewer": reviewer.get_username()},
    )
    return assignment


@transaction.atomic
def assignment_submit(*, article: Article, reviewer: User) -> Assignment:
    """The reviewer hands in their work on `article`: their spans and links are locked from now on.

    Lock rule: the reviewer's assignment row only. Submitting twice is a 409, not a second audit event.
    """
    assignment = Assignment.objects.select_for_update(of=("self",)).filter(article=article, reviewer=reviewer).first()
    if assignment is None or assignment.status == AssignmentStatus.SKIPPED:
        raise DomainError("this article is not assigned to you", field=None, code="forbidden")
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError("you already submitted this article", field=None, code="conflict")
    before = {"status": assignment.status}
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.lease_expires_at = None
    assignment.save(update_fields=["status", "submitted_at", "lease_expires_at"])
    audit_record(
        actor=reviewer,
        action="assignment.submit",
        obj=assignment,
        project=article.project,
        before=before,
        after={"status": assignment.status, "article": article.pk},
    )
    return assignment
