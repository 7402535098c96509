"""Hostile conditions at the command line (issue 16)."""

from __future__ import annotations

from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import get_engine
from tests.unit.cli.conftest import Cli

# Nothing listens on port 1: the broker is down.
DOWN = "redis://127.0.0.1:1/0"


def test_replay_all_with_the_broker_down_leaves_the_items_findable(
        cli: Cli, migrated: str) -> None:
    engine = get_engine(migrated)
    article = Article(id="a" * 32, source="/data/page.html", source_kind="file")
    ledger.record_enqueued(engine, [article], ["file:/data/page.html:1:1"])
    ledger.record_rejected(engine, article.id, "fetch", "not_found", "/data/page.html: gone")

    done = cli("replay", "--all", NEWSFLOW_BROKER_URL=DOWN)
    assert done.exit_code == 2, done.output
    said = " ".join(done.output.split())
    assert "the broker redis://127.0.0.1:1/0 refused" in said and "replay --unsent" in said
    # The item is where the message says: `replay --unsent` picks queued rows marked so.
    rows = ledger.items_for_replay(engine, ids=[article.id], states=(ledger.QUEUED,))
    assert [(r.id, (r.error or "")[:9]) for r in rows] == [(article.id, "not sent:")]
