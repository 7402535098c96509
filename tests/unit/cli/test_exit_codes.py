"""Exit codes: 0 done; 1 done, but items of the batch died (or it did not finish); 2 usage
error (bad option, unknown or ambiguous id, bad filter, bad settings or database)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.cli.conftest import Cli
from workers.cli import progress
from workers.cli.app import version
from workers.producer import enqueue as producer


def test_version(cli: Cli) -> None:
    done = cli("--version")
    assert done.exit_code == 0
    assert done.stdout == f"newsflow {version()}\n" and version() != "unknown"


@pytest.mark.parametrize("args", [
    ["no-such-command"],
    ["search"],  # the query is missing
    ["search", "x", "--no-such-option"],
    ["search", "x", "--since", "2022-13-01"],
    ["export", "--until", "yesterday"],
    ["export", "--format", "xml"],
    ["export", "--format", "parquet"],  # parquet needs -o
    ["worker", "--queues", "fetch,nosuchstage"],
    ["replay"],  # nothing named
    ["stories", "--limit", "0"],
], ids=" ".join)
def test_usage_errors_exit_2(cli: Cli, migrated: str, args: list[str]) -> None:
    assert cli(*args).exit_code == 2


def test_invalid_settings_exit_2(cli: Cli) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "workers", "status"], capture_output=True,
                          text=True, check=False, timeout=60,
                          env={"NEWSFLOW_LOG_LEVEL": "LOUD", "PATH": "/usr/bin"})
    assert done.returncode == 2 and "NEWSFLOW_LOG_LEVEL" in done.stderr


@pytest.fixture
def batch_ending(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """`enqueue --wait` without a broker: the batch ends with the counts the test sets."""
    counts = {"stored": 2, "duplicate": 0, "rejected": 0, "dead": 0}

    def fake_enqueue(*_args: Any, batch_id: str, **_kwargs: Any) -> producer.EnqueueReport:
        return producer.EnqueueReport(batch_id=batch_id, sent=sum(counts.values()))

    monkeypatch.setattr(producer, "enqueue", fake_enqueue)
    monkeypatch.setattr(progress, "follow_batch", lambda *_a, **_k: dict(counts))
    return counts


def test_enqueue_wait_exits_0_when_every_item_ended_stored_or_rejected(
    cli: Cli, tmp_path: Any, batch_ending: dict[str, int]
) -> None:
    batch_ending["rejected"] = 1  # a bad input is reported, not a failure of the run
    done = cli("enqueue", "--wait", "--no-progress", str(tmp_path))
    assert done.exit_code == 0, done.output


def test_enqueue_wait_exits_1_when_items_died(
    cli: Cli, tmp_path: Any, batch_ending: dict[str, int]
) -> None:
    batch_ending["dead"] = 1
    done = cli("enqueue", "--wait", "--no-progress", str(tmp_path))
    assert done.exit_code == 1, done.output
    assert "failed" in done.stdout  # the summary's column of dead items


def test_enqueue_wait_exits_1_when_the_batch_did_not_finish(
    cli: Cli, tmp_path: Any, batch_ending: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_slow(*_args: Any, **_kwargs: Any) -> dict[str, int]:
        raise TimeoutError("batch b not finished after 1s")

    monkeypatch.setattr(progress, "follow_batch", too_slow)
    done = cli("enqueue", "--wait", "--no-progress", "--timeout", "1", str(tmp_path))
    assert done.exit_code == 1 and "not finished after 1s" in done.stderr


def test_export_into_a_missing_folder_is_a_message_not_a_traceback(
    cli: Cli, migrated: str, tmp_path: Any
) -> None:
    target = tmp_path / "missing" / "out.jsonl"
    done = cli("export", "--format", "jsonl", "-o", str(target))
    assert done.exit_code == 2
    assert "does not exist" in done.output and "Traceback" not in done.output
    assert not target.parent.exists()
