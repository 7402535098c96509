"""Poll one source: download (conditionally), parse, hand the new entries to the producer,
record the outcome. A plain function; the Celery task in workers/runtime is a thin wrapper.

New entries go through the same producer path as ``newsflow enqueue`` (``enqueue`` is
injected: tasks/ never imports Celery), under the batch ``source-<id>``: ledger rows first,
then messages; entries with full content travel inline, the others as URLs the fetch stage
downloads. The entries are marked seen only after the producer took them, so a broker
failure re-offers them at the next poll (and the ledger's item keys keep that from storing
anything twice). Every failure is recorded as health, never raised: one bad source must not
hold up the others.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import Engine, and_, select

from config.settings import Settings
from tasks.common import utc_now
from tasks.errors import NewsflowError
from tasks.fetching.http import Gate
from tasks.monitor import health
from tasks.monitor.backoff import back_off, backoff_left_s
from tasks.monitor.entries import Entry, parse_source
from tasks.monitor.feed_fetch import FeedResponse, fetch_feed
from tasks.monitor.record import PollResult, Recorded, record_poll
from tasks.monitor.registry import ACTIVE, SourceRow, get_source
from tasks.sources.items import SourceItem, SourceProblem
from tasks.storage.db import read_tx
from tasks.storage.schema import source_entries

if TYPE_CHECKING:
    import redis

__all__ = ["Enqueue", "PollReport", "add_poll_observer", "batch_of", "poll_source"]

logger = logging.getLogger(__name__)

# (items, batch id) -> how many the producer sent; raises when the broker refused them.
Enqueue = Callable[[list[SourceItem | SourceProblem], str], int]


@dataclass(frozen=True)
class PollReport:
    source_id: int
    outcome: str  # a health kind, or "skipped" (paused, removed, already polled)
    new_items: int = 0
    recorded: Recorded | None = None


_observers: list[Callable[[PollReport], None]] = []


def add_poll_observer(observer: Callable[[PollReport], None]) -> None:
    """Called after every poll (workers/runtime/metrics.py counts them)."""
    _observers.append(observer)


def batch_of(source_id: int) -> str:
    return f"source-{source_id}"


def _known(engine: Engine, source_id: int, keys: list[str]) -> set[str]:
    found: set[str] = set()
    with read_tx(engine, "seen entries") as conn:
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            found.update(conn.execute(select(source_entries.c.entry_key).where(and_(
                source_entries.c.source_id == source_id,
                source_entries.c.entry_key.in_(chunk)))).scalars())
    return found


def _validators(row: SourceRow, settings: Settings, now: datetime) -> tuple[str | None, ...]:
    """The validators to send; none when the server lied before, or a full fetch is due."""
    full_due = (row.last_full_fetch_at is None or (now - row.last_full_fetch_at)
                .total_seconds() >= settings.sources.full_fetch_every_s)
    if not row.conditional or full_due:
        return None, None
    return row.etag, row.last_modified


def _take_new(
    engine: Engine, row: SourceRow, entries: list[Entry], enqueue: Enqueue,
) -> tuple[int, list[str]]:
    """Send the entries none of whose keys was seen; return their count and all new keys."""
    all_keys = sorted({k for e in entries for k in e.keys})
    known = _known(engine, row.id, all_keys)
    fresh: list[Entry] = []
    taken: set[str] = set()
    for entry in entries:
        if known.isdisjoint(entry.keys) and taken.isdisjoint(entry.keys):
            fresh.append(entry)
            taken.update(entry.keys)
    if fresh:
        enqueue([e.result for e in fresh], batch_of(row.id))
    return len(fresh), sorted(set(all_keys) - known)


def _handle_body(
    engine: Engine, row: SourceRow, settings: Settings, response: FeedResponse,
    enqueue: Enqueue,
) -> PollResult:
    body_hash = hashlib.sha256(response.body).hexdigest()
    result = PollResult(health.Judgement(health.UNCHANGED, http_status=200), full=True,
                        etag=response.etag, last_modified=response.last_modified,
                        body_hash=body_hash, bytes=len(response.body))
    if body_hash == row.body_hash:
        return result
    # Same ETag, different body: the server's validators cannot be trusted (Media Cloud
    # turned conditional GET off for such servers); from now on the body hash decides.
    result.validators_unreliable = bool(row.body_hash and row.etag
                                        and response.etag == row.etag)
    entries, parsed = parse_source(response.body, row.url, settings.fetch.max_bytes)
    if parsed.problem is not None and not entries:
        note = f"{parsed.problem.reason}: {parsed.problem.message}"[:500]
        # Not kept as the last good body: the same broken page again is an error again,
        # not "unchanged".
        return PollResult(health.Judgement(health.SOFT, note, 200), bytes=len(response.body))
    result.new_items, result.seen_keys = _take_new(engine, row, entries, enqueue)
    note = "validators unreliable: same ETag, changed body" if result.validators_unreliable \
        else ""
    result.judgement = health.Judgement(health.OK, note, 200)
    result.changed, result.entries, result.declared_s = True, len(entries), parsed.declared_s
    return result


def poll_source(
    engine: Engine, settings: Settings, source_id: int, *, enqueue: Enqueue,
    gate: Gate | None = None, client: redis.Redis | None = None,
    claimed_at: datetime | None = None, now: datetime | None = None,
) -> PollReport:
    """Poll ``source_id`` once; see the module docstring. ``client``: the politeness Redis
    (domain back-off), None in embedded mode."""
    row = get_source(engine, source_id)
    if row is None or row.state != ACTIVE:
        return PollReport(source_id, "skipped")
    if claimed_at is not None and row.last_fetch_at is not None \
            and row.last_fetch_at >= claimed_at:
        return PollReport(source_id, "skipped")  # a redelivered message of a finished poll
    now = now or utc_now()
    prefix = settings.fetch.politeness_key_prefix
    host = (urlsplit(row.url).hostname or "").lower()
    started = time.monotonic()
    wait = backoff_left_s(client, prefix, host)
    if wait > 0:
        result = PollResult(health.Judgement(health.DEFERRED, "domain backed off",
                                             retry_after_s=wait))
    else:
        etag, modified = _validators(row, settings, now)
        try:
            response = fetch_feed(row.url, settings.fetch, etag=etag, last_modified=modified,
                                  gate=gate)
            if response.status == 304:
                result = PollResult(health.Judgement(health.NOT_MODIFIED, http_status=304))
            else:
                result = _handle_body(engine, row, settings, response, enqueue)
        except NewsflowError as exc:
            result = PollResult(health.judge_error(exc))
        except Exception as exc:  # a broker refusing the batch: try again at the next poll
            logger.exception("source %s: poll failed", source_id)
            result = PollResult(health.Judgement(health.SOFT, f"error: {exc}"[:500]))
    judgement = result.judgement
    if judgement.kind == health.TEMPORARY and judgement.retry_after_s:
        back_off(client, prefix, host, min(judgement.retry_after_s, 86400.0))
    result.duration_ms = int((time.monotonic() - started) * 1000)
    recorded = record_poll(engine, row, result, settings.sources, now)
    logger.info("source %s polled: %s, %d new, next in %.0fs", source_id, judgement.kind,
                result.new_items, (recorded.next_fetch_at - now).total_seconds())
    report = PollReport(source_id, judgement.kind, result.new_items, recorded)
    for observer in _observers:
        observer(report)
    return report
