"""The production shape, for real: `newsflow worker` processes on the machine's Redis, storing
into PostgreSQL, fed by `newsflow enqueue --wait`; then the stored records, field by field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DEV, SEEDS
from tests.integration.services import require_redis, temporary_database
from tests.seed_expectations import assert_ria_record, assert_rt_record, by_seed
from workers.cli.embedded import stop_worker

pytestmark = pytest.mark.integration

# An English news page, an English page with a different gold convention, a French page.
CORPUS_PAGES = [
    "sh-042bb7b5fedab6ea",
    "lg-en-vox-unemployment-insurance-congress",
    "tf-francais.radio.cz-ministre",
]


def _newsflow(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers", *args], env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A worker on Redis + a fresh PostgreSQL database; queues private to this test run."""
    redis_url = require_redis()
    with temporary_database() as database_url:
        inputs = tmp_path_factory.mktemp("inputs")
        env = dict(os.environ)
        env.update({
            "NEWSFLOW_BROKER_URL": redis_url,
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": f"nf-test-{uuid.uuid4().hex[:8]}",
            "NEWSFLOW_FETCH__ALLOWED_ROOTS": json.dumps([str(SEEDS), str(CORPUS_DEV),
                                                         str(inputs)]),
        })
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers", "worker", "--concurrency", "2",
             "--loglevel", "WARNING"],
            env=env, start_new_session=True,
        )
        env["TEST_INPUTS"] = str(inputs)
        try:
            yield env
        finally:
            stop_worker(worker)  # warm shutdown, then the process group is killed


def _export(env: dict[str, str]) -> list[dict[str, object]]:
    done = _newsflow(env, "export", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_enqueue_wait_stores_seeds_and_corpus_pages(stack: dict[str, str]) -> None:
    inputs = Path(stack["TEST_INPUTS"])
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "binary.txt").write_bytes(bytes(range(256)) * 8)
    pages = [str(CORPUS_DEV / f"{name}.html") for name in CORPUS_PAGES]
    missing = str(inputs / "no-such-file.txt")

    done = _newsflow(stack, "enqueue", "--wait", str(SEEDS), *pages,
                     str(inputs / "empty.txt"), str(inputs / "binary.txt"), missing)
    assert done.returncode == 0, done.stderr
    assert "not_found" in done.stderr or "no-such-file" in done.stderr

    records = _export(stack)
    sources = {Path(str(r["source"])).name for r in records}
    assert {f"{name}.html" for name in CORPUS_PAGES} <= sources
    ria, rt = by_seed(records)  # type: ignore[arg-type]
    assert_ria_record(ria)
    assert_rt_record(rt)

    failed = _newsflow(stack, "failed", "--json")
    assert failed.returncode == 0, failed.stderr
    rows = {Path(r["source"]).name: r for r in map(json.loads, failed.stdout.splitlines())}
    for name, reason in (("empty.txt", "empty"), ("binary.txt", "binary"),
                         ("no-such-file.txt", "not_found")):
        assert rows[name]["state"] == "rejected" and rows[name]["reason"] == reason, rows
        assert rows[name]["error"], rows[name]


def test_enqueueing_the_same_seeds_again_stores_nothing_twice(stack: dict[str, str]) -> None:
    before = _export(stack)
    done = _newsflow(stack, "enqueue", "--wait", "--no-skip-known", str(SEEDS))
    assert done.returncode == 0, done.stderr
    after = _export(stack)
    assert len(after) == len(before)
    assert "duplicate" in done.stdout


def test_status_counts_the_whole_store(stack: dict[str, str]) -> None:
    done = _newsflow(stack, "status", "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["counts"]["stored"] >= 5
    assert status["counts"]["rejected"] >= 3
    assert status["in_flight"] == 0
