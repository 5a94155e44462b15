"""Every database connection carries the HNSW scan settings, so the dense query is a single statement."""

from __future__ import annotations

import pytest
from django.db import connections

from annotations.matching.retrieval import HNSW_EF_SEARCH

pytestmark = pytest.mark.django_db


def test_a_new_connection_has_the_hnsw_settings() -> None:
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SHOW hnsw.ef_search")
            assert cursor.fetchone() == (str(HNSW_EF_SEARCH),)
            cursor.execute("SHOW hnsw.iterative_scan")
            assert cursor.fetchone() == ("relaxed_order",)
    finally:
        fresh.close()
