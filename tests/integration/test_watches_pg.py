"""The watch repository and delivery tests again, on PostgreSQL (see test_storage_pg.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.unit.storage.conftest import settings  # noqa: F401
from tests.unit.watches.test_deliver import *  # noqa: F403
from tests.unit.watches.test_repository import *  # noqa: F403

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(pg_engine: Engine) -> Engine:
    return pg_engine
