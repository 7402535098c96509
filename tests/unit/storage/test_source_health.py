"""A poll's record on a real database: events, health, schedule, volume anomalies (SQLite
here, PostgreSQL in test_storage_pg.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert, update

from config.celeryconfig import celery_config
from config.settings import Settings, SourcesSettings
from tasks.common import utc_now
from tasks.monitor import health
from tasks.monitor.record import PollResult, record_poll
from tasks.monitor.registry import SourceSpec, add_source, get_source, list_sources, recent_events
from tasks.storage.schema import source_fetch_events, sources

S = SourcesSettings(anomaly_days=7, anomaly_min_daily=3)


def _with_history(engine: Engine, per_day: int, days: int = 8) -> int:
    row, _ = add_source(engine, SourceSpec("https://steady.example/rss"), S)
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(update(sources).where(sources.c.id == row.id)
                     .values(created_at=now - timedelta(days=days + 1)))
        conn.execute(insert(source_fetch_events), [
            {"source_id": row.id, "at": now - timedelta(days=d, hours=2), "status": "ok",
             "new_items": per_day} for d in range(1, days + 1)])
    return row.id


def test_a_source_that_goes_quiet_is_flagged_and_listed_unhealthy(
    engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    source = _with_history(engine, per_day=20)
    row = get_source(engine, source)
    assert row is not None
    with caplog.at_level(logging.WARNING, logger="tasks.monitor.record"):
        recorded = record_poll(engine, row, PollResult(health.Judgement("ok"), entries=20,
                                                       changed=True), S, utc_now())
    assert recorded.anomaly == "low" and recorded.anomaly_changed
    assert f"source {source} volume anomaly: low" in caplog.text
    assert [r.id for r in list_sources(engine, S, unhealthy=True)] == [source]
    # Back to its usual volume: the flag clears.
    row = get_source(engine, source)
    recorded = record_poll(engine, row, PollResult(health.Judgement("ok"), entries=20,  # type: ignore[arg-type]
                                                   new_items=19, changed=True), S, utc_now())
    assert recorded.anomaly is None
    assert list_sources(engine, S, unhealthy=True) == []


def test_a_flood_is_flagged_high(engine: Engine) -> None:
    source = _with_history(engine, per_day=10)
    row = get_source(engine, source)
    recorded = record_poll(engine, row, PollResult(health.Judgement("ok"), entries=500,  # type: ignore[arg-type]
                                                   new_items=500, changed=True), S, utc_now())
    assert recorded.anomaly == "high"


def test_events_are_recorded_and_failures_back_off(engine: Engine) -> None:
    row, _ = add_source(engine, SourceSpec("https://x.example/rss"), S)
    now = utc_now()
    failed = PollResult(health.Judgement("hard", "http_410: gone", 410))
    for _ in range(3):
        row = get_source(engine, row.id)  # type: ignore[assignment]
        recorded = record_poll(engine, row, failed, S, now)
    assert recorded.failure_score == 3 and recorded.status == "hard error"
    assert recorded.next_fetch_at == now + timedelta(seconds=3 * row.interval_s)
    events = recent_events(engine, row.id)
    assert [(e.status, e.http_status) for e in events] == [("hard", 410)] * 3
    assert get_source(engine, row.id).state == "active"  # type: ignore[union-attr]


def test_the_tick_is_in_the_beat_schedule_on_the_fetch_queue() -> None:
    config = celery_config(Settings(sources=SourcesSettings(tick_s=30)))
    entry = config["beat_schedule"]["poll-due-sources"]
    assert entry["task"] == "newsflow.sources_tick" and entry["schedule"] == 30
    assert entry["options"]["queue"] == "newsflow.fetch"
    assert config["task_routes"]["newsflow.source_poll"] == {"queue": "newsflow.fetch"}
