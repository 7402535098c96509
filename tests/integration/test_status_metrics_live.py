"""`newsflow status --live` and the worker's /metrics against a live worker on the machine's
Redis, storing into PostgreSQL; and queue depths seen while no worker consumes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from config.settings import load_settings
from tests.conftest import SEEDS
from tests.integration.services import free_port, require_redis, temporary_database
from workers.cli.embedded import stop_worker

pytestmark = pytest.mark.integration


def _newsflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


def _sample(body: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", body, re.MULTILINE)
    assert match, f"{name}{{{wanted}}} not in /metrics"
    return float(match[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    redis_url = require_redis()
    with temporary_database() as database_url:
        port = free_port()
        env = dict(os.environ)
        env.update({
            "NEWSFLOW_BROKER_URL": redis_url,
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": f"nf-test-{uuid.uuid4().hex[:8]}",
            "NEWSFLOW_METRICS__PORT": str(port),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("metrics")),
        })
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers", "worker", "--concurrency", "2",
             "--loglevel", "WARNING"], env=env, start_new_session=True)
        env["TEST_METRICS_PORT"] = str(port)
        try:
            for _ in range(600):  # the endpoint comes up once the models are loaded
                try:
                    _metrics(port)
                    break
                except OSError:
                    assert worker.poll() is None, "worker exited"
                    time.sleep(0.5)
            yield env
        finally:
            stop_worker(worker)  # warm shutdown, then the process group is killed


def test_status_live_and_metrics_follow_a_batch(live: dict[str, str]) -> None:
    done = _newsflow(live, "enqueue", "--wait", str(SEEDS))
    assert done.returncode == 0, done.stderr
    batch = re.search(r"batch (\S+): sent 2", done.stderr)
    assert batch, done.stderr

    view = _newsflow(live, "status", batch[1], "--live")
    assert view.returncode == 0, view.stderr
    assert f"batch {batch[1]}" in view.stdout
    for stage in ("fetch", "clean", "translate_check", "extract", "store"):
        assert re.search(rf"{stage}\s.*\s2\s", view.stdout), view.stdout  # 2 passed each
    assert "in flight 0" in view.stdout and "stored 2" in view.stdout

    body = _metrics(int(live["TEST_METRICS_PORT"]))
    assert _sample(body, "newsflow_articles_total", stage="store", outcome="stored") >= 2
    for stage in ("fetch", "clean", "translate_check", "extract", "store"):
        assert _sample(body, "newsflow_stage_seconds_count", stage=stage) >= 2
        assert _sample(body, "newsflow_stage_batches_total", stage=stage) >= 1
        queue = f"{live['NEWSFLOW_PIPELINE__QUEUE_PREFIX']}.{stage}"
        assert _sample(body, "newsflow_queue_depth", stage=stage, queue=queue) == 0
    # The seeds are local files: each micro-batch's fetch ran inside its clean message, so
    # four tasks ran a message and the fetch task none.
    for stage in ("clean", "translate_check", "extract", "store"):
        assert _sample(body, "newsflow_messages_total", task=f"newsflow.{stage}") >= 1
    assert 'newsflow_messages_total{task="newsflow.fetch"}' not in body


def test_queue_depth_shows_messages_nobody_consumes(live: dict[str, str]) -> None:
    from workers.app import make_app
    from workers.queue_depth import stage_depths

    idle = dict(live, NEWSFLOW_PIPELINE__QUEUE_PREFIX=f"nf-idle-{uuid.uuid4().hex[:8]}")
    done = _newsflow(idle, "enqueue", "--no-skip-known", str(SEEDS))  # nobody consumes
    assert done.returncode == 0, done.stderr
    settings = load_settings(broker_url=idle["NEWSFLOW_BROKER_URL"],
                             pipeline={"queue_prefix": idle["NEWSFLOW_PIPELINE__QUEUE_PREFIX"]})
    depths = stage_depths(make_app(settings), settings.pipeline)
    # Two local seeds, one micro-batch message, read inside its clean message.
    assert depths["clean"] == 1 and depths["fetch"] == 0
    assert depths["extract"] == 0
    status = _newsflow(idle, "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["in_flight"] >= 2
    import redis

    redis.Redis.from_url(idle["NEWSFLOW_BROKER_URL"]).delete(
        f"{idle['NEWSFLOW_PIPELINE__QUEUE_PREFIX']}.clean")
