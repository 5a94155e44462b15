"""App configuration for the annotation domain."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from annotations.matching.retrieval import hnsw_settings
        from factcheck import after_response  # noqa: F401 - connects its request signal receivers

        connection_created.connect(hnsw_settings, dispatch_uid="annotations.hnsw_settings")
