"""Article import through the service: seeds, duplicates, per-line reports, all-or-nothing writes."""

from __future__ import annotations

import io
import json

import pytest

from annotations.domain import text_sha256
from annotations.models import Article, AuditEvent, ImportBatch
from annotations.services.articles import article_import
from tests.conftest import SEEDS
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def seed_sources() -> list[tuple[str, io.BytesIO]]:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not here (the shared folder sits beside the repository)")
    return [(path.name, io.BytesIO(path.read_bytes())) for path in sorted(SEEDS.iterdir())]


def jsonl(*rows: object) -> io.BytesIO:
    return io.BytesIO("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode() + b"\n")


def test_every_seed_imports_with_metadata_and_stable_offsets() -> None:
    project = ProjectFactory.create()
    report = article_import(project=project, sources=seed_sources(), actor=None)
    assert (report.created, report.duplicates, report.failed) == (5, 0, 0)
    articles = list(Article.objects.filter(project=project).order_by("pk"))
    assert len(articles) == 5
    dates = {a.published_date.isoformat() for a in articles if a.published_date}
    assert {"2026-02-16", "2026-02-18"} <= dates
    time_article = next(a for a in articles if a.source_url.startswith("https://time.com/"))
    assert time_article.title == "Ukraine-Russia Peace Talks End Abruptly | TIME"
    assert time_article.published_date is None  # the front matter says "unknown"
    for article in articles:
        assert article.sha256 == text_sha256(article.text)
        assert not article.text.startswith(" date")
        assert article.title


def test_reimport_reports_duplicates_and_creates_nothing() -> None:
    project = ProjectFactory.create()
    article_import(project=project, sources=seed_sources(), actor=None)
    before = list(Article.objects.filter(project=project).values_list("pk", "text"))
    report = article_import(project=project, sources=seed_sources(), actor=None)
    assert (report.created, report.duplicates, report.failed) == (0, 5, 0)
    assert all(p.code == "duplicate" and "already in the project" in p.message for p in report.problems)
    assert list(Article.objects.filter(project=project).values_list("pk", "text")) == before


def test_duplicates_within_one_file_are_reported_with_their_first_line() -> None:
    project = ProjectFactory.create()
    report = article_import(
        project=project, sources=[("a.jsonl", jsonl({"text": "Same."}, {"text": "Same."}))], actor=None
    )
    assert (report.created, report.duplicates) == (1, 1)
    assert report.problems[0].line == 2
    assert "a.jsonl line 1" in report.problems[0].message


def test_bad_lines_are_reported_and_good_lines_kept() -> None:
    project = ProjectFactory.create()
    source = jsonl(
        {"text": "First good article."},
        "{not json",
        {"title": "no text"},
        {"text": "Second good.", "published_date": "yesterday"},
        {"text": "Third good article."},
    )
    report = article_import(project=project, sources=[("feed.jsonl", source)], actor=None)
    assert (report.created, report.failed) == (2, 3)
    assert [(p.line, p.field) for p in report.problems] == [(2, None), (3, "text"), (4, "published_date")]
    assert sorted(Article.objects.filter(project=project).values_list("text", flat=True)) == [
        "First good article.",
        "Third good article.",
    ]
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.created_count, batch.failed_count, len(batch.problems)) == (2, 3, 3)
    event = AuditEvent.objects.get(action="articles.import", object_id=str(batch.pk))
    assert event.after is not None
    assert event.after["created"] == 2


class ExplodingStream(io.BytesIO):
    """A file whose disk fails once `fail_at` bytes were read: after the first chunks were written."""

    fail_at = 200_000

    def read(self, size: int | None = -1) -> bytes:
        self._check()
        return super().read(size)

    def readline(self, size: int | None = -1) -> bytes:
        self._check()
        return super().readline(size)

    def _check(self) -> None:
        if self.tell() > self.fail_at:
            raise OSError("disk read error")


def test_an_error_mid_import_leaves_nothing_written() -> None:
    project = ProjectFactory.create()
    rows = "\n".join(json.dumps({"text": f"line {n} of a long file"}) for n in range(1, 8000)).encode()
    assert len(rows) > ExplodingStream.fail_at > 2000 * 40  # fails after the first chunks were flushed
    with pytest.raises(OSError, match="disk read error"):
        article_import(project=project, sources=[("big.jsonl", ExplodingStream(rows))], actor=None)
    assert not Article.objects.filter(project=project).exists()
    assert not ImportBatch.objects.filter(project=project).exists()


def test_large_import_flushes_in_chunks(django_assert_max_num_queries: object) -> None:
    project = ProjectFactory.create()
    source = jsonl(*({"text": f"Article {n}: the envoys met again in Geneva."} for n in range(5000)))
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        report = article_import(project=project, sources=[("many.jsonl", source)], actor=None)
    assert report.created == 5000
    assert Article.objects.filter(project=project).count() == 5000
