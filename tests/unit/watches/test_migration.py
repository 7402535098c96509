"""Migration 0006: the watches tables and the constraints that keep a delivery single."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from tasks.common import utc_now
from tasks.storage import db
from tasks.watches.tables import watch_deliveries, watches


def test_the_tables_and_their_unique_constraints(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    db.migrate(url)
    engine = db.get_engine(url)
    names = {u["name"] for u in inspect(engine).get_unique_constraints("watch_deliveries")}
    assert names == {"uq_watch_deliveries_watch_id", "uq_watch_deliveries_watch_story"}
    now = utc_now()
    row = {"watch_id": "w", "article_id": "a", "status": "pending", "attempts": 0,
           "next_attempt_at": now, "created_at": now, "updated_at": now}
    with engine.begin() as conn:
        conn.execute(watches.insert().values(
            id="w", name="n", query="q", entities=[], scope="articles",
            webhook_url="http://example.org/", secret="s", active=True, created_at=now,
            updated_at=now))
        conn.execute(watch_deliveries.insert().values(**row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(watch_deliveries.insert().values(**row))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # no such watch
        conn.execute(watch_deliveries.insert().values(**{**row, "watch_id": "x"}))
    engine.dispose()
