"""Submitting an article: the reviewer's work is locked, once, and audited."""

from __future__ import annotations

from annotations.domain import AssignmentStatus
from annotations.models import Assignment, AuditEvent
from annotations.services.review import assignment_create
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory

TEXT = "The envoys met in Geneva on Tuesday."


def test_submit_locks_my_work_and_a_second_submit_is_a_conflict(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    client = client_for(personas.annotator)
    created = client.post(
        f"/api/v1/articles/{article.pk}/spans", {"start": 4, "end": 10, "quote": "envoys"}, format="json"
    )
    assert created.status_code == 201

    submitted = client.post(f"/api/v1/articles/{article.pk}/submit")

    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == AssignmentStatus.SUBMITTED
    assert submitted.json()["submitted_at"] is not None
    assignment = Assignment.objects.get(article=article, reviewer=personas.annotator)
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="assignment.submit", object_id=str(assignment.pk)).count() == 1

    again = client.post(f"/api/v1/articles/{article.pk}/submit")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "conflict"
    assert AuditEvent.objects.filter(action="assignment.submit").count() == 1

    locked = client.patch(f"/api/v1/spans/{created.json()['id']}", {"note": "late", "version": 1}, format="json")
    assert locked.status_code == 400
    assert locked.json()["errors"][0]["code"] == "locked"


def test_submitting_leaves_the_other_reviewer_free_to_work(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    for reviewer in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=reviewer, actor=personas.manager)
    assert client_for(personas.annotator).post(f"/api/v1/articles/{article.pk}/submit").status_code == 200

    other = client_for(personas.other_annotator).post(
        f"/api/v1/articles/{article.pk}/spans", {"start": 18, "end": 24, "quote": "Geneva"}, format="json"
    )

    assert other.status_code == 201
    statuses = dict(Assignment.objects.filter(article=article).values_list("reviewer__username", "status"))
    assert statuses == {"annotator": AssignmentStatus.SUBMITTED, "other_annotator": AssignmentStatus.ASSIGNED}
