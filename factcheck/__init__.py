"""The factcheck Django project: settings, URLs, the Celery app and the embedded services.

Importing the package loads the Celery app so that `shared_task` binds to it.
"""

from factcheck.celery import app as celery_app

__all__ = ["celery_app"]
