"""A broker that cannot be reached when a stage hands its batch on: one line of ours, typed.

Pure code: the next message's signature is replaced by one whose send fails as kombu's and
redis-py's do under a network partition (the partition itself: tests/integration/faults/
test_partition.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import Ignore
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

import workers.runtime.stage_task as stage_task
from tasks.errors import BrokerUnreachable, RetryableError
from workers.runtime.stage_task import broker_unreachable

NO_ROUTE = "Error 113 connecting to 10.200.0.2:6379.\nNo route to host."


def test_kombu_and_redis_connection_errors_map_to_broker_unreachable() -> None:
    for exc in (OperationalError(NO_ROUTE), RedisConnectionError(NO_ROUTE),
                OSError(113, "No route to host")):
        error = broker_unreachable(exc)
        assert isinstance(error, BrokerUnreachable) and isinstance(error, RetryableError)
        assert error.reason == "broker_unreachable"
        assert "No route to host" in str(error) and "\n" not in str(error)


def test_other_errors_are_not_the_broker() -> None:
    assert broker_unreachable(ValueError("bad payload")) is None
    assert broker_unreachable(KeyError("stages")) is None


@pytest.fixture
def clean_task() -> Iterator[Any]:
    from workers.runtime.tasks import STAGE_TASKS

    task = STAGE_TASKS["clean"]
    rest = [{"task": "newsflow.store", "args": [], "kwargs": {}, "options": {}}]
    following = {"task": "newsflow.translate_check", "args": [], "kwargs": {}, "options": {}}
    task.push_request(id="m1", root_id="r1", chain=[*rest, following])
    yield task
    task.pop_request()


def _next_message(monkeypatch: pytest.MonkeyPatch, error: Exception | None) -> list[Any]:
    sent: list[Any] = []

    def apply_async(args: Any, **options: Any) -> None:
        if error is not None:
            raise error
        sent.append((args, options))

    monkeypatch.setattr(stage_task, "signature", lambda sig, app: SimpleNamespace(
        task=sig["task"], apply_async=apply_async))
    return sent


def test_an_unreachable_broker_is_one_warning_of_ours_and_the_message_ends_ignored(
    clean_task: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _next_message(monkeypatch, OperationalError(NO_ROUTE))
    with caplog.at_level(logging.WARNING, logger=stage_task.log.name), \
            pytest.raises(Ignore):
        clean_task._send_next([{"id": "a"}, {"id": "b"}])
    [record] = [r for r in caplog.records if r.name == stage_task.log.name]
    assert record.getMessage() == (
        "broker unreachable while sending translate_check for 2 articles; the lease returns "
        "them: Error 113 connecting to 10.200.0.2:6379. No route to host.")
    assert record.exc_info is None  # no traceback
    assert clean_task.request.chain is None  # Celery's trace does not try again


def test_the_next_message_is_sent_once_with_the_rest_of_the_chain(
    clean_task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _next_message(monkeypatch, None)
    clean_task._send_next([{"id": "a"}])
    [(args, options)] = sent
    assert args == ([{"id": "a"}],)
    assert [s["task"] for s in options["chain"]] == ["newsflow.store"]
    assert (options["parent_id"], options["root_id"]) == ("m1", "r1")
    assert clean_task.request.chain is None  # sent here, not again by the trace


def test_another_error_while_sending_is_not_hidden(
    clean_task: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _next_message(monkeypatch, ValueError("not serialisable"))
    with pytest.raises(ValueError):
        clean_task._send_next([{"id": "a"}])
