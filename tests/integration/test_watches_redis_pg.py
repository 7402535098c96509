"""Watches for real: `newsflow worker` processes on the machine's Redis, a fresh PostgreSQL
database, the seeds enqueued with `newsflow enqueue --wait`, and a webhook receiver on
loopback that checks every signature.

One story, in phases: a watch on "NATO" matches both seeds and not a weather report; the
receiver is down at first (deliveries retry with back-off); the worker is killed with
SIGKILL while they wait and a new one started; the receiver comes up; each matching article
arrives exactly once; a warm restart and two re-runs of the seeds deliver nothing more.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from tests.conftest import SEEDS
from tests.integration.ingest_stack import delete_queues, newsflow
from tests.integration.services import free_port, require_redis, temporary_database
from tests.unit.watches.receiver import Receiver
from workers.cli.embedded import stop_worker

pytestmark = pytest.mark.integration

SECRET = "integration-secret"
WEATHER = ("Heavy rain and strong winds are expected across the northern coast on Sunday, "
           "the weather service said, with temperatures falling to five degrees overnight.")
DEADLINE_S = 300  # a hang fails the test; nothing is asserted on how long anything took


def _until(what: str, check: Callable[[], Any]) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


class Workers:
    """Worker processes started and stopped on one environment, each with its own log."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.logs: list[Path] = []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, **extra: str) -> None:
        log = self.tmp / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workers", "worker", "--concurrency", "2",
                 "--loglevel", "INFO"],
                env={**self.env, **extra}, start_new_session=True, stdout=out,
                stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop_worker(self.process)
            self.process = None

    def log_lines(self, needle: str) -> list[str]:
        return [line for log in self.logs
                for line in log.read_text(errors="replace").splitlines() if needle in line]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[dict[str, str], Workers, str]]:
    redis_url = require_redis()
    prefix = f"nf-watch-{uuid.uuid4().hex[:8]}"
    with temporary_database() as database_url:
        env = dict(os.environ)
        env.update({
            "NEWSFLOW_BROKER_URL": redis_url,
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": prefix,
            "NEWSFLOW_FETCH__POLITENESS_KEY_PREFIX": f"{prefix}:polite",
            "NEWSFLOW_FETCH__ALLOWED_ROOTS": json.dumps([str(SEEDS), str(tmp_path)]),
            "NEWSFLOW_LOG_LEVEL": "INFO",
            # The receiver is on loopback: exempt from the SSRF guard, as fetch tests do.
            "NEWSFLOW_WATCHES__ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]',
            "NEWSFLOW_WATCHES__TIMEOUT_S": "5",
            "NEWSFLOW_WATCHES__LEASE_S": "30",
            # Short back-off, many attempts: the receiver's downtime is the test's to choose.
            "NEWSFLOW_WATCHES__RETRY_BACKOFF_S": "0.2",
            "NEWSFLOW_WATCHES__RETRY_BACKOFF_MAX_S": "1",
            "NEWSFLOW_WATCHES__MAX_ATTEMPTS": "100000",
        })
        workers = Workers(env, tmp_path)
        try:
            yield env, workers, database_url
        finally:
            workers.stop()
            delete_queues(redis_url, prefix)


def _deliveries(database_url: str) -> list[dict[str, Any]]:
    from tasks.watches.tables import watch_deliveries

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(watch_deliveries).order_by(watch_deliveries.c.id))
            return [dict(r) for r in rows.mappings()]
    finally:
        engine.dispose()


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_nato_watch_delivers_each_new_match_once_through_downtime_and_restarts(
    stack: tuple[dict[str, str], Workers, str], tmp_path: Path,
) -> None:
    env, workers, database_url = stack
    receiver = Receiver(secret=SECRET, port=free_port())  # reserved, not listening yet
    weather = tmp_path / "weather.txt"
    weather.write_text(WEATHER, encoding="utf-8")

    watch_id = _ok(newsflow(env, "watches", "add", "nato", "--query", "NATO", "--webhook",
                            receiver.url, "--secret", SECRET)).strip()
    workers.start()
    _ok(newsflow(env, "enqueue", "--wait", "--no-progress", str(SEEDS), str(weather)))
    stored = {r["source"]: r["id"] for r in map(json.loads, _ok(newsflow(
        env, "export", "--format", "jsonl")).splitlines())}
    assert len(stored) == 3
    seeds = {stored[s] for s in stored if s != str(weather)}

    # Receiver down: both seeds' deliveries are retried (attempts grow), none for weather.
    def retrying() -> list[dict[str, Any]] | None:
        rows = _deliveries(database_url)
        return rows if len(rows) == 2 and all(r["attempts"] >= 2 for r in rows) else None

    rows = _until("two deliveries retried while the receiver is down", retrying)
    assert {r["article_id"] for r in rows} == seeds
    assert {r["status"] for r in rows} <= {"pending", "sending"}
    assert all(r["last_error"] for r in rows)

    # The worker dies holding the retry messages (unacked until the visibility timeout); a
    # new one starts, with metrics on; the sweep (celery beat's job, run here by hand each
    # round) re-sends what is due, or leased by the dead worker once its lease ran out.
    workers.kill()
    metrics_port = free_port()
    workers.start(NEWSFLOW_METRICS__PORT=str(metrics_port))
    receiver.start()
    try:
        def delivered() -> list[dict[str, Any]] | None:
            rows = _deliveries(database_url)
            if rows and all(r["status"] == "delivered" for r in rows):
                return rows
            _ok(newsflow(env, "watches", "sweep", "--older-than", "0"))
            return None

        rows = _until("both deliveries delivered", delivered)
        matches = receiver.matches()
        assert len(matches) == 2 and all(m.signed for m in matches)
        assert {m.body["article"]["id"] for m in matches} == seeds
        assert {m.body["watch"]["name"] for m in matches} == {"nato"}
        assert all("NATO" in m.body["article"]["text"] for m in matches)
        assert len({m.delivery for m in matches}) == 2

        scrape = _until("the metrics endpoint", lambda: _metrics(metrics_port))
        assert 'newsflow_watch_deliveries_total{outcome="delivered",watch="nato"} 2.0' in scrape

        # A warm restart and two re-runs of the same seeds: skipped as known, then sent as
        # new items that are duplicates of the stored originals. Nothing fires again.
        workers.stop()
        workers.start()
        _ok(newsflow(env, "enqueue", "--wait", "--no-progress", str(SEEDS)))
        _ok(newsflow(env, "enqueue", "--wait", "--no-progress", "--no-skip-known", str(SEEDS)))
        _ok(newsflow(env, "watches", "sweep", "--older-than", "0"))
        status = json.loads(_ok(newsflow(env, "status", "--json")))
        assert status["counts"].get("duplicate") == 2, status
        assert len(_deliveries(database_url)) == 2
        assert len(receiver.matches()) == 2
    finally:
        receiver.stop()

    assert len(workers.log_lines("watch 'nato' fired for article")) == 2
    shown = json.loads(_ok(newsflow(env, "watches", "show", watch_id)))
    assert shown["deliveries"] == {"delivered": 2}
    assert all(d["last_status"] == 204 for d in shown["recent"])


def _metrics(port: int) -> str | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return None
