"""``newsflow run``: the whole system on one machine with no server to start by hand.

Real Celery worker processes consume a real broker transport (kombu's filesystem transport
in a private folder) and write to SQLite; the producer, the ledger and the chains are the
same code as in the Redis deployment, only the URLs differ.

The worker never outlives ``newsflow run``: SIGTERM or SIGHUP to the command stops it the
way the end of a run does (``signals_stop_run``), and on Linux the kernel sends the worker
SIGTERM if the command dies any other way, SIGKILL included (``PR_SET_PDEATHSIG``). The
worker then shuts down warm; what it had not finished stays in the ledger, and the next
``newsflow run`` of the same inputs re-sends it.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from config.settings import Settings
from tasks.stages import STAGE_NAMES

__all__ = ["embedded_environment", "signals_stop_run", "start_worker", "stop_worker"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def embedded_environment(
    settings: Settings, broker_dir: Path, roots: Sequence[Path]
) -> dict[str, str]:
    """Environment for the worker subprocess: same settings, local broker, allowed roots."""
    env = dict(os.environ)
    env["NEWSFLOW_BROKER_URL"] = f"filesystem://{broker_dir.resolve()}"
    env["NEWSFLOW_DATABASE_URL"] = settings.database_url.get_secret_value()
    allowed = [str(p) for p in settings.fetch.allowed_roots] + [str(r) for r in roots]
    env["NEWSFLOW_FETCH__ALLOWED_ROOTS"] = json.dumps(sorted(set(allowed)))
    # No Redis in embedded mode: per-domain politeness is per process here.
    env["NEWSFLOW_FETCH__POLITENESS_REDIS_URL"] = ""
    # The CLI reports every outcome from the ledger; the worker only speaks up for errors.
    env.setdefault("NEWSFLOW_LOG_LEVEL", "ERROR")
    return env


def start_worker(
    settings: Settings, env: dict[str, str], concurrency: int, loglevel: str = "WARNING"
) -> subprocess.Popen[bytes]:
    queues = ",".join(settings.pipeline.queue_for(stage) for stage in STAGE_NAMES)
    command = [
        sys.executable, "-m", "celery", "--quiet", "--app", "workers.app", "worker",
        "--pool", "prefork", "--concurrency", str(concurrency), "--queues", queues,
        "--loglevel", loglevel, "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", f"embedded-{os.getpid()}@%h",
    ]
    # Its own session: a Ctrl-C on the terminal reaches `run`, which stops it in order.
    return subprocess.Popen(command, env=env, start_new_session=True,
                            preexec_fn=_die_with_parent())


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: arm SIGTERM in the child for the death of this process, however it dies.

    Runs between fork and exec, so it only calls the already loaded libc; if this process
    died before the call, the child's parent is already someone else, and it stops there.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os._exit(1)

    return arm


class RunStopped(SystemExit):
    """``newsflow run`` received SIGTERM or SIGHUP: unwind, so the worker is stopped."""


@contextmanager
def signals_stop_run() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``RunStopped`` (exit 128 + signal) instead of ending the
    process on the spot, which skipped every ``finally`` and left the worker running."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise RunStopped(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_worker(worker: subprocess.Popen[bytes], timeout_s: float = 60) -> int:
    """Warm shutdown (SIGTERM lets running tasks finish), then kill if it hangs."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    return worker.returncode


@contextmanager
def broker_folder(keep: Path | None = None) -> Iterator[Path]:
    """A private broker folder per run: messages of an earlier crashed run cannot leak in
    (their items are still in the ledger, where `newsflow sweep` finds them)."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="newsflow-broker-") as folder:
        yield Path(folder)
