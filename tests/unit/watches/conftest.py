"""Watch tests that need a database run on a fresh, migrated SQLite file per test; the same
modules run again on PostgreSQL in tests/integration/test_watches_pg.py."""

from __future__ import annotations

from tests.unit.storage.conftest import engine, settings

__all__ = ["engine", "settings"]
