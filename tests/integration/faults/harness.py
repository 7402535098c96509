"""The fault suite's stack: a private redis-server, a fresh PostgreSQL database, real
`newsflow worker` processes, and the audit every scenario ends with.

The audit reads the database, the system of record, and checks the three promises:

* every item is terminal (``stored``, ``duplicate``, ``rejected`` or ``dead``);
* none is lost: one ledger row per input file, whatever was killed or restarted;
* none is stored twice: one ``articles`` row per stored/duplicate item, none for the others,
  and at most one original (non-duplicate) article per content hash.

Each scenario appends its counts to a JSON-lines results file (``NEWSFLOW_FAULTS_RESULTS``,
default a file in the system temp folder) that ``python -m tests.integration.faults.report``
turns into ``docs/faults.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from tests.conftest import CORPUS_DEV, SEEDS
from tests.integration.services import RedisServer

__all__ = [
    "ITEMS",
    "Audit",
    "FaultStack",
    "Sweeper",
    "Worker",
    "article_batch",
    "results_path",
    "wait_for",
]

REPO = Path(__file__).resolve().parents[3]
# Generous: the machine's two cores are shared, and a stalled run must fail, not hang CI.
# Below pytest's own 600 s timeout, so a stall fails here, with the ledger and worker logs.
WAIT_S = float(os.environ.get("NEWSFLOW_FAULTS_WAIT_S", "420"))
TERMINAL = ("stored", "duplicate", "rejected", "dead")
# Articles per scenario (the issue asks for at least 500; lower it only to debug).
ITEMS = int(os.environ.get("NEWSFLOW_FAULTS_ITEMS", "500"))


def results_path() -> Path:
    default = Path(tempfile.gettempdir()) / "newsflow-faults.jsonl"
    return Path(os.environ.get("NEWSFLOW_FAULTS_RESULTS", str(default)))


def wait_for(what: str, predicate: Callable[[], bool], timeout: float = WAIT_S,
             poll: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


def _corpus_pages(count: int) -> list[Path]:
    """The ``count`` smallest corpus pages: real articles, and extract stays affordable."""
    pages = sorted(CORPUS_DEV.glob("*.html"), key=lambda p: (p.stat().st_size, p.name))
    return pages[:count]


def article_batch(folder: Path, total: int = ITEMS, distinct_pages: int = 100) -> list[Path]:
    """``total`` input files in ``folder``: the seeds and corpus pages, repeated under
    distinct names (each copy is its own item with its own id; same content -> duplicate)."""
    folder.mkdir(parents=True, exist_ok=True)
    originals = sorted(SEEDS.glob("*.txt")) + _corpus_pages(distinct_pages)
    files = []
    for number in range(total):
        source = originals[number % len(originals)]
        target = folder / f"{number:04d}-{source.name}"
        shutil.copyfile(source, target)
        files.append(target)
    return files


@dataclass
class Audit:
    scenario: str
    items: int
    stored: int
    duplicate: int
    rejected: int
    dead: int
    not_terminal: int
    lost: int
    stored_twice: int
    seconds: float = 0.0
    # Seconds from a kill to the moment its lost work was all back in play (scenarios that
    # kill a worker and measure it); None elsewhere.
    recovery_s: float | None = None

    def line(self) -> str:
        return " ".join(f"{k}={v}" for k, v in asdict(self).items())


class Sweeper:
    """Runs `newsflow sweep` whenever the ledger has not moved for ``stall_s`` seconds, as an
    operator or the periodic task would; pass it to ``FaultStack.wait_terminal``."""

    def __init__(self, stack: FaultStack, stall_s: float = 15.0,
                 older_than_s: float = 10.0) -> None:
        self.stack = stack
        self.stall_s = stall_s
        self.older_than_s = older_than_s
        self.last: dict[str, int] = {}
        self.changed = time.monotonic()
        self.outputs: list[str] = []
        self.first_resent_at: float | None = None  # monotonic time of the first re-send

    def __call__(self) -> None:
        counts = self.stack.counts()
        now = time.monotonic()
        if counts != self.last:
            self.last, self.changed = counts, now
            return
        if now - self.changed < self.stall_s:
            return
        done = self.stack.newsflow("sweep", "--older-than", str(int(self.older_than_s)))
        assert done.returncode == 0, done.stderr[-3000:]
        last = done.stderr.strip().splitlines()[-1]
        self.outputs.append(last)
        self.changed = time.monotonic()
        if self.first_resent_at is None and last.startswith("re-sent") \
                and not last.startswith("re-sent 0"):
            self.first_resent_at = self.changed

    def resent(self) -> int:
        """Items the sweeps re-sent ("re-sent N ..." is the command's last line)."""
        return sum(int(line.split()[1]) for line in self.outputs if line.startswith("re-sent"))


class Worker:
    """One `python -m workers worker` process (its own session, so signals reach it alone)."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int, *extra: str,
                 prefix: tuple[str, ...] = ()) -> None:
        self.log = log
        self._log_handle = log.open("ab")
        # ``prefix``: e.g. ``ip netns exec NAME``, which execs the worker (the pid stays).
        self.process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "workers", "worker", "--concurrency",
             str(concurrency), "--loglevel", "INFO", *extra],
            env=env, cwd=REPO, stdout=self._log_handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        """The pool processes: the worker's children, read from /proc."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._kill_orphans()
        self._log_handle.close()
        return self.process.returncode

    def _kill_orphans(self) -> None:
        # After a kill -9 of the main process its pool children may linger: end our own.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)


class FaultStack:
    """Redis + PostgreSQL + the environment every `newsflow` process of a scenario shares."""

    def __init__(self, workdir: Path, redis: RedisServer | None, database_url: str,
                 **settings: str) -> None:
        # ``redis`` None: embedded mode (`newsflow run` brings its own broker).
        self.workdir = workdir
        self.redis = redis
        self.database_url = database_url
        self.inputs = workdir / "inputs"
        self.inputs.mkdir(exist_ok=True)
        self.workers: list[Worker] = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        if redis is not None:
            self.env["NEWSFLOW_BROKER_URL"] = redis.url
        self.env.update({
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_FETCH__ALLOWED_ROOTS": json.dumps([str(self.inputs)]),
            "NEWSFLOW_PIPELINE__BATCH_SIZE": "8",
            "NEWSFLOW_LOG_LEVEL": "INFO",
            **{f"NEWSFLOW_{k.upper()}": v for k, v in settings.items()},
        })
        self._engine: Engine | None = None
        self.started = time.monotonic()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.database_url, pool_pre_ping=True)
        return self._engine

    def newsflow(self, *args: str, timeout: float = WAIT_S,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workers", *args], env=env or self.env, cwd=REPO,
            capture_output=True, text=True, timeout=timeout, check=False,
        )

    def start_worker(self, concurrency: int = 2, *extra: str,
                     env: dict[str, str] | None = None,
                     prefix: tuple[str, ...] = ()) -> Worker:
        log = self.workdir / f"worker-{len(self.workers)}.log"
        worker = Worker(env or self.env, log, concurrency, *extra, prefix=prefix)
        self.workers.append(worker)
        return worker

    def enqueue(self, *paths: str | Path, expect_ok: bool = True,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = self.newsflow("enqueue", *(str(p) for p in paths), env=env)
        if expect_ok:
            assert done.returncode == 0, done.stderr[-3000:]
        return done

    def not_sent(self) -> int:
        return self.scalar("SELECT count(*) FROM items WHERE state = 'queued' "
                           "AND error LIKE 'not sent%'")

    def complete_unsent(self, *paths: str | Path, total: int) -> str:
        """After a failed enqueue: `replay --unsent`, then enqueue again what never got a
        ledger row (the already-known items are skipped). Returns replay's message."""
        replay = self.newsflow("replay", "--unsent")
        assert replay.returncode == 0, replay.stderr[-3000:]
        if self.scalar("SELECT count(*) FROM items") < total:
            self.wait_terminal(self.scalar("SELECT count(*) FROM items"))
            self.enqueue(*paths)
        return replay.stderr

    # ---- the ledger, read directly -------------------------------------------------------
    def scalar(self, sql: str, **params: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar() or 0)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT state, count(*) FROM items GROUP BY state")).all()
        return {str(state): int(count) for state, count in rows}

    def in_stage(self, stage: str) -> int:
        return self.scalar("SELECT count(*) FROM items WHERE state = 'processing' "
                           "AND stage = :stage", stage=stage)

    def terminal(self) -> int:
        return sum(self.counts().get(s, 0) for s in TERMINAL)

    def wait_terminal(self, total: int, timeout: float = WAIT_S,
                      while_waiting: Callable[[], None] | None = None) -> None:
        def done() -> bool:
            if while_waiting is not None:
                while_waiting()
            counts = self.counts()
            return sum(counts.values()) >= total and sum(
                counts.get(s, 0) for s in TERMINAL) == sum(counts.values())

        try:
            wait_for(f"{total} items terminal", done, timeout=timeout, poll=1.0)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; ledger: {self.counts()}\n"
                                 f"{self.worker_tail()}") from None

    def wait_ready(self, worker: Worker) -> None:
        wait_for("the worker to be ready", lambda: " ready." in worker.output()
                 or worker.process.poll() is not None, timeout=180)
        assert worker.process.poll() is None, worker.output()[-3000:]

    def worker_tail(self, chars: int = 4000) -> str:
        return "\n".join(f"--- {w.log.name}\n{w.output()[-chars:]}" for w in self.workers)

    # ---- the audit -------------------------------------------------------------------------
    def audit(self, scenario: str, inputs: list[Path] | list[Path | str],
              recovery_s: float | None = None) -> Audit:
        """Count everything from the database and check the three promises."""
        with self.engine.connect() as conn:
            sources = [str(s) for (s,) in conn.execute(text("SELECT source FROM items"))]
            stored_rows = conn.execute(text(
                "SELECT i.state, count(a.id) FROM items i LEFT JOIN articles a ON a.id = i.id "
                "GROUP BY i.state")).all()
            orphans = int(conn.execute(text(
                "SELECT count(*) FROM articles a LEFT JOIN items i ON i.id = a.item_id "
                "WHERE i.id IS NULL OR i.state NOT IN ('stored', 'duplicate')")).scalar() or 0)
            hash_twice = int(conn.execute(text(
                "SELECT count(*) FROM (SELECT content_hash FROM articles "
                "WHERE duplicate_of IS NULL GROUP BY content_hash HAVING count(*) > 1) t"
            )).scalar() or 0)
            item_twice = int(conn.execute(text(
                "SELECT count(*) FROM (SELECT item_id FROM articles GROUP BY item_id "
                "HAVING count(*) > 1) t")).scalar() or 0)
            originals = int(conn.execute(text(
                "SELECT count(*) FROM articles WHERE duplicate_of IS NULL")).scalar() or 0)
        counts = self.counts()
        articles_by_state = {str(s): int(n) for s, n in stored_rows}
        # Files are compared by resolved path, URLs as given.
        expected = {p if isinstance(p, str) else str(p.resolve()) for p in inputs}
        seen = {s if "://" in s else str(Path(s).resolve()) for s in sources}
        missing = expected - seen
        # Stored items each have exactly one article, the others none.
        wrong_rows = abs(articles_by_state.get("stored", 0) - counts.get("stored", 0))
        wrong_rows += abs(articles_by_state.get("duplicate", 0) - counts.get("duplicate", 0))
        wrong_rows += sum(n for s, n in articles_by_state.items() if s not in ("stored",
                                                                               "duplicate"))
        audit = Audit(
            scenario=scenario,
            items=len(inputs),
            stored=counts.get("stored", 0),
            duplicate=counts.get("duplicate", 0),
            rejected=counts.get("rejected", 0),
            dead=counts.get("dead", 0),
            not_terminal=counts.get("queued", 0) + counts.get("processing", 0),
            lost=len(missing),
            stored_twice=hash_twice + item_twice + orphans + wrong_rows
            + abs(originals - counts.get("stored", 0)),
            seconds=round(time.monotonic() - self.started, 1),
            recovery_s=recovery_s,
        )
        print(f"\n[faults] {audit.line()}")
        path = results_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(audit)) + "\n")
        assert audit.lost == 0, f"lost items: {sorted(missing)[:10]}"
        assert audit.not_terminal == 0, f"items not terminal: {counts}"
        assert audit.stored_twice == 0, (hash_twice, item_twice, orphans, wrong_rows,
                                         originals, counts)
        assert len(sources) == len(inputs), f"{len(sources)} ledger rows for {len(inputs)} items"
        return audit

    def close(self) -> None:
        for worker in self.workers:
            worker.stop(signal.SIGKILL, timeout=30)
        if self._engine is not None:
            self._engine.dispose()

