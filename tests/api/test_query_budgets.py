"""Query budgets: every list (and every detail that embeds a list) costs the same number of queries for
N rows as for 2N, so an N+1 cannot hide behind a small fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.domain import ArticleStatus, AssignmentStatus, Decision, LinkSource, Role, RunStatus, quote_context
from annotations.models import (
    Adjudication,
    Article,
    Assignment,
    CanonicalClaim,
    ClaimLink,
    Span,
    Suggestion,
    SuggestionRun,
)
from annotations.services.agreement import agreement_compute
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.tokens import token_create
from tests.api.conftest import ARTICLE_TEXT
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db

N = 5
PAGE_SIZE = 100  # larger than 2N (and than what the fixtures add), so all rows are on one page
serial = count()


@dataclass
class Scene:
    """What a budget case grows: the personas' project, an article assigned to both annotators, a claim."""

    personas: Personas
    article: Article
    claim: CanonicalClaim
    span: Span  # annotator's, for the suggestions case
    runs: list[SuggestionRun]


@pytest.fixture
def scene(personas: Personas, article: Article, claim: CanonicalClaim) -> Scene:
    span = new_span(article, personas.annotator.pk)
    runs = [
        SuggestionRun.objects.create(
            span=span, model_name="minilm", model_version=str(i), index_state="i1", status=RunStatus.DONE
        )
        for i in range(3)
    ]
    return Scene(personas=personas, article=article, claim=claim, span=span, runs=runs)


def new_span(article: Article, annotator_id: int, claim: CanonicalClaim | None = None) -> Span:
    start = next(serial) % 40
    prefix, quote, suffix = quote_context(article.text, start, start + 5)
    span = Span.objects.create(
        article=article,
        annotator_id=annotator_id,
        start=start,
        end=start + 5,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
    )
    if claim is not None:
        ClaimLink.objects.create(span=span, claim=claim, source=LinkSource.SEARCH, created_by_id=annotator_id)
    return span


def new_claim(scene: Scene) -> CanonicalClaim:
    text = f"Claim number {next(serial)} says a ceasefire was agreed."
    return claim_create(
        claim_base_id=scene.personas.project.claim_base_id,
        fields=ClaimFields(text=text, verdict="False", tags=("ceasefire",)),
        actor=None,
    )


def assigned_article(scene: Scene, *reviewers: int) -> Article:
    article = ArticleFactory.create(project=scene.personas.project, text=ARTICLE_TEXT + f" {next(serial)}")
    for reviewer in reviewers:
        Assignment.objects.create(article=article, reviewer_id=reviewer)
    return article


# --- How each case grows ----------------------------------------------------------------------------


def grow_projects(scene: Scene, k: int) -> None:
    for _ in range(k):
        project = ProjectFactory.create()
        MembershipFactory.create(project=project, user=scene.personas.manager, role=Role.MANAGER)
        ArticleFactory.create_batch(2, project=project)


def grow_members(scene: Scene, k: int) -> None:
    MembershipFactory.create_batch(k, project=scene.personas.project, role=Role.ANNOTATOR)


def grow_articles(scene: Scene, k: int) -> None:
    people = scene.personas
    for _ in range(k):
        article = assigned_article(scene, people.annotator.pk, people.other_annotator.pk)
        new_span(article, people.annotator.pk)
        new_span(article, people.other_annotator.pk)


def grow_claims(scene: Scene, k: int) -> None:
    for _ in range(k):
        new_claim(scene)


def grow_article_spans(scene: Scene, k: int) -> None:
    people = scene.personas
    for i in range(k):
        new_span(scene.article, people.annotator.pk, scene.claim if i % 2 else None)
        new_span(scene.article, people.other_annotator.pk, scene.claim)
        new_span(scene.article, people.curator.pk, None)


def grow_claim_spans(scene: Scene, k: int) -> None:
    people = scene.personas
    for _ in range(k):
        article = assigned_article(scene, people.annotator.pk, people.other_annotator.pk)
        new_span(article, people.annotator.pk, scene.claim)
        new_span(article, people.other_annotator.pk, scene.claim)


def grow_suggestions(scene: Scene, k: int) -> None:
    for i in range(k):
        run = scene.runs[i % len(scene.runs)]
        rank = run.suggestions.count() + 1
        Suggestion.objects.create(run=run, claim=new_claim(scene), rank=rank, fused_score=1 / rank)


def grow_quality(scene: Scene, k: int) -> None:
    """k more models, each with a finished run on a span whose first suggestion was accepted."""
    for _ in range(k):
        run = SuggestionRun.objects.create(
            span=new_span(scene.article, scene.personas.annotator.pk),
            model_name="minilm",
            model_version=f"v{next(serial)}",
            index_state="i1",
            status=RunStatus.DONE,
        )
        Suggestion.objects.create(
            run=run,
            claim=scene.claim,
            rank=1,
            fused_score=0.9,
            decision=Decision.ACCEPTED,
            decided_at=timezone.now(),
        )
        Suggestion.objects.create(run=run, claim=new_claim(scene), rank=2, fused_score=0.5)


def grow_curation(scene: Scene, k: int) -> None:
    """Both reviewers submitted the article; k more spans each (linked and not) and k gold spans settling
    them, with their links and provenance."""
    people = scene.personas
    Assignment.objects.filter(article=scene.article).update(
        status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now()
    )
    for i in range(k):
        mine = new_span(scene.article, people.annotator.pk, scene.claim if i % 2 else None)
        theirs = new_span(scene.article, people.other_annotator.pk, scene.claim)
        gold = new_span(scene.article, people.curator.pk, scene.claim)
        Span.objects.filter(pk=gold.pk).update(is_gold=True)
        gold.derived_from.set([mine, theirs])


def curation_size(body: Any) -> int:
    grouped = sum(len(spans) for group in body["groups"] for spans in group["by_reviewer"].values())
    return grouped + len(body["gold"])


def grow_curation_queue(scene: Scene, k: int) -> None:
    """k more articles ready for curation, every other one with its curation started."""
    people = scene.personas
    for i in range(k):
        article = assigned_article(scene, people.annotator.pk, people.other_annotator.pk)
        Article.objects.filter(pk=article.pk).update(
            review_status=ArticleStatus.READY_FOR_CURATION, ready_at=timezone.now(), disagreement=i / k
        )
        if i % 2:
            Adjudication.objects.create(article=article, curator=people.curator)


def grow_progress(scene: Scene, k: int) -> None:
    """k more reviewers, each with a lease that ran out (stuck) and a submission."""
    past = timezone.now() - timedelta(hours=1)
    for _ in range(k):
        reviewer = MembershipFactory.create(project=scene.personas.project, role=Role.ANNOTATOR).user
        stuck, done = assigned_article(scene), assigned_article(scene)
        Assignment.objects.create(
            article=stuck,
            reviewer=reviewer,
            status=AssignmentStatus.IN_PROGRESS,
            started_at=past,
            lease_expires_at=past,
        )
        Assignment.objects.create(
            article=done, reviewer=reviewer, status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now()
        )


def progress_size(body: Any) -> int:
    return len(body["reviewers"]) + len(body["stuck"])


def grow_agreement(scene: Scene, k: int) -> None:
    """k more articles that the annotator and a new reviewer each submitted (so k more reviewer pairs), then a
    computation of the project's agreement."""
    people = scene.personas
    for _ in range(k):
        reviewer = MembershipFactory.create(project=people.project, role=Role.ANNOTATOR).user
        article = assigned_article(scene)
        for reviewer_id in (people.annotator.pk, reviewer.pk):
            Assignment.objects.create(
                article=article, reviewer_id=reviewer_id, status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now()
            )
            new_span(article, reviewer_id, scene.claim)
        Article.objects.filter(pk=article.pk).update(submitted_count=2)
    assert agreement_compute(project=people.project) is not None


def agreement_size(body: Any) -> int:
    return len(body["pairs"]) + len(body["lowest"]) + len(body["project"])


def grow_agreement_history(scene: Scene, k: int) -> None:
    """k more computations of the project's agreement (forced: the inputs do not change)."""
    if not Assignment.objects.filter(
        article__project=scene.personas.project, status=AssignmentStatus.SUBMITTED
    ).exists():
        grow_agreement(scene, 1)
    for _ in range(k):
        agreement_compute(project=scene.personas.project, force=True)


def grow_tokens(scene: Scene, k: int) -> None:
    for _ in range(k):
        token_create(user=scene.personas.annotator, name=f"token {next(serial)}")


# --- The cases --------------------------------------------------------------------------------------


def results(body: Any) -> int:
    return len(body["results"])


def rows(body: Any) -> int:
    return len(body)


def spans(body: Any) -> int:
    return len(body["spans"])


def suggestions(body: Any) -> int:
    return sum(len(run["suggestions"]) for run in body["runs"])


@dataclass(frozen=True)
class Case:
    name: str
    role: str
    url: str  # {project}, {article}, {claim}, {span} from the scene
    grow: Callable[[Scene, int], None]
    size: Callable[[Any], int] = results


CASES = [
    Case("projects", "manager", "projects", grow_projects),
    Case("members", "curator", "projects/{project}/members", grow_members),
    Case("articles", "manager", "projects/{project}/articles", grow_articles),
    Case("articles", "annotator", "projects/{project}/articles", grow_articles),
    Case("assignments", "manager", "projects/{project}/assignments", grow_articles),
    Case("assignments", "annotator", "projects/{project}/assignments", grow_articles),
    Case("claims", "annotator", "projects/{project}/claims", grow_claims),
    Case("claims search", "annotator", "projects/{project}/claims/search?q=ceasefire", grow_claims),
    Case("article spans", "curator", "articles/{article}/spans", grow_article_spans),
    Case("article spans", "annotator", "articles/{article}/spans", grow_article_spans),
    Case("article detail", "curator", "articles/{article}", grow_article_spans, spans),
    Case("article detail", "annotator", "articles/{article}", grow_article_spans, spans),
    Case("claim detail", "curator", "claims/{claim}", grow_claim_spans, spans),
    Case("claim detail", "annotator", "claims/{claim}", grow_claim_spans, spans),
    Case("span suggestions", "annotator", "spans/{span}/suggestions", grow_suggestions, suggestions),
    Case("suggestion quality", "curator", "projects/{project}/suggestions/quality", grow_quality, rows),
    Case("tokens", "annotator", "tokens", grow_tokens),
    Case("curation view", "curator", "articles/{article}/curation", grow_curation, curation_size),
    Case("curation queue", "curator", "projects/{project}/curation", grow_curation_queue),
    Case("progress", "manager", "projects/{project}/progress", grow_progress, progress_size),
    Case("agreement", "curator", "projects/{project}/agreement", grow_agreement, agreement_size),
    Case("agreement", "manager", "projects/{project}/agreement?metric=span_f1_exact", grow_agreement, agreement_size),
    Case("agreement history", "curator", "projects/{project}/agreement/history", grow_agreement_history),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name} as {c.role}" for c in CASES])
def test_queries_do_not_grow_with_rows(
    scene: Scene, case: Case, django_assert_max_num_queries: Callable[[int], Any]
) -> None:
    ids = {"project": scene.personas.project.pk, "article": scene.article.pk, "claim": scene.claim.pk}
    url = "/api/v1/" + case.url.format(**ids, span=scene.span.pk)
    url += ("&" if "?" in url else "?") + f"page_size={PAGE_SIZE}"
    client = client_for(getattr(scene.personas, case.role))

    def get() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content
        return response.json()

    case.grow(scene, N)
    get()  # warm up: the first request may fill per-process caches (content types and the like)
    with CaptureQueriesContext(connection) as at_n:
        small = case.size(get())

    case.grow(scene, N)
    with django_assert_max_num_queries(len(at_n.captured_queries)):
        large = case.size(get())
    assert large > small, "the rows added must show in the answer, or the budget proves nothing"
