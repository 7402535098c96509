"""Migration 0003 on PostgreSQL: stored rows get their language's tsvector."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tasks.storage import db
from tests.unit.storage.test_search_migration import migrate_existing_rows

pytestmark = pytest.mark.integration


def test_the_migration_reindexes_stored_articles_on_postgres(postgres_admin_url: str) -> None:
    name = f"newsflow_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(False)
    try:
        assert migrate_existing_rows(url) == ["de1", "en1"]
        with db.get_engine(url).connect() as conn:
            configs = conn.execute(
                text("SELECT id, search_config::text FROM articles ORDER BY id")
            ).all()
        assert [tuple(r) for r in configs] == [("de1", "german"), ("en1", "english")]
    finally:
        db.dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
