"""The pages without a browser: who may open which page (outsiders get 404, as in the API), the queue on a
project's home, a missing frontend build, and query counts that do not grow with the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from annotations.domain import ClaimStatus, ImportKind
from annotations.models import CanonicalClaim, ImportBatch
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.review import assignment_create, assignment_submit
from tests.conftest import Personas
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_home_lists_my_projects_with_article_counts(personas: Personas) -> None:
    ArticleFactory.create_batch(3, project=personas.project)
    page = logged_in(personas.annotator).get("/").content.decode()
    assert f'data-project="{personas.project.slug}"' in page
    assert "<td>3</td>" in page
    assert f'href="/projects/{personas.project.pk}/"' in page


def test_home_hides_other_projects_and_anonymous_sees_login(personas: Personas) -> None:
    assert f'data-project="{personas.project.slug}"' not in logged_in(personas.outsider).get("/").content.decode()
    anonymous = Client().get("/").content.decode()
    assert 'href="/login/"' in anonymous
    assert "data-project" not in anonymous


def test_project_home_shows_my_queue_in_priority_order(personas: Personas) -> None:
    low = ArticleFactory.create(project=personas.project, title="Low priority", priority=0)
    high = ArticleFactory.create(project=personas.project, title="High priority", priority=5)
    done = ArticleFactory.create(project=personas.project, title="Done already")
    for article in (low, high, done):
        assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    assignment_submit(article=done, reviewer=personas.annotator)

    page = logged_in(personas.annotator).get(f"/projects/{personas.project.pk}/").content.decode()

    assert f'id="next-article" href="/articles/{high.pk}/"' in page
    assert '<strong data-count="open">2</strong>' in page
    assert '<strong data-count="submitted">1</strong>' in page
    assert "assignment.submit" in page  # my own activity
    assert "Import articles and claims" not in page  # managers only


def test_an_annotator_sees_only_their_own_activity(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project)
    assignment_create(article=article, reviewer=personas.other_annotator, actor=personas.manager)
    assignment_submit(article=article, reviewer=personas.other_annotator)
    mine = logged_in(personas.annotator).get(f"/projects/{personas.project.pk}/").content.decode()
    assert "assignment.submit" not in mine
    assert "other_annotator" not in mine
    curators = logged_in(personas.curator).get(f"/projects/{personas.project.pk}/").content.decode()
    assert "assignment.submit" in curators


@pytest.mark.parametrize(
    ("url", "who", "status"),
    [
        ("/projects/{project}/", "outsider", 404),
        ("/projects/{project}/claims/", "outsider", 404),
        ("/projects/{project}/import/", "outsider", 404),
        ("/projects/{project}/import/", "curator", 403),
        ("/projects/{project}/import/", "manager", 200),
        ("/articles/{article}/", "outsider", 404),
        ("/articles/{unassigned}/", "annotator", 404),  # an annotator sees assigned articles only
        ("/articles/{unassigned}/", "curator", 200),
        ("/articles/{article}/", "annotator", 200),
        ("/projects/{project}/", "anonymous", 302),
        ("/claims/{claim}/", "outsider", 404),
        ("/claims/{claim}/", "annotator", 200),
        ("/projects/{project}/imports/{batch}/progress/", "outsider", 404),
        ("/projects/{project}/imports/{batch}/progress/", "curator", 403),
        ("/projects/{project}/imports/{batch}/progress/", "manager", 200),
    ],
)
def test_who_may_open_which_page(personas: Personas, url: str, who: str, status: int) -> None:
    article = ArticleFactory.create(project=personas.project)
    unassigned = ArticleFactory.create(project=personas.project)
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    claim = claim_create(
        claim_base_id=personas.project.claim_base_id, fields=ClaimFields(text="A claim."), actor=personas.manager
    )
    batch = ImportBatch.objects.create(project=personas.project, kind=ImportKind.CLAIMS, created_by=personas.manager)
    client = Client() if who == "anonymous" else logged_in(getattr(personas, who))
    path = url.format(
        project=personas.project.pk, article=article.pk, unassigned=unassigned.pk, claim=claim.pk, batch=batch.pk
    )
    response = client.get(path)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/login/")


def test_the_workspace_carries_what_the_script_needs(personas: Personas) -> None:
    article = ArticleFactory.create(project=personas.project, text="One 👋 two.", language="en")
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    page = logged_in(personas.annotator).get(f"/articles/{article.pk}/").content.decode()
    assert '<div id="article-text" lang="en">One 👋 two.</div>' in page  # one text node, as stored
    assert 'data-can-annotate="true"' in page
    assert '<meta name="csrf-token"' in page
    assert "/static/app/workspace.js" in page

    assignment_submit(article=article, reviewer=personas.annotator)
    page = logged_in(personas.annotator).get(f"/articles/{article.pk}/").content.decode()
    assert 'data-can-annotate="false"' in page
    assert 'data-submitted="true"' in page


def test_a_missing_frontend_build_says_how_to_build_it(personas: Personas, settings: Any) -> None:
    article = ArticleFactory.create(project=personas.project, text="Some text.")
    assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
    settings.STATICFILES_DIRS = [("app", str(Path(settings.BASE_DIR) / "var" / "no-such-build"))]
    finders.get_finder.cache_clear()  # type: ignore[attr-defined]
    try:
        response = logged_in(personas.annotator).get(f"/articles/{article.pk}/")
    finally:
        finders.get_finder.cache_clear()  # type: ignore[attr-defined]
    assert response.status_code == 503
    page = response.content.decode()
    assert "npm --prefix frontend ci" in page
    assert "Some text." in page  # the text still shows
    assert "/static/app/workspace.js" not in page


def test_page_queries_do_not_grow_with_the_data(personas: Personas, django_assert_max_num_queries: object) -> None:
    made = 0

    def fill(n: int) -> None:
        nonlocal made
        for i in range(made, made + n):
            article = ArticleFactory.create(project=personas.project, title=f"A{i}")
            assignment_create(article=article, reviewer=personas.annotator, actor=personas.manager)
            claim_create(
                claim_base_id=personas.project.claim_base_id,
                fields=ClaimFields(text=f"Claim number {i} about ceasefire talks."),
                actor=personas.manager,
            )
        made += n

    client = logged_in(personas.annotator)
    counts = []
    for n in (5, 10):
        fill(n)
        for url in (f"/projects/{personas.project.pk}/", f"/projects/{personas.project.pk}/claims/?q=ceasefire"):
            with django_assert_max_num_queries(20) as captured:  # type: ignore[operator]
                assert client.get(url).status_code == 200
            counts.append(len(captured))
    assert counts[:2] == counts[2:], counts


def test_merging_is_for_curators_and_managers(personas: Personas) -> None:
    def claim(text: str) -> int:
        fields = ClaimFields(text=text)
        return claim_create(claim_base_id=personas.project.claim_base_id, fields=fields, actor=personas.manager).pk

    source, target = claim("Talks ended in Geneva."), claim("The Geneva talks ended.")
    denied = logged_in(personas.annotator).post(f"/claims/{source}/", {"into": target})
    assert denied.status_code == 403
    bad = logged_in(personas.curator).post(f"/claims/{source}/", {"into": "x"})
    assert bad.status_code == 400
    merged = logged_in(personas.curator).post(f"/claims/{source}/", {"into": target})
    assert merged.status_code == 302
    assert merged["Location"] == f"/claims/{target}/"
    assert CanonicalClaim.objects.get(pk=source).status == ClaimStatus.MERGED


def test_the_progress_fragment_stops_polling(personas: Personas) -> None:
    batch = ImportBatch.objects.create(project=personas.project, kind=ImportKind.CLAIMS, created_by=personas.manager)
    claim_create(
        claim_base_id=personas.project.claim_base_id,
        fields=ClaimFields(text="Waiting to be embedded."),
        actor=personas.manager,
    )
    CanonicalClaim.objects.update(import_batch=batch)
    url = f"/projects/{personas.project.pk}/imports/{batch.pk}/progress/"
    manager = logged_in(personas.manager)
    polling = manager.get(url).content.decode()
    assert "hx-get=" in polling
    assert "?polls=1" in polling
    given_up = manager.get(url + "?polls=180").content.decode()
    assert "hx-get=" not in given_up
    assert "Still embedding after three minutes" in given_up
    assert manager.get(url + "?polls=nonsense").status_code == 200
