"""Leases on a real redis-server, with real kombu consumers in their own processes.

A holder process takes messages through newsflow's Redis transport without acking them,
as a worker main process does with running and prefetched messages, and renews its lease
with the real ``LeaseKeeper`` thread. The test process plays the other workers' recovery
scan (``LeaseKeeper.beat``). Killed, the holder's messages come back once (not twice, even
with two recoverers at once); alive, nothing it holds is ever taken from it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

import workers.leases
from tests.integration.services import RedisServer
from workers.broker_transport import Transport
from workers.leases import LeaseKeys, claim_owner, current_owner
from workers.runtime.lease_keeper import LeaseKeeper

pytestmark = pytest.mark.integration

QUEUE = "leases-test"
PREFIX = "leases-test.lease"
TTL_S = 3
COUNT = 5


def _connection(url: str) -> Connection:
    return Connection(url, transport=Transport, transport_options={
        "lease_prefix": PREFIX, "lease_ttl": TTL_S, "visibility_timeout": 3600})


def _hold(url: str, count: int, report: Any, leased: bool = True) -> None:
    """A consumer that takes ``count`` messages, never acks them, and keeps its lease
    (``leased=False``: a process that never claimed an owner, e.g. an older newsflow)."""
    owner = claim_owner() if leased else "none"
    with _connection(url) as conn:
        simple = conn.SimpleQueue(QUEUE)
        held = [simple.get(timeout=30) for _ in range(count)]
        if leased:
            LeaseKeeper(lambda: _connection(url), LeaseKeys(PREFIX), owner, TTL_S).start()
        report.put((owner, [m.delivery_tag for m in held]))
        while True:
            time.sleep(1)


@pytest.fixture(autouse=True)
def _owner_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    # claim_owner() names the whole test process a lease owner: undo it after the test, so
    # no later test's consumer writes leases.
    monkeypatch.setattr(workers.leases, "_owner", None)

@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


class Holder:
    def __init__(self, url: str, count: int = COUNT, leased: bool = True) -> None:
        context = multiprocessing.get_context("spawn")
        report = context.Queue()
        self.process = context.Process(target=_hold, args=(url, count, report, leased),
                                       daemon=True)
        self.process.start()
        self.owner, self.tags = report.get(timeout=60)

    def kill(self) -> None:
        os.kill(self.process.pid or 0, signal.SIGKILL)
        self.process.join(timeout=30)


def _publish(url: str, count: int = COUNT) -> None:
    with _connection(url) as conn:
        simple = conn.SimpleQueue(QUEUE)
        for number in range(count):
            simple.put({"number": number})
        simple.close()


def _recoverer(url: str) -> tuple[Connection, LeaseKeeper]:
    claim_owner()  # the test process now records its own holdings too, like a live worker
    conn = _connection(url)
    keeper = LeaseKeeper(lambda: conn, LeaseKeys(PREFIX), "recoverer", TTL_S)
    return conn, keeper


def _state(conn: Connection, owner: str) -> dict[str, int]:
    channel = conn.default_channel
    with channel.conn_or_acquire() as client:
        return {
            "queued": int(client.llen(QUEUE)),
            "unacked": int(client.hlen(channel.unacked_key)),
            # kombu's own index, which its visibility-timeout restore (the safety net) reads.
            "index": int(client.zcard(channel.unacked_index_key)),
            "held": int(client.scard(LeaseKeys(PREFIX).held(owner))),
            "registered": int(client.sismember(LeaseKeys(PREFIX).owners, owner)),
        }


def _until_restored(keeper: LeaseKeeper, conn: Connection, expected: int) -> int:
    restored = 0
    deadline = time.monotonic() + 20 * TTL_S
    while restored < expected and time.monotonic() < deadline:
        restored += keeper.beat(conn.default_channel)
        time.sleep(TTL_S / 3)
    return restored


def test_a_killed_holders_messages_come_back_once(redis_url: str) -> None:
    _publish(redis_url)
    holder = Holder(redis_url)
    conn, keeper = _recoverer(redis_url)
    with conn:
        held = _state(conn, holder.owner)
        assert held == {"queued": 0, "unacked": COUNT, "index": COUNT, "held": COUNT,
                        "registered": 1}
        holder.kill()
        assert _until_restored(keeper, conn, COUNT) == COUNT
        # Back on the queue, once each, flagged as redelivered; the dead owner forgotten.
        assert _state(conn, holder.owner) == {"queued": COUNT, "unacked": 0, "index": 0,
                                              "held": 0, "registered": 0}
        simple = conn.SimpleQueue(QUEUE)
        again = [simple.get(timeout=5) for _ in range(COUNT)]
        assert sorted(m.payload["number"] for m in again) == list(range(COUNT))
        assert all(m.delivery_info.get("redelivered") for m in again)
        me = current_owner()
        assert me is not None and _state(conn, me)["held"] == COUNT  # now recorded as ours
        for message in again:
            message.ack()
        # An ack clears the lease record with kombu's own (one MULTI/EXEC).
        assert _state(conn, me) == {"queued": 0, "unacked": 0, "index": 0, "held": 0,
                                    "registered": 1}
        assert keeper.beat(conn.default_channel) == 0


def test_a_live_holder_keeps_its_messages(redis_url: str) -> None:
    _publish(redis_url)
    holder = Holder(redis_url)
    conn, keeper = _recoverer(redis_url)
    with conn:
        # Four whole lease periods of recovery scans while the owner is alive and renewing.
        stolen = 0
        deadline = time.monotonic() + 4 * TTL_S
        while time.monotonic() < deadline:
            stolen += keeper.beat(conn.default_channel)
            time.sleep(TTL_S / 6)
        assert stolen == 0
        assert _state(conn, holder.owner) == {"queued": 0, "unacked": COUNT, "index": COUNT,
                                              "held": COUNT, "registered": 1}
        # The same scan does take them once the owner is gone: the check above can fail.
        holder.kill()
        assert _until_restored(keeper, conn, COUNT) == COUNT


def test_two_recoverers_at_once_restore_each_message_once(redis_url: str) -> None:
    count = 40
    _publish(redis_url, count)
    holder = Holder(redis_url, count)
    holder.kill()
    connections = [_connection(redis_url) for _ in range(2)]
    keepers = [LeaseKeeper(lambda c=c: c, LeaseKeys(PREFIX), f"r{i}", TTL_S)  # type: ignore[misc]
               for i, c in enumerate(connections)]
    totals = [0, 0]

    def scan(index: int) -> None:
        deadline = time.monotonic() + 20 * TTL_S
        while sum(totals) < count and time.monotonic() < deadline:
            totals[index] += keepers[index].beat(connections[index].default_channel)
            time.sleep(0.01)

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connections[0] as conn:
        state = _state(conn, holder.owner)
    connections[1].release()
    # Each message back exactly once, whichever recoverer moved it.
    assert state["queued"] == count and state["unacked"] == 0, (state, totals)


def test_a_consumer_without_a_lease_is_left_to_the_visibility_timeout(redis_url: str) -> None:
    # No lease says whose they are, so nothing may presume its owner dead.
    _publish(redis_url)
    holder = Holder(redis_url, leased=False)
    holder.kill()
    conn, keeper = _recoverer(redis_url)
    with conn:
        restored = 0
        deadline = time.monotonic() + 2 * TTL_S
        while time.monotonic() < deadline:
            restored += keeper.beat(conn.default_channel)
            time.sleep(TTL_S / 3)
        assert restored == 0
        assert _state(conn, "none") == {"queued": 0, "unacked": COUNT, "index": COUNT,
                                        "held": 0, "registered": 0}


def test_a_redis_that_lost_its_data_is_noticed_once_and_by_one_worker(redis_url: str) -> None:
    resets: list[str] = []
    keepers = []
    for name in ("a", "b", "c"):
        keeper = LeaseKeeper(lambda: _connection(redis_url), LeaseKeys(PREFIX), name, TTL_S,
                             on_reset=lambda name=name: resets.append(name))  # type: ignore[misc]
        keepers.append(keeper)
    with _connection(redis_url) as conn:
        for keeper in keepers:  # first rounds: one epoch for all, no reset
            keeper.beat(conn.default_channel)
        assert resets == []
        assert len({keeper.epoch for keeper in keepers}) == 1
        for keeper in keepers:  # nothing happened: still none
            keeper.beat(conn.default_channel)
        assert resets == []
        with conn.default_channel.conn_or_acquire() as client:
            client.flushall()  # what a restart without persistence leaves
        for keeper in keepers:
            keeper.beat(conn.default_channel)
        assert resets == ["a"]  # the first to look acts, the others only adopt the epoch
        assert len({keeper.epoch for keeper in keepers}) == 1
        for keeper in keepers:
            keeper.beat(conn.default_channel)
        assert resets == ["a"]
