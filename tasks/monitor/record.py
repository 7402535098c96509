"""A poll's outcome written in one transaction: its fetch event, the entries now seen, the
source's health and validators, and its next poll time.

A 429/503 with Retry-After moves the next poll of every active source on the same domain
to after it, in the database too (embedded mode has no Redis to share the mark).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, update

from config.settings import SourcesSettings
from tasks.common import batched
from tasks.monitor import health
from tasks.monitor.anomaly import daily_new_items, judge_volume
from tasks.monitor.registry import SourceRow
from tasks.storage.db import write_tx
from tasks.storage.dialect import insert_ignore
from tasks.storage.schema import source_entries, source_fetch_events, sources

__all__ = ["PollResult", "Recorded", "record_poll"]

logger = logging.getLogger(__name__)


@dataclass
class PollResult:
    judgement: health.Judgement
    bytes: int = 0
    entries: int = 0
    new_items: int = 0
    duration_ms: int = 0
    full: bool = False  # a 200 with a body: validators and hash below are the new ones
    changed: bool = False  # the body differs from the last one (entries were parsed)
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    declared_s: float | None = None
    validators_unreliable: bool = False
    seen_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Recorded:
    status: str
    failure_score: float
    interval_s: float
    next_fetch_at: datetime
    anomaly: str | None
    anomaly_changed: bool


def _status(judgement: health.Judgement) -> str:
    if judgement.kind in health.FAILURE_KINDS:
        return f"{judgement.kind} error"[:64]
    return {"ok": "working", "not_modified": "not modified", "unchanged": "unchanged",
            "deferred": "deferred"}[judgement.kind]


def record_poll(
    engine: Engine, row: SourceRow, result: PollResult, settings: SourcesSettings,
    now: datetime,
) -> Recorded:
    judgement = result.judgement
    reached = judgement.kind in {health.OK, health.NOT_MODIFIED, health.UNCHANGED}
    declared = result.declared_s if result.full else row.declared_s
    interval = row.interval_s
    if reached:
        interval = health.adapt_interval(
            row.interval_s, every_s=row.every_s, declared_s=declared,
            entries=result.entries, new=result.new_items, changed=result.changed,
            settings=settings)
    score = health.next_score(row.failure_score, judgement)
    delay = health.next_delay(interval, score, judgement, settings)
    next_at = now + timedelta(seconds=delay)
    values: dict[str, Any] = {
        "failure_score": score, "interval_s": interval, "next_fetch_at": next_at,
        "last_fetch_at": now, "updated_at": now, "declared_s": declared,
        # A 304 or a deferral keeps the earlier verdict visible (see health).
        "status": row.status if judgement.kind == health.DEFERRED else _status(judgement),
    }
    if judgement.failed:
        values["last_error"] = judgement.note
    if judgement.kind == health.OK:
        values["last_success_at"] = now
        values["items_total"] = sources.c.items_total + result.new_items
    if result.full:
        values.update(etag=result.etag, last_modified=result.last_modified,
                      body_hash=result.body_hash, last_full_fetch_at=now)
    if result.validators_unreliable:
        values["conditional"] = False
    with write_tx(engine, "record poll") as conn:
        for chunk in batched(result.seen_keys, 500):
            conn.execute(insert_ignore(
                conn, source_entries,
                [{"source_id": row.id, "entry_key": k, "first_seen_at": now} for k in chunk],
                ["source_id", "entry_key"]))
        conn.execute(insert(source_fetch_events).values(
            source_id=row.id, at=now, status=judgement.kind, http_status=judgement.http_status,
            bytes=result.bytes, entries=result.entries, new_items=result.new_items,
            duration_ms=result.duration_ms, note=judgement.note or None))
        anomaly = row.anomaly
        if reached:
            today, previous = daily_new_items(conn, row.id, now, settings.anomaly_days,
                                              since=row.created_at)
            anomaly = judge_volume(today, previous, settings)
            values["anomaly"] = anomaly
        conn.execute(update(sources).where(sources.c.id == row.id).values(**values))
        if judgement.retry_after_s and judgement.kind == health.TEMPORARY:
            conn.execute(update(sources).where(and_(
                sources.c.domain == row.domain, sources.c.state == "active",
                sources.c.next_fetch_at < next_at, sources.c.id != row.id,
            )).values(next_fetch_at=next_at))
        conn.execute(delete(source_fetch_events).where(and_(
            source_fetch_events.c.source_id == row.id,
            source_fetch_events.c.at < now - timedelta(days=settings.events_keep_days))))
    changed = anomaly != row.anomaly
    if changed and anomaly is not None:
        logger.warning("source %s volume anomaly: %s (%s)", row.id, anomaly, row.url)
    return Recorded(values["status"], score, interval, next_at, anomaly, changed)

