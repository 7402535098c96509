"""Scenario 12: PostgreSQL restarted in the middle of a 500-article batch.

The scenario runs its own PostgreSQL cluster (``pg_server.PostgresServer``: the machine's
shared server must never be restarted) and stops it for a few seconds once items are in
extract. Every ledger write then fails: an article whose store fails is retried alone with
backoff, and a message that cannot even record its delivery (or a failure) waits as a whole
(``StageTask._wait_for_database``) and is tried again. The worker must log the cause
("database unavailable") and survive; once the server is back every item ends terminal,
none lost, none stored twice. ``recovery s``: from the restart (the server accepting again)
to the first item that reached a terminal state after it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.integration.faults.harness import FaultStack, Sweeper, article_batch, wait_for
from tests.integration.faults.pg_server import PostgresServer
from tests.integration.services import RedisServer

pytestmark = pytest.mark.integration

DOWN_S = 8.0


@pytest.fixture
def own_postgres_stack(tmp_path: Path) -> Iterator[tuple[FaultStack, PostgresServer]]:
    with ExitStack() as cleanup:
        server = PostgresServer()
        cleanup.callback(server.destroy)
        server.start()
        redis = RedisServer(tmp_path)
        redis.start()
        cleanup.callback(redis.stop)
        stack = FaultStack(tmp_path, redis, server.create_database("newsflow_faults"))
        cleanup.callback(stack.close)
        yield stack, server


def test_12_postgres_restarted_mid_run(
        own_postgres_stack: tuple[FaultStack, PostgresServer]) -> None:
    stack, server = own_postgres_stack
    files = article_batch(stack.inputs)
    worker = stack.start_worker()
    stack.enqueue(stack.inputs)
    wait_for("a quarter of the batch done and items in extract",
             lambda: stack.terminal() >= len(files) // 4 and stack.in_stage("extract") > 0)
    stack.engine.dispose()
    server.stop("fast")  # every connection closed, then nothing answers
    time.sleep(DOWN_S)
    server.start()
    server.wait_accepting()
    back_at = time.monotonic()
    before = stack.terminal()
    wait_for("items terminal again after the restart", lambda: stack.terminal() > before,
             poll=0.2)
    recovery_s = round(time.monotonic() - back_at, 1)
    # The sweeper only once the ledger stood still far longer than any backoff here.
    sweeper = Sweeper(stack, stall_s=90, older_than_s=60)
    stack.wait_terminal(len(files), while_waiting=sweeper)
    audit = stack.audit("12 PostgreSQL restarted mid-run", files, recovery_s=recovery_s)
    output = worker.output()
    print(f"[faults] PostgreSQL down {DOWN_S:.0f} s; first item terminal {recovery_s} s after "
          f"it accepted again; sweeper: {sweeper.outputs}")
    assert worker.process.poll() is None, "the worker did not survive the restart"
    assert "database unavailable" in output, output[-3000:]
    assert "Traceback" not in output, output[-5000:]
    assert sweeper.resent() == 0, sweeper.outputs
    assert audit.dead == 0
