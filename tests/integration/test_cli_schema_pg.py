"""Read commands against a brand-new PostgreSQL database: a message naming `newsflow db
upgrade`, exit code 2, no table created; `newsflow db upgrade` then makes the schema."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_pg(postgres_admin_url: str) -> Iterator[str]:
    name = f"newsflow_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _newsflow(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSFLOW_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "workers", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_reads_on_an_empty_database_name_the_upgrade(empty_pg: str) -> None:
    for args in (["status"], ["search", "word"], ["failed", "--json"], ["show", "abc"]):
        done = _newsflow(empty_pg, *args)
        assert done.returncode == 2, done.stderr
        assert "has no newsflow tables yet" in done.stderr
        assert "newsflow db upgrade" in done.stderr and "Traceback" not in done.stderr
        assert done.stdout == ""
    assert _tables(empty_pg) == []
    upgraded = _newsflow(empty_pg, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "alembic_version" in _tables(empty_pg)
    assert _newsflow(empty_pg, "db", "check").returncode == 0
    status = _newsflow(empty_pg, "status", "--json")
    assert status.returncode == 0 and " INFO " not in status.stderr, status.stderr
