"""Read commands never migrate: a missing, empty, older or newer schema gets a message naming
`newsflow db upgrade` (or an upgrade of newsflow), exit code 2, and the database untouched."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from tasks.storage import db
from tasks.storage.schema_version import schema_state
from tests.unit.cli.conftest import Cli

HEAD = ", ".join(schema_state("sqlite:///").heads)  # the newest revision the code carries

READS = [
    ["show", "abc"], ["search", "word"], ["export", "--format", "jsonl"], ["stories"],
    ["entities"], ["status"], ["status", "--json"], ["failed"],
]

NEXT_MIGRATION = '''"""a later migration this database has not had"""
revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def _fingerprint(path: Path) -> tuple[str, list[str], list[str]]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
        versions = (sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
                    if "alembic_version" in tables else [])
    finally:
        conn.close()
    return digest, tables, versions


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_no_database_file_is_not_created(cli: Cli, db_path: Path, args: list[str]) -> None:
    done = cli(*args)
    assert done.exit_code == 2, done.output
    assert "has no newsflow tables yet" in done.stderr
    assert "newsflow db upgrade" in done.stderr and f"newsflow {args[0]}" in done.stderr
    assert not db_path.exists()
    assert done.stdout == ""


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_an_empty_database_stays_empty(cli: Cli, db_path: Path, args: list[str]) -> None:
    db_path.write_bytes(b"")
    done = cli(*args)
    assert done.exit_code == 2 and "newsflow db upgrade" in done.stderr, done.output
    assert db_path.stat().st_size == 0


def test_tables_without_a_schema_version(cli: Cli, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE unrelated (x)")
    conn.commit()
    conn.close()
    before = _fingerprint(db_path)
    done = cli("stories")
    assert done.exit_code == 2, done.output
    assert "no newsflow schema version" in done.stderr and "newsflow db upgrade" in done.stderr
    assert _fingerprint(db_path) == before


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_database_one_migration_behind(
    cli: Cli, db_path: Path, migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    newer = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, newer, ignore=shutil.ignore_patterns("__pycache__"))
    (newer / "versions" / "v9001_later.py").write_text(NEXT_MIGRATION.format(head=HEAD))
    monkeypatch.setattr(db, "MIGRATIONS_DIR", newer)
    db.dispose_engines()
    before = _fingerprint(db_path)
    assert before[2] == [HEAD]
    done = cli(*args)
    assert done.exit_code == 2, done.output
    assert f"schema revision {HEAD}, behind this newsflow's 9001" in done.stderr
    assert "run `newsflow db upgrade`" in done.stderr and done.stdout == ""
    assert _fingerprint(db_path) == before
    # The named command does the upgrade; the read then runs.
    assert cli("db", "upgrade").exit_code == 0
    assert _fingerprint(db_path)[2] == ["9001"]
    assert cli("db", "check").exit_code == 0
    assert cli(*args).exit_code == (2 if args[0] == "show" else 0)  # no article "abc"


def test_a_database_migrated_by_a_newer_newsflow(cli: Cli, db_path: Path, migrated: str) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '7777'")
    conn.commit()
    conn.close()
    done = cli("search", "word")
    assert done.exit_code == 2, done.output
    assert f"7777, newer than this newsflow knows ({HEAD}): upgrade newsflow" in done.stderr


def test_db_upgrade_current_and_check(cli: Cli, db_path: Path) -> None:
    missing = cli("db", "check")
    assert missing.exit_code == 2 and "newsflow db upgrade" in missing.stderr
    assert not db_path.exists()
    assert "current  (none)" in cli("db", "current").stdout
    done = cli("db", "upgrade")
    assert done.exit_code == 0, done.output
    assert f"at schema revision {HEAD} (newest)" in done.stderr
    assert cli("db", "upgrade").exit_code == 0  # idempotent
    assert cli("db", "check").exit_code == 0
    assert f"current  {HEAD}\nnewest   {HEAD}" in cli("db", "current").stdout
    assert cli("stories").exit_code == 0


def test_reads_neither_migrate_nor_log_at_info(
    cli: Cli, migrated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_migrations(url: str) -> None:
        raise AssertionError("a read command migrated")

    monkeypatch.setattr(db, "migrate", no_migrations)
    for args in READS[1:]:
        done = cli(*args, NEWSFLOW_LOG_LEVEL="INFO")
        assert done.exit_code == 0, (args, done.output)
        assert " INFO " not in done.stderr, (args, done.stderr)


def test_write_commands_migrate_a_fresh_database(cli: Cli, db_path: Path) -> None:
    # `replay --unsent` on a new machine: nothing to send, but the schema is made first.
    done = cli("replay", "--unsent")
    assert done.exit_code == 0, done.output
    assert "replayed 0 items" in done.stderr
    assert _fingerprint(db_path)[2] == [HEAD]
