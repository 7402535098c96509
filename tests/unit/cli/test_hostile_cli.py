"""Hostile conditions at the command line (issue 16), through the real command in its own
process (the Celery app is made once per process, from the environment)."""

from __future__ import annotations

import os
import subprocess
import sys

from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import get_engine
from tests.conftest import REPO

# Nothing listens on port 1: the broker is down.
DOWN = "redis://127.0.0.1:1/0"


def test_replay_all_with_the_broker_down_leaves_the_items_findable(migrated: str) -> None:
    engine = get_engine(migrated)
    article = Article(id="a" * 32, source="/data/page.html", source_kind="file")
    ledger.record_enqueued(engine, [article], ["file:/data/page.html:1:1"])
    ledger.record_rejected(engine, article.id, "fetch", "not_found", "/data/page.html: gone")

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env |= {"NEWSFLOW_DATABASE_URL": migrated, "NEWSFLOW_BROKER_URL": DOWN}
    done = subprocess.run([sys.executable, "-m", "workers", "replay", "--all"], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    said = " ".join(done.stderr.split())
    assert done.returncode == 2, done.stderr[-2000:]
    assert "the broker redis://127.0.0.1:1/0 refused" in said and "replay --unsent" in said
    assert "Traceback" not in done.stderr
    # The item is where the message says: `replay --unsent` picks queued rows marked so.
    rows = ledger.items_for_replay(engine, ids=[article.id], states=(ledger.QUEUED,))
    assert [(r.id, (r.error or "")[:9]) for r in rows] == [(article.id, "not sent:")]
