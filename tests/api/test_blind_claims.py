"""Blind review reaches claims: a claim one reviewer writes from their span ("new claim from this span") is
hidden from the article's other reviewers, in every list, search, detail and suggestion, until the
article is adjudicated. Its wording would show the colleague's highlight."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from annotations.domain import AdjudicationStatus, Role, RunStatus
from annotations.matching.embedders import DEFAULT_EMBEDDER, get_embedder
from annotations.models import Adjudication, Article, CanonicalClaim, Suggestion, SuggestionRun
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.embeddings import claims_embed
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.projects import membership_set
from annotations.services.review import assignment_create
from annotations.services.spans import span_create
from annotations.services.suggestions import suggestion_run_execute
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

TEXT = "Officials in Kyiv insisted no ceasefire had been agreed in Geneva, and the Kremlin said it was too early."
WORDING = "No ceasefire was agreed at the Geneva talks in February 2026."


@pytest.fixture
def article(personas: Personas) -> Article:
    article = ArticleFactory.create(project=personas.project, text=TEXT)
    for reviewer in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=reviewer, actor=personas.manager)
    return article


def quote_at(needle: str) -> dict[str, Any]:
    start = TEXT.index(needle)
    return {"start": start, "end": start + len(needle), "quote": needle}


@pytest.fixture
def written(personas: Personas, article: Article) -> CanonicalClaim:
    """The first reviewer's span, linked to a new claim written from it."""
    span = span_create(article=article, annotator=personas.annotator, **quote_at("no ceasefire had been agreed"))
    claim_link_create(span=span, target=LinkTarget(new_claim=ClaimFields(text=WORDING)), actor=personas.annotator)
    return CanonicalClaim.objects.get(created_from_span=span)


def visible_ids(personas: Personas, who: str, url: str) -> list[int]:
    response = client_for(getattr(personas, who)).get(url)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_the_other_reviewer_cannot_find_it_until_adjudication(
    personas: Personas, article: Article, written: CanonicalClaim
) -> None:
    project = personas.project.pk
    listing = f"/api/v1/projects/{project}/claims"
    search = f"/api/v1/projects/{project}/claims/search?q=ceasefire"
    detail = f"/api/v1/claims/{written.pk}"
    for who in ("annotator", "curator", "manager"):
        assert written.pk in visible_ids(personas, who, listing)
        assert written.pk in visible_ids(personas, who, search)
        assert client_for(getattr(personas, who)).get(detail).status_code == 200
    assert written.pk not in visible_ids(personas, "other_annotator", listing)
    assert written.pk not in visible_ids(personas, "other_annotator", search)
    assert client_for(personas.other_annotator).get(detail).status_code == 404

    Adjudication.objects.create(
        article=article, curator=personas.curator, status=AdjudicationStatus.COMPLETED, completed_at=timezone.now()
    )
    assert written.pk in visible_ids(personas, "other_annotator", listing)
    assert written.pk in visible_ids(personas, "other_annotator", search)
    assert client_for(personas.other_annotator).get(detail).status_code == 200


def test_a_reviewer_of_another_article_sees_it(personas: Personas, written: CanonicalClaim) -> None:
    # Claims are shared across articles: only the article's own co-reviewers are kept blind.
    elsewhere = ArticleFactory.create(project=personas.project, text="Another report.")
    newcomer = personas.outsider
    membership_set(project=personas.project, user=newcomer, role=Role.ANNOTATOR, actor=personas.manager)
    assignment_create(article=elsewhere, reviewer=newcomer, actor=personas.manager)
    assert written.pk in visible_ids(personas, "outsider", f"/api/v1/projects/{personas.project.pk}/claims")


def test_it_is_never_suggested_to_the_other_reviewer(
    personas: Personas, article: Article, written: CanonicalClaim
) -> None:
    decoy = claim_create(
        claim_base_id=personas.project.claim_base_id,
        fields=ClaimFields(text="The Kremlin said it was too early to judge the Geneva talks."),
        actor=personas.manager,
    )
    claims_embed(claim_ids=[written.pk, decoy.pk], embedder=get_embedder(DEFAULT_EMBEDDER))
    mine = span_create(
        article=article, annotator=personas.annotator, **quote_at("no ceasefire had been agreed in Geneva")
    )
    theirs = span_create(
        article=article, annotator=personas.other_annotator, **quote_at("no ceasefire had been agreed in Geneva")
    )
    for span in (mine, theirs):
        run = SuggestionRun.objects.get(span=span)
        assert suggestion_run_execute(run_id=run.pk)
        assert SuggestionRun.objects.get(pk=run.pk).status == RunStatus.DONE

    def suggested(span_id: int) -> list[tuple[int, int]]:
        rows = Suggestion.objects.filter(run__span_id=span_id).order_by("rank")
        return list(rows.values_list("claim_id", "rank"))

    assert written.pk in [claim for claim, _ in suggested(mine.pk)]
    theirs_suggested = suggested(theirs.pk)
    assert written.pk not in [claim for claim, _ in theirs_suggested]
    assert decoy.pk in [claim for claim, _ in theirs_suggested]
    assert [rank for _, rank in theirs_suggested] == list(range(1, len(theirs_suggested) + 1))  # no gaps


def test_linking_by_id_to_a_hidden_claim_answers_as_if_it_did_not_exist(
    personas: Personas, article: Article, written: CanonicalClaim
) -> None:
    """Claim ids are sequential: linking one's own span to the next ids in turn showed the co-reviewer's
    hidden wording in the answer."""
    other = client_for(personas.other_annotator)
    body = quote_at("the Kremlin")
    span = other.post(f"/api/v1/articles/{article.pk}/spans", body, format="json").json()
    missing = other.post(f"/api/v1/spans/{span['id']}/link", {"claim": 10**9}, format="json")
    hidden = other.post(f"/api/v1/spans/{span['id']}/link", {"claim": written.pk}, format="json")
    assert (missing.status_code, hidden.status_code) == (400, 400)
    assert hidden.json()["errors"][0]["message"] == f"no claim #{written.pk} in this project's claim base"
    assert hidden.json()["errors"][0]["field"] == missing.json()["errors"][0]["field"] == "claim"
    assert WORDING not in hidden.content.decode()

    Adjudication.objects.create(
        article=article, curator=personas.curator, status=AdjudicationStatus.COMPLETED, completed_at=timezone.now()
    )
    linked = other.post(f"/api/v1/spans/{span['id']}/link", {"claim": written.pk}, format="json")
    assert linked.status_code == 201, linked.json()
    assert linked.json()["link"]["claim"]["id"] == written.pk
