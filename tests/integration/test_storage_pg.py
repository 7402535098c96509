"""The storage test suite again, on PostgreSQL: same tests, same expected results.

Every test of tests/unit/storage is collected here too, with the ``engine`` fixture bound
to a PostgreSQL database (see conftest_pg.py), so both backends answer the same questions.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.unit.storage.conftest import settings  # noqa: F401
from tests.unit.storage.test_band_lookup import *  # noqa: F403
from tests.unit.storage.test_catalog import *  # noqa: F403
from tests.unit.storage.test_copy_rows import *  # noqa: F403
from tests.unit.storage.test_id_prefixes import *  # noqa: F403
from tests.unit.storage.test_lead_vectors import *  # noqa: F403
from tests.unit.storage.test_ledger import *  # noqa: F403
from tests.unit.storage.test_recognise import *  # noqa: F403
from tests.unit.storage.test_repository import *  # noqa: F403
from tests.unit.storage.test_search import *  # noqa: F403
from tests.unit.storage.test_source_health import *  # noqa: F403
from tests.unit.storage.test_source_registry import *  # noqa: F403
from tests.unit.storage.test_store_batching import *  # noqa: F403
from tests.unit.storage.test_stories import *  # noqa: F403
from tests.unit.storage.test_stories_content import *  # noqa: F403
from tests.unit.storage.test_story_candidates import *  # noqa: F403

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(pg_engine: Engine) -> Engine:
    return pg_engine


def _migrate(url: str) -> str:
    from tasks.storage.db import migrate

    migrate(url)
    return "ok"


def test_concurrent_migrations_on_a_new_database(postgres_admin_url: str) -> None:
    # Every worker runs migrate() at start-up: four at once on an empty database must leave
    # one schema at head, not an error.
    import multiprocessing
    import uuid

    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.engine import make_url

    name = f"newsflow_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(False)
    try:
        with multiprocessing.get_context("spawn").Pool(4) as pool:
            assert pool.map(_migrate, [url] * 4) == ["ok"] * 4
        probe = create_engine(url)
        with probe.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert "articles" in inspect(probe).get_table_names()
        probe.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
