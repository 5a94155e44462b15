"""The agreement API on the real PostgreSQL: two reviewers' work made through the services, computed with
agreement_compute, read back through the API (the numbers are the stored snapshots', and a few are checked by
hand); history grows with each computation; bad metrics are 400 naming `metric`; recompute queues the task."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.response import Response

from annotations.domain import AgreementScope, LinkSource
from annotations.models import AgreementSnapshot, Article, Assignment, CanonicalClaim, ClaimLink, Span
from annotations.services.agreement import ARTICLE_METRICS, PAIR_METRICS, PROJECT_METRICS, agreement_compute
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create, claim_link_replace
from annotations.services.review import assignment_reopen, assignment_submit, queue_next
from annotations.services.spans import span_create
from annotations.tasks import compute_agreement
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory

TEXT = "Officials said a ceasefire had been agreed in Geneva on Monday, and aid would reach the city."


class Reviews:
    """A k = 2 project's reviews, made through the services: `annotator` and `other_annotator` take each
    article from the queue, mark spans with links and submit.

    `standard()` makes three articles whose figures are known by hand:
    - "Agreed": both mark "a ceasefire" (same claim); "in Geneva" against "Geneva" (overlap, same claim);
    - "Link differs": both mark "a ceasefire", one links the claim, the other says no match;
    - "One-sided": only the annotator marks "aid would reach the city".
    Span F1 exact = 2·2 / 7, overlap = 2·3 / 7; link alpha per article 1.0, 0.0 and undefined.
    """

    def __init__(self, personas: Personas) -> None:
        self.personas = personas
        self.project = personas.project
        self.a, self.b = personas.annotator, personas.other_annotator
        base = self.project.claim_base_id
        self.claim = claim_create(claim_base_id=base, fields=ClaimFields(text="A ceasefire was agreed."), actor=None)
        self.other_claim = claim_create(
            claim_base_id=base, fields=ClaimFields(text="The talks took place in Geneva."), actor=None
        )

    def article(self, title: str) -> Article:
        article = ArticleFactory.create(project=self.project, title=title, text=f"{TEXT} ({title})")
        for reviewer in (self.a, self.b):
            taken = queue_next(project=self.project, reviewer=reviewer)
            assert taken is not None
            assert taken.article_id == article.pk
        return article

    def mark(self, article: Article, reviewer: User, needle: str, link: CanonicalClaim | str | None = None) -> Span:
        start = article.text.index(needle)
        span = span_create(article=article, annotator=reviewer, start=start, end=start + len(needle), quote=needle)
        if isinstance(link, CanonicalClaim):
            claim_link_create(span=span, target=LinkTarget(claim=link), actor=reviewer)
        elif link == "no_match":
            claim_link_create(span=span, target=LinkTarget(no_match=True), actor=reviewer)
        return span

    def submit(self, article: Article) -> None:
        for reviewer in (self.a, self.b):
            assignment_submit(article=article, reviewer=reviewer)

    def standard(self) -> list[Article]:
        agreed = self.article("Agreed")
        self.mark(agreed, self.a, "a ceasefire", self.claim)
        self.mark(agreed, self.b, "a ceasefire", self.claim)
        self.mark(agreed, self.a, "in Geneva", self.other_claim)
        self.mark(agreed, self.b, "Geneva", self.other_claim)
        self.submit(agreed)
        differs = self.article("Link differs")
        self.mark(differs, self.a, "a ceasefire", self.claim)
        self.mark(differs, self.b, "a ceasefire", "no_match")
        self.submit(differs)
        one_sided = self.article("One-sided")
        self.mark(one_sided, self.a, "aid would reach the city")
        self.submit(one_sided)
        return [agreed, differs, one_sided]

    def settle_link(self, article: Article) -> None:
        """A curator reopens the other annotator's work on `article`; they change "no match" to the claim
        and submit again."""
        assignment = Assignment.objects.get(article=article, reviewer=self.b)
        assignment_reopen(assignment=assignment, actor=self.personas.curator)
        link = ClaimLink.objects.get(span__article=article, span__annotator=self.b)
        assert link.source == LinkSource.NO_MATCH
        claim_link_replace(span=link.span, target=LinkTarget(claim=self.claim), actor=self.b, version=link.version)
        assignment_submit(article=article, reviewer=self.b)


@pytest.fixture
def reviews(personas: Personas) -> Reviews:
    return Reviews(personas)


def get(user: User, url: str, **params: str) -> Any:
    response = client_for(user).get(f"/api/v1/{url}", params)
    assert isinstance(response, Response)
    assert response.status_code == 200, response.content
    return response.json()


def latest(project_id: int, scope: AgreementScope) -> list[AgreementSnapshot]:
    newest = AgreementSnapshot.objects.filter(project_id=project_id, scope=scope).latest("computed_at", "id")
    return list(
        AgreementSnapshot.objects.filter(project_id=project_id, scope=scope, details__run=newest.details["run"])
    )


pytestmark = pytest.mark.django_db


def test_nothing_computed_yet_is_empty_not_an_error(reviews: Reviews) -> None:
    body = get(reviews.personas.curator, f"projects/{reviews.project.pk}/agreement")
    assert body == {
        "computed_at": None,
        "run": None,
        "fingerprint": None,
        "project": [],
        "pairs": [],
        "lowest_metric": "link_alpha",
        "lowest": [],
    }
    history = get(reviews.personas.curator, f"projects/{reviews.project.pk}/agreement/history")
    assert history["results"] == []


def test_the_figures_are_the_stored_snapshots(reviews: Reviews) -> None:
    agreed, differs, one_sided = reviews.standard()
    run = agreement_compute(project=reviews.project)
    assert run is not None
    assert run.articles == 3
    body = get(reviews.personas.manager, f"projects/{reviews.project.pk}/agreement")

    stored = {snap.metric: snap for snap in latest(reviews.project.pk, AgreementScope.PROJECT)}
    assert {f["metric"] for f in body["project"]} == {name for name, _, _ in PROJECT_METRICS} == set(stored)
    for figure in body["project"]:
        snap = stored[figure["metric"]]
        assert (figure["value"], figure["ci_low"], figure["ci_high"], figure["n_units"]) == (
            snap.value,
            snap.ci_low,
            snap.ci_high,
            snap.n_units,
        )
    assert (body["run"], body["fingerprint"]) == (run.run, run.fingerprint)
    assert body["computed_at"] is not None
    by_metric = {f["metric"]: f for f in body["project"]}
    assert by_metric["span_f1_exact"]["value"] == pytest.approx(4 / 7)
    assert by_metric["span_f1_overlap"]["value"] == pytest.approx(6 / 7)
    assert by_metric["span_f1_exact"]["n_units"] == 3
    low, high = by_metric["span_f1_overlap"]["ci_low"], by_metric["span_f1_overlap"]["ci_high"]
    assert low is not None
    assert high is not None
    assert low <= high

    # The matrix: one pair (user ids order it), its four metrics with intervals, equal to the stored rows.
    (pair,) = body["pairs"]
    assert (pair["reviewer_a"], pair["reviewer_b"]) == ("annotator", "other_annotator")
    assert set(pair["metrics"]) == set(PAIR_METRICS)
    pair_rows = {snap.metric: snap for snap in latest(reviews.project.pk, AgreementScope.REVIEWER_PAIR)}
    for metric, estimate in pair["metrics"].items():
        snap = pair_rows[metric]
        assert estimate == {
            "value": snap.value,
            "ci_low": snap.ci_low,
            "ci_high": snap.ci_high,
            "n_units": snap.n_units,
        }
    assert pair["metrics"]["f1_exact"]["value"] == pytest.approx(4 / 7)

    # The lowest articles by link alpha: the one-sided article has no pairable link, so it is not ranked.
    assert body["lowest_metric"] == "link_alpha"
    assert [(a["article"], a["title"], a["value"]) for a in body["lowest"]] == [
        (differs.pk, "Link differs", pytest.approx(0.0)),
        (agreed.pk, "Agreed", pytest.approx(1.0)),
    ]
    by_f1 = get(reviews.personas.curator, f"projects/{reviews.project.pk}/agreement", metric="span_f1_exact")
    assert by_f1["lowest_metric"] == "span_f1_exact"
    assert [a["article"] for a in by_f1["lowest"]] == [one_sided.pk, agreed.pk, differs.pk]
    article_rows = AgreementSnapshot.objects.filter(scope=AgreementScope.ARTICLE, metric="span_f1_exact")
    assert [a["value"] for a in by_f1["lowest"]] == [
        article_rows.get(article=article).value for article in (one_sided, agreed, differs)
    ]


def test_history_grows_with_each_computation(reviews: Reviews) -> None:
    agreed, differs, _ = reviews.standard()
    first = agreement_compute(project=reviews.project)
    assert first is not None
    assert agreement_compute(project=reviews.project) is None  # unchanged inputs store nothing

    reviews.settle_link(differs)
    second = agreement_compute(project=reviews.project)
    assert second is not None
    assert second.fingerprint != first.fingerprint
    url = f"projects/{reviews.project.pk}/agreement/history"
    history = get(reviews.personas.curator, url, metric="link_alpha")
    assert [h["run"] for h in history["results"]] == [first.run, second.run]
    stored = AgreementSnapshot.objects.filter(scope=AgreementScope.PROJECT, metric="link_alpha").order_by("id")
    assert [h["value"] for h in history["results"]] == [s.value for s in stored]
    assert history["results"][-1]["value"] == pytest.approx(1.0)  # every link unit agrees now
    assert history["results"][0]["value"] < 1.0

    # The latest figures follow the second computation. The changed article got new snapshots (its one link
    # unit agrees on one category: alpha is undefined there, so it is not ranked); the others kept theirs.
    body = get(reviews.personas.curator, f"projects/{reviews.project.pk}/agreement")
    assert body["run"] == second.run
    assert [a["article"] for a in body["lowest"]] == [agreed.pk]
    differs_alpha = AgreementSnapshot.objects.filter(article=differs, metric="link_alpha").order_by("id")
    assert [(s.value, s.details["run"]) for s in differs_alpha] == [(0.0, first.run), (None, second.run)]
    assert second.articles_changed == 1

    # Pages: one figure per page, followed through `next`.
    paged = get(reviews.personas.curator, url, metric="link_alpha", page_size="1")
    assert len(paged["results"]) == 1
    assert paged["next"]
    assert client_for(reviews.personas.curator).get(paged["next"]).json()["results"][0]["run"] == second.run


def test_an_article_that_is_no_longer_measured_leaves_the_lowest(reviews: Reviews) -> None:
    _, _, one_sided = reviews.standard()
    agreement_compute(project=reviews.project)
    url = f"projects/{reviews.project.pk}/agreement"
    assert get(reviews.personas.curator, url, metric="span_f1_exact")["lowest"][0]["article"] == one_sided.pk
    # A submission fewer: the article is no longer in the figures, so it is not among their weakest either.
    assignment_reopen(
        assignment=Assignment.objects.get(article=one_sided, reviewer=reviews.b), actor=reviews.personas.curator
    )
    assert agreement_compute(project=reviews.project) is not None
    lowest = get(reviews.personas.curator, url, metric="span_f1_exact")["lowest"]
    assert one_sided.pk not in [a["article"] for a in lowest]
    assert len(lowest) == 2


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("agreement", "f1_exact"),  # a pair metric, not an article one
        ("agreement", "kappa"),
        ("agreement/history", "link_kappa"),
    ],
)
def test_a_bad_metric_is_400_naming_metric(reviews: Reviews, path: str, bad: str) -> None:
    response = client_for(reviews.personas.curator).get(
        f"/api/v1/projects/{reviews.project.pk}/{path}", {"metric": bad}
    )
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["metric"]


@pytest.mark.parametrize("metric", ARTICLE_METRICS)
def test_every_article_metric_ranks(reviews: Reviews, metric: str) -> None:
    reviews.standard()
    agreement_compute(project=reviews.project)
    body = get(reviews.personas.curator, f"projects/{reviews.project.pk}/agreement", metric=metric)
    values = [a["value"] for a in body["lowest"]]
    assert values == sorted(values)
    assert values


def test_recompute_queues_a_forced_computation(
    reviews: Reviews, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "annotations.services.agreement.current_app.send_task", lambda name, **kw: sent.append((name, kw))
    )
    url = f"/api/v1/projects/{reviews.project.pk}/agreement/recompute"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(reviews.personas.curator).post(url)
    assert response.status_code == 202, response.content
    assert response.json() == {"project": reviews.project.pk, "queued": True}
    assert sent == []  # published after the commit, not inside the transaction
    for callback in callbacks:
        callback()
    options = {"args": [reviews.project.pk], "kwargs": {"force": True}, "ignore_result": True}
    assert sent == [("annotations.compute_agreement", options)]


def test_asking_again_while_a_forced_run_waits_queues_no_second_one(
    reviews: Reviews, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[str] = []
    monkeypatch.setattr("annotations.services.agreement.current_app.send_task", lambda name, **kw: sent.append(name))
    reviews.standard()
    url = f"/api/v1/projects/{reviews.project.pk}/agreement/recompute"
    client = client_for(reviews.personas.curator)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url).status_code == 202
    assert sent == ["annotations.compute_agreement"]  # the queued run has not started: it will read the state then
    assert compute_agreement.run(reviews.project.pk, force=True) > 0  # the worker takes it
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 202
    assert sent == ["annotations.compute_agreement"] * 2


@pytest.mark.django_db(transaction=True)
def test_recompute_says_503_when_the_queue_is_unreachable(monkeypatch: pytest.MonkeyPatch, personas: Personas) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr("annotations.services.agreement.current_app.send_task", refuse)
    response = client_for(personas.manager).post(f"/api/v1/projects/{personas.project.pk}/agreement/recompute")
    assert response.status_code == 503, response.content
    assert response.json()["errors"][0]["code"] == "unavailable"


def test_the_worker_task_computes_the_forced_run(reviews: Reviews) -> None:
    """The task the recompute names, run in-process: with force it stores a new run on unchanged inputs."""
    reviews.standard()
    assert compute_agreement.run(reviews.project.pk) > 0
    assert compute_agreement.run(reviews.project.pk) == 0
    assert compute_agreement.run(reviews.project.pk, force=True) > 0
    runs = AgreementSnapshot.objects.filter(scope=AgreementScope.PROJECT).values_list("details__run", flat=True)
    assert len(set(runs)) == 2


@pytest.mark.parametrize(("role", "status"), [("annotator", 403), ("outsider", 404), ("curator", 200)])
def test_who_may_read(reviews: Reviews, role: str, status: int) -> None:
    client = client_for(getattr(reviews.personas, role))
    for path in ("agreement", "agreement/history"):
        assert client.get(f"/api/v1/projects/{reviews.project.pk}/{path}").status_code == status
