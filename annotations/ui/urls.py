"""URLs of the browser pages."""

urlpatterns: list = []
