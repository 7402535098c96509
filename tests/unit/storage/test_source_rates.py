"""Items a day of every source in one query (the web's source list) agree with the figure
``sources show`` computes for one source; old events and other sources do not leak in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, insert

from config.settings import SourcesSettings
from tasks.common import utc_now
from tasks.monitor.registry import SourceSpec, add_source
from tasks.monitor.yields import items_per_day_by_source, source_figures
from tasks.storage.schema import source_fetch_events

S = SourcesSettings()


def test_rates_of_all_sources_match_each_sources_figure(engine: Engine) -> None:
    busy, _ = add_source(engine, SourceSpec("https://busy.example/rss"), S)
    quiet, _ = add_source(engine, SourceSpec("https://quiet.example/rss"), S)
    idle, _ = add_source(engine, SourceSpec("https://idle.example/rss"), S)
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(insert(source_fetch_events), [
            {"source_id": busy.id, "at": now - timedelta(days=d, hours=1), "status": "ok",
             "new_items": 10} for d in range(0, 6)] + [
            # Older than the 7 days: not counted.
            {"source_id": busy.id, "at": now - timedelta(days=9), "status": "ok",
             "new_items": 1000},
            {"source_id": quiet.id, "at": now - timedelta(hours=3), "status": "ok",
             "new_items": 7},
            {"source_id": quiet.id, "at": now - timedelta(hours=2), "status": "hard",
             "new_items": 0},
        ])
    rates = items_per_day_by_source(engine, now)
    assert rates == {busy.id: 60 / 7, quiet.id: 1.0}
    for row in (busy, quiet, idle):
        assert rates.get(row.id, 0.0) == source_figures(engine, row.id, now).items_per_day
