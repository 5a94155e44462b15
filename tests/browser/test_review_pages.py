"""Review in a real Chromium: two reviewers take the same article from the queue and submit, a curator
settles their disagreement (pre-filled agreement, one reviewer's version accepted) and blind review ends,
a skip sends the reviewer home for good, a lost lease is said plainly, and a manager reassigns a stuck lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from annotations.domain import ArticleStatus, AssignmentStatus, Role
from annotations.models import Article, Assignment, CanonicalClaim, Span
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_submit, leases_expire, queue_next
from annotations.services.spans import span_create
from tests.browser.conftest import drag_select, log_in, screenshot, second_page
from tests.conftest import Personas
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = (
    "GENEVA - Officials said a ceasefire had been agreed in Geneva on Monday, and aid would reach the city by "
    "Friday.\n\nThe Kremlin said it was too early to judge, and Kyiv said no such agreement existed."
)


def span_at(needle: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def mark(article: Article, reviewer: User, needle: str, link: CanonicalClaim | str | None = None) -> Span:
    start, end = span_at(needle, article.text)
    span = span_create(article=article, annotator=reviewer, start=start, end=end, quote=needle)
    if isinstance(link, CanonicalClaim):
        claim_link_create(span=span, target=LinkTarget(claim=link), actor=reviewer)
    elif link == "no_match":
        claim_link_create(span=span, target=LinkTarget(no_match=True), actor=reviewer)
    return span


def start_next(page: Page, live_server: LiveServer, article: Article) -> None:
    page.get_by_role("button", name="Start next article").click()
    expect(page).to_have_url(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    expect(page.locator("#workspace")).to_have_attribute("data-lease", "held")  # the first heartbeat went through


def test_two_reviewers_start_next_and_land_on_the_same_article(
    page: Page, browser: Browser, live_server: LiveServer, personas: Personas
) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT, title="Geneva talks end", priority=5)
    later = ArticleFactory.create(project=personas.project, text="Another report.", title="Later")
    home = f"/projects/{personas.project.pk}/"
    context, other = second_page(browser)
    try:
        for tab, reviewer in ((page, personas.annotator), (other, personas.other_annotator)):
            log_in(tab, live_server, reviewer, then=home)
            start_next(tab, live_server, article)  # k = 2: both get the same article
        for tab in (page, other):
            drag_select(tab, TEXT, *span_at("a ceasefire had been agreed"))
            expect(tab.locator("#span-list li")).to_have_count(1)
            expect(tab.locator("#span-list li").first).to_contain_text("a ceasefire had been agreed")
            tab.get_by_role("button", name="Submit article").click()
            expect(tab.locator("#submit-summary")).to_contain_text("1 span, 1 not linked")
            tab.locator("#submit-confirm").click()
            expect(tab.locator("#submitted-banner")).to_be_visible()
            tab.goto(f"{live_server.url}{home}")
            expect(tab.locator('[data-count="submitted"]')).to_have_text("1")
    finally:
        context.close()
    article.refresh_from_db()
    assert article.review_status == ArticleStatus.READY_FOR_CURATION
    assert not Assignment.objects.filter(article=later).exists()  # nobody was handed the second one


def ready_article(personas: Personas) -> tuple[Article, dict[str, Span]]:
    """Both reviewers submitted: they agree on "in Geneva", their links differ on "a ceasefire had been
    agreed", and only annotator marked "aid would reach the city"."""
    claim = claim_create(
        claim_base_id=personas.project.claim_base_id,
        fields=ClaimFields(text="A ceasefire was agreed in Geneva.", language="en"),
        actor=None,
    )
    article = ArticleFactory.create(project=personas.project, text=TEXT, title="Geneva talks end")
    a, b = personas.annotator, personas.other_annotator
    for reviewer in (a, b):
        queue_next(project=personas.project, reviewer=reviewer)
    spans = {
        "a-geneva": mark(article, a, "in Geneva", claim),
        "b-geneva": mark(article, b, "in Geneva", claim),
        "a-ceasefire": mark(article, a, "a ceasefire had been agreed", claim),
        "b-ceasefire": mark(article, b, "a ceasefire had been agreed", "no_match"),
        "a-aid": mark(article, a, "aid would reach the city"),
    }
    for reviewer in (a, b):
        assignment_submit(article=article, reviewer=reviewer)
    return article, spans


def test_a_curator_settles_the_disagreement_and_blind_review_ends(
    page: Page, browser: Browser, live_server: LiveServer, personas: Personas
) -> None:
    article, spans = ready_article(personas)
    context, reviewer = second_page(browser)
    try:
        # Until curation completes, a reviewer sees only their own spans.
        log_in(reviewer, live_server, personas.annotator, then=f"/articles/{article.pk}/")
        expect(reviewer.locator("#workspace")).to_have_attribute("data-ready", "true")
        expect(reviewer.locator("#span-list li")).to_have_count(3)

        log_in(page, live_server, personas.curator, then=f"/projects/{personas.project.pk}/")
        page.get_by_role("link", name="Curation queue", exact=True).click()
        row = page.locator(f'#curation-queue tr[data-article="{article.pk}"]')
        expect(row).to_contain_text("67% of groups differ")  # two of three groups
        expect(row).to_contain_text("not started")
        row.get_by_role("link", name="Geneva talks end").click()
        expect(page).to_have_url(f"{live_server.url}/articles/{article.pk}/curate/")
        expect(page.locator(".group-card")).to_have_count(3)
        expect(page.locator("#gold-empty")).to_be_visible()

        page.get_by_role("button", name="Start curation").click()
        expect(page.locator(".messages")).to_contain_text("Curation started")
        gold = page.locator("#gold-list li")
        expect(gold).to_have_count(1)
        expect(gold.first).to_have_attribute("data-prefilled", "true")
        expect(gold.first).to_contain_text("pre-filled")
        expect(gold.first).to_contain_text("in Geneva")
        expect(page.locator('.group-card[data-kind="agree"] [data-settled]')).to_be_visible()

        differs = page.locator('.group-card[data-kind="link_differs"]')
        expect(differs.locator(".badge").first).to_have_text("link differs")
        expect(differs.locator('[data-reviewer="annotator"]')).to_contain_text("claim #")
        expect(differs.locator('[data-reviewer="other_annotator"]')).to_contain_text("no match")
        missing = page.locator('.group-card[data-kind="missing"]')
        expect(missing.locator('[data-reviewer="other_annotator"]')).to_contain_text("no span here")
        differs.locator('[data-reviewer="other_annotator"]').get_by_role("button", name="Accept this version").click()
        expect(page.locator(".messages")).to_contain_text(f"Span #{spans['b-ceasefire'].pk} accepted as gold")
        expect(gold).to_have_count(2)
        accepted = page.locator(f'#gold-list li[data-start="{spans["b-ceasefire"].start}"]')
        expect(accepted).to_contain_text("no match")
        expect(accepted).to_contain_text(f"other_annotator's span #{spans['b-ceasefire'].pk}")
        expect(accepted).to_contain_text(f"annotator's span #{spans['a-ceasefire'].pk}")
        page.set_viewport_size({"width": 1440, "height": 900})
        screenshot(page, "curation")  # var/test/screenshots/; docs/screenshots/curation.png is a copy

        page.get_by_role("button", name="Complete curation").click()
        expect(page.locator("#curation-state")).to_contain_text("Curated by curator")
        expect(page.get_by_role("button", name="Reopen curation")).to_be_visible()
        expect(page.get_by_role("button", name="Accept this version")).to_have_count(0)
        page.goto(f"{live_server.url}/projects/{personas.project.pk}/curation/")
        expect(page.locator("#curation-empty")).to_be_visible()

        # Blind review is over: the reviewer now sees the other reviewer's spans (and the gold).
        reviewer.reload()
        expect(reviewer.locator("#workspace")).to_have_attribute("data-ready", "true")
        expect(reviewer.locator("#span-list li")).to_have_count(7)
        reviewer.locator(f'#span-list li[data-id="{spans["b-ceasefire"].pk}"] button').click()
        expect(reviewer.locator("#detail-meta")).to_contain_text("by other_annotator")
        expect(reviewer.locator("#detail-link")).to_have_text("Linked: no matching claim.")
    finally:
        context.close()


def test_skip_sends_the_reviewer_home_and_the_article_is_not_offered_again(
    page: Page, live_server: LiveServer, personas: Personas
) -> None:
    first = ArticleFactory.create(project=personas.project, text=TEXT, title="Geneva talks end", priority=5)
    second = ArticleFactory.create(project=personas.project, text="Another report.", title="Another report")
    home = f"/projects/{personas.project.pk}/"
    log_in(page, live_server, personas.annotator, then=home)
    start_next(page, live_server, first)
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("#skip-dialog")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()  # the dialog asks first; cancelling keeps the article
    expect(page.locator("#skip-dialog")).to_be_hidden()
    page.get_by_role("button", name="Skip").click()
    page.get_by_role("button", name="Skip the article").click()
    expect(page).to_have_url(f"{live_server.url}{home}?skipped={first.pk}")
    expect(page.locator("#skipped-notice")).to_contain_text("will not be offered to you again")
    expect(page.locator('[data-count="skipped"]')).to_have_text("1")
    assert Assignment.objects.get(article=first, reviewer=personas.annotator).status == AssignmentStatus.SKIPPED

    start_next(page, live_server, second)  # not the skipped one, though it has the higher priority
    response = page.goto(f"{live_server.url}/articles/{first.pk}/")
    assert response is not None
    assert response.status == 404  # no longer theirs to open


def test_a_lost_lease_is_said_plainly_and_editing_stops(
    page: Page, live_server: LiveServer, personas: Personas
) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT, title="Geneva talks end")
    third = MembershipFactory.create(project=personas.project, role=Role.ANNOTATOR, user=UserFactory.create()).user
    page.clock.install()
    log_in(page, live_server, personas.annotator, then=f"/projects/{personas.project.pk}/")
    start_next(page, live_server, article)
    # The lease runs out while the tab sits there, and the two free slots go to other reviewers.
    assert leases_expire(now=timezone.now() + timedelta(hours=1)) == 1
    for reviewer in (personas.other_annotator, third):
        assert queue_next(project=personas.project, reviewer=reviewer) is not None
    page.locator("#article-text").click()  # the reviewer is back: the next heartbeat renews
    page.clock.fast_forward("05:01")
    expect(page.locator("#ws-error")).to_contain_text("Your lease on this article expired and it went to another")
    expect(page.locator("#workspace")).to_have_attribute("data-lease", "lost")
    expect(page.get_by_role("button", name="Submit article")).to_be_disabled()
    expect(page.get_by_role("button", name="Skip")).to_be_hidden()
    expect(page.locator("#ws-error").get_by_role("link", name="Back to the project")).to_be_visible()


def test_the_manager_sees_progress_and_reassigns_a_stuck_lease(
    page: Page, live_server: LiveServer, personas: Personas
) -> None:
    third = MembershipFactory.create(
        project=personas.project, role=Role.ANNOTATOR, user=UserFactory.create(username="annotator3")
    ).user
    ready_article(personas)
    stuck_article = ArticleFactory.create(project=personas.project, text="Held too long.", title="Held too long")
    ArticleFactory.create(project=personas.project, text="Nobody took this.", title="Untouched")
    stuck = queue_next(project=personas.project, reviewer=personas.annotator)
    assert stuck is not None
    assert stuck.article_id == stuck_article.pk
    # Held for nine hours, its lease kept alive: stuck, but not for the worker's lease sweeper to free (an
    # expired lease would be, within seconds, by the real worker these tests run).
    Assignment.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=9))

    log_in(page, live_server, personas.manager, then=f"/projects/{personas.project.pk}/")
    page.get_by_role("link", name="Review progress").click()
    expect(page).to_have_url(f"{live_server.url}/projects/{personas.project.pk}/progress/")
    expect(page.locator('[data-count="ready-for-curation"]')).to_have_text("1")
    expect(page.locator('[data-count="in-review"]')).to_have_text("1")
    expect(page.locator('[data-count="unassigned"]')).to_have_text("1")
    annotator = page.locator('#reviewer-table tr[data-reviewer="annotator"]')
    expect(annotator.locator('[data-status="submitted"]')).to_have_text("1")
    expect(annotator.locator('[data-status="in_progress"]')).to_have_text("1")
    today = page.locator(f'#per-day li[data-day="{timezone.localdate():%Y-%m-%d}"]')
    expect(today.locator(".bar-value")).to_have_text("2")
    expect(today.locator(".bar-fill")).to_have_attribute("style", "width: 100%")

    row = page.locator(f'#stuck-leases tr[data-assignment="{stuck.pk}"]')
    expect(row).to_contain_text("Held too long")
    expect(row).to_contain_text("annotator")
    row.get_by_label("Reassign to…").select_option(label="annotator3")
    row.get_by_role("button", name="Reassign").click()
    expect(page.locator(".messages")).to_contain_text(f"Article #{stuck_article.pk} is reassigned to annotator3")
    expect(page.locator("#stuck-empty")).to_be_visible()
    expect(annotator.locator('[data-status="revoked"]')).to_have_text("1")
    expect(page.locator('#reviewer-table tr[data-reviewer="annotator3"] [data-status="assigned"]')).to_have_text("1")
    assert Assignment.objects.get(article=stuck_article, reviewer=third).status == AssignmentStatus.ASSIGNED
