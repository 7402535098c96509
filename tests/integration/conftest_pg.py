"""PostgreSQL fixtures: one throw-away database per test session.

The server comes from ``NEWSFLOW_TEST_PG_URL`` (an admin URL, default the local trust-auth
server). Each session creates ``newsflow_test_<random>`` and drops it afterwards, so parallel
runs never collide. When the server is unreachable the tests skip, except under ``CI=true``,
where a missing database is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tasks.storage.db import get_engine, migrate
from tasks.storage.schema import metadata
from tests.integration.services import require_postgres

__all__ = ["db_url", "pg_engine", "pg_url", "postgres_admin_url"]



@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """An admin URL of a reachable server; skips (fails under CI=true) when there is none."""
    # The machine's server, started under CI=true when it is down (tests/integration/services).
    url = os.environ.get("NEWSFLOW_TEST_PG_URL") or require_postgres()
    probe = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        message = f"PostgreSQL unreachable at {make_url(url).render_as_string(True)}: {exc.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        probe.dispose()
    return url


@pytest.fixture(scope="session")
def pg_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, migrated database for this session, dropped at the end."""
    name = f"newsflow_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(False)
    try:
        migrate(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Engine:
    """The session database, emptied before each test."""
    engine = get_engine(pg_url)
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database on each backend in turn (for tests run on both)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'newsflow.db'}"
        migrate(url)
        return url
    engine: Engine = request.getfixturevalue("pg_engine")
    return engine.url.render_as_string(False)
