"""Dataset releases: a manager asks for one (filters checked, a new version number), the worker builds its
files into the data folder, and once published its files, manifest and checksums never change.

Building streams every record from a server-side cursor to the pure writers (annotations/exports), file by
file, so memory stays flat; the files are written to a scratch folder that is renamed into place only when
all of them (and the manifest) are complete, then made read-only. People are pseudonyms in every file.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from annotations.domain import AgreementScope, DomainError, LinkSource, Problem, ReleaseStatus, quote_context
from annotations.exports.claimreview import write_claims_jsonld
from annotations.exports.csv import write_spans_csv
from annotations.exports.jsonl import write_articles_jsonl, write_spans_jsonl
from annotations.exports.manifest import build_manifest, file_entry, verify, write_manifest
from annotations.exports.parquet import SCHEMA_DESCRIPTION, write_spans_parquet
from annotations.exports.pseudonyms import Pseudonymizer
from annotations.exports.records import ReleaseSpan
from annotations.exports.retrieval import write_claim_retrieval
from annotations.exports.webannotation import Software, write_annotations_jsonld
from annotations.importers.release import ImportedSpan, parse_annotations_jsonld, parse_spans_jsonl
from annotations.models import AgreementSnapshot, Article, CanonicalClaim, ClaimLink, DatasetRelease, Project, Span
from annotations.selectors.releases import (
    ReleaseFilters,
    release_articles,
    release_claims,
    release_spans,
    suggestion_models,
)
from annotations.services.audit import audit_record
from annotations.services.claims import ClaimFields, claim_create, claim_normalized_text

log = logging.getLogger(__name__)
T = TypeVar("T")
SCOPES = ("curated", "submitted")
SOFTWARE_VERSION = "0.1.0"  # pyproject's version
FILTER_FIELDS = {"scope", "include_reviewer_spans", "published_from", "published_to", "labels"}


def releases_root() -> Path:
    return Path(settings.DATA_DIR) / "releases"


def release_path(release: DatasetRelease) -> Path:
    """Where a published release's files are: <data folder>/releases/<project id>/v<version>/."""
    return releases_root() / str(release.project_id) / f"v{release.version}"


def _date(raw: object, field: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise DomainError(f"{field} must be a date like 2026-02-17, not {raw!r}", field=field) from None


def release_filters_clean(raw: dict[str, Any], *, project: Project) -> ReleaseFilters:
    """Check a manager's filters; each problem is a DomainError naming its field."""
    if not isinstance(raw, dict):
        raise DomainError("filters must be an object", field="filters")
    unknown = sorted(set(raw) - FILTER_FIELDS)
    if unknown:
        raise DomainError(
            f"unknown filter {unknown[0]!r} (known: {', '.join(sorted(FILTER_FIELDS))})", field=unknown[0]
        )
    scope = raw.get("scope", "curated")
    if scope not in SCOPES:
        raise DomainError(f"scope is one of: {', '.join(SCOPES)}", field="scope")
    include = raw.get("include_reviewer_spans", False)
    if not isinstance(include, bool):
        raise DomainError("include_reviewer_spans is true or false", field="include_reviewer_spans")
    published_from = _date(raw.get("published_from"), "published_from")
    published_to = _date(raw.get("published_to"), "published_to")
    if published_from and published_to and published_from > published_to:
        raise DomainError("published_from is after published_to", field="published_from")
    labels = raw.get("labels", [])
    if not isinstance(labels, list) or any(not isinstance(label, str) for label in labels):
        raise DomainError("labels is a list of label names", field="labels")
    strangers = [label for label in labels if label not in project.labels]
    if strangers:
        raise DomainError(f"label {strangers[0]!r} is not one of the project's labels", field="labels")
    return ReleaseFilters(
        scope=scope,
        include_reviewer_spans=include,
        published_from=published_from,
        published_to=published_to,
        labels=tuple(labels),
    )


@transaction.atomic
def release_create(*, project: Project, actor: User, filters: ReleaseFilters, dispatch: bool = True) -> DatasetRelease:
    """A new release (the next version) of the project, built by the worker after commit (or by the caller,
    with `dispatch=False`: the export command builds in its own process). A release with nothing in it is
    refused."""
    locked = Project.objects.select_for_update().get(pk=project.pk)  # versions are handed out one by one
    if next(release_spans(project=locked, filters=filters), None) is None:
        what = "curated articles with gold spans" if filters.scope == "curated" else "submitted spans"
        raise DomainError(f"nothing to release: no {what} match these filters", field="scope")
    version = (DatasetRelease.objects.filter(project=locked).aggregate(v=Max("version"))["v"] or 0) + 1
    release = DatasetRelease.objects.create(
        project=locked,
        version=version,
        filters=filters.as_dict(),
        created_by=actor,
        manifest={"pseudonym_key": secrets.token_hex(16)},  # replaced by the real manifest when published
    )
    audit_record(
        actor=actor,
        action="release.create",
        obj=release,
        project=locked,
        after={"version": version, **filters.as_dict()},
    )
    release_id = release.pk
    if not dispatch:
        return release
    transaction.on_commit(
        lambda: current_app.send_task("annotations.build_release", args=[release_id], ignore_result=True),
        robust=True,
    )
    return release


def release_progress_set(release_id: int, value: float) -> None:
    """Progress of a build, in the cache: the build's own transaction is a read-only snapshot, and its
    writes would not be seen before it ends anyway."""
    try:
        cache.set(f"release-progress:{release_id}", round(value, 3), timeout=3600)
    except Exception:
        log.warning("release %s progress not stored", release_id, exc_info=True)


def release_progress(release: DatasetRelease) -> float:
    """How far a build has got (0 to 1): the stored value once it has ended, the cache's while building."""
    if release.status != ReleaseStatus.BUILDING:
        return release.progress
    try:
        value = cache.get(f"release-progress:{release.pk}")
    except Exception:
        return release.progress
    return float(value) if value is not None else release.progress


def _filters(release: DatasetRelease) -> ReleaseFilters:
    raw = dict(release.filters)
    return ReleaseFilters(
        scope=raw.get("scope", "curated"),
        include_reviewer_spans=bool(raw.get("include_reviewer_spans", False)),
        published_from=_date(raw.get("published_from"), "published_from"),
        published_to=_date(raw.get("published_to"), "published_to"),
        labels=tuple(raw.get("labels", ())),
    )


def _counted(items: Iterator[T], tick: Callable[[], None], every: int = 20_000) -> Iterator[T]:
    for n, item in enumerate(items, start=1):
        if n % every == 0:
            tick()
        yield item


def release_build(*, release_id: int) -> DatasetRelease | None:
    """Write the release's files and publish it; a release already published or failed is left as it is
    (safe to run twice). A failure marks the release failed with its reason and leaves no folder behind."""
    with connection.cursor() as cursor:  # one builder per release, however often the task is delivered
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_BUILD_LOCK, release_id])
        (mine,) = cursor.fetchone() or (False,)
    if not mine:
        return DatasetRelease.objects.filter(pk=release_id).first()
    try:
        return _build(release_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_BUILD_LOCK, release_id])


_BUILD_LOCK = 0x2E1E


def _build(release_id: int) -> DatasetRelease | None:
    release = DatasetRelease.objects.select_related("project", "created_by").filter(pk=release_id).first()
    if release is None or release.status != ReleaseStatus.BUILDING:
        return release
    target = release_path(release)
    scratch = target.with_name(f"{target.name}.partial-{secrets.token_hex(4)}")
    try:
        outer = connection.in_atomic_block  # a caller's transaction (tests) already fixed its snapshot rules
        with transaction.atomic(), connection.cursor() as cursor:
            # One snapshot of the data for every file and pass (and server-side cursors need a transaction).
            if not outer:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            manifest = _write_files(release, scratch)
        _seal(scratch)
        if target.exists():  # left by a build that died between its rename and publishing
            shutil.rmtree(target)
        scratch.rename(target)
        _fsync(target.parent)  # the rename itself is on disk before the row says published
    except Exception as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        log.exception("release %s failed", release_id)
        DatasetRelease.objects.filter(pk=release_id, status=ReleaseStatus.BUILDING).update(
            status=ReleaseStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return DatasetRelease.objects.get(pk=release_id)
    DatasetRelease.objects.filter(pk=release_id, status=ReleaseStatus.BUILDING).update(
        status=ReleaseStatus.PUBLISHED,
        published_at=timezone.now(),
        progress=1.0,
        counts=manifest["counts"],
        files={name: entry["sha256"] for name, entry in manifest["files"].items()},
        manifest=manifest,
        model_versions=manifest["models"],
        agreement_snapshot_id=manifest["agreement"].get("snapshot_id"),
    )
    return DatasetRelease.objects.get(pk=release_id)


def _seal(folder: Path) -> None:
    """Flush every file and folder of a finished release to disk, and make the files read-only. The folders
    stay writable, so that removing a data folder needs no chmod; a file removed or replaced anyway is
    caught by `verify_release` against the manifest, and the manifest's hashes are in the database too."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
            path.chmod(0o444)
    for path in sorted([folder, *(p for p in folder.rglob("*") if p.is_dir())], key=lambda p: -len(p.parts)):
        _fsync(path)


def _fsync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _agreement(project: Project) -> dict[str, Any]:
    """The latest project-level agreement figures, with intervals, for the manifest."""
    latest = (
        AgreementSnapshot.objects.filter(project=project, scope=AgreementScope.PROJECT)
        .order_by("-computed_at", "-id")
        .first()
    )
    if latest is None:
        return {}
    run = latest.details.get("run")
    figures = AgreementSnapshot.objects.filter(project=project, scope=AgreementScope.PROJECT, details__run=run)
    link_alpha = next((s for s in figures if s.metric == "link_alpha"), latest)
    return {
        "snapshot_id": link_alpha.pk,
        "computed_at": latest.computed_at.isoformat(),
        "inputs_fingerprint": latest.inputs_fingerprint,
        "figures": {
            s.metric: {"value": s.value, "ci_low": s.ci_low, "ci_high": s.ci_high, "n_units": s.n_units}
            for s in figures
        },
    }


SOFTWARE = Software(name="factcheck", version=SOFTWARE_VERSION, homepage="https://github.com/factcheck/factcheck")


def _write_files(release: DatasetRelease, folder: Path) -> dict[str, Any]:
    """Every file of the release, one streaming pass each, then the manifest and its datasheet."""
    project = release.project
    filters = _filters(release)
    names = Pseudonymizer(str(release.manifest["pseudonym_key"]).encode())
    folder.mkdir(parents=True)
    steps = 7
    done = 0

    def tick() -> None:
        release_progress_set(release.pk, min(0.99, done / steps))

    def spans() -> Iterator[ReleaseSpan]:
        return _counted(release_spans(project=project, filters=filters, person=names.pseudonym), tick)

    rows: dict[str, int] = {}
    gold = 0

    def counting_gold(items: Iterator[ReleaseSpan]) -> Iterator[ReleaseSpan]:
        nonlocal gold
        for span in items:
            gold += span.is_gold
            yield span

    with (folder / "spans.jsonl").open("wb") as out:
        rows["spans.jsonl"] = write_spans_jsonl(counting_gold(spans()), out)
    done += 1
    tick()
    with (folder / "spans.csv").open("wb") as out:
        rows["spans.csv"] = write_spans_csv(spans(), out)
    done += 1
    # Row groups of 20,000 keep a million-span build under 300 MB (50,000: 298 MB peak, measured).
    rows["spans.parquet"] = write_spans_parquet(spans(), str(folder / "spans.parquet"), row_group_size=20_000)
    done += 1
    tick()
    with (folder / "annotations.jsonld").open("wb") as out:
        rows["annotations.jsonld"] = write_annotations_jsonld(
            spans(),
            out,
            collection_id=f"urn:factcheck:release:{project.slug}:v{release.version}",
            label=f"{project.name}, release {release.version}",
            software=SOFTWARE,
        )
    done += 1
    tick()
    with (folder / "claims.jsonld").open("wb") as out:
        rows["claims.jsonld"] = write_claims_jsonld(release_claims(project=project, filters=filters), out)
    with (folder / "articles.jsonl").open("wb") as out:
        rows["articles.jsonl"] = write_articles_jsonl(release_articles(project=project, filters=filters), out)
    done += 1
    tick()
    retrieval = write_claim_retrieval(folder, spans=spans(), claims=release_claims(project=project, filters=filters))
    rows.update(retrieval)
    done += 1
    tick()
    files = {name: file_entry(folder / name, rows=count) for name, count in sorted(rows.items())}
    manifest = build_manifest(
        version=release.version,
        created_by=names(release.created_by.get_username()),
        created_at=release.created_at.isoformat(),
        project={"id": project.pk, "slug": project.slug, "name": project.name},
        filters=filters.as_dict(),
        counts={
            "spans": rows["spans.jsonl"],
            "gold_spans": gold,
            "articles": rows["articles.jsonl"],
            "claims": rows["claims.jsonld"],
            "retrieval_queries": rows.get("claim-retrieval/queries.jsonl", 0),
        },
        files=files,
        agreement=_agreement(project),
        models=suggestion_models(project=project, filters=filters),
        software={"name": SOFTWARE.name, "version": SOFTWARE.version, "homepage": SOFTWARE.homepage},
        parquet_schema=SCHEMA_DESCRIPTION,
    )
    return write_manifest(folder, manifest)


def release_verify(folder: Path) -> list[str]:
    """Problems of a release folder against its manifest (missing, extra or changed files); [] when sound."""
    return verify(folder)


# --- Importing a release into a project ----------------------------------------------------------------


class _ArticleIndex:
    """Where a span of the release lands in the target project: article keys read once, texts only for the
    articles a selector must be checked against (and each of those once)."""

    def __init__(self, project: Project) -> None:
        self.by_hash: dict[str, int] = {}
        self.by_source: dict[str, list[int]] = {}
        for pk, sha256, url in Article.objects.filter(project=project).values_list("id", "sha256", "source_url"):
            self.by_hash[sha256] = pk
            if url:
                self.by_source.setdefault(url, []).append(pk)
        self._texts: dict[int, str] = {}

    def anchor(self, span: ImportedSpan) -> int | None:
        """The target article: by its text's sha256, else the one article (among those with the span's URL,
        or all) whose text holds the quote with its prefix and suffix at the span's offsets, as a W3C selector
        pair is anchored."""
        if span.article_sha256:
            return self.by_hash.get(span.article_sha256)
        candidates = self.by_source.get(span.article_source) or list(self.by_hash.values())
        wanted = (span.prefix, span.quote, span.suffix)
        texts = self._texts_of(candidates)
        fits = [
            pk
            for pk in candidates
            if span.end <= len(texts[pk]) and quote_context(texts[pk], span.start, span.end) == wanted
        ]
        return fits[0] if len(fits) == 1 else None

    def holds(self, pk: int, span: ImportedSpan) -> bool:
        """Whether the article's text holds the span's quote at its offsets."""
        text = self._texts_of([pk])[pk]
        return 0 <= span.start < span.end <= len(text) and text[span.start : span.end] == span.quote

    def _texts_of(self, pks: list[int]) -> dict[int, str]:
        missing = [pk for pk in pks if pk not in self._texts]
        for start in range(0, len(missing), 1_000):
            self._texts.update(Article.objects.filter(pk__in=missing[start : start + 1_000]).values_list("id", "text"))
        return self._texts


class _Claims:
    """The claims the imported links point to, in the target project's claim base: the same id when it holds
    the same text, else the claim with that text, else a new one written from it. Existing claims are read
    in two queries for the whole file."""

    def __init__(self, project: Project, spans: list[ImportedSpan], actor: User) -> None:
        self.base, self.actor = project.claim_base_id, actor
        ids = {span.claim_id for span in spans if span.claim_id is not None}
        self.by_id = CanonicalClaim.objects.filter(claim_base_id=self.base).in_bulk(ids)
        texts = {claim_normalized_text(span.claim_text) for span in spans if span.claim_text}
        self.by_text = {
            claim.normalized_text: claim
            for claim in CanonicalClaim.objects.filter(claim_base_id=self.base, normalized_text__in=texts)
        }

    def for_span(self, span: ImportedSpan) -> CanonicalClaim:
        normalized = claim_normalized_text(span.claim_text)
        same = self.by_id.get(span.claim_id) if span.claim_id is not None else None
        if same is not None and (not span.claim_text or same.normalized_text == normalized):
            return same
        found = self.by_text.get(normalized)
        if found is None:
            found = claim_create(claim_base_id=self.base, fields=ClaimFields(text=span.claim_text), actor=self.actor)
            self.by_text[normalized] = found
        return found


@transaction.atomic
def release_spans_import(*, project: Project, actor: User, data: bytes, source_name: str) -> int:
    """Import a release's spans.jsonl or annotations.jsonld into `project`, whose articles (the release's
    articles.jsonl) must be there already: the same spans (offsets, quote, label, note, gold or not) with the
    same links (claim, or no match, and the suggestion's rank, score and model where the file keeps them).

    All or nothing: any line that cannot be placed is reported (file, line, field) and nothing is written.
    """
    parse = parse_annotations_jsonld if source_name.endswith(".jsonld") else parse_spans_jsonl
    records = list(parse(data, source_name))
    problems = [r for r in records if isinstance(r, Problem)]
    spans = [r for r in records if isinstance(r, ImportedSpan)]
    articles = _ArticleIndex(project)
    placed: list[tuple[ImportedSpan, int]] = []
    for span in spans:
        article_id = articles.anchor(span)
        if article_id is None:
            problems.append(
                Problem(
                    source_name=source_name,
                    line=span.line,
                    field="article",
                    message="no article of this project holds this span (import the release's articles.jsonl first)",
                )
            )
        elif not articles.holds(article_id, span):
            message = f"the article's text at {span.start}..{span.end} is not this span's quote"
            problems.append(Problem(source_name=source_name, line=span.line, field="quote", message=message))
        elif span.link_source not in (None, *LinkSource) or (
            span.link_source == LinkSource.SUGGESTION and not span.suggestion_rank
        ):
            problems.append(
                Problem(source_name=source_name, line=span.line, field="link_source", message="unknown link source")
            )
        elif span.claim_id is None and span.link_source not in (None, LinkSource.NO_MATCH) and not span.claim_text:
            problems.append(
                Problem(source_name=source_name, line=span.line, field="claim_id", message="a link names its claim")
            )
        else:
            placed.append((span, article_id))
    if problems:
        first = problems[0]
        raise DomainError(
            f"{len(problems)} problem(s); first: {first}",
            line=first.line,
            field=first.field,
            problems=[p.as_dict() for p in problems[:100]],
        )
    rows = Span.objects.bulk_create(
        [
            Span(
                article_id=article_id,
                annotator=actor,
                start=span.start,
                end=span.end,
                quote=span.quote,
                prefix=span.prefix,
                suffix=span.suffix,
                label=span.label,
                note=span.note,
                is_gold=span.is_gold,
            )
            for span, article_id in placed
        ],
        batch_size=1_000,
    )
    claims = _Claims(
        project, [span for span, _ in placed if span.link_source not in (None, LinkSource.NO_MATCH)], actor
    )
    links = []
    for row, (span, _) in zip(rows, placed, strict=True):
        if span.link_source is None:
            continue
        suggested = span.link_source == LinkSource.SUGGESTION
        links.append(
            ClaimLink(
                span=row,
                claim=None if span.link_source == LinkSource.NO_MATCH else claims.for_span(span),
                source=span.link_source,
                suggestion_rank=span.suggestion_rank if suggested else None,
                suggestion_score=span.suggestion_score if suggested else None,
                suggestion_model=span.suggestion_model,
                created_by=actor,
            )
        )
    ClaimLink.objects.bulk_create(links, batch_size=1_000)
    audit_record(
        actor=actor,
        action="release.import",
        obj=project,
        project=project,
        after={"file": source_name, "spans": len(placed)},
    )
    return len(placed)
