"""Browser test of the releases page (Chromium): a manager opens it from the project nav, asks for a release
with the form, sees it building, then (built from the test thread, as the worker would) published without
reloading (the page polls), and downloads a file whose sha256 is the manifest's."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotations.domain import Role
from annotations.models import DatasetRelease, Membership
from annotations.services.curation import GoldFields, curation_complete, curation_start, gold_span_create
from annotations.services.releases import release_build
from tests.browser.conftest import log_in, screenshot
from tests.factories import UserFactory
from tests.services.test_curation import Team

pytestmark = pytest.mark.django_db(transaction=True)


def curated_team() -> tuple[Team, User]:
    """As tests/services/test_releases.py's `curated`, on the session's data folder (the live server and any
    worker see the same one), with a manager who can log in."""
    team = Team()
    article = team.article()
    team.span(article, team.a, "a ceasefire", team.claim)
    team.span(article, team.b, "a ceasefire", team.claim)
    b_span = team.span(article, team.b, "aid would reach the city", team.other_claim)
    team.submit_all(article)
    curation_start(article=article, curator=team.curator)
    gold_span_create(article=article, curator=team.curator, fields=GoldFields(from_span=b_span.pk))
    curation_complete(article=article, curator=team.curator)
    manager = UserFactory.create(username="release-manager")
    Membership.objects.create(project=team.project, user=manager, role=Role.MANAGER)
    return team, manager


def test_a_manager_creates_a_release_and_downloads_a_file(page: Page, live_server: LiveServer) -> None:
    team, manager = curated_team()
    project = team.project.pk
    log_in(page, live_server, manager, then=f"/projects/{project}/")
    page.get_by_role("navigation", name="Project", exact=True).get_by_role("link", name="Releases").click()
    expect(page).to_have_url(f"{live_server.url}/projects/{project}/releases/")
    expect(page.locator("#no-releases")).to_be_visible()

    # A bad filter first: the problem shows beside its field, nothing is created.
    page.get_by_label("Published from").fill("2026-03-01")
    page.get_by_label("Published to").fill("2026-02-01")
    page.get_by_role("button", name="Create release").click()
    expect(page.locator('[data-error="published_from"]')).to_contain_text("after")
    assert not DatasetRelease.objects.exists()

    page.get_by_label("Published from").fill("")
    page.get_by_label("Published to").fill("")
    page.get_by_label("Scope", exact=True).select_option("curated")
    page.get_by_role("button", name="Create release").click()
    release = page.locator("#release-1")
    expect(release).to_have_attribute("data-status", "building")
    expect(release.locator("progress")).to_be_visible()

    built = release_build(release_id=DatasetRelease.objects.get(project_id=project).pk)  # as the worker would
    assert built is not None
    expect(release).to_have_attribute("data-status", "published", timeout=10_000)  # the 2-second poll
    expect(release.locator('[data-count="spans"]')).to_have_text("2")
    screenshot(page, "releases")

    link = release.locator('a[data-file="spans.jsonl"]')
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "spans.jsonl"
    data = Path(download.path()).read_bytes()
    built.refresh_from_db()
    assert hashlib.sha256(data).hexdigest() == built.files["spans.jsonl"]
