"""The agreement dashboard without a browser: who may open it (outsiders 404, annotators 403), what it shows
(figures with intervals, the reviewer matrix, the weakest articles linking to curation, one chart point per
computation), "Recompute now", the nav links, and query counts that do not grow with the data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotations.domain import AgreementScope
from annotations.models import AgreementSnapshot, Assignment
from annotations.services.agreement import agreement_compute
from annotations.services.review import assignment_submit, queue_next
from tests.api.test_agreement_api import Reviews
from tests.conftest import Personas
from tests.factories import ArticleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: User, personas: Personas, query: str = "") -> str:
    response = logged_in(user).get(f"/projects/{personas.project.pk}/agreement/{query}")
    assert response.status_code == 200
    return response.content.decode()


def polyline_points(html: str, metric: str) -> int:
    figure = re.search(rf'<figure class="chart-box" data-metric="{metric}">(.*?)</figure>', html, re.S)
    assert figure is not None
    found = re.search(r'<polyline class="series" fill="none" points="([^"]*)"', figure.group(1))
    return len(found.group(1).split()) if found else 0


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("annotator", 403), ("curator", 200), ("manager", 200)])
def test_who_may_open_the_dashboard(personas: Personas, who: str, status: int) -> None:
    client = logged_in(getattr(personas, who))
    assert client.get(f"/projects/{personas.project.pk}/agreement/").status_code == status
    recompute = client.post(f"/projects/{personas.project.pk}/agreement/recompute/")
    assert recompute.status_code == (302 if status == 200 else status)


def test_anonymous_visitors_are_sent_to_log_in(personas: Personas) -> None:
    response = Client().get(f"/projects/{personas.project.pk}/agreement/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_before_any_computation_the_page_says_so(personas: Personas) -> None:
    html = page(personas.curator, personas)
    assert 'id="not-computed"' in html
    assert "No figures yet." in html
    assert polyline_points(html, "link_alpha") == 0
    assert "no figures yet" in html  # the empty chart


def test_the_dashboard_shows_the_latest_figures_matrix_lowest_and_history(personas: Personas) -> None:
    reviews = Reviews(personas)
    agreed, differs, _ = reviews.standard()
    first = agreement_compute(project=reviews.project)
    assert first is not None
    html = page(personas.curator, personas)

    # Every project figure, its value, interval and meaning.
    for snapshot in AgreementSnapshot.objects.filter(scope=AgreementScope.PROJECT):
        row = re.search(rf'<tr data-metric="{snapshot.metric}">(.*?)</tr>', html, re.S)
        assert row is not None, snapshot.metric
        assert f"{snapshot.value:.3f}" in row.group(1)
        if snapshot.ci_low is not None:
            assert f"[{snapshot.ci_low:.3f}, {snapshot.ci_high:.3f}]" in row.group(1)
    assert "Corrected for chance" in html
    assert first.run[:8] in html

    # The matrix: both reviewers as rows and columns, the pair's F1 overlap and kappa in both cells.
    f1 = AgreementSnapshot.objects.get(scope=AgreementScope.REVIEWER_PAIR, metric="f1_overlap")
    assert f1.value is not None
    for name, other in (("annotator", "other_annotator"), ("other_annotator", "annotator")):
        cell = re.search(rf'<tr data-reviewer="{name}">.*?<td data-other="{other}">(.*?)</td>', html, re.S)
        assert cell is not None
        assert f"F1 {f1.value:.2f}" in cell.group(1)
        assert "κ" in cell.group(1)
    assert html.count('<td class="none"') == 2  # the diagonal

    # The lowest articles link to their curation.
    lowest = re.findall(r'<tr data-article="(\d+)">\s*<td><a href="([^"]+)"', html)
    assert lowest == [
        (str(differs.pk), f"/articles/{differs.pk}/curate/"),
        (str(agreed.pk), f"/articles/{agreed.pk}/curate/"),
    ]
    by_f1 = page(personas.curator, personas, "?metric=span_f1_exact")
    assert len(re.findall(r'<tr data-article="', by_f1)) == 3
    assert '<option value="span_f1_exact" selected>' in by_f1
    assert '<option value="link_alpha" selected>' in page(personas.curator, personas, "?metric=nonsense")

    # One chart point per computation.
    assert polyline_points(html, "link_alpha") == 1
    reviews.settle_link(differs)
    assert agreement_compute(project=reviews.project) is not None
    assert agreement_compute(project=reviews.project, force=True) is not None
    html = page(personas.manager, personas)
    for metric in ("link_alpha", "span_f1_overlap"):
        stored = AgreementSnapshot.objects.filter(scope=AgreementScope.PROJECT, metric=metric, value__isnull=False)
        assert polyline_points(html, metric) == stored.count() == 3


def test_recompute_now_queues_and_says_so(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr("annotations.services.agreement.current_app.send_task", lambda *a, **kw: sent.append((a, kw)))
    client = logged_in(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/projects/{personas.project.pk}/agreement/recompute/", follow=True)
    assert response.redirect_chain == [(f"/projects/{personas.project.pk}/agreement/", 302)]
    assert "Recompute queued" in response.content.decode()
    assert sent == [
        (
            ("annotations.compute_agreement",),
            {"args": [personas.project.pk], "kwargs": {"force": True}, "ignore_result": True},
        )
    ]
    assert logged_in(personas.curator).get(f"/projects/{personas.project.pk}/agreement/recompute/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_recompute_now_says_when_the_queue_is_unreachable(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr("annotations.services.agreement.current_app.send_task", refuse)
    response = logged_in(personas.curator).post(f"/projects/{personas.project.pk}/agreement/recompute/", follow=True)
    assert "Not queued: the background worker" in response.content.decode()


def test_the_nav_and_project_home_link_the_dashboard_for_curators_and_managers(personas: Personas) -> None:
    link = f'href="/projects/{personas.project.pk}/agreement/"'
    for who, shown in (("annotator", False), ("curator", True), ("manager", True)):
        home = logged_in(getattr(personas, who)).get(f"/projects/{personas.project.pk}/").content.decode()
        assert home.count(link) == (2 if shown else 0), who


def test_the_dashboard_queries_do_not_grow_with_the_data(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    """N and 2N articles, reviewers (so reviewer pairs) and computations: the same number of queries."""
    curator = logged_in(personas.curator)
    url = f"/projects/{personas.project.pk}/agreement/?metric=span_f1_exact"
    curator.get(url)  # warm up
    counts = []
    for n in (4, 8):
        while Assignment.objects.filter(article__project=personas.project).count() < 2 * n:
            reviewer = MembershipFactory.create(project=personas.project).user
            article = ArticleFactory.create(project=personas.project)
            for who in (personas.annotator, reviewer):
                assert queue_next(project=personas.project, reviewer=who) is not None
                assignment_submit(article=article, reviewer=who)
            agreement_compute(project=personas.project)
        with django_assert_max_num_queries(20) as captured:
            html = curator.get(url).content.decode()
        counts.append(len(captured))
        assert len(re.findall(r'<tr data-article="', html)) == n
        assert len(re.findall(r'<tr data-reviewer="', html)) == n + 1
        assert polyline_points(html, "span_f1_overlap") == n
    assert counts[0] == counts[1], counts
