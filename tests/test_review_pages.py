"""The review pages without a browser: who may open them (outsiders 404, lower roles 403), "start next
article", the curation queue and view with each action and its errors, the progress page with
reassignment, and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from annotations.domain import AdjudicationStatus, ArticleStatus, AssignmentStatus, LinkSource, Role
from annotations.models import Adjudication, Article, Assignment, CanonicalClaim, Span
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_submit, queue_next
from annotations.services.spans import span_create
from tests.conftest import Personas
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Officials said a ceasefire had been agreed in Geneva on Monday, and aid would reach the city."


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_claim(personas: Personas, text: str) -> CanonicalClaim:
    return claim_create(claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text=text), actor=None)


def mark(article: Article, reviewer: User, needle: str, link: CanonicalClaim | str | None = None) -> Span:
    start = article.text.index(needle)
    span = span_create(article=article, annotator=reviewer, start=start, end=start + len(needle), quote=needle)
    if isinstance(link, CanonicalClaim):
        claim_link_create(span=span, target=LinkTarget(claim=link), actor=reviewer)
    elif link == "no_match":
        claim_link_create(span=span, target=LinkTarget(no_match=True), actor=reviewer)
    return span


def ready_article(personas: Personas, claim: CanonicalClaim, title: str = "Geneva talks") -> Article:
    """Both reviewers took the article and submitted: they agree on "in Geneva", their links differ on "a
    ceasefire", and only one marked "aid would reach the city"."""
    article = ArticleFactory.create(project=personas.project, text=f"{TEXT} {title}.", title=title)
    for reviewer in (personas.annotator, personas.other_annotator):
        assert queue_next(project=personas.project, reviewer=reviewer) is not None
    a, b = personas.annotator, personas.other_annotator
    mark(article, a, "in Geneva", claim)
    mark(article, b, "in Geneva", claim)
    mark(article, a, "a ceasefire", claim)
    mark(article, b, "a ceasefire", "no_match")
    mark(article, a, "aid would reach the city")
    for reviewer in (a, b):
        assignment_submit(article=article, reviewer=reviewer)
    article.refresh_from_db()
    assert article.review_status == ArticleStatus.READY_FOR_CURATION
    return article


@pytest.mark.parametrize(
    ("url", "who", "status"),
    [
        ("/projects/{project}/curation/", "outsider", 404),
        ("/projects/{project}/curation/", "annotator", 403),
        ("/projects/{project}/curation/", "curator", 200),
        ("/projects/{project}/curation/", "manager", 200),
        ("/projects/{project}/progress/", "outsider", 404),
        ("/projects/{project}/progress/", "annotator", 403),
        ("/projects/{project}/progress/", "curator", 403),
        ("/projects/{project}/progress/", "manager", 200),
        ("/articles/{article}/curate/", "outsider", 404),
        ("/articles/{article}/curate/", "annotator", 403),
        ("/articles/{article}/curate/", "curator", 200),
        ("/articles/{article}/curate/", "manager", 200),
        ("/articles/999999/curate/", "curator", 404),
        ("/projects/{project}/curation/", "anonymous", 302),
    ],
)
def test_who_may_open_which_review_page(personas: Personas, url: str, who: str, status: int) -> None:
    article = ready_article(personas, make_claim(personas, "A ceasefire was agreed."))
    client = Client() if who == "anonymous" else logged_in(getattr(personas, who))
    response = client.get(url.format(project=personas.project.pk, article=article.pk))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("url", "who", "status"),
    [
        ("/projects/{project}/queue/next/", "outsider", 404),
        ("/projects/{project}/progress/", "annotator", 403),
        ("/projects/{project}/progress/", "curator", 403),
        ("/articles/{article}/curate/", "annotator", 403),
        ("/articles/{article}/curate/", "outsider", 404),
    ],
)
def test_who_may_post_to_which_review_page(personas: Personas, url: str, who: str, status: int) -> None:
    article = ready_article(personas, make_claim(personas, "A ceasefire was agreed."))
    response = logged_in(getattr(personas, who)).post(
        url.format(project=personas.project.pk, article=article.pk), {"action": "start"}
    )
    assert response.status_code == status
    assert not Adjudication.objects.exists()


def test_start_next_article_opens_the_workspace_then_says_when_nothing_is_left(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text=TEXT, title="The only one")
    client = logged_in(personas.annotator)
    home = client.get(f"/projects/{personas.project.pk}/").content.decode()
    assert 'id="start-next"' in home
    assert f'action="/projects/{personas.project.pk}/queue/next/"' in home

    taken = client.post(f"/projects/{personas.project.pk}/queue/next/")
    assert taken.status_code == 302
    assert taken["Location"] == f"/articles/{article.pk}/"
    again = client.post(f"/projects/{personas.project.pk}/queue/next/")  # open work comes first
    assert again["Location"] == f"/articles/{article.pk}/"

    assignment_submit(article=article, reviewer=personas.annotator)
    empty = client.post(f"/projects/{personas.project.pk}/queue/next/", follow=True)
    assert empty.redirect_chain == [(f"/projects/{personas.project.pk}/", 302)]
    assert "Nothing is left for you to review" in empty.content.decode()


def test_a_curator_has_no_queue_and_is_told_why(personas: Personas) -> None:
    ArticleFactory.create(project=personas.project, text=TEXT)
    home = logged_in(personas.curator).get(f"/projects/{personas.project.pk}/").content.decode()
    assert 'id="start-next"' not in home
    assert f'href="/projects/{personas.project.pk}/curation/"' in home
    assert f'href="/projects/{personas.project.pk}/progress/"' not in home  # managers only
    response = logged_in(personas.curator).post(f"/projects/{personas.project.pk}/queue/next/", follow=True)
    assert "curator is not an annotator of this project" in response.content.decode()


def test_the_project_home_links_the_pages_each_role_may_use(personas: Personas) -> None:
    url = f"/projects/{personas.project.pk}/"
    annotator = logged_in(personas.annotator).get(url).content.decode()
    manager = logged_in(personas.manager).get(url).content.decode()
    assert "/curation/" not in annotator
    assert "/progress/" not in annotator
    assert f'href="/projects/{personas.project.pk}/curation/"' in manager
    assert f'href="/projects/{personas.project.pk}/progress/"' in manager
    skipped = logged_in(personas.annotator).get(url + "?skipped=1").content.decode()
    assert 'id="skipped-notice"' in skipped


def test_the_curation_queue_lists_ready_articles_most_disagreement_first(personas: Personas) -> None:
    claim = make_claim(personas, "A ceasefire was agreed.")
    calm = ArticleFactory.create(project=personas.project, text=TEXT, title="Calm")
    for reviewer in (personas.annotator, personas.other_annotator):
        queue_next(project=personas.project, reviewer=reviewer)
        mark(calm, reviewer, "in Geneva", claim)
        assignment_submit(article=calm, reviewer=reviewer)
    disputed = ready_article(personas, claim, title="Disputed")
    ArticleFactory.create(project=personas.project, text="Not reviewed.", title="Not reviewed yet")

    page = logged_in(personas.curator).get(f"/projects/{personas.project.pk}/curation/").content.decode()
    assert "2 articles ready for curation" in page
    assert "Not reviewed yet" not in page
    assert page.index("Disputed") < page.index("Calm")
    assert "67% of groups differ" in page  # two of the three groups
    assert "0% of groups differ" in page
    assert f'href="/articles/{disputed.pk}/curate/"' in page


def test_the_curation_view_shows_groups_side_by_side(personas: Personas) -> None:
    article = ready_article(personas, make_claim(personas, "A ceasefire was agreed."))
    page = logged_in(personas.curator).get(f"/articles/{article.pk}/curate/").content.decode()
    for kind, label in (("agree", "agree"), ("link_differs", "link differs"), ("missing", "missing")):
        assert f'data-kind="{kind}"' in page
        assert f'<span class="badge kind-{kind}">{label}</span>' in page
    assert 'data-reviewer="annotator"' in page
    assert 'data-reviewer="other_annotator"' in page
    assert "no span here" in page  # other_annotator in the "missing" group
    assert "no match" in page
    assert "claim #" in page
    assert "A ceasefire was agreed." in page
    assert '<mark class="group kind-agree"' in page
    assert "Start curation" in page
    assert "Accept this version" not in page  # not before the curation starts
    assert "Reopen annotator's work" in page


def post(client: Client, article: Article, **data: object) -> str:
    response = client.post(f"/articles/{article.pk}/curate/", data, follow=True)
    assert response.status_code == 200, response.content.decode()
    return response.content.decode()


def test_a_curator_starts_accepts_writes_deletes_completes_and_reopens(personas: Personas) -> None:
    claim = make_claim(personas, "A ceasefire was agreed.")
    article = ready_article(personas, claim)
    curator = logged_in(personas.curator)

    page = post(curator, article, action="start")
    assert "Curation started" in page
    prefilled = Span.objects.get(article=article, is_gold=True)
    assert prefilled.quote == "in Geneva"
    assert f'data-gold="{prefilled.pk}"' in page
    assert 'data-prefilled="true"' in page
    assert "from annotator&#x27;s span" in page
    assert "Accept this version" in page

    b_span = Span.objects.get(article=article, annotator=personas.other_annotator, quote="a ceasefire")
    a_span = Span.objects.get(article=article, annotator=personas.annotator, quote="a ceasefire")
    page = post(curator, article, action="accept", span=b_span.pk, settles=[a_span.pk, b_span.pk])
    gold = Span.objects.get(article=article, is_gold=True, quote="a ceasefire")
    assert gold.link.source == LinkSource.NO_MATCH
    assert {s.pk for s in gold.derived_from.all()} == {a_span.pk, b_span.pk}
    assert f"other_annotator&#x27;s span #{b_span.pk}" in page
    assert '<span id="gold-count">2</span>' in page

    start = TEXT.index("Monday")
    fields = {"new-start": start, "new-end": start + 6, "new-claim": claim.pk}
    page = post(curator, article, action="write", form="new", **fields)
    written = Span.objects.get(article=article, is_gold=True, quote="Monday")
    assert written.link.claim_id == claim.pk
    assert "claim search" in page

    page = post(curator, article, action="delete", gold=written.pk)
    assert not Span.objects.filter(pk=written.pk).exists()

    page = post(curator, article, action="complete")
    assert "Curation complete" in page
    assert "Reopen curation" in page
    assert "Accept this version" not in page
    article.refresh_from_db()
    assert article.review_status == ArticleStatus.CURATED

    page = post(curator, article, action="reopen")
    assert Adjudication.objects.get(article=article).status == AdjudicationStatus.REOPENED
    assert "Complete curation" in page


def test_curation_errors_are_shown_beside_their_cause(personas: Personas) -> None:
    claim = make_claim(personas, "A ceasefire was agreed.")
    article = ready_article(personas, claim)
    curator = logged_in(personas.curator)

    early = curator.post(f"/articles/{article.pk}/curate/", {"action": "complete"})
    assert early.status_code == 400
    assert 'id="curation-error"' in early.content.decode()
    assert "start (or reopen) the curation" in early.content.decode()

    post(curator, article, action="start")
    bad_label = curator.post(
        f"/articles/{article.pk}/curate/",
        {"action": "write", "form": "g3", "g3-start": 0, "g3-end": 9, "g3-label": "nonsense"},
    )
    assert bad_label.status_code == 400
    page = bad_label.content.decode()
    assert "Select a valid choice" in page
    assert "<details open><summary>Write a gold span for this group" in page

    both = curator.post(
        f"/articles/{article.pk}/curate/",
        {"action": "write", "form": "new", "new-start": 0, "new-end": 9, "new-claim": claim.pk, "new-no_match": "on"},
    )
    assert both.status_code == 400
    assert "give claim or no_match, not both" in both.content.decode()

    unsubmitted = ArticleFactory.create(project=personas.project, text="Elsewhere in Geneva.")
    queue_next(project=personas.project, reviewer=personas.annotator)
    other_span = mark(unsubmitted, personas.annotator, "Geneva")
    wrong = curator.post(f"/articles/{article.pk}/curate/", {"action": "accept", "span": other_span.pk})
    assert wrong.status_code == 400
    assert f"span #{other_span.pk} is not a submitted reviewer span" in wrong.content.decode()
    assert Span.objects.filter(article=article, is_gold=True).count() == 1


def test_reopening_a_reviewers_work_puts_it_back_in_their_queue(personas: Personas) -> None:
    article = ready_article(personas, make_claim(personas, "A ceasefire was agreed."))
    assignment = Assignment.objects.get(article=article, reviewer=personas.other_annotator)
    page = post(logged_in(personas.curator), article, action="reopen_assignment", assignment=assignment.pk)
    assert "other_annotator&#x27;s work is reopened" in page
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    again = logged_in(personas.curator).post(
        f"/articles/{article.pk}/curate/", {"action": "reopen_assignment", "assignment": assignment.pk}
    )
    assert again.status_code == 400
    assert "only submitted work can be reopened" in again.content.decode()


def test_the_progress_page_counts_and_reassigns_a_stuck_lease(personas: Personas) -> None:
    third = MembershipFactory.create(project=personas.project, role=Role.ANNOTATOR, user=UserFactory.create()).user
    ready_article(personas, make_claim(personas, "A ceasefire was agreed."))
    stuck_article = ArticleFactory.create(project=personas.project, text=TEXT, title="Held too long")
    stuck = queue_next(project=personas.project, reviewer=personas.annotator)
    assert stuck is not None
    assert stuck.article_id == stuck_article.pk
    Assignment.objects.filter(pk=stuck.pk).update(lease_expires_at=timezone.now() - timedelta(minutes=5))
    manager = logged_in(personas.manager)
    url = f"/projects/{personas.project.pk}/progress/"

    page = manager.get(url).content.decode()
    assert '<strong data-count="ready-for-curation">1</strong>' in page
    assert '<strong data-count="in-review">1</strong>' in page
    assert f'data-day="{timezone.localdate():%Y-%m-%d}" data-submitted="2"' in page
    assert f'<tr data-assignment="{stuck.pk}">' in page
    assert 'data-reviewer="annotator"' in page

    refused = manager.post(url, {"assignment": stuck.pk, "reviewer": personas.curator.pk})
    assert refused.status_code == 400
    assert "choose an annotator of this project" in refused.content.decode()

    done = manager.post(url, {"assignment": stuck.pk, "reviewer": third.pk}, follow=True)
    assert f"reassigned to {third.username}" in done.content.decode()
    assert f'<tr data-assignment="{stuck.pk}">' not in done.content.decode()
    assert Assignment.objects.get(pk=stuck.pk).status == AssignmentStatus.REVOKED
    assert Assignment.objects.get(article=stuck_article, reviewer=third).status == AssignmentStatus.ASSIGNED


def many_groups(personas: Personas, claim: CanonicalClaim, n: int) -> Article:
    """A ready article with n groups: the even ones agree (pre-filled gold once started), the odd ones differ."""
    article = ArticleFactory.create(project=personas.project, text="x " * 400 + str(n), title=f"{n} groups")
    for reviewer in (personas.annotator, personas.other_annotator):
        queue_next(project=personas.project, reviewer=reviewer)
    for i in range(n):
        for reviewer in (personas.annotator, personas.other_annotator):
            span = span_create(article=article, annotator=reviewer, start=4 * i, end=4 * i + 1, quote="x")
            no_match = i % 2 == 1 and reviewer == personas.other_annotator
            target = LinkTarget(no_match=True) if no_match else LinkTarget(claim=claim)
            claim_link_create(span=span, target=target, actor=reviewer)
    for reviewer in (personas.annotator, personas.other_annotator):
        assignment_submit(article=article, reviewer=reviewer)
    return article


def test_review_page_queries_do_not_grow_with_the_data(
    personas: Personas, django_assert_max_num_queries: object
) -> None:
    claim = make_claim(personas, "A ceasefire was agreed.")
    manager = logged_in(personas.manager)
    counts = []
    for n in (4, 8):
        article = many_groups(personas, claim, n)
        for i in range(4):
            ready_article(personas, claim, title=f"Ready {n}-{i}")
        post(manager, article, action="start")
        assert Span.objects.filter(article=article, is_gold=True).count() == n // 2
        urls = [
            f"/projects/{personas.project.pk}/curation/",
            f"/articles/{article.pk}/curate/",
            f"/projects/{personas.project.pk}/progress/",
        ]
        for url in urls:
            with django_assert_max_num_queries(25) as captured:  # type: ignore[operator]
                assert manager.get(url).status_code == 200
            counts.append(len(captured))
    assert counts[:3] == counts[3:], counts
