"""The beat tick's query: claim the sources that are due, so no other tick takes them too.

One transaction selects active sources whose ``next_fetch_at`` has passed (the indexed
column, oldest first, at most ``limit``) and moves their ``next_fetch_at`` on by ``claim_s``.
On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``: a second beat process running
the same query at the same moment skips them instead of waiting, and by the time their locks
go they are no longer due. On SQLite the write transaction starts with ``BEGIN IMMEDIATE``,
so two ticks run one after the other and the second finds nothing due. The claim doubles as
a lease: if the poll message is lost, the source is due again ``claim_s`` later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, select, update

from tasks.common import utc_now
from tasks.storage.db import read_tx, write_tx
from tasks.storage.schema import sources

__all__ = ["claim_due", "release", "unpolled"]


def claim_due(
    engine: Engine, *, limit: int, claim_s: float, now: datetime | None = None,
) -> list[int]:
    """Ids of the due sources now claimed by this tick (oldest due first)."""
    now = now or utc_now()
    due = (
        select(sources.c.id)
        .where(and_(sources.c.state == "active", sources.c.next_fetch_at <= now))
        .order_by(sources.c.next_fetch_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with write_tx(engine, "claim due sources") as conn:
        ids = list(conn.execute(due).scalars())
        if ids:
            conn.execute(update(sources).where(sources.c.id.in_(ids))
                         .values(next_fetch_at=now + timedelta(seconds=claim_s)))
    return ids


def unpolled(engine: Engine, ids: list[int], claimed_at: datetime) -> list[int]:
    """Which of ``ids``, claimed at ``claimed_at``, have not been polled since."""
    found: list[int] = []
    with read_tx(engine, "unpolled sources") as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.extend(conn.execute(select(sources.c.id).where(and_(
                sources.c.id.in_(chunk),
                or_(sources.c.last_fetch_at.is_(None), sources.c.last_fetch_at < claimed_at),
            ))).scalars())
    return found


def release(engine: Engine, ids: list[int], now: datetime | None = None) -> None:
    """Make claimed sources due again at once (their poll messages will never run)."""
    if not ids:
        return
    with write_tx(engine, "release claims") as conn:
        conn.execute(update(sources).where(sources.c.id.in_(ids))
                     .values(next_fetch_at=now or utc_now()))
