"""The agreement dashboard in a real Chromium, with the real worker: a curator opens it from the project nav,
reads the figures, the reviewer matrix and the weakest articles (which open their curation), sees one chart
point per computation, and presses "Recompute now": the worker stores a new run and the chart grows by one."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotations.domain import AgreementScope
from annotations.models import AgreementSnapshot
from annotations.services.agreement import agreement_compute
from tests.api.test_agreement_api import Reviews
from tests.browser.conftest import log_in, screenshot
from tests.conftest import Personas, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def stored(project_id: int, metric: str) -> int:
    """The project's computations of `metric` with a defined value: what the chart draws."""
    return AgreementSnapshot.objects.filter(
        project_id=project_id, scope=AgreementScope.PROJECT, metric=metric, value__isnull=False
    ).count()


def chart_points(page: Page, metric: str) -> int:
    points = page.locator(f'figure[data-metric="{metric}"] svg polyline.series').get_attribute("points") or ""
    return len(points.split())


def test_a_curator_reads_the_dashboard_and_recomputes(
    page: Page, live_server: LiveServer, personas: Personas, celery_worker_process: subprocess.Popen[bytes]
) -> None:
    reviews = Reviews(personas)
    _, differs, one_sided = reviews.standard()
    assert agreement_compute(project=reviews.project) is not None
    extra = reviews.article("Both agree")
    reviews.mark(extra, reviews.a, "aid would reach the city", reviews.other_claim)
    reviews.mark(extra, reviews.b, "aid would reach the city", reviews.other_claim)
    reviews.mark(extra, reviews.a, "a ceasefire", reviews.claim)
    reviews.mark(extra, reviews.b, "ceasefire", reviews.claim)
    reviews.submit(extra)
    assert agreement_compute(project=reviews.project) is not None
    reviews.settle_link(differs)
    assert agreement_compute(project=reviews.project) is not None
    project = reviews.project.pk

    home = f"/projects/{project}/"
    log_in(page, live_server, personas.curator, then=home)
    page.get_by_role("navigation", name="Project", exact=True).get_by_role("link", name="Agreement").click()
    expect(page).to_have_url(f"{live_server.url}/projects/{project}/agreement/")
    expect(page.get_by_role("heading", name="Agreement between reviewers")).to_be_visible()

    # The project figures, each with its interval and meaning.
    figures = page.locator("#figures tbody tr")
    expect(figures).to_have_count(6)
    f1 = AgreementSnapshot.objects.filter(scope=AgreementScope.PROJECT, metric="span_f1_overlap").latest("id")
    assert f1.value is not None
    row = page.locator('#figures tr[data-metric="span_f1_overlap"]')
    expect(row).to_contain_text(f"{f1.value:.3f}")
    expect(row.locator(".interval")).to_have_text(f"[{f1.ci_low:.3f}, {f1.ci_high:.3f}]")
    expect(page.locator('#figures tr[data-metric="link_alpha"]')).to_contain_text("corrected for chance")

    # The matrix: a row and a column per reviewer, the pair's figures off the diagonal.
    expect(page.locator("#matrix tbody tr")).to_have_count(2)
    cell = page.locator('#matrix tr[data-reviewer="annotator"] td[data-other="other_annotator"]')
    pair_f1 = AgreementSnapshot.objects.filter(scope=AgreementScope.REVIEWER_PAIR, metric="f1_overlap").latest("id")
    assert pair_f1.value is not None
    expect(cell.locator(".f1")).to_have_text(f"F1 {pair_f1.value:.2f}")
    expect(cell.locator(".kappa")).to_contain_text("κ")

    # One chart point per computation, for both charts.
    for metric in ("link_alpha", "span_f1_overlap"):
        assert chart_points(page, metric) == stored(project, metric) == 3
    expect(page.locator('figure[data-metric="link_alpha"] svg circle.point')).to_have_count(3)
    page.set_viewport_size({"width": 1280, "height": 1900})  # the whole dashboard in one picture
    screenshot(page, "agreement")  # the data folder's screenshots/; docs/screenshots/agreement.png is a copy
    page.set_viewport_size({"width": 1280, "height": 800})

    # The weakest articles, by span F1 exact here, open their curation.
    page.get_by_label("Ranked by").select_option("span_f1_exact")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server.url}/projects/{project}/agreement/?metric=span_f1_exact")
    lowest = page.locator("#lowest tbody tr")
    expect(lowest).to_have_count(4)
    expect(lowest.first).to_have_attribute("data-article", str(one_sided.pk))
    lowest.first.get_by_role("link", name="One-sided").click()
    expect(page).to_have_url(f"{live_server.url}/articles/{one_sided.pk}/curate/")
    page.go_back()

    # Recompute now: queued, and the worker stores a new run (forced: no review changed).
    before = stored(project, "link_alpha")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.get_by_role("status")).to_contain_text("Recompute queued")
    wait_until(lambda: stored(project, "link_alpha") == before + 1, 60, "the worker to recompute")
    page.reload()
    assert chart_points(page, "link_alpha") == before + 1
