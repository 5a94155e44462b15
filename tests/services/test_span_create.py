"""span_create writes the span, its audit event and its first suggestion run in one statement: all three
or none, exactly as the ORM would have written them."""

from __future__ import annotations

import threading

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations.domain import DomainError, RunStatus
from annotations.models import AuditEvent, Span, SuggestionRun
from annotations.services.review import assignment_create, assignment_submit
from annotations.services.spans import span_create
from tests.conftest import Personas
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

TEXT = "The envoys met in Geneva on Tuesday."


def test_one_statement_writes_the_span_its_event_and_its_run(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    article.refresh_from_db()

    with CaptureQueriesContext(connection) as queries:
        span = span_create(
            article=article, annotator=personas.annotator, start=4, end=10, quote="envoys", label="claim", note="n"
        )

    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 1
    stored = Span.objects.get(pk=span.pk)
    assert (stored.start, stored.end, stored.quote, stored.label, stored.note) == (4, 10, "envoys", "claim", "n")
    assert (stored.prefix, stored.suffix, stored.version, stored.is_gold) == (
        "The ",
        " met in Geneva on Tuesday.",
        1,
        False,
    )
    assert stored.created_at == span.created_at
    assert stored.updated_at == span.updated_at
    event = AuditEvent.objects.get(action="span.create", object_id=str(span.pk))
    assert (event.object_type, event.actor_id, event.project_id) == ("span", personas.annotator.pk, personas.project.pk)
    assert event.after == {"start": 4, "end": 10, "quote": "envoys", "label": "claim", "note": "n", "version": 1}
    run = SuggestionRun.objects.get(span=span)
    assert run.status == RunStatus.QUEUED
    assert run.dispatched_at is not None
    assert (run.attempts, run.timings, run.error) == (0, {}, "")
    assert not span._state.adding


def test_a_submitted_reviewer_writes_nothing(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    assignment_submit(article=article, reviewer=personas.annotator)

    with pytest.raises(DomainError) as raised:
        span_create(article=article, annotator=personas.annotator, start=4, end=10, quote="envoys")

    assert raised.value.code == "locked"
    assert not Span.objects.exists()
    assert not SuggestionRun.objects.exists()
    assert not AuditEvent.objects.filter(action="span.create").exists()
    # Another reviewer of the same article is not locked by it.
    assignment_create(article=article, reviewer=personas.other_annotator, actor=personas.manager)
    assert span_create(article=article, annotator=personas.other_annotator, start=4, end=10, quote="envoys").pk


def test_inside_a_rolled_back_transaction_nothing_stays(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT)

    def create_then_fail() -> None:
        with transaction.atomic():
            span_create(article=article, annotator=personas.annotator, start=4, end=10, quote="envoys")
            raise RuntimeError("the caller fails after the span")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert not Span.objects.exists()
    assert not SuggestionRun.objects.exists()
    assert AuditEvent.objects.filter(action="span.create").count() == 0


def test_a_value_too_long_for_its_column_is_refused_not_cut(personas: Personas) -> None:
    long_label = "x" * 101  # the column holds 100
    personas.project.labels = ["claim", long_label]
    personas.project.save(update_fields=["labels"])
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    with pytest.raises(DataError):
        span_create(article=article, annotator=personas.annotator, start=4, end=10, quote="envoys", label=long_label)
    assert not Span.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_span_sent_while_the_article_is_being_submitted_waits_and_is_refused(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    submitting = threading.Event()
    finish_submit = threading.Event()

    def submit() -> None:
        try:
            with transaction.atomic():
                assignment_submit(article=article, reviewer=personas.annotator)  # holds the row FOR UPDATE
                submitting.set()
                finish_submit.wait(timeout=10)
        finally:
            connection.close()

    submitter = threading.Thread(target=submit)
    submitter.start()
    assert submitting.wait(timeout=10)
    outcome: list[object] = []

    def create() -> None:
        try:
            outcome.append(span_create(article=article, annotator=personas.annotator, start=4, end=10, quote="envoys"))
        except DomainError as exc:
            outcome.append(exc.code)
        finally:
            connection.close()

    creator = threading.Thread(target=create)
    creator.start()
    creator.join(timeout=1)
    assert creator.is_alive()  # waiting on the submit's row lock, not reading around it
    finish_submit.set()
    submitter.join(timeout=10)
    creator.join(timeout=10)
    assert outcome == ["locked"]
    assert not Span.objects.exists()
