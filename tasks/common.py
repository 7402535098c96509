"""Two helpers every layer needs, written once: fixed-size batches and the time in UTC."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import TypeVar

__all__ = ["batched", "utc_now"]

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter), read lazily from ``items``.

    ``itertools.batched`` arrives with Python 3.12 (and yields tuples); newsflow supports 3.11.
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (what the ledger and every stamp store)."""
    return datetime.now(UTC)
