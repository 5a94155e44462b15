"""Span writes lock the span's row only: other writers of the same article or project never wait for them.

Checked from a second real database connection with NOWAIT while the write's transaction is still open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from django.db import connection, transaction

from annotations.models import Article, Span
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_create
from annotations.services.spans import span_create, span_delete, span_update
from tests.api.conftest import span_body
from tests.conftest import Personas
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the other connection must see the committed rows

TEXT = "Officials said a ceasefire had been agreed in Geneva on Monday."


@pytest.fixture
def other() -> Iterator[psycopg.Connection]:
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '1ms'")
        yield conn


def lockable(conn: psycopg.Connection, table: str, pk: int) -> bool:
    try:
        conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])  # noqa: S608 - test tables
    except psycopg.errors.LockNotAvailable:
        return False
    return True


@pytest.fixture
def setup(personas: Personas) -> tuple[Article, Span]:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    span = span_create(article=article, annotator=personas.annotator, **span_body(TEXT, "a ceasefire"))
    return article, span


@pytest.mark.parametrize(
    "write",
    [
        lambda span, user: span_update(span=span, actor=user, version=span.version, note="checked"),
        lambda span, user: claim_link_create(span=span, target=LinkTarget(no_match=True), actor=user),
        lambda span, user: span_delete(span=span, actor=user, version=span.version),
    ],
    ids=["update", "link", "delete"],
)
def test_a_span_write_locks_the_span_and_not_its_article_or_project(
    personas: Personas, setup: tuple[Article, Span], other: psycopg.Connection, write: Callable[..., object]
) -> None:
    article, span = setup
    with transaction.atomic():
        write(span, personas.annotator)
        assert not lockable(other, "annotations_span", span.pk)  # the check can fail: the span is held
        assert lockable(other, "annotations_article", article.pk)
        assert lockable(other, "annotations_project", article.project_id)
    assert lockable(other, "annotations_span", span.pk) or not Span.objects.filter(pk=span.pk).exists()
