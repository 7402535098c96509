"""Messages waiting in the stage queues, asked from the broker through kombu.

The one place that reads queue depths: the producer's backpressure, the sweeper's backlog
check, ``newsflow status --live`` and the ``newsflow_queue_depth`` metric all call it with
the Celery app they already have. A passive ``queue_declare`` returns the transport's own
count, so no key format is copied here: on Redis kombu sums the queue's priority lists, on
the filesystem transport (the embedded ``newsflow run``) it counts the queue's message
files. A queue never declared holds nothing (0). Each call opens one broker connection
from the app's settings and closes it: the app is never made again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from config.settings import PipelineSettings, Settings
from tasks.stages import STAGE_NAMES

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["DepthProbe", "depth_probe", "stage_depths", "stage_depths_or_none", "total_depth"]

log = logging.getLogger(__name__)

DepthProbe = Callable[[], int]
# Transports whose depth another process can see: the in-process memory:// transport counts
# only this process's own messages, so the producer must never wait on it.
_SHARED_SCHEMES = frozenset({"redis", "rediss", "filesystem"})


def stage_depths(
    app: Celery, pipeline: PipelineSettings, stages: Sequence[str] = STAGE_NAMES
) -> dict[str, int]:
    """Messages waiting in each stage's queue (not those a worker holds); raises if the
    broker cannot be reached."""
    from kombu.exceptions import ChannelError

    depths: dict[str, int] = {}
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        for stage in stages:
            try:
                declared = channel.queue_declare(queue=pipeline.queue_for(stage), passive=True)
            except ChannelError:
                depths[stage] = 0  # never declared (or empty on Redis: no key): nothing waits
                continue
            depths[stage] = int(declared.message_count)
    return depths


def stage_depths_or_none(app: Celery, pipeline: PipelineSettings) -> dict[str, int | None]:
    """``stage_depths``, or None per stage while the broker cannot be asked (views keep
    running while it is away)."""
    try:
        return dict(stage_depths(app, pipeline))
    except Exception as exc:
        log.warning("queue depths unavailable: %s", exc)
        return dict.fromkeys(STAGE_NAMES)


def total_depth(app: Celery, pipeline: PipelineSettings) -> int:
    """Messages waiting in the five stage queues together."""
    return sum(stage_depths(app, pipeline).values())


def depth_probe(app: Celery, settings: Settings) -> DepthProbe | None:
    """``total_depth`` as a function of no arguments, or None where no other process's
    messages can be seen (``memory://``)."""
    scheme = urlsplit(settings.broker_url.get_secret_value()).scheme
    if scheme not in _SHARED_SCHEMES:
        return None
    return lambda: total_depth(app, settings.pipeline)
