"""The embedded broker (kombu's filesystem transport) never hands out a half-written message.

The consumer runs in its own process, as a worker does: with kombu's stock transport it takes
a message file the producer has created but not yet filled and fails with JSONDecodeError
(checked when this test was written: every run of the race below failed on the stock class).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from pathlib import Path

import pytest
from kombu import Connection
from kombu.transport import filesystem

from config.celeryconfig import filesystem_broker_folders
from workers.broker_transport import FilesystemTransport

BODY = "x" * 9_000_000  # a 9 MB JSONL line made the embedded worker die this way
COUNT = 6


def _connection(folder: Path) -> Connection:
    return Connection(transport=FilesystemTransport,
                      transport_options=filesystem_broker_folders(folder))


def _consume(folder: str, results: multiprocessing.Queue[list[str]]) -> None:
    got: list[str] = []
    deadline = time.monotonic() + 120
    with _connection(Path(folder)) as conn:
        channel = conn.default_channel
        while len(got) < COUNT and time.monotonic() < deadline:
            try:
                message = channel._get("q")
            except filesystem.Empty:
                continue
            except Exception as exc:  # what the stock transport raises on a partial file
                got.append(f"error: {type(exc).__name__}")
                break
            got.append(f"{len(message['body'])} bytes")
    results.put(got)


def test_a_consumer_in_another_process_only_sees_whole_messages(tmp_path: Path) -> None:
    results: multiprocessing.Queue[list[str]] = multiprocessing.Queue()
    consumer = multiprocessing.Process(target=_consume, args=(str(tmp_path), results))
    consumer.start()
    try:
        with _connection(tmp_path) as conn:
            for _ in range(COUNT):
                conn.default_channel._put("q", {"body": BODY})
        got = results.get(timeout=150)
    except queue.Empty:
        pytest.fail("the consumer never reported")
    finally:
        consumer.join(timeout=10)
    assert got == [f"{len(BODY)} bytes"] * COUNT


def test_no_partial_file_is_left_when_a_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("workers.broker_transport.os.replace", refuse)
    with _connection(tmp_path) as conn, \
            pytest.raises(filesystem.ChannelError, match="broker folder"):
        conn.default_channel._put("q", {"body": "x"})
    assert list((tmp_path / "queue").iterdir()) == []
