"""Pure parts of the leases (workers.leases, workers.runtime.lease_keeper); the behaviour on a
real Redis with real consumers is tests/integration/test_leases.py and fault scenarios 10-11."""

from __future__ import annotations

import os

import pytest

import workers.leases
from config.settings import load_settings
from workers.leases import LeaseKeys, claim_owner, current_owner
from workers.runtime.lease_keeper import leases_enabled


@pytest.fixture(autouse=True)
def _owner_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    # claim_owner() names the whole test process a lease owner: undo it after the test, so
    # no later test's consumer writes leases.
    monkeypatch.setattr(workers.leases, "_owner", None)

def test_lease_keys_live_under_the_queue_prefix() -> None:
    keys = LeaseKeys("newsflow.lease")
    assert keys.owners == "newsflow.lease.owners"
    assert keys.alive("h:1:ab") == "newsflow.lease.alive.h:1:ab"
    assert keys.held("h:1:ab") == "newsflow.lease.held.h:1:ab"


def test_each_claim_is_a_new_owner_naming_host_and_pid() -> None:
    first, second = claim_owner(), claim_owner()
    assert first != second and current_owner() == second
    assert second.split(":")[1] == str(os.getpid())


def test_leases_only_on_a_redis_broker_and_when_not_turned_off() -> None:
    assert leases_enabled(load_settings(broker_url="redis://127.0.0.1:6379/0"))
    assert leases_enabled(load_settings(broker_url="rediss://127.0.0.1:6380/0"))
    assert not leases_enabled(load_settings(broker_url="filesystem:///tmp/nf-broker"))
    assert not leases_enabled(load_settings(broker_url="redis://127.0.0.1:6379/0",
                                            celery={"lease_ttl_s": 0}))


class _Held:
    """The two Redis reads held_item_ids makes, over plain dicts."""

    def __init__(self, held: set[str], unacked: dict[str, str]) -> None:
        self.held, self.unacked = held, unacked

    def smembers(self, _key: str) -> set[str]:
        return self.held

    def hget(self, _key: str, tag: str) -> str | None:
        return self.unacked.get(tag)


def _unacked_record(args: list[object], base64_body: bool) -> str:
    import base64
    import json

    body = json.dumps([args, {}, {}])
    if base64_body:
        body = base64.b64encode(body.encode()).decode()
    raw = {"body": body, "properties": {"body_encoding": "base64" if base64_body else "utf-8"}}
    return json.dumps([raw, "newsflow", "newsflow.extract"])


def test_held_item_ids_reads_the_articles_of_each_held_stage_message() -> None:
    from workers.leases import held_item_ids

    client = _Held(
        {"t1", "t2", "t3", "gone"},
        {
            "t1": _unacked_record([[{"id": "a"}, {"id": "b"}], "extract"], base64_body=True),
            "t2": _unacked_record([[{"id": "c"}]], base64_body=False),
            "t3": _unacked_record([], base64_body=False),  # a sweep: no articles
        },
    )
    count, ids = held_item_ids(client, LeaseKeys("newsflow.lease"), "h:1:ab")
    assert count == 4  # "gone" was acked between the two reads: counted, holds nothing
    assert ids == {"a", "b", "c"}
