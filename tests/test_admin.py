"""The admin: every model has a working changelist; rows no one may edit by hand are read-only."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from annotations.domain import ReleaseStatus
from annotations.models import AuditEvent, DatasetRelease
from annotations.services.audit import audit_record
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in() -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", list(apps.get_app_config("annotations").get_models()), ids=lambda m: m.__name__)
def test_every_model_is_registered_and_its_list_renders(admin_client_logged_in: Client, model: type[Model]) -> None:
    assert admin.site.is_registered(model)
    response = admin_client_logged_in.get(f"/admin/annotations/{model._meta.model_name}/")
    assert response.status_code == 200


def test_audit_events_and_published_releases_cannot_be_edited(admin_client_logged_in: Client) -> None:
    project = ProjectFactory.create()
    event = audit_record(actor=None, action="test", obj=project, project=project)
    release = DatasetRelease.objects.create(
        project=project,
        version=1,
        created_by=UserFactory.create(),
        status=ReleaseStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    page = admin_client_logged_in.get(f"/admin/annotations/auditevent/{event.pk}/change/").content.decode()
    assert 'name="action"' not in page  # shown, not editable
    response = admin_client_logged_in.post(f"/admin/annotations/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    response = admin_client_logged_in.post(f"/admin/annotations/datasetrelease/{release.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    page = admin_client_logged_in.get(f"/admin/annotations/datasetrelease/{release.pk}/change/").content.decode()
    assert 'name="version"' not in page
