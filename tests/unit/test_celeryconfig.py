from __future__ import annotations

import pytest

from config.celeryconfig import celery_config
from config.settings import SettingsError, load_settings


def test_delivery_options_are_at_least_once_and_json_only() -> None:
    config = celery_config(load_settings(broker_url="redis://127.0.0.1:6379/0"))
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 2
    assert config["accept_content"] == ["json"] and config["task_serializer"] == "json"
    assert config["task_soft_time_limit"] < config["task_time_limit"] < config[
        "broker_transport_options"]["visibility_timeout"]
    assert 0 < config["worker_soft_shutdown_timeout"] <= config["task_soft_time_limit"]
    assert config["broker_transport"] == "workers.broker_transport:Transport"


def test_restore_scan_follows_a_short_visibility_timeout() -> None:
    settings = load_settings(broker_url="redis://127.0.0.1:6379/0", celery={
        "soft_time_limit_s": 5, "hard_time_limit_s": 8, "visibility_timeout_s": 20,
        "retry_backoff_max_s": 5})
    options = celery_config(settings)["broker_transport_options"]
    assert options["unacked_restore_interval"] == 2 and options["unacked_restore_throttle"] == 1


def test_workers_take_leases_far_shorter_than_the_visibility_timeout() -> None:
    # Default settings: a dead worker's messages come back by lease (~40 s), not after the
    # one-hour visibility timeout, which stays as the safety net.
    settings = load_settings(broker_url="redis://127.0.0.1:6379/0")
    options = celery_config(settings)["broker_transport_options"]
    assert options["lease_prefix"] == "newsflow.lease"
    assert options["lease_ttl"] == 30 and options["visibility_timeout"] == 3600
    off = load_settings(broker_url="redis://127.0.0.1:6379/0", celery={"lease_ttl_s": 0})
    assert celery_config(off)["broker_transport_options"]["lease_ttl"] == 0
    with pytest.raises(SettingsError, match="LEASE_TTL_S"):
        load_settings(broker_url="redis://127.0.0.1:6379/0", celery={"lease_ttl_s": 1})


@pytest.mark.parametrize("celery, message", [
    ({"soft_time_limit_s": 10, "hard_time_limit_s": 10}, "HARD_TIME_LIMIT"),
    ({"hard_time_limit_s": 200, "visibility_timeout_s": 150}, "VISIBILITY_TIMEOUT"),
    ({"visibility_timeout_s": 250, "retry_backoff_max_s": 300}, "RETRY_BACKOFF_MAX_S"),
])
def test_limits_must_increase(celery: dict[str, float], message: str) -> None:
    # Checked by the settings model, so at start-up, before any Celery option is made.
    with pytest.raises(SettingsError, match=message):
        load_settings(broker_url="redis://127.0.0.1:6379/0", celery=celery)


def test_filesystem_broker_writes_messages_whole() -> None:
    # kombu's stock filesystem transport let a worker read a message file half written.
    config = celery_config(load_settings(broker_url="filesystem:///tmp/nf-broker"))
    assert config["broker_transport"] == "workers.broker_transport:FilesystemTransport"


def test_a_pool_process_past_its_memory_limit_is_replaced() -> None:
    config = celery_config(load_settings(broker_url="redis://127.0.0.1:6379/0"))
    assert config["worker_max_memory_per_child"] == 1024 * 1024  # KiB, as Celery takes it
    off = celery_config(load_settings(broker_url="redis://127.0.0.1:6379/0",
                                      celery={"max_memory_per_child_mb": None}))
    assert "worker_max_memory_per_child" not in off
