"""Review queues and curation through the REST API (issue #6), with k = 2 reviewers per article: pulling
work, leases, skipping, submitting, the curation queue and view, gold spans, blind review around
completion, reopening, reassigning, progress, and the 4xx answers to bad input.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.api import review_serializers
from annotations.domain import ArticleStatus, AssignmentStatus, Role, RunStatus
from annotations.models import Article, Assignment, CanonicalClaim, Span, Suggestion, SuggestionRun
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.curation import curation_start
from annotations.services.review import assignment_create, assignment_submit, leases_expire
from tests.api.conftest import ARTICLE_TEXT, span_body
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory, ClaimBaseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def fails(response: Any, status: int, field: str | None) -> dict[str, Any]:
    """The single error of a 4xx answer, which must name `field`."""
    assert response.status_code == status, response.content
    (error,) = response.json()["errors"]
    assert error["field"] == field, error
    assert isinstance(error, dict)
    return error


def post(client: APIClient, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, body or {}, format="json")


def new_article(personas: Personas, tag: str) -> Article:
    return ArticleFactory.create(project=personas.project, text=f"{ARTICLE_TEXT} ({tag})", title=f"Talks {tag}")


def new_claim(personas: Personas, text: str) -> CanonicalClaim:
    return claim_create(claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text=text), actor=None)


def third_annotator(personas: Personas) -> User:
    return MembershipFactory.create(
        project=personas.project, role=Role.ANNOTATOR, user=UserFactory.create(username="third")
    ).user


def highlight(client: APIClient, article: Article, needle: str) -> dict[str, Any]:
    return ok(post(client, f"/articles/{article.pk}/spans", span_body(article.text, needle)), 201)


def accept_suggestion(client: APIClient, span_id: int, claim: CanonicalClaim, rank: int, score: float) -> None:
    """Link the span by accepting a (stored) suggestion of the claim at `rank`."""
    run = SuggestionRun.objects.create(
        span_id=span_id, model_name="minilm", model_version="1", index_state="i1", status=RunStatus.DONE
    )
    suggestion = Suggestion.objects.create(run=run, claim=claim, rank=rank, fused_score=score)
    ok(post(client, f"/suggestions/{suggestion.pk}/decision", {"decision": "accepted"}))


def assignment_of(article: Article, user: User) -> Assignment:
    return Assignment.objects.get(article=article, reviewer=user)


def span_ids(client: APIClient, article: Article) -> set[int]:
    return {span["id"] for span in ok(client.get(f"{API}/articles/{article.pk}/spans"))["results"]}


# --- Taking work ------------------------------------------------------------------------------------


def test_two_reviewers_pull_the_same_article_and_a_skipped_one_never_comes_back(personas: Personas) -> None:
    first, second = new_article(personas, "first"), new_article(personas, "second")
    annotator, other = client_for(personas.annotator), client_for(personas.other_annotator)
    queue = f"/projects/{personas.project.pk}/queue/next"

    mine = ok(post(annotator, queue))
    theirs = ok(post(other, queue))
    assert (mine["article"], theirs["article"]) == (first.pk, first.pk)  # k = 2: both slots of the first
    assert (mine["reviewer"], theirs["reviewer"]) == ("annotator", "other_annotator")
    assert mine["status"] == AssignmentStatus.IN_PROGRESS
    assert mine["article_title"] == "Talks first"
    assert mine["article_review_status"] == ArticleStatus.IN_REVIEW
    assert mine["started_at"] is not None
    assert mine["lease_expires_at"] is not None
    assert ok(post(annotator, queue))["id"] == mine["id"]  # my open work comes first

    renewed = ok(post(annotator, f"/articles/{first.pk}/lease"))
    assert renewed["id"] == mine["id"]
    assert renewed["lease_expires_at"] >= mine["lease_expires_at"]

    skipped = ok(post(annotator, f"/articles/{first.pk}/skip"))
    assert skipped["status"] == AssignmentStatus.SKIPPED
    assert annotator.get(f"{API}/articles/{first.pk}").status_code == 404  # no longer mine to open
    assert Article.objects.get(pk=first.pk).open_slots == 1

    # The first article is first in the queue order and has a free slot, but not for its skipper.
    assert ok(post(annotator, queue))["article"] == second.pk
    ok(post(annotator, f"/articles/{second.pk}/submit"))
    assert post(annotator, queue).status_code == 204  # nothing left for me, though a slot is free
    assert post(annotator, f"/articles/{first.pk}/lease").status_code == 404

    third = client_for(third_annotator(personas))
    taken = ok(post(third, queue))
    assert taken["article"] == first.pk  # the freed slot went to someone else
    assert ok(post(third, queue))["id"] == taken["id"]
    assert post(client_for(personas.curator), queue).status_code == 403  # curators do not take work


def test_an_expired_lease_is_taken_back_while_free_and_409_once_someone_else_has_it(personas: Personas) -> None:
    manager = client_for(personas.manager)
    settings = ok(
        manager.patch(
            f"{API}/projects/{personas.project.pk}",
            {"reviewers_per_article": 1, "lease_minutes": 5, "queue_order": "oldest"},
            format="json",
        )
    )
    assert (settings["reviewers_per_article"], settings["lease_minutes"], settings["queue_order"]) == (1, 5, "oldest")
    article = new_article(personas, "lease")
    annotator, other = client_for(personas.annotator), client_for(personas.other_annotator)
    queue = f"/projects/{personas.project.pk}/queue/next"
    taken = ok(post(annotator, queue))
    lease_ends = Assignment.objects.get(pk=taken["id"]).lease_expires_at
    assert lease_ends is not None
    assert timedelta(minutes=4) < lease_ends - timezone.now() <= timedelta(minutes=5)

    def run_out() -> None:
        Assignment.objects.filter(pk=taken["id"]).update(lease_expires_at=timezone.now() - timedelta(minutes=1))

    run_out()
    stuck = ok(manager.get(f"{API}/projects/{personas.project.pk}/progress"))["stuck"]
    assert [(s["id"], s["reviewer"], s["article"]) for s in stuck] == [(taken["id"], "annotator", article.pk)]
    assert leases_expire() == 1
    assert ok(post(annotator, f"/articles/{article.pk}/lease"))["status"] == AssignmentStatus.IN_PROGRESS  # back

    run_out()
    assert leases_expire() == 1
    assert ok(post(other, queue))["article"] == article.pk
    error = fails(post(annotator, f"/articles/{article.pk}/lease"), 409, None)
    assert error["code"] == "conflict"
    assert assignment_of(article, personas.annotator).status == AssignmentStatus.EXPIRED


# --- The whole review, k = 2 ------------------------------------------------------------------------


def test_review_curation_and_blind_review_end_to_end(personas: Personas) -> None:
    project = personas.project.pk
    article = new_article(personas, "flow")
    envoys, talks = new_claim(personas, "Envoys met in Geneva."), new_claim(personas, "The talks lasted two hours.")
    annotator, other = client_for(personas.annotator), client_for(personas.other_annotator)
    curator, manager = client_for(personas.curator), client_for(personas.manager)
    for client in (annotator, other):
        assert ok(post(client, f"/projects/{project}/queue/next"))["article"] == article.pk

    # Both mark "Envoys" with the same claim; "two hours" with different links; only one marks "ceasefire".
    a_envoys, b_envoys = highlight(annotator, article, "Envoys"), highlight(other, article, "Envoys")
    accept_suggestion(annotator, a_envoys["id"], envoys, rank=1, score=0.9)
    ok(post(other, f"/spans/{b_envoys['id']}/link", {"claim": envoys.pk}), 201)
    a_hours, b_hours = highlight(annotator, article, "two hours"), highlight(other, article, "two hours")
    accept_suggestion(annotator, a_hours["id"], talks, rank=2, score=0.4)
    ok(post(other, f"/spans/{b_hours['id']}/link", {"no_match": True}), 201)
    a_ceasefire = highlight(annotator, article, "ceasefire")

    # Blind review: each reviewer sees only their own spans.
    assert span_ids(annotator, article) == {a_envoys["id"], a_hours["id"], a_ceasefire["id"]}
    assert span_ids(other, article) == {b_envoys["id"], b_hours["id"]}
    assert post(curator, f"/articles/{article.pk}/curation").status_code == 409  # not all have submitted

    for client in (annotator, other):
        ok(post(client, f"/articles/{article.pk}/submit"))
    ready = ok(manager.get(f"{API}/projects/{project}/articles", {"review_status": "ready_for_curation"}))
    assert [(a["id"], a["review_status"]) for a in ready["results"]] == [(article.pk, "ready_for_curation")]

    # A second article on which nobody marked anything: no disagreement, so it comes second.
    calm = new_article(personas, "calm")
    for name, client in (("annotator", annotator), ("other_annotator", other)):
        ok(post(manager, f"/projects/{project}/assignments", {"article": calm.pk, "reviewer": name}), 201)
        ok(post(client, f"/articles/{calm.pk}/submit"))
    queue = ok(curator.get(f"{API}/projects/{project}/curation"))
    assert queue["count"] == 2
    assert [row["id"] for row in queue["results"]] == [article.pk, calm.pk]
    top = queue["results"][0]
    assert top["disagreement"] == pytest.approx(2 / 3)  # of three groups, one agrees
    assert (top["title"], top["submitted_count"], top["adjudication"]) == ("Talks flow", 2, None)
    assert top["ready_at"] is not None
    assert queue["results"][1]["disagreement"] == 0.0

    # The curation view aligns the reviewers' spans.
    view = ok(curator.get(f"{API}/articles/{article.pk}/curation"))
    assert view["reviewers"] == ["annotator", "other_annotator"]
    assert [g["kind"] for g in view["groups"]] == ["agree", "link_differs", "missing"]
    differing = view["groups"][1]
    assert differing["missing"] == []
    (a_item,) = differing["by_reviewer"]["annotator"]
    (b_item,) = differing["by_reviewer"]["other_annotator"]
    assert (a_item["id"], a_item["quote"]) == (a_hours["id"], "two hours")
    assert a_item["link"]["claim"]["id"] == talks.pk
    assert a_item["link"]["claim"]["text"] == "The talks lasted two hours."
    assert (a_item["link"]["source"], a_item["link"]["suggestion_rank"]) == ("suggestion", 2)
    assert a_item["link"]["suggestion_score"] == pytest.approx(0.4)
    assert a_item["link"]["suggestion_model"] == "minilm@1"
    assert b_item["link"]["no_match"] is True
    assert b_item["link"]["claim"] is None
    assert view["groups"][2]["missing"] == ["other_annotator"]
    assert view["groups"][2]["by_reviewer"]["other_annotator"] == []
    assert (view["gold"], view["adjudication"], view["review_status"]) == ([], None, "ready_for_curation")
    assert [(a["reviewer"], a["status"]) for a in view["assignments"]] == [
        ("annotator", "submitted"),
        ("other_annotator", "submitted"),
    ]

    # Starting pre-fills the gold where both agree, copying the link's provenance.
    started = ok(post(curator, f"/articles/{article.pk}/curation"))
    (prefilled,) = started["gold"]
    assert prefilled["derived_from"] == sorted([a_envoys["id"], b_envoys["id"]])
    assert (prefilled["quote"], prefilled["curator"]) == ("Envoys", "curator")
    assert (prefilled["link"]["claim"]["id"], prefilled["link"]["source"]) == (envoys.pk, "suggestion")
    assert prefilled["link"]["suggestion_rank"] == 1
    assert started["adjudication"]["status"] == "in_progress"
    assert started["adjudication"]["curator"] == "curator"
    assert [d["action"] for d in started["adjudication"]["decisions"]] == ["prefilled"]
    assert span_ids(annotator, article) == {a_envoys["id"], a_hours["id"], a_ceasefire["id"]}  # still blind

    # Accept one reviewer's span, write a new one, and drop a mistake.
    accepted = ok(
        post(curator, f"/articles/{article.pk}/gold", {"from_span": a_hours["id"], "derived_from": [b_hours["id"]]}),
        201,
    )
    assert accepted["derived_from"] == sorted([a_hours["id"], b_hours["id"]])
    assert (accepted["start"], accepted["end"], accepted["quote"]) == (a_hours["start"], a_hours["end"], "two hours")
    assert (accepted["link"]["claim"]["id"], accepted["link"]["source"]) == (talks.pk, "suggestion")
    assert (accepted["link"]["suggestion_rank"], accepted["link"]["suggestion_model"]) == (2, "minilm@1")
    kremlin = span_body(article.text, "Kremlin")
    written = ok(
        post(
            curator,
            f"/articles/{article.pk}/gold",
            {"start": kremlin["start"], "end": kremlin["end"], "claim": envoys.pk},
        ),
        201,
    )
    assert (written["quote"], written["derived_from"]) == ("Kremlin", [])
    assert (written["link"]["claim"]["id"], written["link"]["source"]) == (envoys.pk, "search")
    mistake = ok(post(curator, f"/articles/{article.pk}/gold", {"from_span": a_ceasefire["id"]}), 201)
    assert mistake["link"] is None
    assert curator.delete(f"{API}/gold/{mistake['id']}").status_code == 204
    assert client_for(personas.curator).delete(f"{API}/gold/{mistake['id']}").status_code == 404
    view = ok(curator.get(f"{API}/articles/{article.pk}/curation"))
    assert sorted(g["id"] for g in view["gold"]) == sorted([prefilled["id"], accepted["id"], written["id"]])
    assert [d["action"] for d in view["adjudication"]["decisions"]] == ["prefilled", "accepted", "written", "accepted"]

    # Completing ends blind review; the gold is then visible too.
    completed = ok(post(curator, f"/articles/{article.pk}/curation/complete"))
    assert (completed["status"], completed["completed_at"] is not None) == ("completed", True)
    curated = ok(manager.get(f"{API}/projects/{project}/articles", {"review_status": "curated"}))["results"]
    assert [a["id"] for a in curated] == [article.pk]
    everything = {a_envoys["id"], a_hours["id"], a_ceasefire["id"], b_envoys["id"], b_hours["id"]}
    gold_ids = {prefilled["id"], accepted["id"], written["id"]}
    assert span_ids(annotator, article) == everything | gold_ids
    assert span_ids(other, article) == everything | gold_ids
    assert [row["id"] for row in ok(curator.get(f"{API}/projects/{project}/curation"))["results"]] == [calm.pk]
    fails(post(curator, f"/articles/{article.pk}/gold", {"from_span": a_ceasefire["id"]}), 409, None)
    fails(post(curator, f"/assignments/{assignment_of(article, personas.other_annotator).pk}/reopen"), 409, None)

    # Reopening the curation brings blind review back.
    reopened = ok(post(curator, f"/articles/{article.pk}/curation/reopen"))
    assert reopened["status"] == "reopened"
    assert span_ids(annotator, article) == {a_envoys["id"], a_hours["id"], a_ceasefire["id"]}
    assert ok(curator.get(f"{API}/articles/{article.pk}/curation"))["review_status"] == "ready_for_curation"

    # Reopening a reviewer's work unlocks their spans.
    b_assignment = assignment_of(article, personas.other_annotator)
    change = {"note": "Second look.", "version": Span.objects.get(pk=b_hours["id"]).version}
    locked = other.patch(f"{API}/spans/{b_hours['id']}", change, format="json")
    assert fails(locked, 400, None)["code"] == "locked"
    back = ok(post(curator, f"/assignments/{b_assignment.pk}/reopen"))
    assert (back["id"], back["status"], back["submitted_at"]) == (b_assignment.pk, "assigned", None)
    assert Article.objects.get(pk=article.pk).review_status == ArticleStatus.IN_REVIEW
    # Not a span that gold derives from, though, while that gold stands (its provenance would not hold);
    # the curator may drop that gold while the article is back in review, but writes none until it is ready.
    cited = other.patch(f"{API}/spans/{b_hours['id']}", change, format="json")
    assert fails(cited, 400, None)["message"].startswith(f"the curator took this span into gold span #{accepted['id']}")
    assert other.delete(f"{API}/spans/{b_hours['id']}").status_code == 400
    fails(post(curator, f"/articles/{article.pk}/gold", {"start": 0, "end": 6}), 409, None)
    fails(post(curator, f"/articles/{article.pk}/curation/complete"), 409, None)
    assert curator.delete(f"{API}/gold/{accepted['id']}").status_code == 204
    ok(other.patch(f"{API}/spans/{b_hours['id']}", change, format="json"))
    # Gold spans themselves change only in curation, not through the span endpoints (their annotator is the
    # curator).
    gold_patch = {"note": "x", "version": Span.objects.get(pk=written["id"]).version}
    refused = curator.patch(f"{API}/spans/{written['id']}", gold_patch, format="json")
    assert fails(refused, 400, None)["code"] == "locked"
    assert curator.delete(f"{API}/spans/{written['id']}").status_code == 400
    assert Span.objects.filter(pk=written["id"]).exists()

    # A manager moves the reopened work to a third reviewer.
    third = third_annotator(personas)
    moved = ok(post(manager, f"/assignments/{b_assignment.pk}/reassign", {"reviewer": "third"}), 201)
    assert (moved["reviewer"], moved["status"], moved["article"]) == ("third", "assigned", article.pk)
    assert assignment_of(article, personas.other_annotator).status == AssignmentStatus.REVOKED
    assert other.get(f"{API}/articles/{article.pk}").status_code == 404
    assert ok(post(client_for(third), f"/projects/{project}/queue/next"))["id"] == moved["id"]

    # Progress counts all of it.
    progress = ok(manager.get(f"{API}/projects/{project}/progress"))
    assert progress["articles"] == {"unassigned": 0, "in_review": 1, "ready_for_curation": 1, "curated": 0}
    by_name = {row["username"]: row for row in progress["reviewers"]}
    assert set(by_name) == {"annotator", "other_annotator", "third"}
    assert (by_name["annotator"]["submitted"], by_name["annotator"]["revoked"]) == (2, 0)
    assert (by_name["other_annotator"]["submitted"], by_name["other_annotator"]["revoked"]) == (1, 1)
    assert (by_name["third"]["in_progress"], by_name["third"]["submitted"]) == (1, 0)
    assert len(progress["per_day"]) == 14
    assert progress["per_day"][-1] == {"day": timezone.localdate().isoformat(), "submitted": 3}
    assert progress["stuck"] == []


def test_progress_names_every_status() -> None:
    """The progress schema spells out the statuses; it must follow the enums."""
    articles = review_serializers.ArticleCountsOutput().fields
    reviewers = review_serializers.ReviewerCountsOutput().fields
    assert set(articles) == {status.value for status in ArticleStatus}
    assert set(reviewers) == {"username", *(status.value for status in AssignmentStatus)}


# --- Bad input --------------------------------------------------------------------------------------


@pytest.fixture
def ready(personas: Personas) -> Article:
    """An article both annotators marked ("Envoys") and submitted, its curation started by the curator."""
    article = new_article(personas, "ready")
    for user in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=user, actor=personas.manager)
        highlight(client_for(user), article, "Envoys")
        assignment_submit(article=article, reviewer=user)
    curation_start(article=article, curator=personas.curator)
    return article


def test_bad_settings_and_filters_are_400_naming_the_field(personas: Personas) -> None:
    manager = client_for(personas.manager)
    project = f"{API}/projects/{personas.project.pk}"
    fails(manager.get(f"{project}/articles", {"review_status": "finished"}), 400, "review_status")
    for body, field in (
        ({"lease_minutes": 0}, "lease_minutes"),
        ({"lease_minutes": 1441}, "lease_minutes"),
        ({"lease_minutes": "30"}, "lease_minutes"),
        ({"queue_order": "random"}, "queue_order"),
    ):
        fails(manager.patch(project, body, format="json"), 400, field)
    assert ok(manager.get(project))["lease_minutes"] == 30  # nothing changed


def test_bad_gold_spans_are_400_naming_the_field_and_write_nothing(personas: Personas, ready: Article) -> None:
    curator = client_for(personas.curator)
    gold = f"/articles/{ready.pk}/gold"
    before = Span.objects.filter(article=ready, is_gold=True).count()
    elsewhere = new_article(personas, "elsewhere")
    assignment_create(article=elsewhere, reviewer=personas.annotator, actor=personas.manager)
    foreign_span = highlight(client_for(personas.annotator), elsewhere, "Envoys")
    reviewer_span = Span.objects.filter(article=ready, is_gold=False).order_by("id").first()
    assert reviewer_span is not None
    foreign_base = ClaimBaseFactory.create()
    foreign_claim = claim_create(claim_base_id=foreign_base.pk, fields=ClaimFields(text="Elsewhere."), actor=None)
    own_claim = new_claim(personas, "Envoys met.")

    for body, field in (
        ({"start": 5, "end": 5}, "end"),
        ({"start": 9, "end": 3}, "end"),
        ({"start": 0, "end": len(ready.text) + 1}, "end"),
        ({"end": 4}, "start"),
        ({"start": 0, "end": 4, "derived_from": [foreign_span["id"]]}, "derived_from"),
        ({"start": 0, "end": 4, "derived_from": ["1"]}, "derived_from.0"),
        ({"from_span": reviewer_span.pk, "derived_from": [foreign_span["id"]]}, "derived_from"),
        ({"start": 0, "end": 4, "claim": foreign_claim.pk}, "claim"),
        ({"start": 0, "end": 4, "claim": own_claim.pk, "no_match": True}, "claim"),
        ({"start": 0, "end": 4, "label": "opinion"}, "label"),
        ({"start": 0, "end": 4, "no_match": "yes"}, "no_match"),
    ):
        fails(post(curator, gold, body), 400, field)
    assert Span.objects.filter(article=ready, is_gold=True).count() == before
    assert post(curator, "/articles/2000000000/gold", {"start": 0, "end": 4}).status_code == 404
    assert client_for(personas.curator).delete(f"{API}/gold/{reviewer_span.pk}").status_code == 404  # not gold


def test_bad_reopen_and_reassign_requests(personas: Personas, ready: Article) -> None:
    manager = client_for(personas.manager)
    outsider = personas.outsider.username
    open_work = new_article(personas, "open")
    assignment = assignment_create(article=open_work, reviewer=personas.annotator, actor=personas.manager)
    reassign = f"/assignments/{assignment.pk}/reassign"

    fails(post(manager, reassign, {"reviewer": outsider}), 400, "reviewer")  # not a member of this project
    fails(post(manager, reassign, {"reviewer": "curator"}), 400, "reviewer")  # a member, not an annotator
    fails(post(manager, reassign, {"reviewer": "nobody"}), 400, "reviewer")
    fails(post(manager, reassign, {}), 400, "reviewer")
    fails(post(manager, reassign, {"reviewer": "annotator"}), 409, "reviewer")  # already theirs
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ASSIGNED  # nothing half-written
    assert Assignment.objects.filter(article=open_work).count() == 1
    fails(post(client_for(personas.curator), reassign, {"reviewer": "other_annotator"}), 403, None)

    submitted = assignment_of(ready, personas.annotator)
    fails(post(manager, f"/assignments/{submitted.pk}/reassign", {"reviewer": "other_annotator"}), 409, None)
    fails(post(client_for(personas.curator), f"/assignments/{assignment.pk}/reopen"), 409, None)  # not submitted
    fails(post(client_for(personas.annotator), f"/assignments/{submitted.pk}/reopen"), 403, None)
    assert post(manager, "/assignments/2000000000/reopen").status_code == 404
    assert post(manager, f"/articles/{ready.pk}/curation/reopen").status_code == 409  # not completed


def test_taking_work_needs_the_annotator_role_in_the_project(personas: Personas) -> None:
    new_article(personas, "pool")
    queue = f"/projects/{personas.project.pk}/queue/next"
    assert fails(post(client_for(personas.manager), queue), 403, "reviewer")["code"] == "forbidden"
    assert post(client_for(personas.outsider), queue).status_code == 404
    assert not Assignment.objects.exists()
