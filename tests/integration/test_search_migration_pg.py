"""Migration 0003 on PostgreSQL: stored rows get their language's tsvector."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tasks.storage import db
from tests.integration.services import temporary_database
from tests.unit.storage.test_search_migration import migrate_existing_rows

pytestmark = pytest.mark.integration


def test_the_migration_reindexes_stored_articles_on_postgres() -> None:
    with temporary_database() as url:
        assert migrate_existing_rows(url) == ["de1", "en1"]
        with db.get_engine(url).connect() as conn:
            configs = conn.execute(
                text("SELECT id, search_config::text FROM articles ORDER BY id")
            ).all()
        assert [tuple(r) for r in configs] == [("de1", "german"), ("en1", "english")]
