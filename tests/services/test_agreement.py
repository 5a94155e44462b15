"""Agreement snapshots on the real PostgreSQL: computed from the submitted reviews, stored per scope, never
overwritten, written again only when the inputs change (article snapshots only for the changed article),
and computed by the real worker after submissions."""

from __future__ import annotations

import subprocess

import pytest
from django.contrib.auth.models import User

from annotations.domain import AgreementScope, Role
from annotations.models import AgreementSnapshot, Article, Project
from annotations.selectors.agreement import agreement_history, agreement_inputs, agreement_report
from annotations.services.agreement import agreement_compute, agreement_stale_projects
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_reopen, assignment_submit, queue_next
from annotations.services.spans import span_create
from tests.api.conftest import span_body
from tests.conftest import wait_until
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

ONE = "Officials said a ceasefire had been agreed in Geneva on Monday."
TWO = "Aid would reach the city by Friday, the mayor said on Tuesday."


class Pair:
    def __init__(self) -> None:
        self.project: Project = ProjectFactory.create(reviewers_per_article=2)
        self.a, self.b = (
            MembershipFactory.create(
                project=self.project, role=Role.ANNOTATOR, user=UserFactory.create(username=n)
            ).user
            for n in ("ann", "bob")
        )
        self.curator = MembershipFactory.create(project=self.project, role=Role.CURATOR).user
        base = self.project.claim_base_id
        self.ceasefire = claim_create(
            claim_base_id=base, fields=ClaimFields(text="A ceasefire was agreed."), actor=None
        )
        self.aid = claim_create(claim_base_id=base, fields=ClaimFields(text="Aid reached the city."), actor=None)

    def review(self, text: str, marks: dict[User, list[tuple[str, object]]]) -> Article:
        article = ArticleFactory.create(project=self.project, text=text)
        for reviewer in (self.a, self.b):
            queue_next(project=self.project, reviewer=reviewer)
        for reviewer, spans in marks.items():
            for needle, claim in spans:
                span = span_create(article=article, annotator=reviewer, **span_body(text, needle))
                target = LinkTarget(claim=claim) if claim is not None else LinkTarget(no_match=True)  # type: ignore[arg-type]
                claim_link_create(span=span, target=target, actor=reviewer)
        for reviewer in (self.a, self.b):
            assignment_submit(article=article, reviewer=reviewer)
        return article


def figures(project: Project) -> dict[str, float | None]:
    report = agreement_report(project=project, lowest_metric="link_alpha")
    return {s.metric: s.value for s in report.project}


@pytest.mark.django_db
def test_nothing_is_computed_before_two_reviewers_submitted_an_article() -> None:
    pair = Pair()
    ArticleFactory.create(project=pair.project, text=ONE)
    queue_next(project=pair.project, reviewer=pair.a)
    assert agreement_compute(project=pair.project) is None
    assert not AgreementSnapshot.objects.exists()


@pytest.mark.django_db
def test_figures_per_scope_from_the_submitted_reviews() -> None:
    pair = Pair()
    # Article one: both mark the ceasefire, with the same claim. Article two: the same span, different links,
    # and one extra span of ann's that bob did not mark.
    pair.review(ONE, {pair.a: [("a ceasefire", pair.ceasefire)], pair.b: [("a ceasefire", pair.ceasefire)]})
    two = pair.review(
        TWO,
        {
            pair.a: [("Aid would reach the city", pair.aid), ("on Tuesday", None)],
            pair.b: [("Aid would reach the city", None)],
        },
    )
    run = agreement_compute(project=pair.project)
    assert run is not None
    assert (run.articles, run.articles_changed) == (2, 2)
    got = figures(pair.project)
    # 2 matched of 3 + 2 spans: F1 = 2·2 / (3 + 2) = 0.8, exactly and by overlap.
    assert got["span_f1_exact"] == pytest.approx(0.8)
    assert got["span_f1_overlap"] == pytest.approx(0.8)
    # Links on the two matched pairs: one agrees, one does not.
    assert got["link_percent_agreement"] == pytest.approx(0.5)
    assert set(got) == {
        "span_f1_exact",
        "span_f1_overlap",
        "link_percent_agreement",
        "link_alpha",
        "link_fleiss_kappa",
        "boundary_alpha",
    }
    project_rows = AgreementSnapshot.objects.filter(project=pair.project, scope=AgreementScope.PROJECT)
    for snapshot in project_rows:
        if snapshot.value is not None and snapshot.ci_low is not None:
            assert snapshot.ci_low <= snapshot.ci_high  # type: ignore[operator]
    pairs = AgreementSnapshot.objects.filter(project=pair.project, scope=AgreementScope.REVIEWER_PAIR)
    assert {(s.reviewer_a_id, s.reviewer_b_id) for s in pairs} == {(pair.a.pk, pair.b.pk)}
    assert pairs.get(metric="f1_exact").value == pytest.approx(0.8)
    per_article = AgreementSnapshot.objects.filter(project=pair.project, scope=AgreementScope.ARTICLE)
    assert per_article.filter(article=two, metric="span_f1_exact").get().value == pytest.approx(2 / 3)
    assert len({s.details["run"] for s in AgreementSnapshot.objects.all()}) == 1


@pytest.mark.django_db
def test_unchanged_inputs_store_nothing_and_a_change_adds_snapshots_without_overwriting() -> None:
    pair = Pair()
    one = pair.review(ONE, {pair.a: [("a ceasefire", pair.ceasefire)], pair.b: [("a ceasefire", pair.ceasefire)]})
    two = pair.review(TWO, {pair.a: [("Aid would reach the city", pair.aid)], pair.b: [("the mayor", None)]})
    first = agreement_compute(project=pair.project)
    assert first is not None
    stored = AgreementSnapshot.objects.count()
    assert agreement_compute(project=pair.project) is None
    assert AgreementSnapshot.objects.count() == stored
    before = {s.pk: (s.value, s.inputs_fingerprint) for s in AgreementSnapshot.objects.all()}

    # Bob's work on article two is reopened and he adds ann's span: only article two's inputs change.
    assignment_reopen(assignment=two.assignments.get(reviewer=pair.b), actor=pair.curator)
    span = span_create(article=two, annotator=pair.b, **span_body(TWO, "Aid would reach the city"))
    claim_link_create(span=span, target=LinkTarget(claim=pair.aid), actor=pair.b)
    assignment_submit(article=two, reviewer=pair.b)
    second = agreement_compute(project=pair.project)
    assert second is not None
    assert second.fingerprint != first.fingerprint
    assert (second.articles, second.articles_changed) == (2, 1)
    new_article_rows = AgreementSnapshot.objects.filter(scope=AgreementScope.ARTICLE, details__run=second.run)
    assert {s.article_id for s in new_article_rows} == {two.pk}
    assert {s.pk: (s.value, s.inputs_fingerprint) for s in AgreementSnapshot.objects.filter(pk__in=before)} == before
    history = list(agreement_history(project=pair.project, metric="span_f1_exact").values_list("value", flat=True))
    assert history == [pytest.approx(0.5), pytest.approx(0.8)]  # 2·1 / (2 + 2), then 2·2 / (2 + 3)
    report = agreement_report(project=pair.project, lowest_metric="span_f1_exact")
    assert {s.article_id for s in report.lowest} == {one.pk, two.pk}  # the latest of each article
    assert report.lowest[0].article_id == two.pk
    assert report.lowest[0].value == pytest.approx(2 / 3)  # article two now: 2·1 / (1 + 2)


@pytest.mark.django_db
def test_inputs_are_the_submitted_reviewers_only() -> None:
    pair = Pair()
    third = MembershipFactory.create(project=pair.project, role=Role.ANNOTATOR).user
    article = pair.review(ONE, {pair.a: [("a ceasefire", pair.ceasefire)], pair.b: []})
    pair.project.reviewers_per_article = 3
    pair.project.save()
    queue_next(project=pair.project, reviewer=third)
    span_create(article=article, annotator=third, **span_body(ONE, "Geneva"))  # not submitted: not counted
    inputs = agreement_inputs(project=pair.project)
    assert set(inputs.articles[article.pk]) == {pair.a.pk, pair.b.pk}
    assert inputs.articles[article.pk][pair.b.pk] == []
    assert inputs.text_lengths[article.pk] == len(ONE)


@pytest.mark.django_db
def test_the_sweeper_finds_projects_with_submissions_newer_than_their_figures() -> None:
    pair = Pair()
    pair.review(ONE, {pair.a: [("a ceasefire", pair.ceasefire)], pair.b: [("a ceasefire", pair.ceasefire)]})
    assert agreement_stale_projects() == [pair.project.pk]
    agreement_compute(project=pair.project)
    assert agreement_stale_projects() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_worker_computes_agreement_after_the_submissions(celery_worker_process: subprocess.Popen[bytes]) -> None:
    pair = Pair()
    pair.review(ONE, {pair.a: [("a ceasefire", pair.ceasefire)], pair.b: [("a ceasefire", pair.ceasefire)]})
    wait_until(
        lambda: AgreementSnapshot.objects.filter(project=pair.project, scope=AgreementScope.PROJECT).exists(),
        60,
        "the worker's agreement snapshots",
    )
    assert figures(pair.project)["span_f1_exact"] == pytest.approx(1.0)
