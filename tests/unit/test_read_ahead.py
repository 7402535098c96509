"""workers.producer.read_ahead: the chunks of batched(), in order, read by a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from workers.producer.read_ahead import read_ahead


def test_the_same_chunks_in_the_same_order() -> None:
    assert list(read_ahead(range(10), 4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert list(read_ahead([], 4)) == []


def test_a_reader_error_comes_after_the_chunks_read_before_it() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise OSError("truncated")

    chunks = read_ahead(items(), 2)
    assert next(chunks) == [0, 1]
    assert next(chunks) == [2, 3]
    with pytest.raises(OSError, match="truncated"):
        next(chunks)


def test_it_reads_at_most_depth_chunks_ahead_and_stops_when_closed() -> None:
    read: list[int] = []
    wait = threading.Event()

    def items() -> Iterator[int]:
        for i in range(1000):
            read.append(i)
            if i == 7:
                wait.set()
            yield i

    chunks = read_ahead(items(), 2, depth=2)
    assert next(chunks) == [0, 1]
    assert wait.wait(5)
    chunks.close()  # the consumer failed: the thread ends instead of reading on
    assert len(read) <= 2 * (1 + 2 + 1) + 1  # taken, queued (depth) and one being filled
    assert not any(t.name == "newsflow-read" and t.is_alive() for t in threading.enumerate())
