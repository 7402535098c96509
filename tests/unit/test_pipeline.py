"""tasks.pipeline's per-article outcomes: the log line and the observer hook of every batch."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from config.settings import Settings
from tasks import pipeline, stages
from tasks.cpu_meter import metering, shares, spent_on
from tasks.errors import DatabaseBusy, DatabaseFull, NotAnArticle, RetryableError
from tasks.models import Article
from tasks.pipeline import (
    InlineResources,
    StageBatchEvent,
    add_observer,
    remove_observer,
    run_stage_batch,
)

RESOURCES = InlineResources(Settings())


def _article(n: int) -> Article:
    return Article(id=f"a{n}", batch_id="b1", source=f"s{n}", source_kind="inline",
                   inline_content="x", inline_content_type="text")


def _fake_clean(article: Article, _settings: Settings) -> Article:
    if article.id == "a1":
        raise NotAnArticle("no text")
    if article.id == "a2":
        raise RetryableError("busy")
    if article.id == "a3":
        raise KeyError("bug")
    return article


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[StageBatchEvent]]:
    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"],
                                                        function=_fake_clean))
    seen: list[StageBatchEvent] = []
    add_observer(seen.append)
    yield seen
    remove_observer(seen.append)


def test_every_article_gets_its_own_outcome(events: list[StageBatchEvent]) -> None:
    results = run_stage_batch("clean", [_article(n) for n in range(4)], RESOURCES)
    assert isinstance(results[0], Article)
    assert [type(r).__name__ for r in results[1:]] == ["NotAnArticle", "RetryableError",
                                                       "KeyError"]
    (event,) = events
    assert event.stage == "clean"
    assert [(a.article_id, a.fate) for a in event.articles] == [
        ("a0", "ok"), ("a1", "rejected"), ("a2", "retry"), ("a3", "error")]
    assert all(a.batch_id == "b1" and a.seconds >= 0 for a in event.articles)
    assert event.seconds >= sum(a.seconds for a in event.articles)


def test_one_log_line_per_article_with_ids_in_extra(
    events: list[StageBatchEvent], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tasks.pipeline"):
        run_stage_batch("clean", [_article(0), _article(1)], RESOURCES)
    lines = [r for r in caplog.records if r.name == "tasks.pipeline" and hasattr(r, "stage")]
    assert [(r.article_id, r.outcome) for r in lines] == [  # type: ignore[attr-defined]
        ("a0", "ok"), ("a1", "rejected")]
    assert "a1" in lines[1].getMessage() and "b1" in lines[1].getMessage()


def test_a_failing_observer_does_not_fail_the_stage(events: list[StageBatchEvent]) -> None:
    def broken(_: StageBatchEvent) -> None:
        raise RuntimeError("observer bug")

    add_observer(broken)
    try:
        results = run_stage_batch("clean", [_article(0)], RESOURCES)
    finally:
        remove_observer(broken)
    assert isinstance(results[0], Article)
    assert len(events) == 1


def test_store_outcome_is_the_stores_verdict() -> None:
    stored = _article(0).model_copy(update={"verdict": "duplicate"})
    assert pipeline.fate_of(stored) == "duplicate"
    assert pipeline.fate_of(_article(0)) == "ok"


class _OutOfTime(Exception):
    """Stands for Celery's SoftTimeLimitExceeded, an ordinary Exception (tasks/ never
    imports Celery)."""


def test_what_the_runtime_lets_through_stops_the_batch(
    events: list[StageBatchEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []

    def slow_clean(article: Article, _settings: Settings) -> Article:
        ran.append(article.id)
        if article.id == "a1":
            raise _OutOfTime()
        return article

    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"],
                                                        function=slow_clean))
    with pytest.raises(_OutOfTime):
        run_stage_batch("clean", [_article(n) for n in range(3)], RESOURCES,
                        let_through=(_OutOfTime,))
    assert ran == ["a0", "a1"]
    assert events == []  # no outcome is reported for a batch that never finished


def test_a_batch_function_that_raises_is_redone_one_by_one(
    events: list[StageBatchEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    def poisoned_batch(_articles: list[Article], _settings: Settings) -> list[object]:
        raise ValueError("one poisonous text")

    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"],
                                                        batch_function=poisoned_batch))
    results = run_stage_batch("clean", [_article(n) for n in range(4)], RESOURCES)
    assert isinstance(results[0], Article)
    assert [type(r).__name__ for r in results[1:]] == ["NotAnArticle", "RetryableError",
                                                       "KeyError"]
    (event,) = events
    assert [a.fate for a in event.articles] == ["ok", "rejected", "retry", "error"]


@pytest.mark.parametrize(
    ("error", "level"),
    [
        (DatabaseFull("store 4 articles: disk full under /data/newsflow.db: database or disk "
                      "is full; free space there (items wait meanwhile)"), logging.ERROR),
        (DatabaseBusy("store 4 articles: database is locked"), logging.WARNING),
    ],
)
def test_a_full_disk_is_an_error_for_an_operator_a_lock_a_warning(
    events: list[StageBatchEvent], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, error: DatabaseBusy, level: int,
) -> None:
    def failing_batch(_articles: list[Article], _settings: Settings) -> list[object]:
        raise error

    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"],
                                                        batch_function=failing_batch))
    with caplog.at_level(logging.INFO, logger="tasks.pipeline"):
        run_stage_batch("clean", [_article(0), _article(4)], RESOURCES)
    (line,) = [r for r in caplog.records if "one by one" in r.getMessage()]
    assert line.levelno == level
    assert line.exc_info is None  # expected weather or a human's job: no traceback
    if level == logging.ERROR:
        assert "/data/newsflow.db" in line.getMessage()


def test_a_message_is_stored_in_one_call_its_recognised_copies_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []

    def store_many(articles: list[Article], *_: object) -> list[Article | Exception]:
        calls.append([a.id for a in articles])
        return [a.model_copy(update={"verdict": "stored"}) for a in articles]

    monkeypatch.setitem(stages.STAGES, "store", replace(
        stages.STAGES["store"], batch_function=store_many,
        function=lambda a, *_: store_many([a])[0]))
    copies = {"a1", "a3", "a4"}
    batch = [_article(n).model_copy(update={"duplicate_of": "o" if f"a{n}" in copies else None})
             for n in range(5)]
    results = run_stage_batch("store", batch, RESOURCES)
    assert calls == [["a0", "a1", "a2", "a3", "a4"]]  # one call: one transaction
    assert [r.id for r in results if isinstance(r, Article)] == ["a0", "a1", "a2", "a3", "a4"]


def test_a_gate_charges_each_article_what_it_spent_on_it_alone(
    events: list[StageBatchEvent], monkeypatch: pytest.MonkeyPatch,
) -> None:
    def gate(articles: list[Article], *_: object) -> None:
        with spent_on(articles[0].id):  # as if the first one's signature took 50 ms
            _busy(0.05)
        for a in articles:
            a.duplicate_of = "o"  # both recognised: the stage itself costs them nothing

    monkeypatch.setitem(stages.STAGES, "clean", replace(stages.STAGES["clean"], gate=gate))
    run_stage_batch("clean", [_article(0), _article(1)], RESOURCES)
    (event,) = events
    first, second = (a.cpu_seconds for a in event.articles)
    assert first - second >= 0.05  # the first one's own seconds; the rest split evenly


def _busy(cpu_seconds: float) -> None:
    began = time.process_time()
    while time.process_time() - began < cpu_seconds:
        pass


def test_a_batch_function_charges_each_article_what_it_spent_on_it_alone(
    events: list[StageBatchEvent], monkeypatch: pytest.MonkeyPatch,
) -> None:
    def store_many(articles: list[Article], *_: object) -> list[Article | Exception]:
        with spent_on(articles[0].id):  # the first one's own work: 50 ms of CPU
            _busy(0.05)
        _busy(0.02)  # shared work (the transaction's locks and look-ups)
        return [a.model_copy(update={"verdict": "stored"}) for a in articles]

    monkeypatch.setitem(stages.STAGES, "store", replace(
        stages.STAGES["store"], batch_function=store_many,
        function=lambda a, *_: store_many([a])[0]))
    run_stage_batch("store", [_article(0), _article(1)], RESOURCES)
    (event,) = events
    first, second = (a.cpu_seconds for a in event.articles)
    # the difference is exactly the first one's own seconds; the shared rest is split evenly
    assert first - second >= 0.05
    assert second >= 0.01


def test_spent_on_counts_only_inside_a_meter() -> None:
    with metering() as seconds, spent_on("a"):
        _busy(0.001)
    with spent_on("b"):  # no meter: nothing recorded anywhere
        pass
    assert set(seconds) == {"a"} and seconds["a"] > 0
    assert shares([0.5, 0.0], 1.5) == [1.0, 0.5]
