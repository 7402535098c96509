"""`newsflow run` stopped by SIGTERM or killed by SIGKILL never leaves its embedded worker
behind (issue 16: the worker went on in the background, still writing to the database).

The run is stopped while its worker is busy; afterwards every process of the worker (its
main process and pool children, recorded before the signal) must be gone. With the old
code the worker, in its own session, outlived the command for good, so the wait fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DEV

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 240.0  # generous: two shared cores; a worker that never stops fails here


def _wait(what: str, predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.3)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM items WHERE state IN "
                                    "('stored', 'duplicate')").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopping_run_stops_its_worker(tmp_path: Path, sig: signal.Signals) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    pages = sorted(CORPUS_DEV.glob("*.html"))[:60]
    for number in range(300):  # long enough that the run is mid-way when stopped
        shutil.copyfile(pages[number % len(pages)], inputs / f"{number:04d}.html")
    db = tmp_path / "newsflow.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["NEWSFLOW_DATABASE_URL"] = f"sqlite:///{db}"
    log = (tmp_path / "run.log").open("wb")
    run = subprocess.Popen([sys.executable, "-m", "workers", "run", str(inputs)], env=env,
                           cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    worker: list[int] = []
    try:
        _wait("the embedded worker and its pool", lambda: any(
            _children(child) for child in _children(run.pid)))
        _wait("the first articles stored", lambda: _stored(db) > 0)
        worker = _children(run.pid)
        processes = worker + [p for child in worker for p in _children(child)]
        os.kill(run.pid, sig)
        run.wait(timeout=WAIT_S)
        _wait("every process of the embedded worker to end",
              lambda: not any(_alive(pid) for pid in processes))
        if sig == signal.SIGTERM:
            assert run.returncode == 128 + signal.SIGTERM, (tmp_path / "run.log").read_text()
            assert "stopped by a signal" in (tmp_path / "run.log").read_text()
    finally:
        for pid in [run.pid, *worker]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        log.close()
    stored = _stored(db)
    total = len(list(inputs.iterdir()))
    assert stored < total, "the run finished before the signal: nothing was tested"
