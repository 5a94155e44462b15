"""Curation on the real PostgreSQL: the curator's view aligns the reviewers' work, starting pre-fills gold
where everyone agrees, gold keeps its provenance, completing ends blind review, reopening undoes that."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from annotations.domain import AdjudicationStatus, ArticleStatus, DomainError, LinkSource, Role
from annotations.models import Adjudication, Article, ClaimLink, Project, Span
from annotations.selectors.articles import article_for, spans_visible
from annotations.selectors.review import curation_queue, curation_view
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.curation import (
    GoldFields,
    curation_complete,
    curation_reopen,
    curation_start,
    gold_span_create,
    gold_span_delete,
)
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_reopen, assignment_submit, queue_next
from annotations.services.spans import span_create
from tests.api.conftest import span_body
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

TEXT = "Officials said a ceasefire had been agreed in Geneva on Monday, and aid would reach the city."


class Team:
    def __init__(self) -> None:
        self.project: Project = ProjectFactory.create(reviewers_per_article=2)
        self.a, self.b = (
            MembershipFactory.create(
                project=self.project, role=Role.ANNOTATOR, user=UserFactory.create(username=n)
            ).user
            for n in ("ann", "bob")
        )
        self.curator: User = MembershipFactory.create(project=self.project, role=Role.CURATOR).user
        self.claim = claim_create(
            claim_base_id=self.project.claim_base_id, fields=ClaimFields(text="A ceasefire was agreed."), actor=None
        )
        self.other_claim = claim_create(
            claim_base_id=self.project.claim_base_id, fields=ClaimFields(text="Aid reached the city."), actor=None
        )

    def article(self, text: str = TEXT) -> Article:
        article = ArticleFactory.create(project=self.project, text=text)
        for reviewer in (self.a, self.b):
            queue_next(project=self.project, reviewer=reviewer)
        return article

    def span(self, article: Article, reviewer: User, needle: str, claim: object = None) -> Span:
        span = span_create(article=article, annotator=reviewer, **span_body(article.text, needle))
        if claim is not None:
            claim_link_create(span=span, target=LinkTarget(claim=claim), actor=reviewer)  # type: ignore[arg-type]
        return span

    def submit_all(self, article: Article) -> None:
        for reviewer in (self.a, self.b):
            assignment_submit(article=article, reviewer=reviewer)


@pytest.fixture
def team(db: None) -> Team:
    return Team()


def test_the_curation_view_aligns_agreement_overlap_and_missing(team: Team) -> None:
    article = team.article()
    team.span(article, team.a, "a ceasefire", team.claim)
    team.span(article, team.b, "a ceasefire", team.claim)
    team.span(article, team.a, "in Geneva on Monday")
    team.span(article, team.b, "Geneva")
    team.span(article, team.a, "aid would reach the city", team.other_claim)
    team.submit_all(article)
    view = curation_view(article=article)
    assert view.reviewers == ["ann", "bob"]
    kinds = [(article.text[g.start : g.end], g.kind, g.missing) for g in view.groups]
    assert kinds == [
        ("a ceasefire", "agree", ()),
        ("in Geneva on Monday", "overlap", ()),
        ("aid would reach the city", "missing", ("bob",)),
    ]


def test_start_prefills_gold_where_all_agree_with_provenance(team: Team) -> None:
    article = team.article()
    a_span = team.span(article, team.a, "a ceasefire", team.claim)
    b_span = team.span(article, team.b, "a ceasefire", team.claim)
    team.span(article, team.a, "Geneva")
    team.submit_all(article)
    adjudication = curation_start(article=article, curator=team.curator)
    gold = list(Span.objects.filter(article=article, is_gold=True))
    assert len(gold) == 1
    assert (gold[0].start, gold[0].end, gold[0].annotator_id) == (a_span.start, a_span.end, team.curator.pk)
    assert {s.pk for s in gold[0].derived_from.all()} == {a_span.pk, b_span.pk}
    assert ClaimLink.objects.get(span=gold[0]).claim_id == team.claim.pk
    assert adjudication.decisions == [{"action": "prefilled", "gold": gold[0].pk, "from": [a_span.pk, b_span.pk]}]
    again = curation_start(article=article, curator=team.curator)  # resuming does not pre-fill twice
    assert again.pk == adjudication.pk
    assert Span.objects.filter(article=article, is_gold=True).count() == 1


def test_accepting_a_reviewers_version_copies_its_link_provenance(team: Team) -> None:
    article = team.article()
    a_span = team.span(article, team.a, "in Geneva on Monday")
    ClaimLink.objects.create(
        span=a_span,
        claim=team.claim,
        source=LinkSource.SUGGESTION,
        suggestion_rank=2,
        suggestion_score=0.83,
        suggestion_model="e5@1",
        created_by=team.a,
    )
    b_span = team.span(article, team.b, "Geneva", team.other_claim)
    team.submit_all(article)
    curation_start(article=article, curator=team.curator)
    gold = gold_span_create(
        article=article, curator=team.curator, fields=GoldFields(from_span=a_span.pk, derived_from=(b_span.pk,))
    )
    assert (gold.start, gold.end, gold.quote, gold.is_gold) == (a_span.start, a_span.end, a_span.quote, True)
    assert {s.pk for s in gold.derived_from.all()} == {a_span.pk, b_span.pk}
    link = ClaimLink.objects.get(span=gold)
    assert (link.claim_id, link.source, link.suggestion_rank, link.suggestion_score, link.suggestion_model) == (
        team.claim.pk,
        LinkSource.SUGGESTION,
        2,
        0.83,
        "e5@1",
    )
    adjudication = Adjudication.objects.get(article=article)
    assert adjudication.decisions[-1] == {"action": "accepted", "gold": gold.pk, "from": [a_span.pk, b_span.pk]}


def test_the_curator_edits_or_writes_a_new_gold_span(team: Team) -> None:
    article = team.article()
    a_span = team.span(article, team.a, "in Geneva on Monday", team.claim)
    team.submit_all(article)
    curation_start(article=article, curator=team.curator)
    start = TEXT.index("Geneva")
    edited = gold_span_create(
        article=article,
        curator=team.curator,
        fields=GoldFields(from_span=a_span.pk, start=start, end=start + 6, claim=team.other_claim.pk),
    )
    assert edited.quote == "Geneva"
    link = ClaimLink.objects.get(span=edited)
    assert (link.claim_id, link.source) == (team.other_claim.pk, LinkSource.SEARCH)
    fresh = gold_span_create(
        article=article, curator=team.curator, fields=GoldFields(start=0, end=9, no_match=True, label="claim")
    )
    assert fresh.quote == "Officials"
    assert ClaimLink.objects.get(span=fresh).source == LinkSource.NO_MATCH
    gold_span_delete(article=article, span_id=fresh.pk, curator=team.curator)
    assert not Span.objects.filter(pk=fresh.pk).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (GoldFields(start=5, end=5), "end"),
        (GoldFields(start=0), "start"),
        (GoldFields(start=0, end=4, claim=10**9), "claim"),
        (GoldFields(start=0, end=4, claim=1, no_match=True), "claim"),
        (GoldFields(start=0, end=4, label="not-a-label"), "label"),
    ],
)
def test_bad_gold_is_refused_naming_the_field_and_nothing_is_written(
    team: Team, fields: GoldFields, field: str
) -> None:
    article = team.article()
    team.submit_all(article)
    curation_start(article=article, curator=team.curator)
    with pytest.raises(DomainError) as caught:
        gold_span_create(article=article, curator=team.curator, fields=fields)
    assert caught.value.field == field
    assert not Span.objects.filter(article=article, is_gold=True).exists()


def test_gold_cannot_derive_from_another_articles_or_an_unsubmitted_span(team: Team) -> None:
    article = team.article()
    elsewhere = ArticleFactory.create(project=team.project, text="Another text entirely about talks.")
    queue_next(project=team.project, reviewer=team.a)  # a's open work is still `article`
    team.submit_all(article)
    foreign = Span.objects.create(
        article=elsewhere, annotator=team.a, start=0, end=7, quote="Another", prefix="", suffix=elsewhere.text[7:39]
    )
    curation_start(article=article, curator=team.curator)
    with pytest.raises(DomainError) as caught:
        gold_span_create(article=article, curator=team.curator, fields=GoldFields(from_span=foreign.pk))
    assert caught.value.field == "from_span"
    fields = GoldFields(start=0, end=9, derived_from=(foreign.pk,))
    with pytest.raises(DomainError) as caught:
        gold_span_create(article=article, curator=team.curator, fields=fields)
    assert (caught.value.field, caught.value.message) == (
        "derived_from",
        f"span #{foreign.pk} is not a submitted reviewer span of this article",
    )


def test_curation_waits_for_all_k_reviewers(team: Team) -> None:
    article = team.article()
    assignment_submit(article=article, reviewer=team.a)
    with pytest.raises(DomainError, match="1 of 2 reviewers"):
        curation_start(article=article, curator=team.curator)
    with pytest.raises(DomainError):
        gold_span_create(article=article, curator=team.curator, fields=GoldFields(start=0, end=4))


def test_blind_review_lasts_until_curation_completes_and_returns_on_reopen(team: Team) -> None:
    article = team.article()
    a_span = team.span(article, team.a, "a ceasefire", team.claim)
    team.span(article, team.b, "Geneva")
    team.submit_all(article)

    def seen_by_a() -> set[int]:
        opened = article_for(user=team.a, article_id=article.pk)
        assert opened is not None
        return {s.annotator_id for s in spans_visible(user=team.a, role=opened[1], article=opened[0])}

    assert seen_by_a() == {team.a.pk}
    curation_start(article=article, curator=team.curator)
    gold_span_create(article=article, curator=team.curator, fields=GoldFields(from_span=a_span.pk))
    assert seen_by_a() == {team.a.pk}  # still blind while the curator works
    adjudication = curation_complete(article=article, curator=team.curator)
    assert adjudication.status == AdjudicationStatus.COMPLETED
    article.refresh_from_db()
    assert article.review_status == ArticleStatus.CURATED
    assert seen_by_a() == {team.a.pk, team.b.pk, team.curator.pk}  # the other reviewer's and the gold
    with pytest.raises(DomainError, match="reopen its curation first"):
        assignment_reopen(assignment=article.assignments.get(reviewer=team.a), actor=team.curator)
    curation_reopen(article=article, curator=team.curator)
    article.refresh_from_db()
    assert article.review_status == ArticleStatus.READY_FOR_CURATION
    assert seen_by_a() == {team.a.pk}
    assignment_reopen(assignment=article.assignments.get(reviewer=team.a), actor=team.curator)
    article.refresh_from_db()
    assert article.review_status == ArticleStatus.IN_REVIEW


def test_the_curator_queue_puts_the_most_disagreement_first(team: Team) -> None:
    calm = team.article(text="The talks ended on Wednesday in Geneva, officials said.")
    team.span(calm, team.a, "The talks ended", team.claim)
    team.span(calm, team.b, "The talks ended", team.claim)
    team.submit_all(calm)
    stormy = team.article(text="A ceasefire was agreed, and aid would reach the city soon.")
    team.span(stormy, team.a, "A ceasefire", team.claim)
    team.span(stormy, team.b, "A ceasefire", team.other_claim)
    team.submit_all(stormy)
    queue = list(curation_queue(project=team.project))
    assert [a.pk for a in queue] == [stormy.pk, calm.pk]
    assert [a.disagreement for a in queue] == [1.0, 0.0]
