"""kombu's Redis transport, hardened against list items that are not kombu messages.

A stage queue is a Redis list of JSON envelopes. kombu decodes each popped item with no
guard: bytes that are not an envelope (anyone with write access to Redis can LPUSH them)
raise in the consumer, and Celery stops the worker with "Unrecoverable error"; restarted,
it pops the next one and dies again. Here such an item is logged and dropped (it was already
popped, and it can name no ledger item), and consuming goes on. Message *bodies* that are
not JSON, or pickle, are refused further up by Celery (``accept_content=["json"]``).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis

__all__ = ["Channel", "Transport"]

log = logging.getLogger(__name__)


class Channel(redis.Channel):
    def _brpop_read(self, **options: Any) -> bool:
        try:
            return bool(super()._brpop_read(**options))  # type: ignore[no-untyped-call]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # ValueError covers invalid JSON and bytes that are not UTF-8.
            log.error("dropped a queue item that is not a kombu message: %s: %s",
                      type(exc).__name__, str(exc)[:200])
            return True


class Transport(redis.Transport):
    Channel = Channel
