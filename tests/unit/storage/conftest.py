"""Storage tests run on a fresh, migrated SQLite file per test.

The same test modules are collected again by tests/integration/test_storage_pg.py with a
PostgreSQL ``engine`` fixture, so every test here must hold on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.storage.db import get_engine, migrate


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'newsflow.db'}"
    migrate(url)
    engine = get_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings() -> StoreSettings:
    return StoreSettings()
