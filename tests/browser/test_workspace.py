"""The reviewer's day in a real Chromium: log in, open the next article, highlight spans, take suggestions
from the real Celery worker with the keyboard, write a new claim, overlap spans, reload, submit."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from annotations.domain import AssignmentStatus, LinkSource
from annotations.models import Article, Assignment, CanonicalClaim, Span
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.review import assignment_create
from annotations.services.spans import span_create, span_delete
from tests.browser.conftest import drag_select, log_in, screenshot, second_page, utf16
from tests.conftest import Personas
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

# Our own text (not a seed's): a report with emoji and a flag before later sentences, so offsets after them
# differ between the DOM's UTF-16 and the stored code points.
TEXT = (
    "GENEVA - Negotiators said the second day of the Geneva talks on 18 February ended after roughly two hours.\n\n"
    "Officials in Kyiv insisted no ceasefire had been agreed, and the Kremlin said it was too early to judge.\n\n"
    "Reactions online 👋🇺🇦 were mixed: 𝕏 users shared claims that Zelensky spoke with US envoys before the talks.\n\n"  # noqa: RUF001
    "A spokesperson said the talks would resume next week in Abu Dhabi."
)


@pytest.fixture
def article(personas: Personas) -> Article:
    article = ArticleFactory.create(project=personas.project, text=TEXT, title="Geneva talks end", language="en")
    for reviewer in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=reviewer, actor=personas.manager)
    return article


def span_at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def open_workspace(page: Page, live_server: LiveServer, user: User, article: Article) -> None:
    """Log in through the form, straight to the article's workspace, and wait until it is ready."""
    log_in(page, live_server, user, then=f"/articles/{article.pk}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")


def select_span_item(page: Page, start: int, end: int) -> None:
    item = page.locator(f'#span-list li[data-start="{start}"][data-end="{end}"]')
    expect(item).to_have_count(1)
    item.get_by_role("button").click()


def test_a_reviewer_annotates_an_article_end_to_end(
    page: Page, live_server: LiveServer, personas: Personas, claims: list[CanonicalClaim], article: Article
) -> None:
    # Log in, and open the next assigned article from the project's home.
    log_in(page, live_server, personas.annotator)
    page.get_by_role("link", name=personas.project.name).click()
    expect(page.locator('[data-count="open"]')).to_have_text("1")
    page.locator("#next-article").click()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    assert page.locator("#article-text").evaluate("e => e.childNodes.length") == 1  # one text node
    assert page.locator("#article-text").evaluate("e => e.textContent") == TEXT

    # Drag-select a span; the real worker's suggestions arrive; accept the first with the keyboard.
    start, end = span_at("the Geneva talks on 18 February")
    drag_select(page, TEXT, start, end)
    expect(page.locator(f'#span-list li[data-start="{start}"][data-end="{end}"]')).to_have_count(1)
    expect(page.locator("#sugg-list li").first).to_be_visible(timeout=60_000)
    expect(page.locator("#sugg-status")).to_have_attribute("data-status", "done")
    top_claim = page.locator('#sugg-list li[data-rank="1"]').get_attribute("data-claim")
    assert top_claim is not None
    page.keyboard.press("1")
    expect(page.locator("#detail-link")).to_have_attribute("data-linked", top_claim)
    expect(page.locator('#sugg-list li[data-rank="1"]')).to_have_class("linked")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "workspace")
    first = Span.objects.select_related("link").get(article=article, start=start, end=end)
    assert first.quote == TEXT[start:end]
    assert (first.link.claim_id, first.link.source, first.link.suggestion_rank) == (
        int(top_claim),
        LinkSource.SUGGESTION,
        1,
    )

    # Another span, after the emoji and the flag: a new claim written from it, in edited wording.
    start2, end2 = span_at("Zelensky spoke with US envoys before the talks")
    drag_select(page, TEXT, start2, end2)
    expect(page.locator(f'#span-list li[data-start="{start2}"][data-end="{end2}"]')).to_have_count(1)
    page.keyboard.press("n")
    wording = page.locator("#new-claim-text")
    expect(wording).to_have_value(TEXT[start2:end2])
    wording.fill("Zelensky spoke with US envoys before the Geneva talks in February 2026.")
    page.get_by_role("button", name="Create and link").click()
    expect(page.locator("#detail-link")).to_contain_text("before the Geneva talks in February 2026")
    second = Span.objects.select_related("link__claim").get(article=article, start=start2)
    assert second.end == end2
    assert second.quote == TEXT[start2:end2]
    assert second.link.source == LinkSource.CREATED
    assert second.link.claim is not None
    assert second.link.claim.text == "Zelensky spoke with US envoys before the Geneva talks in February 2026."

    # Two more spans overlapping each other (and nested), each with its own highlight lane.
    start3, end3 = span_at("no ceasefire had been agreed, and the Kremlin")
    start4, end4 = span_at("the Kremlin said it was too early")
    drag_select(page, TEXT, start3, end3)
    expect(page.locator(f'#span-list li[data-start="{start3}"]')).to_have_count(1)
    drag_select(page, TEXT, start4, end4)
    expect(page.locator(f'#span-list li[data-start="{start4}"][data-end="{end4}"]')).to_have_count(1)
    page.keyboard.press("x")  # the selected (last) span: no matching claim
    expect(page.locator("#detail-link")).to_have_attribute("data-linked", "no_match")
    lanes = page.evaluate("[0, 1, 2].map(i => CSS.highlights.get(`fc-lane-${i}`)?.size ?? 0)")
    assert lanes[0] >= 1, lanes
    assert lanes[1] >= 1, lanes  # the overlapping span drew in a lane of its own

    # j/k walk the spans in text order.
    page.keyboard.press("k")
    expect(page.locator("#span-list li.selected")).to_have_attribute("data-start", str(start3))
    page.keyboard.press("j")
    expect(page.locator("#span-list li.selected")).to_have_attribute("data-start", str(start4))
    screenshot(page, "workspace-overlaps")

    # Reload: everything persisted, at the same code point offsets.
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    items = page.locator("#span-list li")
    expect(items).to_have_count(4)
    shown = {(int(i.get_attribute("data-start") or -1), int(i.get_attribute("data-end") or -1)) for i in items.all()}
    assert shown == {(start, end), (start2, end2), (start3, end3), (start4, end4)}
    for span in Span.objects.filter(article=article):
        assert span.quote == TEXT[span.start : span.end]
    select_span_item(page, start2, end2)
    expect(page.locator("#detail-quote")).to_have_text(TEXT[start2:end2])

    # Enter submits (after a confirmation that Enter also accepts); the work is then read-only.
    page.locator("#article-text").click(position={"x": 2, "y": 2})
    page.keyboard.press("Enter")
    expect(page.locator("#submit-dialog")).to_be_visible()
    expect(page.locator("#submit-summary")).to_contain_text("4 spans")
    page.keyboard.press("Enter")
    expect(page.locator("#submitted-banner")).to_be_visible()
    assignment = Assignment.objects.get(article=article, reviewer=personas.annotator)
    assert assignment.status == AssignmentStatus.SUBMITTED
    expect(page.locator("#submit-article")).to_be_disabled()


def test_blind_review_in_the_browser(
    page: Page, browser: Browser, live_server: LiveServer, personas: Personas, article: Article
) -> None:
    claim = claim_create(
        claim_base_id=personas.project.claim_base_id,
        fields=ClaimFields(text="No ceasefire was agreed in Geneva."),
        actor=None,
    )
    start, end = span_at("no ceasefire had been agreed")
    mine = span_create(article=article, annotator=personas.annotator, start=start, end=end, quote=TEXT[start:end])
    from annotations.services.links import LinkTarget, claim_link_create

    claim_link_create(span=mine, target=LinkTarget(claim=claim), actor=personas.annotator)

    # The first reviewer sees their span.
    open_workspace(page, live_server, personas.annotator, article)
    expect(page.locator("#span-list li")).to_have_count(1)

    # The second reviewer, in their own session, sees none of it: not in the workspace, not on the claim's
    # page, not in the project's activity.
    context, other = second_page(browser)
    try:
        log_in(other, live_server, personas.other_annotator, then=f"/articles/{article.pk}/")
        expect(other.locator("#workspace")).to_have_attribute("data-ready", "true")
        expect(other.locator("#span-count")).to_have_text("0")
        expect(other.locator("#span-list li")).to_have_count(0)
        assert other.evaluate("CSS.highlights.get('fc-lane-0')?.size ?? 0") == 0
        other.goto(f"{live_server.url}/claims/{claim.pk}/")
        expect(other.locator("#claim-text")).to_have_text(claim.text)
        expect(other.locator("#linked-spans")).to_have_count(0)
        other.goto(f"{live_server.url}/projects/{personas.project.pk}/")
        expect(other.locator(".activity")).to_have_count(0)
        expect(other.get_by_text("No activity yet.")).to_be_visible()
    finally:
        context.close()


def test_a_stale_version_offers_reload_and_retry_without_losing_the_note(
    page: Page, live_server: LiveServer, personas: Personas, article: Article
) -> None:
    start, end = span_at("the Kremlin said it was too early")
    span = span_create(article=article, annotator=personas.annotator, start=start, end=end, quote=TEXT[start:end])
    open_workspace(page, live_server, personas.annotator, article)
    select_span_item(page, start, end)
    page.locator("#span-note").fill("Quoted from the Kremlin's spokesperson.")

    # Meanwhile the same span changes elsewhere (another tab of the same reviewer).
    from annotations.services.spans import span_update

    span_update(span=span, actor=personas.annotator, version=span.version, label="claim")

    page.get_by_role("button", name="Save label and note").click()
    expect(page.locator("#span-form-error")).to_contain_text(re.compile("version", re.I))
    expect(page.locator("#conflict-retry")).to_be_visible()
    expect(page.locator("#span-note")).to_have_value("Quoted from the Kremlin's spokesperson.")

    page.locator("#conflict-retry").click()
    expect(page.locator("#ws-status")).to_have_text("Saved on top of the newer version.")
    span.refresh_from_db()
    assert span.note == "Quoted from the Kremlin's spokesperson."
    assert span.version == 3


def test_adjusting_boundaries_and_deleting_a_span(
    page: Page, live_server: LiveServer, personas: Personas, article: Article
) -> None:
    start, end = span_at("Abu Dhabi")
    span = span_create(article=article, annotator=personas.annotator, start=start, end=end, quote=TEXT[start:end])
    open_workspace(page, live_server, personas.annotator, article)
    select_span_item(page, start, end)

    page.get_by_role("button", name="Start one character earlier").click()
    expect(page.locator("#span-list li.selected")).to_have_attribute("data-start", str(start - 1))
    span.refresh_from_db()
    assert (span.start, span.quote) == (start - 1, TEXT[start - 1 : end])

    # Reselect: press b, then select the new extent in the text.
    page.keyboard.press("b")
    new_start, new_end = span_at("resume next week in Abu Dhabi")
    drag_select(page, TEXT, new_start, new_end)
    expect(page.locator("#span-list li.selected")).to_have_attribute("data-start", str(new_start))
    span.refresh_from_db()
    assert (span.start, span.end) == (new_start, new_end)
    assert Span.objects.filter(article=article).count() == 1  # adjusted, not a second span

    page.keyboard.press("Delete")
    expect(page.locator("#delete-span")).to_have_text("Press Delete again to confirm")
    page.keyboard.press("Delete")
    expect(page.locator("#span-list li")).to_have_count(0)
    assert not Span.objects.filter(pk=span.pk).exists()


def test_shortcuts_dialog_and_an_error_shown_where_it_happened(
    page: Page, live_server: LiveServer, personas: Personas, article: Article
) -> None:
    open_workspace(page, live_server, personas.annotator, article)
    # Landmarks, and a name for every control (label, aria-label or text).
    assert page.locator("header[role=banner], main, section[aria-label='Article text'], aside").count() == 4
    unnamed = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')].filter(
            (e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()
        ).map((e) => e.outerHTML)"""
    )
    assert unnamed == []
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    start, end = span_at("Abu Dhabi")
    span = span_create(article=article, annotator=personas.annotator, start=start, end=end, quote=TEXT[start:end])
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    select_span_item(page, start, end)
    # The span was deleted elsewhere: linking it answers 404, shown beside the link controls.
    span_delete(span=span, actor=personas.annotator, version=span.version)
    page.get_by_role("button", name="No matching claim").click()
    expect(page.locator("#link-error")).to_be_visible()
    expect(page.locator("#link-error")).to_contain_text("no such span")


def test_double_and_triple_clicks_make_one_span_each(
    page: Page, live_server: LiveServer, personas: Personas, article: Article
) -> None:
    open_workspace(page, live_server, personas.annotator, article)
    word_start, word_end = span_at("spokesperson")
    box = page.evaluate(
        """(i) => { const node = document.getElementById('article-text').firstChild;
            const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
            const b = r.getBoundingClientRect(); return {x: b.left + b.width / 2, y: b.top + b.height / 2}; }""",
        utf16(TEXT, word_start + 3),  # the DOM counts UTF-16 units, and emoji come before this paragraph
    )
    page.mouse.dblclick(box["x"], box["y"])
    expect(page.locator("#span-list li")).to_have_count(1)
    expect(page.locator("#span-list li")).to_have_attribute("data-start", str(word_start))
    expect(page.locator("#span-list li")).to_have_attribute("data-end", str(word_end))

    page.mouse.click(box["x"], box["y"], click_count=3)
    paragraph_start, paragraph_end = span_at("A spokesperson said the talks would resume next week in Abu Dhabi.")
    expect(page.locator(f'#span-list li[data-start="{paragraph_start}"]')).to_have_count(1)
    page.wait_for_timeout(600)  # longer than the double-click wait: no second span may follow
    expect(page.locator("#span-list li")).to_have_count(2)  # the word, then the paragraph: nothing between
    assert Span.objects.filter(article=article).count() == 2
    assert Span.objects.filter(article=article, start=paragraph_start, end=paragraph_end).exists()


def test_quick_repeated_edits_apply_in_order_without_conflicts(
    page: Page, live_server: LiveServer, personas: Personas, article: Article
) -> None:
    start, end = span_at("Abu Dhabi")
    span = span_create(article=article, annotator=personas.annotator, start=start, end=end, quote=TEXT[start:end])
    open_workspace(page, live_server, personas.annotator, article)
    select_span_item(page, start, end)
    later = page.get_by_role("button", name="Start one character later")
    for _ in range(3):  # as fast as Playwright clicks: each click before the last one's answer
        later.click(no_wait_after=True)
    expect(page.locator("#span-list li.selected")).to_have_attribute("data-start", str(start + 3))
    expect(page.locator("#boundaries-error")).to_be_hidden()
    span.refresh_from_db()
    assert (span.start, span.quote, span.version) == (start + 3, TEXT[start + 3 : end], 4)
