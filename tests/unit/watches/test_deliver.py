"""One delivery attempt against a real loopback receiver: delivered, retried with back-off
while the receiver is down, failed when attempts run out or the receiver refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from config.settings import StoreSettings, WatchesSettings
from tasks.errors import WatchInvalid
from tasks.storage.repository import store_article
from tasks.watches import api, deliveries
from tasks.watches.deliver import attempt, backoff_seconds
from tasks.watches.spec import WatchSpec
from tests.integration.services import free_port
from tests.unit.storage.factories import seed_articles
from tests.unit.watches.receiver import Receiver

SETTINGS = WatchesSettings(allow_private_hosts=["127.0.0.1"], timeout_s=5, max_attempts=3,
                           retry_backoff_s=60, retry_backoff_max_s=120)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(secret="key").start()
    yield running
    running.stop()


def _watch(engine: Engine, url: str, settings: StoreSettings) -> tuple[str, int]:
    watch = api.create_watch(engine, WatchSpec(name="nato", query="NATO", webhook_url=url,
                                               secret="key"), SETTINGS)
    store_article(engine, seed_articles()[0], settings)
    [delivery_id] = deliveries.stale_pending(engine, timedelta(0))
    return watch.id, delivery_id


def _due_now(engine: Engine, delivery_id: int) -> None:
    # The back-off is the task's to wait; the test makes the row due instead of sleeping.
    deliveries.finish(engine, delivery_id, deliveries.PENDING, retry_in=timedelta(0))


def test_a_delivery_posts_the_signed_export_record(
    engine: Engine, settings: StoreSettings, receiver: Receiver,
) -> None:
    watch_id, delivery_id = _watch(engine, receiver.url, settings)
    outcome = attempt(engine, delivery_id, SETTINGS)
    assert (outcome.kind, outcome.watch_name, outcome.article_id) == (
        "delivered", "nato", "seed-ria")
    [receipt] = receiver.matches()
    assert receipt.signed and receipt.delivery == str(delivery_id)
    assert receipt.body["watch"] == {"id": watch_id, "name": "nato"}
    assert receipt.body["article"]["id"] == "seed-ria"
    assert receipt.body["article"]["publisher"] == "RIA Novosti"
    assert attempt(engine, delivery_id, SETTINGS).kind == "skipped"  # never twice
    assert len(receiver.received) == 1


def test_a_receiver_down_is_retried_then_the_delivery_fails_visibly(
    engine: Engine, settings: StoreSettings,
) -> None:
    watch_id, delivery_id = _watch(engine, f"http://127.0.0.1:{free_port()}/hook", settings)
    kinds = []
    for _ in range(SETTINGS.max_attempts):
        outcome = attempt(engine, delivery_id, SETTINGS)
        kinds.append(outcome.kind)
        if outcome.kind == "retry":
            assert outcome.retry_in_s is not None and outcome.retry_in_s > 0
            assert attempt(engine, delivery_id, SETTINGS).kind == "skipped"  # not due for long
            _due_now(engine, delivery_id)
    assert kinds == ["retry", "retry", "failed"]
    record = api.get_watch(engine, watch_id)
    assert record is not None and record["deliveries"] == {"failed": 1}
    [failed] = record["recent"]
    assert failed["attempts"] == 3 and "gave up after 3 attempts" in failed["last_error"]


def test_a_receiver_that_comes_back_gets_the_delivery_once(
    engine: Engine, settings: StoreSettings,
) -> None:
    port = free_port()
    _, delivery_id = _watch(engine, f"http://127.0.0.1:{port}/hook", settings)
    assert attempt(engine, delivery_id, SETTINGS).kind == "retry"
    _due_now(engine, delivery_id)
    late = Receiver(secret="key", port=port).start()
    try:
        assert attempt(engine, delivery_id, SETTINGS).kind == "delivered"
        assert len(late.matches()) == 1 and late.matches()[0].signed
    finally:
        late.stop()


def test_a_refusing_receiver_fails_the_delivery_at_once(
    engine: Engine, settings: StoreSettings, receiver: Receiver,
) -> None:
    receiver.status = 410
    _, delivery_id = _watch(engine, receiver.url, settings)
    outcome = attempt(engine, delivery_id, SETTINGS)
    assert outcome.kind == "failed" and outcome.detail == "127.0.0.1 answered 410"


def test_backoff_grows_and_is_capped() -> None:
    tuning = WatchesSettings(retry_backoff_s=1, retry_backoff_max_s=8)
    for attempts in range(1, 12):
        delay = backoff_seconds(attempts, tuning)
        assert 0.5 <= delay <= min(8, 2 ** (attempts - 1))
    assert backoff_seconds(1, tuning, retry_after_s=5) == 5
    assert backoff_seconds(1, tuning, retry_after_s=500) == 8
    assert backoff_seconds(10, tuning, retry_after_s=500, cap_s=3) == 3  # the broker's limit
    assert all(backoff_seconds(n, tuning, cap_s=0.2) <= 0.2 for n in range(1, 10))


def test_api_lists_without_secrets_tests_and_refuses_a_taken_name(
    engine: Engine, settings: StoreSettings, receiver: Receiver,
) -> None:
    watch_id, _ = _watch(engine, receiver.url, settings)
    [listed] = api.list_watches(engine)
    assert listed["id"] == watch_id and "secret" not in listed
    assert listed["deliveries"] == {"pending": 1}
    assert api.test_watch(engine, watch_id, SETTINGS) == {"ok": True, "status": 204,
                                                          "error": None}
    [ping] = receiver.received
    assert ping.signed and ping.body == {"event": "watch.test",
                                         "watch": {"id": watch_id, "name": "nato"},
                                         "delivery": None}
    with pytest.raises(WatchInvalid, match="exists already"):
        api.create_watch(engine, WatchSpec(name="nato", query="x", webhook_url=receiver.url),
                         SETTINGS)
    with pytest.raises(WatchInvalid, match="loopback"):
        api.create_watch(engine, WatchSpec(name="lo", query="x", webhook_url=receiver.url),
                         WatchesSettings())
    assert api.delete_watch(engine, watch_id) and api.list_watches(engine) == []


def test_a_message_a_little_early_waits_instead_of_being_dropped(
    engine: Engine, settings: StoreSettings,
) -> None:
    _, delivery_id = _watch(engine, f"http://127.0.0.1:{free_port()}/hook", settings)
    assert attempt(engine, delivery_id, SETTINGS).kind == "retry"
    deliveries.finish(engine, delivery_id, deliveries.PENDING, retry_in=timedelta(seconds=3))
    early = attempt(engine, delivery_id, SETTINGS)
    assert early.kind == "early" and early.retry_in_s is not None and early.retry_in_s <= 3
    deliveries.finish(engine, delivery_id, deliveries.DELIVERED, http_status=204)
    assert attempt(engine, delivery_id, SETTINGS).kind == "skipped"
