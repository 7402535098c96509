"""Engines, migrations and the SQLite concurrency settings."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from config.settings import StoreSettings
from tasks.errors import DatabaseBusy, DatabaseFull
from tasks.storage import db
from tasks.storage.ledger import batch_counts
from tasks.storage.repository import store_article
from tests.unit.storage.factories import article, corpus_texts


def test_engine_is_cached_per_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert db.get_engine(url) is db.get_engine(url)
    assert db.get_engine(url) is not db.get_engine(f"sqlite:///{tmp_path / 'b.db'}")


def test_dispose_engines_forgets_cached_engines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = db.get_engine(url)
    db.dispose_engines()
    assert db.get_engine(url) is not first


def test_sqlite_connections_use_wal_and_busy_timeout(tmp_path: Path) -> None:
    engine = db.get_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_migrate_is_idempotent_from_any_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    db.migrate(url)
    db.migrate(url)
    names = set(inspect(db.get_engine(url)).get_table_names())
    assert {
        "items",
        "articles",
        "entities",
        "mentions",
        "quotes",
        "stories",
        "lsh_bands",
        "articles_fts",
        "alembic_version",
    } <= names


def test_locked_database_raises_database_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    # The first transaction holds the write lock while the second one asks for it.
    with db.write_tx(engine), pytest.raises(DatabaseBusy), db.write_tx(engine) as conn:
        conn.execute(text("SELECT 1"))


def test_full_database_raises_database_full_naming_the_file(tmp_path: Path) -> None:
    # SQLite's own "disk full" (SQLITE_FULL), reached by capping the file's page count.
    path = tmp_path / "full.db"
    engine = db.get_engine(f"sqlite:///{path}")
    with db.write_tx(engine) as conn:
        conn.execute(text("CREATE TABLE t (x BLOB)"))
    with pytest.raises(DatabaseFull) as raised, db.write_tx(engine, "fill") as conn:
        conn.exec_driver_sql("PRAGMA max_page_count = 3")
        conn.execute(text("INSERT INTO t VALUES (randomblob(100000))"))
    assert isinstance(raised.value, DatabaseBusy)  # retried, not a bug
    assert raised.value.reason == "disk_full"
    assert f"disk full under {path.resolve()}" in raised.value.message


def test_disk_free_is_reported_for_sqlite_only(tmp_path: Path) -> None:
    found = db.disk_free(db.get_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    assert found is not None and found[0] == tmp_path.resolve() and found[1] > 0


def _migrate_and_store(url: str, item_id: str, body: str) -> str:
    db.migrate(url)
    stored = store_article(db.get_engine(url), article(item_id, body), StoreSettings())
    return stored.verdict or ""


def test_concurrent_processes_store_one_original(tmp_path: Path) -> None:
    # Four fresh processes migrate the same new file and store the same text at once.
    url = f"sqlite:///{tmp_path / 'race.db'}"
    body = corpus_texts()[0][1]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        outcomes = pool.starmap(_migrate_and_store, [(url, f"w{i}", body) for i in range(8)])
    assert sorted(outcomes) == ["duplicate"] * 7 + ["stored"]
    counts = batch_counts(db.get_engine(url))
    assert (counts["stored"], counts["duplicate"]) == (1, 7)
