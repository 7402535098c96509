"""kombu's transports, hardened: Redis against list items that are not kombu messages, the
filesystem transport (``newsflow run``) against reading a message before it is written.

A stage queue is a Redis list of JSON envelopes. kombu decodes each popped item with no
guard: bytes that are not an envelope (anyone with write access to Redis can LPUSH them)
raise in the consumer, and Celery stops the worker with "Unrecoverable error"; restarted,
it pops the next one and dies again. Here such an item is logged and dropped (it was already
popped, and it can name no ledger item), and consuming goes on. Message *bodies* that are
not JSON, or pickle, are refused further up by Celery (``accept_content=["json"]``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, redis
from kombu.utils.json import dumps

__all__ = ["Channel", "FilesystemChannel", "FilesystemTransport", "Transport"]

log = logging.getLogger(__name__)


class Channel(redis.Channel):
    def _brpop_read(self, **options: Any) -> bool:
        try:
            return bool(super()._brpop_read(**options))  # type: ignore[no-untyped-call]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # ValueError covers invalid JSON and bytes that are not UTF-8; RecursionError,
            # JSON nested deeper than the parser follows (100,000 '[' stopped the worker).
            log.error("dropped a queue item that is not a kombu message: %s: %s",
                      type(exc).__name__, str(exc)[:200])
            return True


class Transport(redis.Transport):
    Channel = Channel


class FilesystemChannel(filesystem.Channel):
    """kombu's filesystem channel, with each message written whole before it can be seen.

    kombu opens the message file under its final name and then writes it, so a worker polling
    the folder can take a file that is still empty or half written: a ``JSONDecodeError`` that
    loses the message and stops the embedded worker (seen with a 9 MB JSONL line, and with
    ordinary batches under load). Here the body goes to a hidden name in the same folder and
    is renamed into place; a rename within one filesystem is atomic, and the reader only takes
    names ending in ``.<queue>.msg``.
    """

    # kombu's own two declarations of _put disagree on the argument's name.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as handle:
                handle.write(dumps(payload).encode())  # type: ignore[no-untyped-call]
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"cannot add {final!r} to the broker folder") from exc


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel
