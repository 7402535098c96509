"""Fixtures of the fault suite: each scenario gets its own redis-server and database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.integration.faults.harness import FaultStack
from tests.integration.services import RedisServer, temporary_database

MakeStack = Callable[..., FaultStack]


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[MakeStack]:
    """``make_stack(password=None, **settings)``: a started private Redis, a fresh PostgreSQL
    database and the environment; settings are ``section__field=value`` overrides."""
    with ExitStack() as cleanup:

        def make(password: str | None = None, **settings: str) -> FaultStack:
            redis = RedisServer(tmp_path, password=password)
            redis.start()
            cleanup.callback(redis.stop)
            database_url = cleanup.enter_context(temporary_database("newsflow_faults"))
            stack = FaultStack(tmp_path, redis, database_url, **settings)
            cleanup.callback(stack.close)
            return stack

        yield make
