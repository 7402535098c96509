"""`newsflow monitor` for real: the embedded default (worker processes on the local broker
folder, SQLite) polling feeds on a local HTTP server for a fixed time, then the per-source
yield table; a second run resumes the schedule from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from tasks.storage.schema import items, source_fetch_events
from tests.integration.feed_site import Route, atom_window, feed_site

pytestmark = pytest.mark.integration

TPM = "talkingpointsmemo.atom"


def _newsflow(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)


def test_monitor_polls_for_a_while_and_prints_each_sources_yield(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    database = f"sqlite:///{tmp_path / 'newsflow.db'}"
    env.update({"NEWSFLOW_DATABASE_URL": database, "NEWSFLOW_SOURCES__TICK_S": "1",
                "NEWSFLOW_FETCH__ALLOW_PRIVATE_HOSTS": '["localhost"]',
                "NEWSFLOW_FETCH__TIMEOUT_S": "2", "COLUMNS": "200"})
    with feed_site() as site:
        site.routes["/tpm.atom"] = Route(atom_window(TPM, 6), etag="auto")
        site.routes["/down.atom"] = Route(b"no", status=500, content_type="text/plain")
        for path in ("/tpm.atom", "/down.atom"):
            added = _newsflow(env, tmp_path, "sources", "add", site.url(path), "--name", path)
            assert added.returncode == 0, added.stderr
        done = _newsflow(env, tmp_path, "monitor", "--for", "15s", "--drain", "3m")
        assert done.returncode == 0, done.stderr
        table = done.stdout
        rows = {line.split("│")[2].strip(): [c.strip() for c in line.split("│")[3:-1]]
                for line in table.splitlines() if line.count("│") > 8 and ".atom" in line}
        # status, polls, new, stored, duplicate, rejected, dead, in flight
        tpm, down = rows["/tpm.atom"], rows["/down.atom"]
        assert tpm[0] == "working" and tpm[1] == "1" and tpm[2] == "6"
        assert sum(int(n) for n in tpm[3:7]) == 6 and tpm[7] == "0"
        assert down[0] == "soft error" and down[1] == "1" and down[2] == "0"
        # A second run: the sources are not due yet (the schedule is in the database).
        site.routes["/tpm.atom"].body = atom_window(TPM, 9)
        again = _newsflow(env, tmp_path, "monitor", "--for", "3s")
        assert again.returncode == 0, again.stderr
    engine = create_engine(database)
    with engine.connect() as conn:
        polls = conn.execute(select(func.count()).select_from(source_fetch_events)).scalar()
        rows_in_ledger = conn.execute(select(func.count()).select_from(items)).scalar()
    engine.dispose()
    assert polls == 2 and rows_in_ledger == 6


def test_monitor_resends_what_an_earlier_run_left_unfinished(tmp_path: Path) -> None:
    from config.settings import load_settings
    from tasks.sources.feeds import iter_feed
    from tasks.storage.db import dispose_engines, get_engine, migrate
    from workers.app import make_app
    from workers.producer.enqueue import enqueue

    database = f"sqlite:///{tmp_path / 'newsflow.db'}"
    migrate(database)
    feed = tmp_path / "tpm.atom"
    feed.write_bytes(atom_window(TPM, 4))
    # An earlier run's messages, sent to a broker folder that no longer exists.
    gone = load_settings(broker_url=f"filesystem://{tmp_path / 'gone'}", database_url=database)
    report = enqueue(make_app(gone), gone, get_engine(database),
                     list(iter_feed(feed, 10_000_000)), batch_id="source-1")
    assert report.sent == 4
    dispose_engines()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update({"NEWSFLOW_DATABASE_URL": database, "NEWSFLOW_SOURCES__TICK_S": "1"})
    for args in (("add", "https://tpm.example/feed"), ("pause", "1")):  # source 1, not polled
        assert _newsflow(env, tmp_path, "sources", *args).returncode == 0
    done = _newsflow(env, tmp_path, "monitor", "--for", "2s", "--drain", "3m")
    assert done.returncode == 0, done.stderr
    assert "re-sent 4 items" in done.stderr
    engine = create_engine(database)
    with engine.connect() as conn:
        states = list(conn.execute(select(items.c.state)).scalars())
    engine.dispose()
    assert len(states) == 4 and not {"queued", "processing"} & set(states)
