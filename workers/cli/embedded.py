"""``newsflow run``: the whole system on one machine with no server to start by hand.

Real Celery worker processes consume a real broker transport (kombu's filesystem transport
in a private folder) and write to SQLite; the producer, the ledger and the chains are the
same code as in the Redis deployment, only the URLs differ.

The worker never outlives its ``newsflow run``: a SIGTERM to the run stops the worker (warm
shutdown) before the run exits, and on Linux the kernel sends the worker SIGTERM when the
run dies any other way, SIGKILL included (``PR_SET_PDEATHSIG``). Left running, it went on
writing to the database with nobody following it (issue 16).
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

from config.settings import Settings
from tasks.stages import STAGE_NAMES

__all__ = [
    "Stopped",
    "broker_folder",
    "embedded_environment",
    "start_worker",
    "stop_on_signals",
    "stop_worker",
]


def embedded_environment(
    settings: Settings, broker_dir: Path, roots: Sequence[Path]
) -> dict[str, str]:
    """Environment for the worker subprocess: same settings, local broker, allowed roots."""
    env = dict(os.environ)
    env["NEWSFLOW_BROKER_URL"] = f"filesystem://{broker_dir.resolve()}"
    env["NEWSFLOW_DATABASE_URL"] = settings.database_url.get_secret_value()
    # Configured roots are the operator's limit: the paths named on the command line never
    # widen them (a path outside is then refused by the worker, naming the roots). With none
    # configured, the worker reads below the folders the user named.
    configured = [str(p) for p in settings.fetch.allowed_roots]
    allowed = configured or [str(r) for r in roots]
    env["NEWSFLOW_FETCH__ALLOWED_ROOTS"] = json.dumps(sorted(set(allowed)))
    # No Redis in embedded mode: per-domain politeness is per process here.
    env["NEWSFLOW_FETCH__POLITENESS_REDIS_URL"] = ""
    # The CLI reports every outcome from the ledger; the worker only speaks up for errors.
    env.setdefault("NEWSFLOW_LOG_LEVEL", "ERROR")
    return env


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking the kernel for SIGTERM when ``parent`` dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None

    def arm() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the run died before the request was made
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


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
    return subprocess.Popen(command, env=env, start_new_session=True,
                            preexec_fn=_die_with(os.getpid()))


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


class Stopped(Exception):
    """`newsflow run` received SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by a signal ({signal.Signals(signum).name})")
        self.signum = signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``Stopped`` in the main thread, so the ``finally`` that
    stops the worker runs (by default they end the process at once, worker left running)."""

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
