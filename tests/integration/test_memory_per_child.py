"""The memory safety net, live: a pool process past ``celery.max_memory_per_child_mb`` is
replaced after its message by a fresh one (``config/celeryconfig.py``).

A real `newsflow worker` of the store queue (no model: ~250 MB per process) with the limit at
its minimum, 64 MB: every process is over it from its first message, so the pool process
that ran a message must be gone after it and another must have taken its place.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.bench_support import pool_children
from tests.integration.services import require_redis, temporary_database
from workers.cli.embedded import stop_worker

pytestmark = pytest.mark.integration


@pytest.fixture
def small_worker(tmp_path: Path) -> Iterator[tuple[dict[str, str], subprocess.Popen[bytes]]]:
    redis_url = require_redis()
    with temporary_database("newsflow_memchild") as database_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env.update({
            "NEWSFLOW_BROKER_URL": redis_url,
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": f"nf-memchild-{uuid.uuid4().hex[:8]}",
            "NEWSFLOW_CELERY__MAX_MEMORY_PER_CHILD_MB": "64",
        })
        log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers", "worker", "--queues", "store", "--concurrency",
             "1", "--loglevel", "INFO", "--hostname", f"memchild-{uuid.uuid4().hex[:6]}@test"],
            env=env, start_new_session=True, stdout=log, stderr=log,
        )
        try:
            yield env, worker
        finally:
            stop_worker(worker)
            print((tmp_path / "worker.log").read_text(errors="replace")[-3000:])


def _one_child(worker: subprocess.Popen[bytes], deadline: float) -> int:
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker exited"
        children = pool_children(worker.pid)
        if len(children) == 1:
            return children[0]
        time.sleep(0.5)
    raise AssertionError("no single pool process in time")


def test_a_pool_process_over_the_limit_is_replaced_after_its_message(
    small_worker: tuple[dict[str, str], subprocess.Popen[bytes]],
) -> None:
    env, worker = small_worker
    from config.settings import load_settings
    from workers.app import make_app

    settings = load_settings(broker_url=env["NEWSFLOW_BROKER_URL"],
                             database_url=env["NEWSFLOW_DATABASE_URL"],
                             pipeline={"queue_prefix": env["NEWSFLOW_PIPELINE__QUEUE_PREFIX"]})
    app = make_app(settings)
    deadline = time.monotonic() + 300
    first = _one_child(worker, deadline)
    # The sweeper's task rides on the store queue and needs nothing but the database.
    app.send_task("newsflow.sweep", queue=settings.pipeline.queue_for("store"))
    while time.monotonic() < deadline:
        child = _one_child(worker, deadline)
        if child != first:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"pool process {first} was never replaced")
    assert worker.poll() is None  # the worker itself runs on
