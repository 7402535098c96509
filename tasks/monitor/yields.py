"""What each source yielded since a moment: polls and new entries (its fetch events) and the
fate of its items (the ledger's rows of its batch ``source-<id>``), for ``newsflow monitor``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, select

from tasks.monitor.poll import batch_of
from tasks.monitor.registry import REMOVED
from tasks.storage import ledger
from tasks.storage.db import read_tx
from tasks.storage.schema import source_fetch_events, sources

__all__ = [
    "SourceFigures",
    "SourceYield",
    "in_flight",
    "items_per_day_by_source",
    "source_figures",
    "source_yields",
]


@dataclass(frozen=True)
class SourceYield:
    source_id: int
    name: str
    status: str
    polls: int
    new_items: int
    counts: dict[str, int]  # ledger states of all the source's items

    @property
    def in_flight(self) -> int:
        return ledger.in_flight_count(self.counts)


def source_yields(engine: Engine, since: datetime) -> list[SourceYield]:
    polls = (select(source_fetch_events.c.source_id, func.count(),
                    func.coalesce(func.sum(source_fetch_events.c.new_items), 0))
             .where(source_fetch_events.c.at >= since)
             .group_by(source_fetch_events.c.source_id))
    with read_tx(engine, "source yields") as conn:
        done = {sid: (int(n), int(new)) for sid, n, new in conn.execute(polls)}
        rows = conn.execute(select(sources.c.id, sources.c.name, sources.c.url,
                                   sources.c.status)
                            .where(and_(sources.c.state != REMOVED)).order_by(sources.c.id)).all()
    return [SourceYield(r.id, r.name or r.url, r.status, *done.get(r.id, (0, 0)),
                        ledger.batch_counts(engine, batch_of(r.id))) for r in rows]


def in_flight(yields: list[SourceYield]) -> int:
    return sum(y.in_flight for y in yields)


@dataclass(frozen=True)
class SourceFigures:
    items_per_day: float  # new entries a day over the last ``days``
    rejected_share: float | None  # of its finished items, the share rejected (empty, not an
    # article, robots ...) or dead; None before any finished


def source_figures(engine: Engine, source_id: int, now: datetime, days: int = 7) -> SourceFigures:
    with read_tx(engine, "source figures") as conn:
        new = conn.execute(select(func.coalesce(func.sum(source_fetch_events.c.new_items), 0))
                           .where(and_(source_fetch_events.c.source_id == source_id,
                                       source_fetch_events.c.at >= now - timedelta(days=days)))
                           ).scalar_one()
    counts = ledger.batch_counts(engine, batch_of(source_id))
    failed = sum(counts.get(s, 0) for s in ledger.FAILED_STATES)
    finished = failed + sum(counts.get(s, 0) for s in ledger.DONE_STATES)
    return SourceFigures(int(new) / days, failed / finished if finished else None)


def items_per_day_by_source(engine: Engine, now: datetime, days: int = 7) -> dict[int, float]:
    """New entries a day of every source over the last ``days`` (as ``source_figures``), in
    one grouped query for a list of many sources; a source without events is absent."""
    query = (select(source_fetch_events.c.source_id,
                    func.coalesce(func.sum(source_fetch_events.c.new_items), 0))
             .where(source_fetch_events.c.at >= now - timedelta(days=days))
             .group_by(source_fetch_events.c.source_id))
    with read_tx(engine, "source rates") as conn:
        return {int(sid): int(new) / days for sid, new in conn.execute(query)}
