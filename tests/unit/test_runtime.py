from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from sqlalchemy import Engine

from config.settings import ExtractSettings, get_settings, load_settings
from tasks import stages
from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
from workers.logging_setup import mask_url
from workers.runtime.stage_task import backoff_seconds


def test_backoff_grows_is_jittered_and_capped() -> None:
    settings = load_settings()
    random.seed(7)
    early = [backoff_seconds(0, settings, None) for _ in range(200)]
    late = [backoff_seconds(6, settings, None) for _ in range(200)]
    capped = [backoff_seconds(30, settings, None) for _ in range(200)]
    assert max(early) <= settings.celery.retry_backoff_s
    assert len(set(late)) > 100  # jitter: no two workers retry in lockstep
    assert max(capped) <= settings.celery.retry_backoff_max_s
    assert sum(late) / len(late) > sum(early) / len(early)


def test_backoff_honours_retry_after() -> None:
    settings = load_settings()
    assert backoff_seconds(0, settings, 42.0) >= 42.0


def test_passwords_are_masked() -> None:
    assert mask_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert mask_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert mask_url("redis://host:6379/0") == "redis://host:6379/0"


# ---- the soft time limit reaches the runtime's policy ----------------------------------------

SOFT_LIMITED = ["fast1", "slow", "fast2"]


@pytest.fixture
def ledger_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/soft.db"
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", url)
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", "memory://")
    get_settings.cache_clear()
    migrate(url)
    from workers.runtime.tasks import STAGE_TASKS

    STAGE_TASKS["clean"].forget_resources()  # the task caches them per process
    yield get_engine(url)
    STAGE_TASKS["clean"].forget_resources()
    get_settings.cache_clear()
    get_engine(url).dispose()


def _soft_limited_clean(ran: list[str]) -> Any:
    def clean(article: Article, _settings: Any) -> Article:
        ran.append(article.id)
        if article.id == "slow":
            raise SoftTimeLimitExceeded()
        return article

    return clean


def _payloads(ids: list[str]) -> list[dict[str, Any]]:
    return [{"id": i, "batch_id": "b1", "source": i, "source_kind": "inline",
             "inline_content": "x", "inline_content_type": "text"} for i in ids]


def _soft_limited(monkeypatch: pytest.MonkeyPatch, ran: list[str]) -> None:
    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"],
                                                        function=_soft_limited_clean(ran)))


def _capture_sends(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """The chains the task sends: (first stage, article ids) each."""
    import workers.producer.publish

    sent: list[tuple[str, list[str]]] = []

    def chain_from(_app: Any, stage: str, payloads: list[dict[str, Any]],
                   **_options: Any) -> Any:
        sent.append((stage, [p["id"] for p in payloads]))
        return SimpleNamespace(apply_async=lambda **_: None)

    monkeypatch.setattr(workers.producer.publish, "chain_from", chain_from)
    return sent


def test_the_soft_limit_sends_every_article_of_the_batch_alone(
    ledger_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.runtime.tasks import STAGE_TASKS

    ran: list[str] = []
    _soft_limited(monkeypatch, ran)
    sent = _capture_sends(monkeypatch)
    ledger.record_enqueued(ledger_env, _payloads(SOFT_LIMITED))

    with pytest.raises(Ignore):  # nobody survives: the chain stops in this message
        STAGE_TASKS["clean"].run_stages("clean", _payloads(SOFT_LIMITED))

    assert ran == ["fast1", "slow"]  # nothing runs once the clock has run out
    assert sent == [("clean", [i]) for i in SOFT_LIMITED]  # the whole batch, one by one
    for item_id in SOFT_LIMITED:
        row = ledger.get_item(ledger_env, item_id)
        assert row is not None and (row.state, row.stage) == ("processing", "clean")


def test_the_soft_limit_on_a_single_article_dead_letters_it(
    ledger_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.runtime.tasks import STAGE_TASKS

    ran: list[str] = []
    _soft_limited(monkeypatch, ran)
    sent = _capture_sends(monkeypatch)
    ledger.record_enqueued(ledger_env, _payloads(["slow"]))

    with pytest.raises(Ignore):
        STAGE_TASKS["clean"].run_stages("clean", _payloads(["slow"]))

    row = ledger.get_item(ledger_env, "slow")
    assert row is not None and (row.state, row.stage) == ("dead", "clean")
    assert row.reason == "SoftTimeLimitExceeded"
    assert sent == []


def test_the_extract_batch_lets_the_soft_limit_through(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks import extract

    def out_of_time(*_: Any, **__: Any) -> Any:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(extract, "pipe_bounded", out_of_time)
    articles = [Article(id=f"a{n}", source="s", text="Some text to extract from.")
                for n in range(2)]  # no language check: the blank pipeline, no model to load
    with pytest.raises(SoftTimeLimitExceeded):
        extract.extract_batch(articles, ExtractSettings())


# ---- a redelivered batch: in place once, then one article per message ------------------------

def test_a_batch_runs_in_place_on_its_first_redelivery_and_alone_after(
    ledger_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.runtime.tasks import STAGE_TASKS

    ran: list[str] = []

    def clean(article: Article, _settings: Any) -> Article:
        ran.append(article.id)
        return article

    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"], function=clean))
    sent = _capture_sends(monkeypatch)
    batch = ["a", "b", "c"]
    ledger.record_enqueued(ledger_env, _payloads(batch))
    ledger.record_started_many(ledger_env, batch, "clean")  # a delivery whose worker died

    # Redelivered once (a lost host, its lease restored it at the head of the queue): the
    # batch runs where it is, instead of three messages at the back of the queue.
    passed = STAGE_TASKS["clean"].run_stages("clean", _payloads(batch))
    assert ran == batch and sent == []
    assert passed is not None and [p["id"] for p in passed] == batch

    # Its worker died again: now something in it may be the killer, so one per message.
    ran.clear()
    with pytest.raises(Ignore):
        STAGE_TASKS["clean"].run_stages("clean", _payloads(batch))
    assert ran == []
    assert sent == [("clean", [i]) for i in batch]


def test_a_message_waits_for_its_database_as_long_as_the_sweeper_would() -> None:
    from workers.runtime.stage_task import (
        DATABASE_WAIT_MAX_S,
        database_wait_attempts,
        database_wait_s,
    )

    settings = load_settings()
    attempts = database_wait_attempts(settings)
    shortest = sum(min(DATABASE_WAIT_MAX_S, settings.celery.retry_backoff_s * 2**a) / 2
                   for a in range(attempts))
    assert shortest >= settings.pipeline.stuck_after_s
    assert attempts > settings.celery.max_retries  # a 30 min outage outlasts 5 stage retries
    for attempt in range(attempts):
        delay = database_wait_s(attempt, settings)
        step = min(DATABASE_WAIT_MAX_S, settings.celery.retry_backoff_s * 2**attempt)
        assert step / 2 <= delay <= step <= DATABASE_WAIT_MAX_S


# ---- a message of several stages counts each delivery once -----------------------------------

class _WorkerKilled(BaseException):
    """Stands for a page that kills its worker inside a stage: no fate is recorded."""


def _killing_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    def clean(_article: Article, _settings: Any) -> Article:
        raise _WorkerKilled()

    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"], function=clean))


def test_a_fetch_and_clean_message_killed_in_clean_is_split_after_two_deliveries(
    ledger_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.runtime.tasks import STAGE_TASKS

    _killing_clean(monkeypatch)
    sent = _capture_sends(monkeypatch)
    batch = ["a", "b"]
    ledger.record_enqueued(ledger_env, _payloads(batch))
    fused = ["fetch", "clean"]
    for _ in range(2):  # the delivery and its first redelivery run in place, and die in clean
        with pytest.raises(_WorkerKilled):
            STAGE_TASKS["clean"].run_stages("clean", _payloads(batch), stages=fused)
    assert sent == []
    for item_id in batch:  # both deliveries counted, once each
        row = ledger.get_item(ledger_env, item_id)
        assert row is not None and (row.state, row.stage, row.attempts) == ("processing",
                                                                            "clean", 2)

    with pytest.raises(Ignore):  # the third: one article per message, from the first stage
        STAGE_TASKS["clean"].run_stages("clean", _payloads(batch), stages=fused)
    assert sent == [("fetch", [i]) for i in batch]


def test_a_fetch_and_clean_message_that_always_kills_its_worker_ends_dead(
    ledger_env: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.runtime.tasks import STAGE_TASKS

    _killing_clean(monkeypatch)
    _capture_sends(monkeypatch)
    ledger.record_enqueued(ledger_env, _payloads(["killer"]))
    deliveries = get_settings().celery.max_retries + 1
    for _ in range(deliveries):
        with pytest.raises(_WorkerKilled):
            STAGE_TASKS["clean"].run_stages("clean", _payloads(["killer"]),
                                            stages=["fetch", "clean"])
    with pytest.raises(Ignore):  # one delivery too many: dead-lettered, not run again
        STAGE_TASKS["clean"].run_stages("clean", _payloads(["killer"]),
                                        stages=["fetch", "clean"])
    row = ledger.get_item(ledger_env, "killer")
    assert row is not None and (row.state, row.reason) == ("dead", "redelivery_limit"), row
