"""The CPU a batch function spends on each of its articles alone.

A stage that works on a whole message at once (the store's one transaction, a gate's one
look-up) cannot be timed article by article from outside: the runner
(``tasks.pipeline``) used to give each article the batch's mean, so a recognised copy,
whose record takes a fraction of an original's work, was charged an original's store.
Inside, the function knows which work belongs to which article: it wraps that work in
``spent_on(article_id)``; the runner collects those seconds (``metering``), charges each
article its own, and shares only the rest (locks, look-ups, the commit) evenly.

Outside ``metering`` (a plain call, a test), ``spent_on`` measures nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["metering", "shares", "spent_on"]

_current: ContextVar[dict[str, float] | None] = ContextVar("cpu_meter", default=None)


@contextmanager
def metering() -> Iterator[dict[str, float]]:
    """Collect, per article id, the CPU seconds of the ``spent_on`` blocks run inside."""
    seconds: dict[str, float] = {}
    token = _current.set(seconds)
    try:
        yield seconds
    finally:
        _current.reset(token)


@contextmanager
def spent_on(article_id: str) -> Iterator[None]:
    """Charge the CPU of this block to ``article_id`` (blocks must not nest)."""
    seconds = _current.get()
    if seconds is None:
        yield
        return
    began = time.process_time()
    try:
        yield
    finally:
        seconds[article_id] = seconds.get(article_id, 0.0) + time.process_time() - began


def shares(own: list[float], total: float) -> list[float]:
    """Each article's CPU: its own seconds plus an even share of what no article claimed."""
    rest = max(0.0, total - sum(own)) / max(1, len(own))
    return [spent + rest for spent in own]
