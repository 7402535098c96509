"""The ledger's named readers: counts by state and by stage, a batch's pace, rows to replay
or sweep, one item by id or by a unique id prefix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from tasks.common import utc_now
from tasks.storage.db import read_tx
from tasks.storage.ledger.rows import ItemRow, aware, item_row
from tasks.storage.ledger.states import (
    ALL_STATES,
    DONE_STATES,
    FAILED_STATES,
    IN_FLIGHT_STATES,
    TERMINAL_STATES,
)
from tasks.storage.schema import items

__all__ = [
    "BatchPace",
    "admitted_sources",
    "batch_counts",
    "batch_pace",
    "counts_by_stage",
    "done_since",
    "get_item",
    "in_flight_count",
    "item_ids_with_prefix",
    "items_for_replay",
    "list_items",
    "stuck_items",
    "terminal_count",
]


def batch_counts(engine: Engine, batch_id: str | None = None) -> dict[str, int]:
    """Rows per state (every state listed, 0 included), of one batch or of all."""
    query = select(items.c.state, func.count()).group_by(items.c.state)
    if batch_id is not None:
        query = query.where(items.c.batch_id == batch_id)
    counts: dict[str, int] = dict.fromkeys(ALL_STATES, 0)
    with read_tx(engine, "batch_counts") as conn:
        for state, count in conn.execute(query):
            counts[state] = int(count)
    return counts


def counts_by_stage(engine: Engine, batch_id: str | None = None) -> dict[tuple[str, str], int]:
    """Rows per (stage, state): the stage an item is at, or ended in ("" before any)."""
    query = select(items.c.stage, items.c.state, func.count()).group_by(
        items.c.stage, items.c.state
    )
    if batch_id is not None:
        query = query.where(items.c.batch_id == batch_id)
    with read_tx(engine, "counts_by_stage") as conn:
        return {(stage or "", state): int(n) for stage, state, n in conn.execute(query)}


def done_since(engine: Engine, since: datetime) -> int:
    """Items that reached a done state (stored, duplicate) at or after ``since``: the recent
    rate a status page shows."""
    query = select(func.count()).where(
        items.c.state.in_(DONE_STATES), items.c.updated_at >= since
    )
    with read_tx(engine, "done_since") as conn:
        return int(conn.execute(query).scalar_one())


def terminal_count(counts: dict[str, int]) -> int:
    """Items of ``counts`` (``batch_counts``) that reached a terminal state."""
    return sum(counts.get(state, 0) for state in TERMINAL_STATES)


def in_flight_count(counts: dict[str, int]) -> int:
    """Items of ``counts`` (``batch_counts``) still queued or processing."""
    return sum(counts.get(state, 0) for state in IN_FLIGHT_STATES)


@dataclass(frozen=True)
class BatchPace:
    """How fast a batch is finishing, from its ledger rows' timestamps."""

    done: int
    total: int
    rate_per_s: float | None  # terminal items per second since the batch was enqueued
    eta_s: float | None


def batch_pace(engine: Engine, batch_id: str, counts: dict[str, int]) -> BatchPace:
    """Rate and ETA of ``batch_id`` given its ``batch_counts``: one aggregate query."""
    done, total = terminal_count(counts), sum(counts.values())
    query = select(func.min(items.c.created_at), func.max(items.c.updated_at)).where(
        items.c.batch_id == batch_id
    )
    with read_tx(engine, "batch_pace") as conn:
        first, last = conn.execute(query).one()
    if first is None or not done:
        return BatchPace(done, total, None, None)
    first, last = aware(first), aware(last)
    # While items are still open, the clock runs until now; when all are done, until the last.
    end = last if done >= total else utc_now()
    elapsed = max((end - first).total_seconds(), 1e-3)
    rate = done / elapsed
    return BatchPace(done, total, rate, (total - done) / rate if done < total else 0.0)


def admitted_sources(engine: Engine, item_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``(source, source_kind)`` of each item that has a row: what the producer admitted."""
    ids = list(item_ids)
    if not ids:
        return {}
    with read_tx(engine, "admitted_sources") as conn:
        rows = conn.execute(select(items.c.id, items.c.source, items.c.source_kind)
                            .where(items.c.id.in_(ids))).all()
    return {str(row.id): (str(row.source), str(row.source_kind)) for row in rows}


def get_item(engine: Engine, item_id: str) -> ItemRow | None:
    with read_tx(engine, "get_item") as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    return item_row(row) if row is not None else None


def item_ids_with_prefix(engine: Engine, prefix: str, limit: int = 10) -> list[str]:
    """Ids (sorted, at most ``limit``) of the rows whose id starts with ``prefix``.

    For git-style short ids: one result means the prefix is unique. ``%`` and ``_`` in the
    prefix are matched literally; the ``substr`` test keeps SQLite's case-insensitive LIKE
    from matching ``AB`` to ``ab...``.
    """
    query = (
        select(items.c.id)
        .where(items.c.id.startswith(prefix, autoescape=True),
               func.substr(items.c.id, 1, len(prefix)) == prefix)
        .order_by(items.c.id)
        .limit(limit)
    )
    with read_tx(engine, "item_ids_with_prefix") as conn:
        return list(conn.execute(query).scalars())


def list_items(
    engine: Engine,
    states: Iterable[str] | None = None,
    reason: str | None = None,
    batch_id: str | None = None,
    limit: int | None = 100,
    ids: Iterable[str] | None = None,
) -> list[ItemRow]:
    query = select(items).order_by(items.c.created_at, items.c.id)
    if states is not None:
        query = query.where(items.c.state.in_(list(states)))
    if reason is not None:
        query = query.where(items.c.reason == reason)
    if batch_id is not None:
        query = query.where(items.c.batch_id == batch_id)
    if ids is not None:
        query = query.where(items.c.id.in_(list(ids)))
    if limit is not None:
        query = query.limit(limit)
    with read_tx(engine, "list_items") as conn:
        return [item_row(r) for r in conn.execute(query).mappings()]


def items_for_replay(
    engine: Engine,
    ids: Iterable[str] | None = None,
    reason: str | None = None,
    states: Iterable[str] = FAILED_STATES,
) -> list[ItemRow]:
    """Rows to enqueue again (their ``payload`` is the original Article)."""
    return list_items(engine, states=states, reason=reason, ids=ids, limit=None)


def stuck_items(
    engine: Engine,
    older_than: timedelta,
    limit: int = 1000,
    states: Iterable[str] = IN_FLIGHT_STATES,
) -> list[ItemRow]:
    """Not-terminal rows untouched for ``older_than`` (lost messages, crashed workers)."""
    query = (
        select(items)
        .where(items.c.state.in_(list(states)), items.c.updated_at < utc_now() - older_than)
        .order_by(items.c.updated_at)
        .limit(limit)
    )
    with read_tx(engine, "stuck_items") as conn:
        return [item_row(r) for r in conn.execute(query).mappings()]
