"""The item ledger: every enqueued item has a row from the moment it is enqueued.

A row's state moves ``queued -> processing -> stored | duplicate | rejected | dead``. The
terminal states ``stored`` and ``duplicate`` are written by ``repository.store_article`` in
the same transaction as the article; nothing here ever moves a row out of them, so a late
redelivery cannot undo a stored result.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, field_validator
from sqlalchemy import Engine, case, func, select, update

from tasks.models import Article
from tasks.storage.db import read_tx, write_tx
from tasks.storage.dialect import upsert
from tasks.storage.schema import items

__all__ = [
    "DONE_STATES",
    "TERMINAL_STATES",
    "ItemRow",
    "ItemState",
    "batch_counts",
    "get_item",
    "items_for_replay",
    "known_item_keys",
    "list_items",
    "record_dead",
    "record_enqueued",
    "record_rejected",
    "record_rejected_source",
    "record_sent_failure",
    "record_started",
    "record_started_many",
    "stuck_items",
]

logger = logging.getLogger(__name__)

ItemState = Literal["queued", "processing", "stored", "duplicate", "rejected", "dead"]
ALL_STATES: tuple[str, ...] = ("queued", "processing", "stored", "duplicate", "rejected", "dead")
TERMINAL_STATES: frozenset[str] = frozenset({"stored", "duplicate", "rejected", "dead"})
# States no later event may leave: the article is in the database.
DONE_STATES: frozenset[str] = frozenset({"stored", "duplicate"})


def now() -> datetime:
    return datetime.now(UTC)


class ItemRow(BaseModel):
    id: str
    batch_id: str | None
    source: str
    source_kind: str
    item_key: str | None
    state: ItemState
    stage: str | None
    attempts: int
    sweeps: int = 0
    reason: str | None
    error: str | None
    article_id: str | None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] | None

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes; everything is written in UTC.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def _row(mapping: Any) -> ItemRow:
    return ItemRow.model_validate(dict(mapping))


def record_enqueued(
    engine: Engine,
    articles: Sequence[Article],
    item_keys: Sequence[str | None] | None = None,
    swept: bool = False,
) -> None:
    """Insert a ``queued`` row per article; re-enqueueing an id resets a not-done row.

    ``swept=True`` (the sweeper's re-send) counts a sweep instead of starting afresh, so an
    item that keeps getting lost runs out of sweeps. A new row's ``item_key`` is kept when
    the re-enqueue gives none.
    """
    if not articles:
        return
    keys = list(item_keys) if item_keys is not None else [None] * len(articles)
    if len(keys) != len(articles):
        raise TypeError("item_keys must be as long as articles")
    stamp = now()
    rows = [
        {
            "id": a.id,
            "batch_id": a.batch_id,
            "source": a.source,
            "source_kind": a.source_kind,
            "item_key": key,
            "state": "queued",
            "stage": None,
            "attempts": 0,
            "reason": None,
            "error": None,
            "article_id": None,
            "payload": a.to_payload(),
            "created_at": stamp,
            "updated_at": stamp,
        }
        for a, key in zip(articles, keys, strict=True)
    ]
    reset = ("batch_id", "source", "source_kind", "payload")
    restart: dict[str, Any] = (
        {"sweeps": items.c.sweeps + 1} if swept else {"attempts": 0, "sweeps": 0}
    )
    with write_tx(engine, "record_enqueued") as conn:
        for start in range(0, len(rows), 500):
            conn.execute(
                upsert(
                    conn,
                    items,
                    rows[start : start + 500],
                    index=["id"],
                    update={
                        "state": "queued",
                        "stage": None,
                        **restart,
                        "reason": None,
                        "error": None,
                        "updated_at": stamp,
                    },
                    where=items.c.state.not_in(DONE_STATES),
                    excluded=reset,
                    coalesce=("item_key",),
                )
            )
    logger.info("ledger: %d items enqueued", len(rows))


def _update(engine: Engine, what: str, item_ids: Iterable[str], **values: Any) -> int:
    ids = list(item_ids)
    if not ids:
        return 0
    with write_tx(engine, what) as conn:
        result = conn.execute(
            update(items)
            .where(items.c.id.in_(ids), items.c.state.not_in(DONE_STATES))
            .values(updated_at=now(), **values)
        )
    return int(result.rowcount)


def record_sent_failure(engine: Engine, item_ids: Iterable[str], error: str) -> None:
    """The broker refused the message: the row stays ``queued`` so a retry can complete it."""
    message = error if error.startswith("not sent") else f"not sent: {error}"
    count = _update(engine, "record_sent_failure", item_ids, state="queued", error=message)
    logger.warning("ledger: %d items not sent: %s", count, error)


def record_started(engine: Engine, item_id: str, stage: str) -> int:
    """Count a delivery of ``item_id`` to ``stage``; see ``record_started_many``."""
    return record_started_many(engine, [item_id], stage)[item_id]


def record_started_many(engine: Engine, item_ids: Sequence[str], stage: str) -> dict[str, int]:
    """Count a delivery of each item to ``stage`` and mark it ``processing``, in one statement.

    Returns per item the deliveries *of this stage* so far, this one included (the counter
    restarts at 1 when an item reaches a new stage, so a long chain never looks like a
    redelivery); 0 when the item is already terminal (a stale redelivery: drop it). An item
    without a row (not enqueued through the producer) gets one, so every item processed has
    a row.
    """
    if not item_ids:
        return {}
    stamp = now()
    counts: dict[str, int] = {}
    with write_tx(engine, "record_started") as conn:
        rows = conn.execute(
            update(items)
            .where(items.c.id.in_(list(item_ids)), items.c.state.not_in(TERMINAL_STATES))
            .values(
                attempts=case((items.c.stage == stage, items.c.attempts + 1), else_=1),
                state="processing",
                stage=stage,
                updated_at=stamp,
            )
            .returning(items.c.id, items.c.attempts)
        ).all()
        counts.update({row.id: int(row.attempts) for row in rows})
        missing = [i for i in item_ids if i not in counts]
        if missing:
            known = set(
                conn.execute(select(items.c.id).where(items.c.id.in_(missing))).scalars()
            )
            for item_id in missing:
                if item_id in known:
                    logger.info("ledger: item %s is terminal; %s redelivery dropped", item_id,
                                stage)
                    counts[item_id] = 0
                    continue
                logger.warning("ledger: item %s started at %s had no ledger row", item_id, stage)
                conn.execute(
                    items.insert().values(
                        id=item_id, source=item_id, source_kind="inline", state="processing",
                        stage=stage, attempts=1, created_at=stamp, updated_at=stamp,
                    )
                )
                counts[item_id] = 1
    return counts


def record_rejected(engine: Engine, item_id: str, stage: str, reason: str, message: str) -> None:
    _update(
        engine,
        "record_rejected",
        [item_id],
        state="rejected",
        stage=stage,
        reason=reason,
        error=message,
    )
    logger.info("ledger: item %s rejected at %s: %s (%s)", item_id, stage, reason, message)


def record_dead(
    engine: Engine, item_id: str, stage: str, error: str, reason: str = "dead"
) -> None:
    _update(engine, "record_dead", [item_id], state="dead", stage=stage, reason=reason,
            error=error)
    logger.warning("ledger: item %s dead at %s: %s", item_id, stage, error)


def record_rejected_source(
    engine: Engine, batch_id: str | None, source: str, reason: str, message: str
) -> str:
    """A source the producer refused before enqueueing (bad path ...): a ``rejected`` row."""
    item_id = uuid.uuid4().hex
    stamp = now()
    with write_tx(engine, "record_rejected_source") as conn:
        conn.execute(
            items.insert().values(
                id=item_id,
                batch_id=batch_id,
                source=source,
                source_kind="file",
                state="rejected",
                stage="produce",
                attempts=0,
                reason=reason,
                error=message,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    logger.info("ledger: source %s rejected before enqueue: %s", source, reason)
    return item_id


def batch_counts(engine: Engine, batch_id: str | None = None) -> dict[str, int]:
    query = select(items.c.state, func.count()).group_by(items.c.state)
    if batch_id is not None:
        query = query.where(items.c.batch_id == batch_id)
    counts = dict.fromkeys(ALL_STATES, 0)
    with read_tx(engine, "batch_counts") as conn:
        for state, count in conn.execute(query):
            counts[state] = int(count)
    return counts


def get_item(engine: Engine, item_id: str) -> ItemRow | None:
    with read_tx(engine, "get_item") as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    return _row(row) if row is not None else None


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
        return [_row(r) for r in conn.execute(query).mappings()]


def items_for_replay(
    engine: Engine,
    ids: Iterable[str] | None = None,
    reason: str | None = None,
    states: Iterable[str] = ("rejected", "dead"),
) -> list[ItemRow]:
    """Rows to enqueue again (their ``payload`` is the original Article)."""
    return list_items(engine, states=states, reason=reason, ids=ids, limit=None)


def stuck_items(
    engine: Engine,
    older_than: timedelta,
    limit: int = 1000,
    states: Iterable[str] = ("queued", "processing"),
) -> list[ItemRow]:
    """Not-terminal rows untouched for ``older_than`` (lost messages, crashed workers)."""
    query = (
        select(items)
        .where(items.c.state.in_(list(states)), items.c.updated_at < now() - older_than)
        .order_by(items.c.updated_at)
        .limit(limit)
    )
    with read_tx(engine, "stuck_items") as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


def known_item_keys(engine: Engine, keys: Sequence[str]) -> set[str]:
    """The keys among ``keys`` whose item is already stored (or a duplicate)."""
    found: set[str] = set()
    with read_tx(engine, "known_item_keys") as conn:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            query = select(items.c.item_key).where(
                items.c.item_key.in_(chunk), items.c.state.in_(DONE_STATES)
            )
            found.update(k for (k,) in conn.execute(query) if k is not None)
    return found
