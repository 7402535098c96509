"""kombu's transports, hardened: Redis against list items that are not kombu messages, the
filesystem transport (``newsflow run``) against reading a message before it is written; and
the Redis QoS records which worker holds each unacknowledged message (``workers.leases``).

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
from time import monotonic, time
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, redis, virtual
from kombu.utils.json import dumps

from workers.leases import LeaseKeys, current_owner

__all__ = ["Channel", "FilesystemChannel", "FilesystemTransport", "QoS", "Transport"]

log = logging.getLogger(__name__)


class QoS(redis.QoS):
    """kombu's Redis QoS, with the worker's lease written beside kombu's ``unacked`` record.

    ``append`` (a message was delivered to this consumer) and ``_remove_from_indices`` (its
    ack, reject or restore) run inside kombu's own MULTI/EXEC pipeline, so the owner's
    ``held`` set can never disagree with the ``unacked`` hash, and a tag is never recorded
    without a lease that is live at that moment. A process with no owner (the producer, beat)
    or a channel with no lease options behaves exactly as stock kombu.
    """

    def _lease(self) -> tuple[LeaseKeys, str, int] | None:
        owner = current_owner()
        prefix = getattr(self.channel, "lease_prefix", None)
        ttl = int(getattr(self.channel, "lease_ttl", 0) or 0)
        if owner is None or not prefix or ttl <= 0:
            return None
        return LeaseKeys(prefix), owner, ttl

    def append(self, message: Any, delivery_tag: str) -> None:
        lease = self._lease()
        if lease is None:
            super().append(message, delivery_tag)  # type: ignore[no-untyped-call]
            return
        keys, owner, ttl = lease
        delivery = message.delivery_info
        with self.pipe_or_acquire() as pipe:
            # kombu's two writes (see redis.QoS.append), then ours, in one transaction.
            pipe.zadd(self.unacked_index_key, {delivery_tag: time()}) \
                .hset(self.unacked_key, delivery_tag,
                      dumps(  # type: ignore[no-untyped-call]
                          [message._raw, delivery["exchange"], delivery["routing_key"]])) \
                .sadd(keys.held(owner), delivery_tag) \
                .set(keys.alive(owner), "1", ex=ttl) \
                .sadd(keys.owners, owner) \
                .execute()
        # kombu's virtual QoS bookkeeping (what this consumer may still take), not Redis.
        virtual.QoS.append(self, message, delivery_tag)  # type: ignore[no-untyped-call]

    def _remove_from_indices(self, delivery_tag: str, pipe: Any = None) -> Any:
        pipe = super()._remove_from_indices(delivery_tag, pipe)  # type: ignore[no-untyped-call]
        lease = self._lease()
        if lease is not None:
            # On a restore of another owner's tag this is a no-op; the recovering worker
            # drops the dead owner's whole set afterwards (workers.leases).
            pipe.srem(lease[0].held(lease[1]), delivery_tag)
        return pipe


class Channel(redis.Channel):
    QoS = QoS
    # Set from broker_transport_options (config.celeryconfig): where leases live, their TTL.
    lease_prefix: str | None = None
    lease_ttl: int = 0
    from_transport_options = (  # type: ignore[assignment]
        *redis.Channel.from_transport_options, "lease_prefix", "lease_ttl")

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
