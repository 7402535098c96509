"""Backpressure: how many messages wait in the stage queues, and waiting until there is room.

The producer asks between chunks (``pipeline.max_queue_depth``; 0 = never). Depth is the
sum over the five stage queues of the messages not yet taken by a worker: a slow NER stage
fills its own queue while fetch stays empty, and that is exactly where Redis would grow.

* Redis: ``LLEN`` of each stage queue and of kombu's priority sub-queues, in one pipeline.
* kombu's filesystem transport (``newsflow run``): the message files in the queue folder.
* anything else (``memory://``): no probe; the producer never waits.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from config.settings import Settings
from tasks.stages import STAGE_NAMES

__all__ = ["DepthProbe", "depth_probe", "wait_for_room"]

log = logging.getLogger(__name__)

DepthProbe = Callable[[], int]
# kombu's Redis transport keeps priority levels in sibling lists "<queue>\x06\x16<n>".
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def _redis_probe(url: str, queues: list[str]) -> DepthProbe:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)
    keys = [q for name in queues for q in (name, *(f"{name}{_PRIORITY_SEP}{p}"
                                                   for p in _PRIORITY_STEPS))]

    def depth() -> int:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.llen(key)
        return sum(int(n) for n in pipe.execute())

    return depth


def _folder_probe(folder: Path) -> DepthProbe:
    def depth() -> int:
        try:
            with os.scandir(folder) as entries:
                return sum(1 for e in entries if e.name.endswith(".msg"))
        except FileNotFoundError:
            return 0

    return depth


def depth_probe(settings: Settings) -> DepthProbe | None:
    """A function counting waiting messages on the configured broker, or None if unknown."""
    url = settings.broker_url.get_secret_value()
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        return _redis_probe(url, [settings.pipeline.queue_for(s) for s in STAGE_NAMES])
    if scheme == "filesystem":
        # The same folder config.celeryconfig.filesystem_broker_folders gives kombu.
        return _folder_probe(Path(urlsplit(url).path or ".newsflow/broker") / "queue")
    return None


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
