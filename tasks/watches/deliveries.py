"""Delivery rows: one per (watch, article), from the store's transaction to the receiver.

The store calls ``record_matches`` inside its write transaction, so an article and its
pending deliveries commit together (or not at all); the unique (watch, article) constraint
and ON CONFLICT DO NOTHING make a second store attempt, a redelivered message or a replay
record nothing new. Delivery tasks then move a row through ``claim`` (a lease: one task at a
time posts it) and ``finish``: pending -> sending -> delivered | pending (retry) | failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update

from tasks.common import utc_now
from tasks.models import Article
from tasks.storage.db import read_tx, write_tx
from tasks.storage.dialect import insert_ignore
from tasks.watches.match import matching
from tasks.watches.repository import active_watches, aware, watch_from_row
from tasks.watches.spec import Watch
from tasks.watches.tables import watch_deliveries, watches

__all__ = [
    "DELIVERED",
    "FAILED",
    "PENDING",
    "SENDING",
    "Delivery",
    "claim",
    "deliveries_of",
    "delivery_counts",
    "finish",
    "new_pending",
    "pending_in",
    "record_matches",
    "stale_pending",
]

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


@dataclass(frozen=True)
class Delivery:
    """One (watch, article) delivery row."""

    id: int
    watch_id: str
    article_id: str
    story_key: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "watch_id": self.watch_id,
            "article_id": self.article_id,
            "story_id": self.story_key,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def _delivery(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(**{name: aware(row[name]) for name in Delivery.__dataclass_fields__})


def record_matches(conn: Connection, article: Article,
                   aliases: Mapping[str, Sequence[str]] | None = None) -> int:
    """In the store's transaction: one pending delivery per active watch ``article`` (an
    original just stored) matches; returns how many rows were new. Costs one SELECT of the
    watches table when no watch exists."""
    found = active_watches(conn)
    if not found:
        return 0
    hits = matching(found, article, aliases)
    if not hits:
        return 0
    stamp = utc_now()
    rows = [
        {
            "watch_id": w.id, "article_id": article.id,
            "story_key": article.story_id if w.scope == "stories" else None,
            "status": PENDING, "attempts": 0, "next_attempt_at": stamp,
            "created_at": stamp, "updated_at": stamp,
        }
        for w in hits
        if w.scope == "articles" or article.story_id is not None
    ]
    if story_rows := [r for r in rows if r["story_key"] is not None]:
        # One per (watch, story): rows whose story already fired this watch are dropped here
        # rather than by the constraint, which ON CONFLICT (watch, article) does not cover.
        taken = set(conn.execute(
            select(watch_deliveries.c.watch_id).where(
                watch_deliveries.c.story_key == article.story_id,
                watch_deliveries.c.watch_id.in_([r["watch_id"] for r in story_rows]),
            )
        ).scalars())
        rows = [r for r in rows if r["story_key"] is None or r["watch_id"] not in taken]
    if not rows:
        return 0
    result = conn.execute(
        insert_ignore(conn, watch_deliveries, rows, index=["watch_id", "article_id"])
    )
    return max(result.rowcount or 0, 0)


def new_pending(engine: Engine, article_ids: Sequence[str]) -> list[tuple[int, str, str]]:
    """(delivery id, watch name, article id) of never-tried deliveries of these articles:
    what the store batch just fired."""
    if not article_ids:
        return []
    stmt = (
        select(watch_deliveries.c.id, watches.c.name, watch_deliveries.c.article_id)
        .join(watches, watches.c.id == watch_deliveries.c.watch_id)
        .where(
            watch_deliveries.c.article_id.in_(list(article_ids)),
            watch_deliveries.c.status == PENDING,
            watch_deliveries.c.attempts == 0,
        )
        .order_by(watch_deliveries.c.id)
    )
    with read_tx(engine, "new deliveries") as conn:
        return [(int(i), str(n), str(a)) for i, n, a in conn.execute(stmt)]


def first_attempts_waiting(engine: Engine, batch_id: str) -> int:
    """Deliveries of a batch's articles whose first POST has not been made or finished yet:
    what `newsflow run` waits for before it stops its worker."""
    from tasks.storage.schema import items  # the ledger's table; read here, never written

    stmt = (
        select(func.count())
        .select_from(watch_deliveries)
        .join(items, items.c.id == watch_deliveries.c.article_id)
        .where(
            items.c.batch_id == batch_id,
            watch_deliveries.c.status.in_([PENDING, SENDING]),
            watch_deliveries.c.attempts == 0,
        )
    )
    with read_tx(engine, "first deliveries") as conn:
        return int(conn.execute(stmt).scalar_one())


def stale_pending(engine: Engine, overdue: timedelta, limit: int = 1000) -> list[int]:
    """Deliveries whose message was lost: pending well past their next attempt, or leased
    past the lease (the task holding it died)."""
    now = utc_now()
    stmt = (
        select(watch_deliveries.c.id)
        .where(or_(
            and_(watch_deliveries.c.status == PENDING,
                 watch_deliveries.c.next_attempt_at <= now - overdue),
            and_(watch_deliveries.c.status == SENDING,
                 watch_deliveries.c.leased_until <= now),
        ))
        .order_by(watch_deliveries.c.id)
        .limit(limit)
    )
    with read_tx(engine, "stale deliveries") as conn:
        return [int(i) for i in conn.execute(stmt).scalars()]


def claim(engine: Engine, delivery_id: int, lease: timedelta) -> tuple[Delivery, Watch] | None:
    """Lease the delivery to the caller if it is due (pending and its time has come, or a
    lease that ran out); None when it is delivered, failed, gone, not due yet, or another
    task holds it. The one UPDATE decides, so two tasks never both win."""
    now = utc_now()
    due = or_(
        and_(watch_deliveries.c.status == PENDING, watch_deliveries.c.next_attempt_at <= now),
        and_(watch_deliveries.c.status == SENDING, watch_deliveries.c.leased_until <= now),
    )
    with write_tx(engine, f"claim delivery {delivery_id}") as conn:
        won = conn.execute(
            update(watch_deliveries)
            .where(watch_deliveries.c.id == delivery_id, due)
            .values(status=SENDING, leased_until=now + lease,
                    attempts=watch_deliveries.c.attempts + 1, updated_at=now)
        ).rowcount
        if not won:
            return None
        row = conn.execute(
            select(watch_deliveries).where(watch_deliveries.c.id == delivery_id)
        ).mappings().first()
        owner = conn.execute(
            select(watches).where(watches.c.id == row["watch_id"])
        ).mappings().first() if row is not None else None
    if row is None or owner is None:
        return None
    return _delivery(row), watch_from_row(owner)


def pending_in(engine: Engine, delivery_id: int) -> float | None:
    """Seconds until a pending delivery is due (0 when due), None for any other state."""
    with read_tx(engine, f"delivery {delivery_id}") as conn:
        row = conn.execute(
            select(watch_deliveries.c.status, watch_deliveries.c.next_attempt_at)
            .where(watch_deliveries.c.id == delivery_id)
        ).first()
    if row is None or row.status != PENDING:
        return None
    due: datetime = aware(row.next_attempt_at)
    return max(0.0, (due - utc_now()).total_seconds())


def finish(engine: Engine, delivery_id: int, status: str, *, http_status: int | None = None,
           error: str | None = None, retry_in: timedelta | None = None) -> None:
    """Record an attempt's outcome: ``delivered``, ``failed``, or ``pending`` again after
    ``retry_in``."""
    now = utc_now()
    values: dict[str, Any] = {
        "status": status, "leased_until": None, "last_status": http_status,
        "last_error": error[:2000] if error else None, "updated_at": now,
    }
    if status == DELIVERED:
        values["delivered_at"] = now
    if retry_in is not None:
        values["next_attempt_at"] = now + retry_in
    with write_tx(engine, f"finish delivery {delivery_id}") as conn:
        conn.execute(update(watch_deliveries).where(watch_deliveries.c.id == delivery_id)
                     .values(**values))


def deliveries_of(engine: Engine, watch_id: str, limit: int = 50) -> list[Delivery]:
    """The watch's deliveries, newest first."""
    stmt = (
        select(watch_deliveries)
        .where(watch_deliveries.c.watch_id == watch_id)
        .order_by(watch_deliveries.c.created_at.desc(), watch_deliveries.c.id.desc())
        .limit(limit)
    )
    with read_tx(engine, "deliveries") as conn:
        return [_delivery(r) for r in conn.execute(stmt).mappings()]


def delivery_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """watch id -> status -> count, for listings."""
    stmt = select(watch_deliveries.c.watch_id, watch_deliveries.c.status, func.count()) \
        .group_by(watch_deliveries.c.watch_id, watch_deliveries.c.status)
    counts: dict[str, dict[str, int]] = {}
    with read_tx(engine, "delivery counts") as conn:
        for watch_id, status, count in conn.execute(stmt):
            counts.setdefault(str(watch_id), {})[str(status)] = int(count)
    return counts
