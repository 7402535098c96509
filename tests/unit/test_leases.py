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
