"""Migration 0003: stored articles are re-indexed with their language's stemmer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from alembic import command
from sqlalchemy import text

from tasks.storage import db
from tasks.storage.filters import ArticleFilter
from tasks.storage.migrations.versions import v0003_stemmed_search
from tasks.storage.search import search
from tasks.storage.search_terms import STEMMERS, pg_config

_ROW = (
    "INSERT INTO articles (id, item_id, source, title, language, text, content_hash, "
    "shingle_count, payload, stored_at) VALUES (:id, :id, 'test', :title, :lang, :text, :id, "
    "0, :payload, '2026-12-04T00:00:00+00:00')"
)


def migrate_existing_rows(url: str, reset: Callable[[], None] = lambda: None) -> list[str]:
    """Store two articles at revision 0001, upgrade to head, return what "Verhandlungen" finds."""
    engine = db.get_engine(url)
    with engine.connect() as conn:
        command.upgrade(db._alembic_config(conn), "0001")
        conn.commit()
    with engine.begin() as conn:
        for item_id, lang, title, body in (
            ("de1", "de", "Gespräche", "Die Verhandlung in Genf endete ohne Ergebnis."),
            ("en1", "en", "Talks", "The negotiation in Geneva ended without a result."),
        ):
            payload = json.dumps({"id": item_id, "source": "test", "text": body})
            conn.execute(
                text(_ROW),
                {"id": item_id, "title": title, "lang": lang, "text": body, "payload": payload},
            )
    db.migrate(url)
    found = [r["id"] for r in search(engine, ArticleFilter(query="Verhandlungen Genf"))]
    found += [r["id"] for r in search(engine, ArticleFilter(query="negotiations"))]
    return found


def test_the_migration_reindexes_stored_articles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert migrate_existing_rows(url) == ["de1", "en1"]


def test_the_migrations_frozen_configs_match_the_code() -> None:
    frozen = v0003_stemmed_search.PG_CONFIG_OF
    assert {code: pg_config(code) for code in STEMMERS if pg_config(code) != "simple"} == frozen
