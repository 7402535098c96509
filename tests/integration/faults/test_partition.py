"""Scenario 13: a worker cut off from Redis and PostgreSQL by a partition for 60 s.

One worker runs in its own network namespace (``netns.Namespace``), reaching the scenario's
own redis-server and PostgreSQL cluster over a veth pair; a second worker runs outside.
Mid-run the link goes down (packets dropped, nothing reset) for 60 s. Expected:

* the cut-off worker takes no new message while cut off (its log receives nothing);
* its lease expires and the outside worker restores every message it held, and finishes
  them (``recovery s``: the cut -> every item it held terminal);
* the link comes back and the same worker process (never restarted) takes work again: a
  second batch enqueued then is shared by both;
* every item of both batches terminal, none lost, none stored twice (what the cut-off
  worker was running when the link returned may finish there as well: the ledger and the
  content-hash key keep it stored once).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.integration.faults.harness import (
    FaultStack,
    Sweeper,
    article_batch,
    wait_for,
)
from tests.integration.faults.netns import Namespace
from tests.integration.faults.pg_server import PostgresServer
from tests.integration.faults.test_leases import (
    LEASES,
    _client,
    _held,
    _held_items,
    _not_terminal,
    _owner_of,
)
from tests.integration.services import RedisServer

pytestmark = pytest.mark.integration

CUT_S = 60.0
FIRST, SECOND = 300, 60  # items: a run that outlasts the cut, then one after it


@pytest.fixture
def partitioned(tmp_path: Path) -> Iterator[tuple[FaultStack, Namespace, dict[str, str]]]:
    """The stack, the namespace, and the environment of a worker inside it."""
    with ExitStack() as cleanup:
        namespace = Namespace()
        cleanup.callback(namespace.destroy)
        namespace.create()
        listen = ("127.0.0.1", namespace.host_address)
        server = PostgresServer(listen=listen)
        cleanup.callback(server.destroy)
        server.start()
        redis = RedisServer(tmp_path, bind=listen)
        redis.start()
        cleanup.callback(redis.stop)
        database = "newsflow_faults"
        stack = FaultStack(tmp_path, redis, server.create_database(database))
        cleanup.callback(stack.close)
        inner_env = dict(
            stack.env,
            NEWSFLOW_BROKER_URL=f"redis://{namespace.host_address}:{redis.port}/0",
            NEWSFLOW_DATABASE_URL=server.url(database, host=namespace.host_address))
        yield stack, namespace, inner_env


def test_13_worker_partitioned_for_60_s(
        partitioned: tuple[FaultStack, Namespace, dict[str, str]]) -> None:
    stack, namespace, inner_env = partitioned
    first = article_batch(stack.inputs / "first", total=FIRST)
    outside = stack.start_worker()
    inside = stack.start_worker(env=inner_env, prefix=tuple(namespace.prefix))
    stack.wait_ready(outside)
    stack.wait_ready(inside)
    stack.enqueue(stack.inputs / "first")
    owner = _owner_of(stack, inside)
    wait_for("the namespaced worker to hold messages mid-run",
             lambda: stack.in_stage("extract") > 0 and _held(stack, owner) > 0, poll=0.2)

    namespace.cut()
    cut_at = time.monotonic()
    held = _held_items(stack, owner)
    done_at_cut = stack.terminal()
    time.sleep(5)  # what it had already received may still be logged
    quiet_from = len(inside.output())
    wait_for("the cut-off worker's messages restored by the other",
             lambda: not _client(stack).sismember(f"{LEASES}.owners", owner), poll=0.5,
             timeout=CUT_S + 30)
    restored_s = round(time.monotonic() - cut_at, 1)
    time.sleep(max(0.0, cut_at + CUT_S - time.monotonic()))
    received_while_cut = inside.output()[quiet_from:].count(" received")
    done_while_cut = stack.terminal() - done_at_cut

    namespace.restore()
    restored_link_at = time.monotonic()
    wait_for("the items it held terminal", lambda: _not_terminal(stack, held) == 0)
    recovery_s = round(time.monotonic() - cut_at, 1)
    log_at_return = len(inside.output())
    second = article_batch(stack.inputs / "second", total=SECOND, distinct_pages=30)
    stack.enqueue(stack.inputs / "second")
    sweeper = Sweeper(stack, stall_s=90, older_than_s=60)
    stack.wait_terminal(FIRST + SECOND, while_waiting=sweeper)
    audit = stack.audit("13 worker partitioned from Redis and PostgreSQL for 60 s",
                        first + second, recovery_s=recovery_s)
    after_return = inside.output()[log_at_return:]
    print(f"[faults] link down {CUT_S:.0f} s; the cut-off worker held {len(held)} items: "
          f"restored by the other {restored_s} s after the cut, all terminal {recovery_s} s "
          f"after it; {done_while_cut} items finished while cut; it received "
          f"{received_while_cut} messages while cut and {after_return.count(' received')} "
          f"after the link returned ({time.monotonic() - restored_link_at:.0f} s); sweeper "
          f"{sweeper.outputs}")
    assert held, "the worker held nothing when cut off: nothing was tested"
    assert received_while_cut == 0, inside.output()[quiet_from:][-3000:]
    assert done_while_cut > 0, "nothing progressed while one worker was cut off"
    assert f"lease of worker {owner} expired" in outside.output()
    assert inside.process.poll() is None and outside.process.poll() is None
    assert " received" in after_return, after_return[-3000:]
    assert audit.dead == 0
    # What it was running when cut off met the cut at the broker (a batch it could not hand
    # on) or at the database (a batch that waits and comes again), depending on where the
    # cut landed: either way one line of ours, no Celery traceback.
    assert "raised unexpected" not in inside.output(), inside.output()[-3000:]
    met_the_cut = [line for line in ("broker unreachable while sending", "database unavailable")
                   if line in inside.output()]
    assert met_the_cut, inside.output()[max(0, quiet_from - 3000):quiet_from + 3000]
