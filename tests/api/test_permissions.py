"""Who may call what: every API endpoint and method, for every persona, as a table of expected statuses.

Outsiders get 404 on project objects, anonymous callers 401, members without the role 403; blind review
makes another annotator's span (and its link and suggestions) a 404 for a fellow annotator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.response import Response

from annotations.api.urls import urlpatterns
from annotations.domain import AdjudicationStatus, ImportKind, Role, RunStatus
from annotations.models import (
    Adjudication,
    ApiToken,
    Article,
    Assignment,
    CanonicalClaim,
    DatasetRelease,
    ImportBatch,
    Membership,
    Span,
    Suggestion,
    SuggestionRun,
)
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.curation import GoldFields, curation_complete, curation_start, gold_span_create
from annotations.services.links import LinkTarget, claim_link_create
from annotations.services.review import assignment_create, assignment_submit
from annotations.services.spans import span_create
from annotations.services.tokens import token_create
from tests.api.conftest import ARTICLE_TEXT, span_body
from tests.conftest import Personas, client_for
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("manager", "curator", "annotator", "other_annotator", "outsider", "anonymous")


# --- The world every row starts from ---------------------------------------------------------------


@dataclass
class World:
    """Objects of `personas.project` (and one of the outsider's project), built afresh for each row."""

    personas: Personas
    staff: User
    article: Article  # assigned to annotator and other_annotator
    fresh_article: Article  # assigned to nobody
    claim: CanonicalClaim
    into_claim: CanonicalClaim  # a merge target
    span: Span  # annotator's, linked to `claim`, with a suggestion run
    bare_span: Span  # annotator's, without a link
    suggestion: Suggestion
    member: Membership  # a deletable annotator
    token: ApiToken  # annotator's
    batch: ImportBatch  # a claims import into the project
    foreign_article: Article
    foreign_claim: CanonicalClaim
    foreign_member: Membership
    # Review work (issue #6).
    open_assignment: Assignment  # annotator's on `article`, not submitted
    ready_article: Article  # both annotators submitted; the curator started its curation
    submitted_assignment: Assignment  # annotator's on `ready_article`
    gold: Span  # a gold span of `ready_article`
    curated_article: Article  # both submitted, curation completed
    foreign_assignment: Assignment  # the outsider's, in their own project
    # Dataset releases (issue #8).
    release: DatasetRelease  # version 1 of the project, still building

    def ids(self) -> dict[str, int]:
        return {
            "project": self.personas.project.pk,
            "article": self.article.pk,
            "fresh_article": self.fresh_article.pk,
            "claim": self.claim.pk,
            "into": self.into_claim.pk,
            "span": self.span.pk,
            "bare_span": self.bare_span.pk,
            "suggestion": self.suggestion.pk,
            "member": self.member.pk,
            "token": self.token.pk,
            "batch": self.batch.pk,
            "foreign_article": self.foreign_article.pk,
            "foreign_claim": self.foreign_claim.pk,
            "foreign_member": self.foreign_member.pk,
            "open_assignment": self.open_assignment.pk,
            "ready_article": self.ready_article.pk,
            "submitted_assignment": self.submitted_assignment.pk,
            "gold": self.gold.pk,
            "curated_article": self.curated_article.pk,
            "foreign_assignment": self.foreign_assignment.pk,
            "release": self.release.version,
            "release_file": "spans.jsonl",  # type: ignore[dict-item]
        }

    def user(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "staff":
            return self.staff
        user = getattr(self.personas, role)
        assert isinstance(user, User)
        return user


def _claim(personas: Personas, text: str, base_id: int | None = None) -> CanonicalClaim:
    return claim_create(
        claim_base_id=base_id or personas.project.claim_base_id,
        fields=ClaimFields(text=text, verdict="False", tags=("geneva",)),
        actor=personas.manager,
    )


def _span(personas: Personas, article: Article, needle: str) -> Span:
    start = ARTICLE_TEXT.index(needle)
    return span_create(
        article=article, annotator=personas.annotator, start=start, end=start + len(needle), quote=needle
    )


def _submitted(personas: Personas, tag: str) -> Article:
    """An article both annotators reviewed and submitted: ready for curation."""
    article = ArticleFactory.create(project=personas.project, text=f"{ARTICLE_TEXT} ({tag})")
    for annotator in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=annotator, actor=personas.manager)
        assignment_submit(article=article, reviewer=annotator)
    return article


@pytest.fixture
def world(personas: Personas) -> World:
    project = personas.project
    article = ArticleFactory.create(project=project, text=ARTICLE_TEXT, title="Geneva talks")
    for annotator in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=annotator, actor=personas.manager)
    claim = _claim(personas, "A ceasefire was agreed at the Geneva talks.")
    span = _span(personas, article, "Envoys")
    claim_link_create(span=span, target=LinkTarget(claim=claim), actor=personas.annotator)
    run = SuggestionRun.objects.create(
        span=span, model_name="minilm", model_version="1", index_state="i1", status=RunStatus.DONE
    )
    foreign_project = Membership.objects.get(user=personas.outsider).project
    UserFactory.create(username="newcomer")
    ready_article = _submitted(personas, "ready")
    curation_start(article=ready_article, curator=personas.curator)
    curated_article = _submitted(personas, "curated")
    curation_start(article=curated_article, curator=personas.curator)
    curation_complete(article=curated_article, curator=personas.curator)
    foreign_article = ArticleFactory.create(project=foreign_project)
    return World(
        personas=personas,
        staff=UserFactory.create(username="staff", is_staff=True),
        article=article,
        fresh_article=ArticleFactory.create(project=project),
        claim=claim,
        into_claim=_claim(personas, "The talks in Geneva lasted two hours."),
        span=span,
        bare_span=_span(personas, article, "ceasefire"),
        suggestion=Suggestion.objects.create(run=run, claim=claim, rank=1, fused_score=0.03),
        member=MembershipFactory.create(project=project, role=Role.ANNOTATOR),
        token=token_create(user=personas.annotator, name="laptop")[0],
        batch=ImportBatch.objects.create(project=project, kind=ImportKind.CLAIMS, created_by=personas.manager),
        foreign_article=foreign_article,
        foreign_claim=_claim(personas, "Elsewhere.", base_id=foreign_project.claim_base_id),
        foreign_member=MembershipFactory.create(project=foreign_project, role=Role.ANNOTATOR),
        open_assignment=Assignment.objects.get(article=article, reviewer=personas.annotator),
        ready_article=ready_article,
        submitted_assignment=Assignment.objects.get(article=ready_article, reviewer=personas.annotator),
        gold=gold_span_create(
            article=ready_article, curator=personas.curator, fields=GoldFields(start=0, end=6, no_match=True)
        ),
        curated_article=curated_article,
        foreign_assignment=assignment_create(
            article=ArticleFactory.create(project=foreign_project), reviewer=personas.outsider, actor=None
        ),
        release=DatasetRelease.objects.create(project=project, version=1, created_by=personas.manager),
    )


# --- The table --------------------------------------------------------------------------------------


def no_body(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Endpoint:
    """One method on one URL, and the status each persona gets. Unless the row says otherwise, an outsider
    gets 404, an anonymous caller 401, and staff (a member of no project) is not tried."""

    method: str
    url: str  # relative to /api/v1/, with {placeholders} from World.ids()
    body: Callable[[World], dict[str, Any]] = no_body
    expect: dict[str, int] = field(default_factory=dict)
    multipart: bool = False

    def expected(self, role: str) -> int | None:
        return self.expect.get(role, {"outsider": 404, "anonymous": 401}.get(role))


def members(status: int, **overrides: int) -> dict[str, int]:
    """The same status for every member of the project, with exceptions."""
    return {"manager": status, "curator": status, "annotator": status, "other_annotator": status} | overrides


def managers_only(ok: int) -> dict[str, int]:
    return members(403, manager=ok)


def curators_up(ok: int) -> dict[str, int]:
    return members(403, manager=ok, curator=ok)


def span_owner(ok: int) -> dict[str, int]:
    """Writes on annotator's span: theirs alone; curators see it but may not edit; blind review hides it."""
    return {"manager": 403, "curator": 403, "annotator": ok, "other_annotator": 404}


def span_readers(ok: int) -> dict[str, int]:
    return {"manager": ok, "curator": ok, "annotator": ok, "other_annotator": 404}


def upload(feed: bytes) -> dict[str, Any]:
    return {"files": [SimpleUploadedFile("feed.jsonl", feed, content_type="application/octet-stream")]}


def articles_upload(world: World) -> dict[str, Any]:
    return upload(b'{"text": "The envoys met in Geneva.", "title": "Talks"}\n')


def claims_upload(world: World) -> dict[str, Any]:
    return upload(b'{"text": "The envoys agreed on nothing.", "verdict": "True"}\n')


ENDPOINTS: list[Endpoint] = [
    # Projects: anyone signed in lists their own; only staff create.
    Endpoint("GET", "projects", expect=members(200, outsider=200, staff=200)),
    Endpoint("POST", "projects", lambda w: {"name": "Brand new"}, expect=members(403, outsider=403, staff=201)),
    Endpoint("GET", "projects/{project}", expect=members(200, staff=404)),
    Endpoint("PATCH", "projects/{project}", lambda w: {"description": "Checked."}, expect=managers_only(200)),
    # Members.
    Endpoint("GET", "projects/{project}/members", expect=curators_up(200)),
    Endpoint(
        "POST",
        "projects/{project}/members",
        lambda w: {"username": "newcomer", "role": "annotator"},
        expect=managers_only(201),
    ),
    Endpoint(
        "PATCH",
        "projects/{project}/members/{member}",
        lambda w: {"role": "curator"},
        expect=managers_only(200),
    ),
    Endpoint("DELETE", "projects/{project}/members/{member}", expect=managers_only(204)),
    Endpoint(  # another project's membership, through this project
        "PATCH",
        "projects/{project}/members/{foreign_member}",
        lambda w: {"role": "curator"},
        expect=managers_only(404),
    ),
    # Articles.
    Endpoint("GET", "projects/{project}/articles", expect=members(200)),
    Endpoint("POST", "projects/{project}/articles/import", articles_upload, multipart=True, expect=managers_only(201)),
    Endpoint("GET", "articles/{article}", expect=members(200)),
    Endpoint("GET", "articles/{fresh_article}", expect=members(200, annotator=404, other_annotator=404)),
    Endpoint("GET", "articles/{foreign_article}", expect=members(404)),
    # Only the article's own reviewers submit; others are not assigned (403) or do not see it (404).
    Endpoint("POST", "articles/{article}/submit", expect=members(200, manager=403, curator=403)),
    Endpoint(
        "POST",
        "articles/{fresh_article}/submit",
        expect=members(403, annotator=404, other_annotator=404),
    ),
    Endpoint("GET", "projects/{project}/imports/{batch}", expect=managers_only(200)),
    # Assignments.
    Endpoint("GET", "projects/{project}/assignments", expect=members(200)),
    Endpoint(
        "POST",
        "projects/{project}/assignments",
        lambda w: {"article": w.fresh_article.pk, "reviewer": "annotator"},
        expect=managers_only(201),
    ),
    Endpoint(
        "POST",
        "projects/{project}/assignments",
        lambda w: {"article": w.foreign_article.pk, "reviewer": "annotator"},
        expect=managers_only(400),
    ),
    # The pull queue and leases: only annotators take work, and only their own articles' leases.
    Endpoint("POST", "projects/{project}/queue/next", expect=members(200, manager=403, curator=403)),
    Endpoint("POST", "articles/{article}/lease", expect=members(200, manager=403, curator=403)),
    Endpoint("POST", "articles/{fresh_article}/lease", expect=members(403, annotator=404, other_annotator=404)),
    Endpoint("POST", "articles/{article}/skip", expect=members(200, manager=403, curator=403)),
    Endpoint("POST", "articles/{foreign_article}/skip", expect=members(404)),
    # Curators reopen submitted work, managers move unfinished work; other projects' assignments are 404.
    Endpoint("POST", "assignments/{submitted_assignment}/reopen", expect=curators_up(200)),
    Endpoint("POST", "assignments/{foreign_assignment}/reopen", expect=members(404, outsider=403)),
    Endpoint(
        "POST",
        "assignments/{open_assignment}/reassign",
        lambda w: {"reviewer": w.member.user.username},
        expect=managers_only(201),
    ),
    Endpoint(
        "POST",
        "assignments/{foreign_assignment}/reassign",
        lambda w: {"reviewer": w.foreign_member.user.username},
        expect=members(404, outsider=403),
    ),
    # Curation: curators and managers; the article's own reviewers are members without the role (403).
    Endpoint("GET", "projects/{project}/curation", expect=curators_up(200)),
    Endpoint("GET", "articles/{ready_article}/curation", expect=curators_up(200)),
    Endpoint(
        "GET", "articles/{fresh_article}/curation", expect=curators_up(200) | {"annotator": 404, "other_annotator": 404}
    ),
    Endpoint("GET", "articles/{foreign_article}/curation", expect=members(404)),
    Endpoint("POST", "articles/{ready_article}/curation", expect=curators_up(200)),
    Endpoint("POST", "articles/{ready_article}/curation/complete", expect=curators_up(200)),
    Endpoint("POST", "articles/{curated_article}/curation/reopen", expect=curators_up(200)),
    Endpoint("POST", "articles/{ready_article}/gold", lambda w: {"start": 8, "end": 10}, expect=curators_up(201)),
    Endpoint("DELETE", "gold/{gold}", expect=curators_up(204)),
    Endpoint("GET", "projects/{project}/progress", expect=managers_only(200)),
    # Agreement: curators and managers read it and may ask for a recomputation.
    Endpoint("GET", "projects/{project}/agreement", expect=curators_up(200)),
    Endpoint("GET", "projects/{project}/agreement?metric=boundary_alpha", expect=curators_up(200)),
    Endpoint("GET", "projects/{project}/agreement/history?metric=span_f1_overlap", expect=curators_up(200)),
    Endpoint("POST", "projects/{project}/agreement/recompute", expect=curators_up(202)),
    # Dataset releases: curators and managers read and download, managers ask for new ones.
    Endpoint("GET", "projects/{project}/releases", expect=curators_up(200)),
    Endpoint("POST", "projects/{project}/releases", lambda w: {"scope": "everything"}, expect=managers_only(400)),
    Endpoint("POST", "projects/{project}/releases", expect=managers_only(400)),  # nothing curated with gold
    Endpoint("GET", "projects/{project}/releases/{release}", expect=curators_up(200)),
    Endpoint("GET", "projects/{project}/releases/{release}/files/{release_file}", expect=curators_up(409)),
    # Claims of the project's claim base.
    Endpoint("GET", "projects/{project}/claims", expect=members(200)),
    Endpoint(
        "POST",
        "projects/{project}/claims",
        lambda w: {"text": "Envoys met for two hours."},
        expect=members(201),
    ),
    Endpoint("GET", "projects/{project}/claims/search?q=ceasefire", expect=members(200)),
    Endpoint("POST", "projects/{project}/claims/import", claims_upload, multipart=True, expect=managers_only(201)),
    Endpoint("GET", "claims/{claim}", expect=members(200)),
    Endpoint("GET", "claims/{claim}/spans", expect=members(200)),
    Endpoint("GET", "claims/{foreign_claim}", expect=members(404, outsider=200)),  # the outsider's own claim base
    Endpoint("PATCH", "claims/{claim}", lambda w: {"verdict": "True", "version": 1}, expect=curators_up(200)),
    Endpoint("POST", "claims/{claim}/merge", lambda w: {"into": w.into_claim.pk}, expect=curators_up(200)),
    Endpoint("POST", "claims/{claim}/merge", lambda w: {"into": w.foreign_claim.pk}, expect=curators_up(400)),
    # Spans of an article: every member may highlight an article they may open.
    Endpoint("GET", "articles/{article}/spans", expect=members(200)),
    Endpoint("POST", "articles/{article}/spans", lambda w: span_body(ARTICLE_TEXT, "Geneva"), expect=members(201)),
    Endpoint(
        "POST",
        "articles/{fresh_article}/spans",
        lambda w: span_body(w.fresh_article.text, "Article"),
        expect=members(201, annotator=404, other_annotator=404),
    ),
    # One span (annotator's): blind review hides it from other_annotator.
    Endpoint("GET", "spans/{span}", expect=span_readers(200)),
    Endpoint("PATCH", "spans/{span}", lambda w: {"note": "Checked.", "version": 1}, expect=span_owner(200)),
    Endpoint("DELETE", "spans/{span}?version=1", expect=span_owner(204)),
    Endpoint("POST", "spans/{bare_span}/link", lambda w: {"claim": w.claim.pk}, expect=span_owner(201)),
    Endpoint("PUT", "spans/{span}/link", lambda w: {"no_match": True, "version": 1}, expect=span_owner(200)),
    Endpoint("DELETE", "spans/{span}/link?version=1", expect=span_owner(204)),
    Endpoint("GET", "spans/{span}/suggestions", expect=span_readers(200)),
    Endpoint("GET", "projects/{project}/suggestions/quality", expect=curators_up(200)),
    Endpoint(
        "POST",
        "suggestions/{suggestion}/decision",
        lambda w: {"decision": "rejected"},
        expect=span_owner(200),
    ),
    # API tokens belong to a user, not a project: everyone signed in manages their own.
    Endpoint("GET", "tokens", expect=members(200, outsider=200, staff=200)),
    Endpoint("POST", "tokens", lambda w: {"name": "ci"}, expect=members(201, outsider=201, staff=201)),
    Endpoint("DELETE", "tokens/{token}", expect=members(404, annotator=204, staff=404)),
]


@dataclass(frozen=True)
class Row:
    endpoint: Endpoint
    role: str
    status: int

    @property
    def id(self) -> str:
        return f"{self.endpoint.method} {self.endpoint.url} as {self.role} -> {self.status}"


ROWS = [
    Row(endpoint, role, status)
    for endpoint in ENDPOINTS
    for role in (*ROLES, "staff")
    if (status := endpoint.expected(role)) is not None
]


def call(world: World, role: str, endpoint: Endpoint) -> Response:
    url = "/api/v1/" + endpoint.url.format(**world.ids())
    client = client_for(world.user(role))
    body = endpoint.body(world)
    send = getattr(client, endpoint.method.lower())
    if endpoint.method in ("GET", "DELETE"):
        response = send(url)
    else:
        response = send(url, body, format="multipart" if endpoint.multipart else "json")
    assert isinstance(response, Response)
    return response


def assert_error_shape(response: Response) -> None:
    body = response.json()  # type: ignore[attr-defined]
    assert isinstance(body.get("errors"), list), body
    assert body["errors"], body
    for item in body["errors"]:
        assert {"field", "code", "message"} <= set(item), body


def test_the_table_covers_every_route_and_method() -> None:
    placeholder = re.compile(r"\{[^}]*\}|<(?:int|path):[^>]*>")
    routes = {
        (method, placeholder.sub("{}", str(pattern.pattern)))
        for pattern in urlpatterns
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if hasattr(pattern.callback.view_class, method.lower())  # type: ignore[attr-defined]
    }
    tried = {(e.method, placeholder.sub("{}", e.url.split("?")[0])) for e in ENDPOINTS}
    assert routes - tried == set()


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_permission(world: World, row: Row) -> None:
    response = call(world, row.role, row.endpoint)
    assert response.status_code == row.status, response.content
    if response.status_code >= 300:
        assert_error_shape(response)


MISSING = 2_000_000_000


@pytest.mark.parametrize(
    ("role", "method", "template", "key"),
    [
        ("outsider", "GET", "projects/{}", "project"),
        ("outsider", "PATCH", "projects/{}/members/{}", "member"),
        ("outsider", "GET", "articles/{}", "article"),
        ("outsider", "GET", "claims/{}", "claim"),
        ("outsider", "GET", "spans/{}", "span"),
        ("outsider", "GET", "spans/{}/suggestions", "span"),
        ("outsider", "DELETE", "tokens/{}", "token"),
        ("other_annotator", "GET", "articles/{}", "fresh_article"),
        ("other_annotator", "GET", "spans/{}", "span"),
        ("other_annotator", "GET", "spans/{}/suggestions", "span"),
        ("other_annotator", "PATCH", "spans/{}", "span"),
        ("other_annotator", "PUT", "spans/{}/link", "span"),
        ("other_annotator", "DELETE", "tokens/{}", "token"),
        ("manager", "PATCH", "projects/{}/members/{}", "foreign_member"),
        ("outsider", "POST", "suggestions/{}/decision", "suggestion"),
        ("other_annotator", "POST", "suggestions/{}/decision", "suggestion"),
        ("outsider", "POST", "assignments/{}/reopen", "submitted_assignment"),
        ("outsider", "POST", "assignments/{}/reassign", "open_assignment"),
        ("manager", "POST", "assignments/{}/reopen", "foreign_assignment"),
        ("outsider", "GET", "articles/{}/curation", "ready_article"),
        ("outsider", "DELETE", "gold/{}", "gold"),
        ("manager", "DELETE", "gold/{}", "span"),  # a reviewer's span is not a gold span
    ],
)
def test_a_hidden_object_answers_exactly_like_a_missing_one(
    world: World, role: str, method: str, template: str, key: str
) -> None:
    """Same status and same body, so ids do not reveal what exists in projects or spans one may not see."""
    client = client_for(world.user(role))
    send = getattr(client, method.lower())
    body = {"role": "curator", "note": "x", "version": 1, "no_match": True, "decision": "rejected"}

    def url(object_id: int) -> str:
        ids = [world.personas.project.pk, object_id] if template.count("{}") == 2 else [object_id]
        return "/api/v1/" + template.format(*ids)

    hidden = send(url(world.ids()[key]), body, format="json")
    absent = send(url(MISSING), body, format="json")
    assert hidden.status_code == 404, hidden.content
    assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json())


# --- Blind review, response by response ------------------------------------------------------------


def test_blind_review_hides_annotators_span_from_every_read_of_a_fellow_annotator(world: World) -> None:
    personas, span = world.personas, world.span
    other = client_for(personas.other_annotator)
    project, article, claim = personas.project.pk, world.article.pk, world.claim.pk

    assert other.get(f"/api/v1/articles/{article}").json()["spans"] == []
    assert other.get(f"/api/v1/articles/{article}/spans").json()["results"] == []
    assert other.get(f"/api/v1/claims/{claim}").json()["spans"] == []
    in_review = {"review_status": "in_review"}  # the world's other articles are submitted already
    listed = other.get(f"/api/v1/projects/{project}/articles", in_review).json()["results"]
    assert [(a["id"], a["my_span_count"]) for a in listed] == [(article, 0)]
    own = other.get(f"/api/v1/projects/{project}/assignments").json()["results"]
    assert {a["reviewer"] for a in own} == {"other_annotator"}

    # Claim lists and search carry no span, annotator or quote at all.
    for path in (f"projects/{project}/claims", f"projects/{project}/claims/search?q=ceasefire"):
        results = other.get(f"/api/v1/{path}").json()["results"]
        assert claim in [c["id"] for c in results]
        text = str(results)
        assert "spans" not in results[0]
        assert span.quote not in text
        assert "annotator" not in text

    # Filters do not open a side door: the article list filters by words, not by reviewer.
    assert other.get(f"/api/v1/projects/{project}/articles", {"q": "Envoys"}).json()["results"][0]["my_span_count"] == 0

    # The annotator and a curator see it.
    annotator, curator = client_for(personas.annotator), client_for(personas.curator)
    spans_of = lambda client, path: [s["id"] for s in client.get(path).json()["spans"]]  # noqa: E731
    assert span.pk in spans_of(annotator, f"/api/v1/articles/{article}")
    assert spans_of(curator, f"/api/v1/claims/{claim}") == [span.pk]
    assert [
        (a["id"], a["my_span_count"])
        for a in annotator.get(f"/api/v1/projects/{project}/articles", in_review).json()["results"]
    ] == [(article, 2)]


def test_blind_review_hides_a_span_from_writes_as_404_not_403(world: World) -> None:
    other = client_for(world.personas.other_annotator)
    span = world.span.pk
    for response in (
        other.patch(f"/api/v1/spans/{span}", {"note": "x", "version": 1}, format="json"),
        other.delete(f"/api/v1/spans/{span}?version=1"),
        other.put(f"/api/v1/spans/{span}/link", {"no_match": True, "version": 1}, format="json"),
        other.delete(f"/api/v1/spans/{span}/link?version=1"),
        other.post(f"/api/v1/suggestions/{world.suggestion.pk}/decision", {"decision": "accepted"}, format="json"),
    ):
        assert response.status_code == 404, response.content
    assert Span.objects.get(pk=span).version == 1
    assert Suggestion.objects.get(pk=world.suggestion.pk).decision == ""


def test_a_suggestion_of_a_hidden_span_cannot_be_named_in_a_link(world: World) -> None:
    other = client_for(world.personas.other_annotator)
    own = other.post(
        f"/api/v1/articles/{world.article.pk}/spans", span_body(ARTICLE_TEXT, "Kremlin"), format="json"
    ).json()
    response = other.post(
        f"/api/v1/spans/{own['id']}/link",
        {"claim": world.claim.pk, "source": "suggestion", "suggestion": world.suggestion.pk},
        format="json",
    )
    absent = other.post(
        f"/api/v1/spans/{own['id']}/link",
        {"claim": world.claim.pk, "source": "suggestion", "suggestion": 2_000_000_000},
        format="json",
    )
    assert (response.status_code, absent.status_code) == (400, 400)
    assert response.json()["errors"][0]["field"] == absent.json()["errors"][0]["field"] == "suggestion"


def test_adjudication_lifts_blind_review(world: World) -> None:
    other = client_for(world.personas.other_annotator)
    Adjudication.objects.create(
        article=world.article,
        curator=world.personas.curator,
        status=AdjudicationStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    assert other.get(f"/api/v1/spans/{world.span.pk}").status_code == 200
    assert other.get(f"/api/v1/spans/{world.span.pk}/suggestions").status_code == 200
    assert world.span.pk in [s["id"] for s in other.get(f"/api/v1/articles/{world.article.pk}").json()["spans"]]
    # Seeing is not editing.
    edit = other.patch(f"/api/v1/spans/{world.span.pk}", {"note": "x", "version": 1}, format="json")
    assert edit.status_code == 403
