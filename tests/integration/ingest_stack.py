"""A real ingest stack for integration tests: `newsflow worker` processes on the machine's
Redis (private queue and politeness prefixes), a temporary PostgreSQL database, and the
`newsflow` CLI run as a subprocess against them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.integration.services import require_redis, temporary_database

__all__ = ["delete_queues", "ingest_stack", "newsflow", "rows_by_source"]


def newsflow(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers", *args], env=env, input=stdin, capture_output=True,
        text=True, timeout=timeout, check=False,
    )


def delete_queues(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@contextmanager
def ingest_stack(
    tmp: Path, extra_env: dict[str, str], *, concurrency: int = 2, worker: bool = True
) -> Iterator[dict[str, str]]:
    """Start one worker (``concurrency`` processes) unless ``worker`` is False (nobody then
    consumes the private queues); yield the environment the CLI needs."""
    redis_url = require_redis()
    prefix = f"nf-test-{uuid.uuid4().hex[:8]}"
    with temporary_database() as database_url:
        env = dict(os.environ)
        env.update({
            "NEWSFLOW_BROKER_URL": redis_url,
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": prefix,
            "NEWSFLOW_FETCH__POLITENESS_KEY_PREFIX": f"{prefix}:polite",
            "NEWSFLOW_LOG_LEVEL": "WARNING",
            **extra_env,
        })
        env["TEST_REDIS_URL"] = redis_url
        command = [sys.executable, "-m", "workers", "worker", "--concurrency", str(concurrency),
                   "--loglevel", "WARNING"]
        log = (tmp / f"worker-{prefix}.log").open("wb")
        process = (subprocess.Popen(command, env=env, start_new_session=True, stdout=log,
                                    stderr=subprocess.STDOUT) if worker else None)
        try:
            yield env
        finally:
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
            delete_queues(redis_url, prefix)


def rows_by_source(env: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    """``newsflow failed --json`` rows keyed by their source."""
    done = newsflow(env, "failed", "--json", *args)
    assert done.returncode == 0, done.stderr
    return {row["source"]: row for row in map(json.loads, done.stdout.splitlines())}
