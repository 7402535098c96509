"""Volume anomalies: a source yielding far fewer (or far more) new items than it usually does.

The silent gap is the top complaint of monitoring desks: a feed keeps answering 200 with the
same old entries, or a site's redesign breaks it, and nobody notices. Each source is judged
against its own recent days, not a global norm: new items in the last 24 h against the mean
of the ``anomaly_days`` days before. Low when under ``anomaly_low_ratio`` of that mean, high
when over ``anomaly_high_ratio`` times it (a feed now listing a whole archive, spam); sources
quieter than ``anomaly_min_daily`` a day, or with less history than the window, are not judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, select

from config.settings import SourcesSettings
from tasks.storage.schema import source_fetch_events

__all__ = ["HIGH", "LOW", "daily_new_items", "judge_volume"]

LOW, HIGH = "low", "high"
_DAY = timedelta(days=1)


def judge_volume(today: int, previous: Sequence[int], settings: SourcesSettings) -> str | None:
    """``low``, ``high`` or None, for ``today``'s new items after ``previous`` days' counts."""
    if len(previous) < settings.anomaly_days:
        return None
    mean = sum(previous) / len(previous)
    if mean < settings.anomaly_min_daily:
        return HIGH if today > settings.anomaly_min_daily * settings.anomaly_high_ratio else None
    if today < mean * settings.anomaly_low_ratio:
        return LOW
    if today > mean * settings.anomaly_high_ratio:
        return HIGH
    return None


def daily_new_items(
    conn: Connection, source_id: int, now: datetime, days: int, since: datetime,
) -> tuple[int, list[int]]:
    """New items in the last 24 h, and per earlier day (newest first) back to ``days`` days,
    counting only whole days after ``since`` (the source's first poll)."""
    start = now - _DAY * (days + 1)
    counts = [0] * (days + 1)
    rows = conn.execute(
        select(source_fetch_events.c.at, source_fetch_events.c.new_items)
        .where(and_(source_fetch_events.c.source_id == source_id,
                    source_fetch_events.c.at > start))
    )
    for at, new in rows:
        at = at if at.tzinfo is not None else at.replace(tzinfo=now.tzinfo)
        index = int((now - at) / _DAY)
        if 0 <= index <= days:
            counts[index] += new
    whole = int((now - since) / _DAY)  # days of history before the current one
    return counts[0], counts[1:min(days, whole) + 1]
