"""URLs of the REST API, mounted under /api/v1/."""

from django.urls import path

from annotations.api import views

app_name = "api"
urlpatterns = [
    path(
        "projects/<int:project_id>/articles/import", views.ArticleImportView.as_view(), name="articles-import"
    ),
]
