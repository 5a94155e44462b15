"""Dataset releases on the real PostgreSQL: filters checked, versions one after another, every file written
and listed in the manifest with its sha256, pseudonyms instead of usernames, and a published release that
neither its row nor its files can change."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from annotations.domain import DomainError, ReleaseStatus
from annotations.models import DatasetRelease, Project
from annotations.services.curation import GoldFields, curation_complete, curation_start, gold_span_create
from annotations.services.releases import (
    release_build,
    release_create,
    release_filters_clean,
    release_path,
    release_spans_import,
    release_verify,
)
from tests.services.test_curation import TEXT, Team

FILES = {
    "spans.jsonl",
    "spans.csv",
    "spans.parquet",
    "annotations.jsonld",
    "claims.jsonld",
    "articles.jsonl",
    "claim-retrieval/queries.jsonl",
    "claim-retrieval/claims.jsonl",
    "claim-retrieval/qrels.tsv",
}


@pytest.fixture
def curated(db: None, tmp_path: Path, settings: object) -> Team:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    team = Team()
    article = team.article()
    team.span(article, team.a, "a ceasefire", team.claim)
    team.span(article, team.b, "a ceasefire", team.claim)
    b_span = team.span(article, team.b, "aid would reach the city", team.other_claim)
    team.submit_all(article)
    curation_start(article=article, curator=team.curator)  # pre-fills "a ceasefire"
    gold_span_create(article=article, curator=team.curator, fields=GoldFields(from_span=b_span.pk))
    curation_complete(article=article, curator=team.curator)
    team.manager = team.project.memberships.model.objects.create(  # type: ignore[attr-defined]
        project=team.project, user=type(team.a).objects.create(username="boss"), role="manager"
    ).user
    return team


def build(team: Team, **raw: object) -> DatasetRelease:
    filters = release_filters_clean(dict(raw), project=team.project)
    release = release_create(project=team.project, actor=team.manager, filters=filters, dispatch=False)  # type: ignore[attr-defined]
    built = release_build(release_id=release.pk)
    assert built is not None
    return built


def test_a_release_has_every_file_in_its_manifest_and_verifies(curated: Team) -> None:
    release = build(curated)
    assert release.status == ReleaseStatus.PUBLISHED
    assert release.version == 1
    folder = release_path(release)
    written = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert written == FILES | {"manifest.json", "README.md"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == FILES
    assert release.files == {name: entry["sha256"] for name, entry in manifest["files"].items()}
    assert manifest["counts"]["spans"] == 2
    assert manifest["counts"]["gold_spans"] == 2
    assert release_verify(folder) == []
    spans = [json.loads(line) for line in (folder / "spans.jsonl").read_text().splitlines()]
    assert [s["quote"] for s in spans] == ["a ceasefire", "aid would reach the city"]
    assert all(s["is_gold"] for s in spans)
    assert spans[0]["derived_from"]
    assert spans[0]["claim_id"] == curated.claim.pk
    assert TEXT[spans[1]["start"] : spans[1]["end"]] == spans[1]["quote"]
    assert pq.read_table(folder / "spans.parquet").num_rows == 2
    readme = (folder / "README.md").read_text()
    assert "2" in readme


def test_people_are_pseudonyms_in_every_file(curated: Team) -> None:
    folder = release_path(build(curated))
    text = "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file() and p.suffix != ".parquet")
    for username in ("ann", "bob", curated.curator.username, "boss"):
        assert f'"{username}"' not in text
    spans = [json.loads(line) for line in (folder / "spans.jsonl").read_text().splitlines()]
    assert all(name.startswith("reviewer-") for s in spans for name in s["reviewers"])
    # A gold span's reviewers are in pseudonym order: in the order of their real names, the order would tell
    # anyone who knows the team which pseudonym is whom.
    assert any(len(s["reviewers"]) == 2 for s in spans)
    assert all(s["reviewers"] == sorted(s["reviewers"]) for s in spans)
    assert all(s["curator"] is not None for s in spans if s["is_gold"])


def test_a_gold_spans_reviewers_are_ordered_by_pseudonym_not_by_name(curated: Team) -> None:
    from annotations.selectors.releases import release_spans

    backwards = {"ann": "reviewer-2", "bob": "reviewer-1"}  # the names' order reversed
    filters = release_filters_clean({}, project=curated.project)
    with transaction.atomic():
        spans = list(release_spans(project=curated.project, filters=filters, person=lambda n: backwards.get(n, n)))
    both = [s.reviewers for s in spans if s.is_gold and len(s.reviewers) == 2]
    assert both
    assert all(reviewers == ("reviewer-1", "reviewer-2") for reviewers in both)


def test_a_reviewer_span_has_no_curator(curated: Team) -> None:
    folder = release_path(build(curated, scope="submitted"))
    spans = [json.loads(line) for line in (folder / "spans.jsonl").read_text().splitlines()]
    reviewer_spans = [s for s in spans if not s["is_gold"]]
    assert len(reviewer_spans) == 3
    assert [s["curator"] for s in reviewer_spans] == [None, None, None]


def test_a_published_release_never_changes(curated: Team) -> None:
    release = build(curated)
    with pytest.raises(DatabaseError), transaction.atomic():
        DatasetRelease.objects.filter(pk=release.pk).update(filters={"scope": "submitted"})
    with pytest.raises(DatabaseError), transaction.atomic():
        DatasetRelease.objects.filter(pk=release.pk).delete()
    spans = release_path(release) / "spans.jsonl"
    assert not os.access(spans, os.W_OK) or os.geteuid() == 0  # root writes anything; the mode still says no
    assert spans.stat().st_mode & 0o222 == 0
    again = release_build(release_id=release.pk)  # a second delivery of the task changes nothing
    assert again is not None
    assert again.files == release.files
    second = build(curated, scope="submitted")
    assert second.version == 2
    assert second.counts["spans"] == 5  # the three reviewer spans and the two gold spans of the curated article
    assert release_path(second) != release_path(release)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"published_from": "yesterday"}, "published_from"),
        ({"published_from": "2026-03-01", "published_to": "2026-02-01"}, "published_from"),
        ({"labels": ["not-a-label"]}, "labels"),
        ({"labels": "claim"}, "labels"),
        ({"include_reviewer_spans": "yes"}, "include_reviewer_spans"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_filters_name_their_field(curated: Team, raw: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        release_filters_clean(raw, project=curated.project)
    assert caught.value.field == field


def test_a_release_with_nothing_in_it_is_refused(curated: Team) -> None:
    filters = release_filters_clean({"published_from": "2030-01-01"}, project=curated.project)
    with pytest.raises(DomainError) as caught:
        release_create(project=curated.project, actor=curated.manager, filters=filters)  # type: ignore[attr-defined]
    assert caught.value.field == "scope"
    assert not DatasetRelease.objects.exists()


def test_the_commands_export_and_verify(curated: Team, tmp_path: Path) -> None:
    out = tmp_path / "out"
    call_command("export_release", curated.project.slug, "--out", str(out))
    call_command("verify_release", str(out))
    (out / "spans.csv").write_text("tampered\n")
    with pytest.raises(CommandError, match=r"spans\.csv"):
        call_command("verify_release", str(out))
    with pytest.raises(CommandError, match="scope"):
        call_command("export_release", curated.project.slug, "--out", str(tmp_path / "b"), "--scope", "all")


def _spans_of(project: Project) -> list[tuple[object, ...]]:
    from annotations.models import Span

    rows = Span.objects.filter(article__project=project).select_related("article", "link", "link__claim")
    return sorted(
        (
            s.article.sha256,
            s.start,
            s.end,
            s.quote,
            s.label,
            s.note,
            s.is_gold,
            s.link.claim.text if getattr(s, "link", None) and s.link.claim else None,
            s.link.source if getattr(s, "link", None) else None,
            s.link.suggestion_rank if getattr(s, "link", None) else None,
        )
        for s in rows
    )


# Web Annotations say nothing of gold: imported from annotations.jsonld every span is gold, so that round
# trip is checked on a curated release (gold only); spans.jsonl carries the flag and every reviewer span.
@pytest.mark.parametrize(
    ("source", "scope", "count"), [("spans.jsonl", "submitted", 5), ("annotations.jsonld", "curated", 2)]
)
def test_importing_a_release_into_a_new_project_reproduces_its_spans_and_links(
    curated: Team, tmp_path: Path, source: str, scope: str, count: int
) -> None:
    from annotations.models import ClaimLink, Span
    from tests.factories import ClaimBaseFactory, ProjectFactory

    # A suggestion's provenance on one reviewer span, so the gold copied from it carries rank and score.
    link = ClaimLink.objects.filter(span__article__project=curated.project, span__is_gold=True).first()
    assert link is not None
    ClaimLink.objects.filter(pk=link.pk).update(
        source="suggestion", suggestion_rank=2, suggestion_score=0.75, suggestion_model="e5@1"
    )
    out = tmp_path / "release"
    call_command("export_release", curated.project.slug, "--out", str(out), "--scope", scope)
    target = ProjectFactory.create(claim_base=ClaimBaseFactory.create())  # another claim base: claims by text
    target.memberships.create(user=curated.manager, role="manager")  # type: ignore[attr-defined]
    call_command("import_release", str(out), "--project", target.slug, "--from", source)
    theirs = [row for row in _spans_of(curated.project) if scope == "submitted" or row[6]]
    ours = _spans_of(target)
    if source == "annotations.jsonld":  # the document keeps the model but not the rank: a "search" link
        theirs = [(*row[:8], "search" if row[8] == "suggestion" else row[8], None) for row in theirs]
    assert ours == theirs
    assert Span.objects.filter(article__project=target).count() == count


def test_a_release_import_that_cannot_place_a_span_writes_nothing(curated: Team, tmp_path: Path) -> None:
    from annotations.models import Article, Span
    from tests.factories import ProjectFactory

    out = tmp_path / "release"
    call_command("export_release", curated.project.slug, "--out", str(out))
    lines = (out / "spans.jsonl").read_text().splitlines()
    bad = json.loads(lines[1])
    bad["article_sha256"] = "0" * 64
    (out / "spans.jsonl").write_text("\n".join([lines[0], json.dumps(bad)]) + "\n")
    target = ProjectFactory.create()
    target.memberships.create(user=curated.manager, role="manager")  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="line 2"):
        call_command("import_release", str(out), "--project", target.slug)
    assert Article.objects.filter(project=target).count() == 1  # the articles went in first, as reported
    assert not Span.objects.filter(article__project=target).exists()


def _exported(curated: Team, tmp_path: Path, name: str) -> bytes:
    out = tmp_path / "release"
    call_command("export_release", curated.project.slug, "--out", str(out), "--scope", "submitted")
    return (out / name).read_bytes()


@pytest.mark.parametrize(
    ("damage", "field", "message"),
    [
        (lambda line: b"\xff\xfe" + line, None, "not UTF-8 (byte 1)"),
        (lambda line: b"[1, 2]", None, "expected a JSON object (one span per line)"),
        (lambda line: line.replace(b'"start":', b'"start":1,"x":'), "quote", "is not this span's quote"),
    ],
    ids=["bytes", "array", "offsets"],
)
def test_a_bad_spans_jsonl_line_is_reported_by_line_and_field(
    curated: Team, tmp_path: Path, damage: Callable[[bytes], bytes], field: str | None, message: str
) -> None:
    from annotations.models import Span

    lines = _exported(curated, tmp_path, "spans.jsonl").splitlines()
    before = Span.objects.count()
    data = b"\n".join([lines[0], damage(lines[1]), *lines[2:]])
    with pytest.raises(DomainError) as caught:
        release_spans_import(project=curated.project, actor=curated.manager, data=data, source_name="spans.jsonl")  # type: ignore[attr-defined]
    (problem,) = caught.value.details["problems"]
    assert (problem["line"], problem["field"]) == (2, field)
    assert message in problem["message"]
    assert Span.objects.count() == before


def test_web_annotations_with_iris_where_nodes_were_expected_are_reported_not_crashed_on(
    curated: Team, tmp_path: Path
) -> None:
    document = json.loads(_exported(curated, tmp_path, "annotations.jsonld"))
    items = document["first"]["items"]
    items[0]["target"] = "https://news.example/a"  # a target may be an IRI alone: no selectors to anchor by
    for body in items[1]["body"]:
        if body.get("type") == "SpecificResource":
            body["generator"] = "https://models.example/e5"  # an IRI, not a Software node
            body["source"] = "urn:factcheck:claim:\u00b2"  # a superscript two is a "digit" to str.isdigit
    items[1]["body"].append("https://claims.example/1")
    data = json.dumps(document).encode()
    manager = curated.manager  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as caught:
        release_spans_import(project=curated.project, actor=manager, data=data, source_name="annotations.jsonld")
    (problem,) = caught.value.details["problems"]  # the second annotation, with its IRIs, still parsed
    assert (problem["file"], problem["line"], problem["field"]) == ("annotations.jsonld", 1, "selector")
    assert problem["message"] == "needs a target with a TextPositionSelector and a TextQuoteSelector"
