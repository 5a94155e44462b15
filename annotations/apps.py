"""App configuration for the annotation domain."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from factcheck import after_response  # noqa: F401 - connects its request signal receivers
