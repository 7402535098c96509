"""The named transitions after ``enqueued``: who moves a row, and to where.

* ``record_sent_failure`` (producer): the broker refused; the row stays ``queued``.
* ``record_started_many`` (the worker runtime, per message): ``processing`` at a stage.
* ``record_rejected`` / ``record_dead`` (the pipeline's outcome map, the sweeper).
* ``record_rejected_source`` (producer): an input refused before it became an item.
* ``record_refused_message`` (the worker runtime): a message naming an item the producer
  never admitted (a forged message); a ``rejected`` row, so an operator sees it.
* ``record_done`` (the store, inside its own transaction): ``stored`` or ``duplicate``.

Nothing here moves a row out of a done state, so a late redelivery cannot undo a stored
result; a terminal row is never reopened by ``record_started_many``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, select, update

from tasks.codec import encode_record
from tasks.common import utc_now
from tasks.models import Article
from tasks.storage.db import write_tx
from tasks.storage.dialect import upsert, upsert_many
from tasks.storage.ledger.states import (
    DEAD,
    DONE_STATES,
    PROCESSING,
    QUEUED,
    REJECTED,
    TERMINAL_STATES,
    DoneState,
)
from tasks.storage.schema import items

__all__ = [
    "record_dead",
    "record_done",
    "record_done_many",
    "record_refused_message",
    "record_rejected",
    "record_rejected_source",
    "record_sent_failure",
    "record_started",
    "record_started_many",
]

logger = logging.getLogger(__name__)


def _update(engine: Engine, what: str, item_ids: Iterable[str], **values: Any) -> int:
    ids = list(item_ids)
    if not ids:
        return 0
    with write_tx(engine, what) as conn:
        result = conn.execute(
            update(items)
            .where(items.c.id.in_(ids), items.c.state.not_in(DONE_STATES))
            .values(updated_at=utc_now(), **values)
        )
    return int(result.rowcount)


def record_sent_failure(engine: Engine, item_ids: Iterable[str], error: str) -> None:
    """The broker refused the message: the row stays ``queued`` so a retry can complete it."""
    message = error if error.startswith("not sent") else f"not sent: {error}"
    count = _update(engine, "record_sent_failure", item_ids, state=QUEUED, error=message)
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
    stamp = utc_now()
    counts: dict[str, int] = {}
    with write_tx(engine, "record_started") as conn:
        rows = conn.execute(
            update(items)
            .where(items.c.id.in_(list(item_ids)), items.c.state.not_in(TERMINAL_STATES))
            .values(
                attempts=case((items.c.stage == stage, items.c.attempts + 1), else_=1),
                state=PROCESSING,
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
                        id=item_id, source=item_id, source_kind="inline", state=PROCESSING,
                        stage=stage, attempts=1, created_at=stamp, updated_at=stamp,
                    )
                )
                counts[item_id] = 1
    return counts


def record_rejected(engine: Engine, item_id: str, stage: str, reason: str, message: str) -> None:
    """Bad input: the row ends ``rejected`` at ``stage`` with its reason (unless done)."""
    _update(engine, "record_rejected", [item_id], state=REJECTED, stage=stage, reason=reason,
            error=message)
    logger.info("ledger: item %s rejected at %s: %s (%s)", item_id, stage, reason, message)


def record_dead(
    engine: Engine, item_id: str, stage: str, error: str, reason: str = "dead"
) -> None:
    """Retries exhausted or an unexpected error: the row ends ``dead`` (unless done)."""
    _update(engine, "record_dead", [item_id], state=DEAD, stage=stage, reason=reason,
            error=error)
    logger.warning("ledger: item %s dead at %s: %s", item_id, stage, error)


def record_rejected_source(
    engine: Engine, batch_id: str | None, source: str, reason: str, message: str
) -> str:
    """A source the producer refused before enqueueing (bad path ...): a ``rejected`` row."""
    item_id = uuid.uuid4().hex
    stamp = utc_now()
    with write_tx(engine, "record_rejected_source") as conn:
        conn.execute(
            items.insert().values(
                id=item_id,
                batch_id=batch_id,
                source=source,
                source_kind="file",
                state=REJECTED,
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


def record_refused_message(
    engine: Engine, item_id: str, source: str, stage: str, reason: str, message: str
) -> bool:
    """A message named ``item_id`` with a source the producer never admitted: a new
    ``rejected`` row for it, or nothing when the id already has a row (a real item's row is
    never changed by a forged message). True when the row was written."""
    stamp = utc_now()
    with write_tx(engine, "record_refused_message") as conn:
        if conn.execute(select(items.c.id).where(items.c.id == item_id)).first() is not None:
            return False
        conn.execute(
            items.insert().values(
                id=item_id, source=source, source_kind="file", state=REJECTED, stage=stage,
                attempts=0, reason=reason, error=message, created_at=stamp, updated_at=stamp,
            )
        )
    logger.warning("ledger: message for item %s refused at %s: %s", item_id, stage, message)
    return True


def record_done(conn: Connection, article: Article, outcome: DoneState, stamp: datetime) -> None:
    """The store's outcome, written on the store's open transaction ``conn``; see
    ``record_done_many``."""
    record_done_many(conn, [(article, outcome, stamp)])


def record_done_many(conn: Connection,
                     done: Sequence[tuple[Article, DoneState, datetime]]) -> None:
    """The store's outcomes for a message's articles, one statement on ``conn``.

    In the same transaction as the articles, so a row says ``stored``/``duplicate`` exactly
    when its article is in the database. An upsert: an article stored without going through
    the producer still gets its row. The conflict branch takes the values this row tried to
    insert (``excluded``), so one compiled statement serves every outcome.
    """
    if not done:
        return
    rows = [
        {
            "id": article.id,
            "batch_id": article.batch_id,
            "source": article.source,
            "source_kind": article.source_kind,
            "state": outcome,
            "stage": "store",
            "attempts": 1,
            "article_id": article.id,
            "payload": encode_record(article),
            "created_at": stamp,
            "updated_at": stamp,
        }
        for article, outcome, stamp in done
    ]
    # PostgreSQL: one statement (each id once: a message stores an item once); SQLite: one
    # executemany, compiled once.
    changed = ("state", "stage", "article_id", "updated_at")
    if len({r["id"] for r in rows}) < len(rows) or not upsert_many(
            conn, items, rows, index=["id"], excluded=changed, nulls=("reason", "error")):
        conn.execute(upsert(conn, items, [], index=["id"], update={"reason": None, "error": None},
                            excluded=changed), rows)
