"""`newsflow replay --all` with the broker down: a clear message and exit 2, not a traceback,
and the items stay findable (marked 'not sent', so `replay --unsent` sends them later).

Before (issue 16), replay reset the rows to 'queued' and then died in kombu with a
traceback: the items were in neither `newsflow failed` nor `replay --unsent`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import migrate
from tests.integration.services import RedisServer, free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def _newsflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180, check=False)


def test_replay_all_with_the_broker_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsflow.db'}"
    migrate(url)
    engine = create_engine(url)
    article = Article(id="a" * 32, source="inline:1", source_kind="inline",
                      inline_content="<p>text</p>", inline_content_type="html")
    ledger.record_enqueued(engine, [article])
    ledger.record_dead(engine, article.id, "extract", "boom")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["NEWSFLOW_DATABASE_URL"] = url
    env["NEWSFLOW_BROKER_URL"] = f"redis://:secret@127.0.0.1:{free_port()}/0"  # nobody there

    done = _newsflow(env, "replay", "--all")
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout
    assert "replay --unsent" in done.stderr and "127.0.0.1" in done.stderr
    assert "secret" not in done.stderr + done.stdout
    with engine.connect() as conn:
        state, error = conn.execute(text("SELECT state, error FROM items")).one()
    assert state == "queued" and error.startswith("not sent"), (state, error)

    # The broker back: `replay --unsent` finds the item and sends it.
    server = RedisServer(tmp_path)
    server.start()
    try:
        env["NEWSFLOW_BROKER_URL"] = server.url
        again = _newsflow(env, "replay", "--unsent")
        assert again.returncode == 0, again.stderr[-3000:]
        assert "replayed 1 items" in again.stderr
    finally:
        server.stop()
        engine.dispose()
