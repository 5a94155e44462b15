"""The claims browser (search as you type, linked spans, merge) and the import page, in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotations.domain import ClaimStatus
from annotations.models import Article, CanonicalClaim
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_create
from annotations.services.spans import span_create
from tests.browser.conftest import log_in, screenshot
from tests.conftest import Personas
from tests.factories import ArticleFactory

TEXT = "The envoys met in Geneva on Tuesday. No ceasefire was agreed, officials said."


def make_claim(personas: Personas, text: str, verdict: str = "False") -> CanonicalClaim:
    return claim_create(
        claim_base_id=personas.project.claim_base_id,
        fields=ClaimFields(text=text, verdict=verdict, language="en"),
        actor=personas.manager,
    )


@pytest.mark.django_db(transaction=True)
def test_claims_browser_searches_as_you_type_shows_linked_spans_and_merges(
    page: Page, live_server: LiveServer, personas: Personas
) -> None:
    ceasefire = make_claim(personas, "A ceasefire was agreed at the Geneva talks.")
    duplicate = make_claim(personas, "Negotiators agreed a ceasefire in Geneva.")
    make_claim(personas, "The talks moved to Abu Dhabi.", verdict="True")
    article = ArticleFactory.create(project=personas.project, text=TEXT, title="Geneva talks")
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    start = TEXT.index("No ceasefire was agreed")
    span = span_create(
        article=article, annotator=personas.annotator, start=start, end=start + 23, quote=TEXT[start : start + 23]
    )
    claim_link_create(span=span, target=LinkTarget(claim=duplicate), actor=personas.annotator)

    log_in(page, live_server, personas.curator, then=f"/projects/{personas.project.pk}/claims/")
    expect(page.locator("#claim-count")).to_contain_text("3 claims")
    page.get_by_label("Search", exact=True).press_sequentially("ceasefire", delay=30)
    expect(page.locator("#claim-count")).to_contain_text("2 claims match")  # htmx swapped the results
    rows = page.locator("table.claims tbody tr")
    expect(rows).to_have_count(2)
    assert page.url.endswith("/claims/")  # no page load: only the results were replaced
    page.get_by_label("Verdict").fill("True")
    page.get_by_label("Verdict").press("Tab")
    expect(page.locator("#claim-count")).to_contain_text("0 claims")
    page.get_by_label("Verdict").fill("")
    page.get_by_label("Verdict").press("Tab")
    expect(rows).to_have_count(2)
    screenshot(page, "claims-browser")

    # The duplicate's page lists the span linked to it; a curator merges it into the other claim.
    page.locator(f'tr[data-claim="{duplicate.pk}"] a').first.click()
    expect(page.locator("#linked-spans tbody tr")).to_have_count(1)
    expect(page.locator("#linked-spans")).to_contain_text("No ceasefire was agreed")
    page.get_by_label("Merge into claim #").fill("999999")
    page.get_by_role("button", name="Merge").click()
    expect(page.locator("#into-error")).to_contain_text("no claim #999999")
    page.get_by_label("Merge into claim #").fill(str(ceasefire.pk))
    page.get_by_role("button", name="Merge").click()
    expect(page).to_have_url(f"{live_server.url}/claims/{ceasefire.pk}/")
    expect(page.locator("#linked-spans tbody tr")).to_have_count(1)  # the merged claim's link counts here
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (ClaimStatus.MERGED, ceasefire.pk)


@pytest.mark.django_db(transaction=True)
def test_an_annotator_cannot_merge(page: Page, live_server: LiveServer, personas: Personas) -> None:
    claim = make_claim(personas, "A ceasefire was agreed at the Geneva talks.")
    log_in(page, live_server, personas.annotator, then=f"/claims/{claim.pk}/")
    expect(page.locator("#claim-text")).to_have_text(claim.text)
    expect(page.get_by_role("button", name="Merge")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker_process")
def test_import_page_reports_bad_lines_and_follows_embedding(
    page: Page, live_server: LiveServer, personas: Personas, tmp_path: Path
) -> None:
    feed = tmp_path / "claims.jsonl"
    feed.write_text(
        '{"text": "The envoys agreed on nothing.", "verdict": "True"}\n'
        '{"verdict": "False"}\n'
        '{"text": "Talks resume in Abu Dhabi next week.", "verdict": "Unproven"}\n',
        encoding="utf-8",
    )
    log_in(page, live_server, personas.manager, then=f"/projects/{personas.project.pk}/")
    page.get_by_role("link", name="Import articles and claims").click()
    page.get_by_label("Claims (CSV, JSONL, ClaimReview)").check()
    page.get_by_label("Files").set_input_files(str(feed))
    page.get_by_role("button", name="Import").click()
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="failed"]')).to_have_text("1")
    problem = page.locator("#import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("claims.jsonl")
    expect(problem.locator("td").nth(1)).to_have_text("2")
    expect(problem).to_contain_text("text")
    # The worker embeds the two new claims; the progress fragment polls until it says so.
    expect(page.locator("#embed-progress")).to_have_attribute("data-done", "true", timeout=60_000)
    expect(page.locator("#embed-progress")).to_contain_text("2 of 2")
    assert CanonicalClaim.objects.filter(claim_base_id=personas.project.claim_base_id).count() == 2


@pytest.mark.django_db(transaction=True)
def test_import_page_is_for_managers_and_names_a_missing_file(
    page: Page, live_server: LiveServer, personas: Personas
) -> None:
    log_in(page, live_server, personas.manager, then=f"/projects/{personas.project.pk}/import/")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#files-error")).to_contain_text("Choose at least one file.")
    assert Article.objects.count() == 0

    response = page.request.get(f"{live_server.url}/projects/{personas.project.pk}/import/")
    assert response.status == 200
    log_in(page, live_server, personas.annotator, then="/")
    denied = page.request.get(f"{live_server.url}/projects/{personas.project.pk}/import/")
    assert denied.status == 403
    log_in(page, live_server, personas.outsider, then="/")
    outsider = page.request.get(f"{live_server.url}/projects/{personas.project.pk}/import/")
    assert outsider.status == 404  # not 403: an outsider learns nothing about the project
