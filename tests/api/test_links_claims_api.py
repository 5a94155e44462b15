"""Claim links, canonical claims, suggestions and assignments through the API, blind review included."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotations.domain import AdjudicationStatus, ClaimStatus, RunStatus
from annotations.models import Adjudication, Article, CanonicalClaim, ClaimLink, Suggestion, SuggestionRun
from annotations.services.claims import ClaimFields, claim_create
from tests.api.conftest import ARTICLE_TEXT, span_body
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory, ClaimBaseFactory

pytestmark = pytest.mark.django_db


def new_span(personas: Personas, article: Article, needle: str = "Envoys", user: User | None = None) -> Any:
    client = client_for(user or personas.annotator)
    response = client.post(f"/api/v1/articles/{article.pk}/spans", span_body(ARTICLE_TEXT, needle), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_link_to_claim_no_match_or_new_claim_in_one_request(
    personas: Personas, article: Article, claim: CanonicalClaim
) -> None:
    client = client_for(personas.annotator)
    first, second, third = (new_span(personas, article, n) for n in ("Envoys", "two hours", "ceasefire"))
    linked = client.post(f"/api/v1/spans/{first['id']}/link", {"claim": claim.pk}, format="json")
    assert linked.status_code == 201, linked.content
    assert linked.json()["link"]["claim"]["id"] == claim.pk
    assert linked.json()["link"]["source"] == "search"
    none = client.post(f"/api/v1/spans/{second['id']}/link", {"no_match": True}, format="json")
    assert none.json()["link"] == none.json()["link"] | {
        "claim": None,
        "no_match": True,
        "source": "no_match",
    }
    created = client.post(
        f"/api/v1/spans/{third['id']}/link",
        {"new_claim": {"text": "The Kremlin said no ceasefire was agreed.", "tags": ["x"]}},
        format="json",
    )
    assert created.status_code == 201, created.content
    new_claim = CanonicalClaim.objects.get(pk=created.json()["link"]["claim"]["id"])
    assert new_claim.created_from_span_id == third["id"]
    assert created.json()["link"]["source"] == "created"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({}, "claim", 400),
        ({"claim": 1, "no_match": True}, "claim", 400),
        ({"claim": 999_999}, "claim", 400),
        ({"no_match": "yes"}, "no_match", 400),
        ({"new_claim": {"text": ""}}, "new_claim.text", 400),
        ({"new_claim": {"text": "A ceasefire was AGREED at the Geneva talks."}}, "text", 409),
    ],
)
def test_bad_links(
    personas: Personas, article: Article, claim: CanonicalClaim, body: dict, field: str, status: int
) -> None:
    span = new_span(personas, article)
    response = client_for(personas.annotator).post(f"/api/v1/spans/{span['id']}/link", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not ClaimLink.objects.exists()


def test_claim_from_another_claim_base_and_duplicate_link(
    personas: Personas, article: Article, claim: CanonicalClaim
) -> None:
    foreign = claim_create(
        claim_base_id=ClaimBaseFactory.create().pk, fields=ClaimFields(text="Elsewhere."), actor=None
    )
    span = new_span(personas, article)
    client = client_for(personas.annotator)
    refused = client.post(f"/api/v1/spans/{span['id']}/link", {"claim": foreign.pk}, format="json")
    assert refused.status_code == 400
    assert "claim base" in refused.json()["errors"][0]["message"]
    assert client.post(f"/api/v1/spans/{span['id']}/link", {"claim": claim.pk}, format="json").status_code == 201
    again = client.post(f"/api/v1/spans/{span['id']}/link", {"no_match": True}, format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "duplicate"
    stale = client.put(f"/api/v1/spans/{span['id']}/link", {"no_match": True, "version": 5}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["link"]["claim"]["id"] == claim.pk
    replaced = client.put(f"/api/v1/spans/{span['id']}/link", {"no_match": True}, format="json", HTTP_IF_MATCH='"1"')
    assert replaced.status_code == 200
    assert replaced.json()["link"]["no_match"] is True
    assert client.delete(f"/api/v1/spans/{span['id']}/link?version=2").status_code == 204


def test_blind_review_until_adjudicated(personas: Personas, article: Article, claim: CanonicalClaim) -> None:
    mine = new_span(personas, article, "Envoys", user=personas.annotator)
    client_for(personas.annotator).post(f"/api/v1/spans/{mine['id']}/link", {"claim": claim.pk}, format="json")
    other = client_for(personas.other_annotator)
    assert other.get(f"/api/v1/spans/{mine['id']}").status_code == 404
    assert other.get(f"/api/v1/spans/{mine['id']}/suggestions").status_code == 404
    assert other.get(f"/api/v1/articles/{article.pk}").json()["spans"] == []
    assert other.get(f"/api/v1/articles/{article.pk}/spans").json()["results"] == []
    assert other.get(f"/api/v1/claims/{claim.pk}").json()["spans"] == []
    listed = other.get(f"/api/v1/projects/{personas.project.pk}/articles").json()["results"]
    assert [a["my_span_count"] for a in listed] == [0]
    curator = client_for(personas.curator)
    assert [s["id"] for s in curator.get(f"/api/v1/articles/{article.pk}").json()["spans"]] == [mine["id"]]
    assert [s["id"] for s in curator.get(f"/api/v1/claims/{claim.pk}").json()["spans"]] == [mine["id"]]

    Adjudication.objects.create(
        article=article,
        curator=personas.curator,
        status=AdjudicationStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    assert other.get(f"/api/v1/spans/{mine['id']}").status_code == 200
    assert [s["id"] for s in other.get(f"/api/v1/claims/{claim.pk}").json()["spans"]] == [mine["id"]]


def test_a_claims_detail_shows_its_first_200_spans_and_the_spans_list_pages_all(
    personas: Personas, article: Article, claim: CanonicalClaim
) -> None:
    from annotations.models import Span

    start = ARTICLE_TEXT.index("Envoys")
    common = {"article": article, "start": start, "end": start + 6, "quote": "Envoys"}
    common |= {"prefix": ARTICLE_TEXT[max(0, start - 32) : start], "suffix": ARTICLE_TEXT[start + 6 : start + 38]}
    spans = Span.objects.bulk_create([Span(annotator=personas.annotator, **common) for _ in range(205)])
    ClaimLink.objects.bulk_create(
        ClaimLink(span=span, claim=claim, source="search", created_by=personas.annotator) for span in spans
    )
    curator = client_for(personas.curator)
    detail = curator.get(f"/api/v1/claims/{claim.pk}").json()
    assert (len(detail["spans"]), detail["more_spans"]) == (200, True)
    seen: list[int] = []
    url: str | None = f"/api/v1/claims/{claim.pk}/spans?page_size=100"
    while url:
        page = curator.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(span.pk for span in spans)
    assert client_for(personas.other_annotator).get(f"/api/v1/claims/{claim.pk}/spans").json()["results"] == []
    assert client_for(personas.outsider).get(f"/api/v1/claims/{claim.pk}/spans").status_code == 404


def test_annotators_see_only_assigned_articles(personas: Personas, article: Article) -> None:
    unassigned = ArticleFactory.create(project=personas.project)
    client = client_for(personas.annotator)
    ids = [a["id"] for a in client.get(f"/api/v1/projects/{personas.project.pk}/articles").json()["results"]]
    assert ids == [article.pk]
    assert client.get(f"/api/v1/articles/{unassigned.pk}").status_code == 404
    manager_ids = client_for(personas.manager).get(f"/api/v1/projects/{personas.project.pk}/articles").json()
    assert {a["id"] for a in manager_ids["results"]} == {article.pk, unassigned.pk}


def test_claim_search_filters_update_and_merge(personas: Personas, claim: CanonicalClaim) -> None:
    base = f"/api/v1/projects/{personas.project.pk}/claims"
    annotator, curator = client_for(personas.annotator), client_for(personas.curator)
    other = annotator.post(
        base,
        {"text": "Envoys met for two hours in Geneva.", "verdict": "True", "tags": ["geneva"]},
        format="json",
    ).json()
    found = annotator.get(f"{base}/search", {"q": "ceasefire geneva"}).json()["results"]
    assert [c["id"] for c in found] == [claim.pk]
    assert found[0]["rank"] > 0
    assert [c["id"] for c in annotator.get(base, {"tag": "geneva"}).json()["results"]] == [other["id"]]
    assert [c["id"] for c in annotator.get(base, {"verdict": "false"}).json()["results"]] == [claim.pk]
    assert annotator.get(f"{base}/search").json()["errors"][0]["field"] == "q"

    url = f"/api/v1/claims/{claim.pk}"
    assert annotator.patch(url, {"verdict": "True", "version": 1}, format="json").status_code == 403
    edited = curator.patch(url, {"verdict": "Mostly false"}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200
    assert (edited.json()["verdict"], edited.json()["version"]) == ("Mostly false", 2)
    assert curator.patch(url, {"verdict": "x", "version": 1}, format="json").status_code == 409

    assert annotator.post(f"{url}/merge", {"into": other["id"]}, format="json").status_code == 403
    merged = curator.post(f"{url}/merge", {"into": other["id"]}, format="json")
    assert merged.status_code == 200
    assert merged.json()["id"] == other["id"]
    assert CanonicalClaim.objects.get(pk=claim.pk).status == ClaimStatus.MERGED
    assert curator.post(f"{url}/merge", {"into": other["id"]}, format="json").status_code == 409
    assert curator.post(f"/api/v1/claims/{other['id']}/merge", {"into": other["id"]}, format="json").status_code == 400
    assert client_for(personas.outsider).get(url).status_code == 404


def test_suggestions_are_read_and_accepting_one_links_with_rank(
    personas: Personas, article: Article, claim: CanonicalClaim
) -> None:
    span = new_span(personas, article, "ceasefire")
    run = SuggestionRun.objects.create(
        span_id=span["id"], model_name="minilm", model_version="1", index_state="i1", status=RunStatus.DONE
    )
    second = claim_create(
        claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text="Talks ended."), actor=None
    )
    top = Suggestion.objects.create(run=run, claim=claim, rank=1, dense_score=0.8, lexical_score=0.3, fused_score=0.03)
    low = Suggestion.objects.create(run=run, claim=second, rank=2, fused_score=0.01)
    client = client_for(personas.annotator)
    listed = client.get(f"/api/v1/spans/{span['id']}/suggestions").json()
    assert listed["status"] == "done"
    assert [x["claim"]["id"] for x in listed["runs"][0]["suggestions"]] == [claim.pk, second.pk]
    assert (
        client.post(f"/api/v1/suggestions/{low.pk}/decision", {"decision": "rejected"}, format="json").status_code
        == 200
    )
    accepted = client.post(f"/api/v1/suggestions/{top.pk}/decision", {"decision": "accepted"}, format="json")
    assert accepted.json()["decision"] == "accepted"
    link = ClaimLink.objects.get(span_id=span["id"])
    assert (link.source, link.claim_id, link.suggestion_rank, link.suggestion_model) == (
        "suggestion",
        claim.pk,
        1,
        "minilm@1",
    )
    assert Suggestion.objects.get(pk=low.pk).decision == "rejected"
    assert (
        client_for(personas.other_annotator)
        .post(f"/api/v1/suggestions/{top.pk}/decision", {"decision": "rejected"}, format="json")
        .status_code
        == 404
    )


def test_assignments_respect_k_and_membership(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project)
    manager = client_for(personas.manager)
    url = f"/api/v1/projects/{personas.project.pk}/assignments"
    assert manager.post(url, {"article": article.pk, "reviewer": "annotator"}, format="json").status_code == 201
    assert manager.post(url, {"article": article.pk, "reviewer": "annotator"}, format="json").status_code == 409
    assert manager.post(url, {"article": article.pk, "reviewer": "curator"}, format="json").status_code == 400
    assert manager.post(url, {"article": article.pk, "reviewer": "other_annotator"}, format="json").status_code == 201
    full = manager.post(url, {"article": article.pk, "reviewer": "outsider"}, format="json")
    assert full.status_code == 400  # not a member of this project
    assert (
        client_for(personas.annotator)
        .post(url, {"article": article.pk, "reviewer": "annotator"}, format="json")
        .status_code
        == 403
    )
    own = client_for(personas.annotator).get(url).json()["results"]
    assert [a["reviewer"] for a in own] == ["annotator"]


def test_suggestion_quality_per_model(personas: Personas, article: Article, claim: CanonicalClaim) -> None:
    other = claim_create(claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text="Other."), actor=None)
    client = client_for(personas.annotator)
    for needle, accept_rank in (("Envoys", 2), ("two hours", None), ("ceasefire", 1)):
        span = new_span(personas, article, needle)
        run = SuggestionRun.objects.create(
            span_id=span["id"], model_name="m", model_version="1", index_state="i", status=RunStatus.DONE
        )
        first = Suggestion.objects.create(run=run, claim=other if accept_rank == 2 else claim, rank=1, fused_score=0.2)
        second = Suggestion.objects.create(run=run, claim=claim if accept_rank == 2 else other, rank=2, fused_score=0.1)
        chosen = {1: first, 2: second}.get(accept_rank) if accept_rank else None
        if chosen is not None:
            client.post(f"/api/v1/suggestions/{chosen.pk}/decision", {"decision": "accepted"}, format="json")
        else:
            client.post(f"/api/v1/suggestions/{first.pk}/decision", {"decision": "rejected"}, format="json")
    url = f"/api/v1/projects/{personas.project.pk}/suggestions/quality"
    assert client.get(url).status_code == 403
    (row,) = client_for(personas.curator).get(url).json()
    assert (row["runs"], row["decided_runs"], row["accepted_runs"]) == (3, 3, 2)
    assert row["acceptance_rate"] == pytest.approx(2 / 3)
    assert row["mrr_accepted"] == pytest.approx((1 / 2 + 1) / 2)
