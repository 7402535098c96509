"""What each source yielded since a moment: polls and new entries (its fetch events) and the
fate of its items (the ledger's rows of its batch ``source-<id>``), for ``newsflow monitor``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, func, select

from tasks.monitor.poll import batch_of
from tasks.monitor.registry import REMOVED
from tasks.storage import ledger
from tasks.storage.db import read_tx
from tasks.storage.schema import source_fetch_events, sources

__all__ = ["SourceYield", "in_flight", "source_yields"]


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
