"""Scenario 14: the disk of the SQLite ledger fills up in the middle of `newsflow run`.

The embedded deployment (`newsflow run`: filesystem broker, SQLite) keeps its database on a
small tmpfs of its own (mounted here, unmounted after). Once a quarter of the batch is done
a filler file takes every free byte. Every ledger write then fails with SQLite's "database or
disk is full": the worker must say so as an error naming the database's path (a
``DatabaseFull``, not a traceback), `newsflow status` must show why the items in flight wait,
and the messages wait and come again. Then the operator frees the space: the run ends by
itself, every item terminal, none lost, none stored twice. ``recovery s``: from the space
freed to the first item terminal after it.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.integration.faults.harness import REPO, FaultStack, article_batch, wait_for
from tests.integration.faults.netns import require_root

pytestmark = pytest.mark.integration

DISK = "128m"  # room for the whole batch (about 40 MB with its WAL); the filler takes the rest
FULL_S = 12.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    require_root("a tmpfs mount")
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mountpoint)],
                   check=True, capture_output=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False, capture_output=True)


def _fill(folder: Path) -> Path:
    """Write zeros until the filesystem refuses: ENOSPC."""
    filler = folder / "filler"
    chunk = b"\0" * (1 << 16)
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def test_14_sqlite_disk_full(tmp_path: Path, small_disk: Path) -> None:
    database = small_disk / "newsflow.db"
    stack = FaultStack(tmp_path, None, f"sqlite:///{database}")
    files = article_batch(stack.inputs)
    log = tmp_path / "run.log"
    # What an operator sees by default: the embedded worker logs warnings and errors only.
    env = {k: v for k, v in stack.env.items() if k != "NEWSFLOW_LOG_LEVEL"}
    with log.open("wb") as output:
        run = subprocess.Popen(
            [sys.executable, "-m", "workers", "run", str(stack.inputs), "--concurrency", "2"],
            env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        def quarter_done() -> bool:
            try:
                return stack.terminal() >= len(files) // 4
            except OperationalError:  # the run has not created the tables yet
                return False

        wait_for("a quarter of the batch done", quarter_done)
        filler = _fill(small_disk)
        full_at = time.monotonic()
        wait_for("the run to report the full disk",
                 lambda: "disk full" in log.read_text(errors="replace"), timeout=120)
        status = stack.newsflow("status")
        time.sleep(max(0.0, full_at + FULL_S - time.monotonic()))
        before = stack.terminal()
        filler.unlink()  # the operator frees the space
        freed_at = time.monotonic()
        wait_for("items terminal again", lambda: stack.terminal() > before, poll=0.2)
        recovery_s = round(time.monotonic() - freed_at, 1)
        returncode = run.wait(timeout=420)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, 9)
            run.wait(timeout=30)
    output = log.read_text(errors="replace")
    audit = stack.audit("14 SQLite disk full mid-run (embedded)", files, recovery_s=recovery_s)
    stack.close()
    message = next(line for line in output.splitlines() if "disk full" in line)
    print(f"[faults] disk full {FULL_S:.0f} s; first item terminal {recovery_s} s after the "
          f"space was freed; the operator read: {message.strip()[:300]}")
    assert returncode == 0, output[-4000:]
    assert str(database) in message, message
    assert "Traceback" not in output, output[-4000:]
    assert "database disk full" in status.stdout + status.stderr, status.stdout + status.stderr
    assert str(small_disk) in status.stdout + status.stderr
    assert audit.dead == 0
