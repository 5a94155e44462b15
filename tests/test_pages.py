"""The placeholder pages: home lists the signed-in user's projects, and only theirs."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_home_lists_my_projects_with_article_counts(personas: Personas) -> None:
    ArticleFactory.create_batch(3, project=personas.project)
    client = Client()
    client.force_login(personas.annotator)
    page = client.get("/").content.decode()
    assert f'data-project="{personas.project.slug}"' in page
    assert "<td>3</td>" in page


def test_home_hides_other_projects_and_anonymous_sees_login(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.outsider)
    assert f'data-project="{personas.project.slug}"' not in client.get("/").content.decode()
    anonymous = Client().get("/").content.decode()
    assert 'href="/login/"' in anonymous
    assert "data-project" not in anonymous
