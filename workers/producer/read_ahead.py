"""Read the next chunks of source items in a thread while the producer writes the ledger.

Reading a JSONL dump is Python work (a line parsed, an item built: ~40 % of the producer's
CPU), the ledger write of a chunk is mostly waiting for the database server: done in turn,
the two add up; with the reading a chunk or two ahead they overlap (the GIL is free while
the producer waits on its socket). At most ``depth`` chunks wait, so memory stays flat
however long the input.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

from tasks.common import batched

__all__ = ["read_ahead"]

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[T], size: int, depth: int = 2) -> Generator[list[T], None, None]:
    """``batched(items, size)``, read by a thread up to ``depth`` chunks ahead.

    An error of the reader is raised here, after the chunks read before it. Closing the
    generator early (the consumer failed) stops the thread at its next chunk.
    """
    chunks: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: object) -> bool:
        while not stop.is_set():
            try:
                chunks.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in batched(items, size):
                if not put(chunk):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Failed(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=read, name="newsflow-read", daemon=True)
    thread.start()
    try:
        while True:
            entry = chunks.get()
            if entry is _DONE:
                return
            if isinstance(entry, _Failed):
                raise entry.error
            yield entry  # type: ignore[misc]
    finally:
        stop.set()
        # Not forever: a reader blocked on a slow source (stdin) ends with the process.
        thread.join(timeout=1.0)
