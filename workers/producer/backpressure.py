"""Backpressure: the producer waits while the stage queues hold too many messages.

The producer asks between chunks (``pipeline.max_queue_depth``; 0 = never). Depth is the
sum over the five stage queues of the messages not yet taken by a worker
(``workers.queue_depth``): a slow NER stage fills its own queue while fetch stays empty,
and that is exactly where Redis would grow. On ``memory://`` there is no probe and the
producer never waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from workers.queue_depth import DepthProbe

__all__ = ["wait_for_room"]

log = logging.getLogger(__name__)


def wait_for_room(
    probe: DepthProbe,
    max_depth: int,
    *,
    on_wait: Callable[[int], None] | None = None,
    poll_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Block while the queues hold ``max_depth`` messages or more; return the seconds waited.

    ``on_wait(depth)`` is called at each poll, so a progress bar can say why it stalls.
    """
    if max_depth <= 0:
        return 0.0
    started = time.monotonic()
    depth = probe()
    while depth >= max_depth:
        if on_wait is not None:
            on_wait(depth)
        log.debug("backpressure: %d messages waiting (limit %d)", depth, max_depth)
        sleep(poll_s)
        depth = probe()
    return time.monotonic() - started
