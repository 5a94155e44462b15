"""The releases page: curators and managers see it (annotators 403, outsiders 404), only managers create; the
form shows each problem beside its field; a building release polls, a published one lists its counts, its
agreement figures and a download link per file; the project home and nav link to it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotations.models import DatasetRelease
from annotations.services.releases import release_build
from tests.services.test_curation import Team
from tests.services.test_releases import curated

__all__ = ["curated"]

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def manager(team: Team) -> User:
    user = team.manager  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def url(team: Team) -> str:
    return f"/projects/{team.project.pk}/releases/"


def test_who_may_open_and_create(curated: Team) -> None:
    outsider = User.objects.create(username="stranger")
    for user, see, create in [
        (manager(curated), 200, 302),
        (curated.curator, 200, 403),
        (curated.a, 403, 403),
        (outsider, 404, 404),
    ]:
        client = logged_in(user)
        assert client.get(url(curated)).status_code == see, user
        assert client.get(url(curated) + "list/").status_code == see, user
        assert client.post(url(curated), {"scope": "curated"}).status_code == create, user
    assert DatasetRelease.objects.count() == 1
    anonymous = Client().get(url(curated))
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]


def test_only_managers_see_the_form(curated: Team) -> None:
    assert 'id="new-release"' in logged_in(manager(curated)).get(url(curated)).content.decode()
    curator_page = logged_in(curated.curator).get(url(curated)).content.decode()
    assert 'id="new-release"' not in curator_page
    assert 'id="no-releases"' in curator_page


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"published_from": "2026-03-01", "published_to": "2026-02-01"}, "published_from"),
        ({"published_to": "not a date"}, "published_to"),
        ({"labels": ["no-such-label"]}, "labels"),
        ({"published_to": "1990-01-01"}, "scope"),  # nothing to release
    ],
)
def test_each_problem_shows_beside_its_field(curated: Team, form: dict[str, object], field: str) -> None:
    response = logged_in(manager(curated)).post(url(curated), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'data-error="{field}">[^<]+<', html), html
    assert html.count('data-error="') == 1
    assert not DatasetRelease.objects.exists()
    if "published_to" in form:
        assert f'value="{form["published_to"]}"' in html  # what was typed is kept


def test_building_then_published(curated: Team) -> None:
    client = logged_in(manager(curated))
    response = client.post(url(curated), {"scope": "curated", "include_reviewer_spans": "on"})
    assert response.status_code == 302
    release = DatasetRelease.objects.get()
    assert release.filters["include_reviewer_spans"] is True
    html = client.get(url(curated)).content.decode()
    assert 'data-status="building"' in html
    assert 'hx-trigger="load delay:2s"' in html
    assert f'hx-get="{url(curated)}list/?page=1"' in html

    release_build(release_id=release.pk)
    fragment = logged_in(curated.curator).get(url(curated) + "list/").content.decode()
    assert 'data-status="published"' in fragment
    assert "hx-get" not in fragment  # polling stops
    assert 'data-count="spans"' in fragment
    api = f"/api/v1/projects/{curated.project.pk}/releases/1/files/"
    for name in ("spans.jsonl", "spans.parquet", "claim-retrieval/qrels.tsv", "manifest.json", "README.md"):
        assert f'href="{api}{name}"' in fragment


def test_agreement_figures_of_the_manifest_show(curated: Team) -> None:
    client = logged_in(manager(curated))
    client.post(url(curated), {"scope": "curated"})
    release = DatasetRelease.objects.get()
    release_build(release_id=release.pk)
    release.refresh_from_db()
    html = client.get(url(curated)).content.decode()
    figures = release.manifest["agreement"].get("figures", {})
    if figures:
        for metric in figures:
            assert f'data-metric="{metric}"' in html
    else:
        assert "No agreement figures" in html


def test_project_home_and_nav_link_to_it(curated: Team) -> None:
    for user, linked in [(manager(curated), True), (curated.curator, True), (curated.a, False)]:
        html = logged_in(user).get(f"/projects/{curated.project.pk}/").content.decode()
        assert (f'href="{url(curated)}"' in html) is linked


def test_ten_releases_a_page_newest_first(curated: Team) -> None:
    from annotations.services.releases import release_create, release_filters_clean

    filters = release_filters_clean({}, project=curated.project)
    for _ in range(12):
        release_create(project=curated.project, actor=manager(curated), filters=filters, dispatch=False)
    DatasetRelease.objects.update(status="failed", error="not built in this test")
    client = logged_in(curated.curator)
    first = client.get(url(curated)).content.decode()
    assert re.findall(r'data-version="(\d+)"', first) == [str(v) for v in range(12, 2, -1)]
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    second = client.get(url(curated) + "?page=2").content.decode()
    assert re.findall(r'data-version="(\d+)"', second) == ["2", "1"]
    assert re.findall(r'data-version="(\d+)"', client.get(url(curated) + "list/?page=2").content.decode()) == ["2", "1"]
