"""URLs of the REST API, mounted under /api/v1/."""

from django.urls import path

app_name = "api"
urlpatterns: list = []
