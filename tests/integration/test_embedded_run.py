"""The README's first command, for real: `newsflow run` with worker processes on the local
filesystem broker and SQLite, then `newsflow export`, checked field by field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DEV, SEEDS
from tests.seed_expectations import assert_ria_record, assert_rt_record, by_seed

pytestmark = pytest.mark.integration


def _newsflow(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    workdir = tmp_path_factory.mktemp("embedded")
    bad = workdir / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["NEWSFLOW_DATABASE_URL"] = f"sqlite:///{workdir / 'newsflow.db'}"
    page = CORPUS_DEV / "sh-042bb7b5fedab6ea.html"
    done = _newsflow(env, workdir, "run", str(SEEDS), str(page), str(bad),
                     str(workdir / "missing.txt"))
    exported = _newsflow(env, workdir, "export", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    return {"run": done, "records": records, "env": env, "workdir": workdir}


def test_run_prints_a_summary_with_every_outcome(embedded_run: dict[str, object]) -> None:
    done = embedded_run["run"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 0, done.stderr
    summary = done.stdout
    for column in ("stored", "duplicate", "rejected", "failed", "total"):
        assert column in summary
    # 3 stored (2 seeds + 1 page), 3 rejected (empty, binary, missing), nothing failed.
    row = [line for line in summary.splitlines() if line.count("│") >= 5][-1]
    numbers = [int(cell) for cell in row.replace("│", " ").split()]
    assert numbers == [3, 0, 3, 0, 6], summary


def test_bad_inputs_are_rejected_with_a_clear_reason(embedded_run: dict[str, object]) -> None:
    done = embedded_run["run"]
    assert isinstance(done, subprocess.CompletedProcess)
    messages = done.stderr
    assert "missing.txt" in messages and "not_found" in messages
    assert "empty.txt" in messages and "empty" in messages
    assert "binary.txt" in messages and "binary" in messages


def test_seed_records_field_by_field(embedded_run: dict[str, object]) -> None:
    records = embedded_run["records"]
    assert isinstance(records, list)
    assert len(records) == 3
    ria, rt = by_seed(records)
    assert_ria_record(ria)
    assert_rt_record(rt)


def test_a_second_run_stores_nothing_twice(embedded_run: dict[str, object]) -> None:
    env, workdir = embedded_run["env"], embedded_run["workdir"]
    assert isinstance(env, dict) and isinstance(workdir, Path)
    again = _newsflow(env, workdir, "run", str(SEEDS))
    assert again.returncode == 0, again.stderr
    exported = _newsflow(env, workdir, "export", "--format", "jsonl")
    assert len(exported.stdout.splitlines()) == 3
