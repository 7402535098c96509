"""Worker leases on Redis: who holds which unacknowledged message, and how long it is trusted.

Why: kombu's Redis transport keeps every message a consumer took (running, prefetched, or
waiting for a retry countdown) in one shared ``unacked`` hash, with no record of *which*
worker holds it. When a whole worker dies (kill -9, a host lost), the only way back for its
messages is the visibility timeout (1 h by default: it must exceed the longest stage and
retry backoff, so it cannot be short). A lease says who holds what, so the others can act
within a minute instead, and only when the holder is really gone:

* ``<prefix>.held.<owner>``: a set of the kombu delivery tags ``owner`` holds. Written by
  ``workers.broker_transport.QoS`` in the *same* MULTI/EXEC as kombu's own ``unacked``
  write, and removed in the same one as kombu's ack, reject or restore: it is exact.
* ``<prefix>.alive.<owner>``: the lease, a key with a TTL (``celery.lease_ttl_s``). Set in
  that same MULTI/EXEC (so no tag is ever recorded without a live lease) and renewed every
  third of the TTL by the worker's heartbeat thread (``workers.runtime.lease_keeper``).
* ``<prefix>.owners``: the set of owners, so a scan needs no ``KEYS``/``SCAN``.

Any live worker scans every third of the TTL: an owner whose lease key is gone has not
renewed it for a whole TTL, so it is dead (or cut off from Redis, in which case Celery has
cancelled its running tasks anyway). Its tags are restored with kombu's own
``QoS.restore_by_tag``: a WATCH/MULTI transaction that moves the message from ``unacked``
back to the head of its queue only if it is still there, so two workers restoring at once,
or a restore racing an ack, never put a message back twice. Expiry is judged by Redis's
own clock (the key's TTL), so clock skew between hosts does not matter.

A message redelivered while its first delivery is somehow still finishing is harmless: the
ledger counts deliveries and never reopens a terminal item, and the store is keyed by item
and content hash (``tasks.storage.ledger.transitions``, ``tasks.storage.repository``).
Tags of a consumer that holds no lease (stock kombu, an older newsflow) are never touched
here; the visibility timeout still brings them back. Known gap, kombu's own: a message that
BRPOP removed from its queue but that the dying process had not yet written to ``unacked``
is in neither; only the ledger knows it, and the sweeper re-sends it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LeaseKeys",
    "claim_owner",
    "current_owner",
    "held_item_ids",
    "notice_reset",
    "recover_expired",
    "renew",
]

log = logging.getLogger(__name__)

_owner: str | None = None


def claim_owner() -> str:
    """Name this process as a lease owner (the worker's main process, before it consumes).

    Host, pid and a random part: a worker restarted with the same pid (a container) is a
    new owner, and its predecessor's tags are still recovered."""
    global _owner
    _owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return _owner


def current_owner() -> str | None:
    """This process's owner name, or None: a process that never claimed one (the producer,
    beat, a pool child's publisher) records no lease and behaves as stock kombu."""
    return _owner


@dataclass(frozen=True)
class LeaseKeys:
    prefix: str

    @property
    def owners(self) -> str:
        return f"{self.prefix}.owners"

    def alive(self, owner: str) -> str:
        return f"{self.prefix}.alive.{owner}"

    def held(self, owner: str) -> str:
        return f"{self.prefix}.held.{owner}"

    @property
    def epoch(self) -> str:
        return f"{self.prefix}.epoch"

    def reset_handled(self, epoch: str) -> str:
        return f"{self.prefix}.epoch.handled.{epoch}"


def notice_reset(client: Any, keys: LeaseKeys, seen: str | None) -> tuple[str, bool]:
    """Tell a Redis that lost its data (restarted without persistence, flushed).

    Redis keeps a marker, the epoch, set by the first worker that finds none. A worker that
    saw one epoch and now finds another (or none) knows every queued and unacknowledged
    message went with the old data. Returns the current epoch and whether this caller is
    the one worker to act on the reset (a second key, set once per epoch, elects it)."""
    client.set(keys.epoch, uuid.uuid4().hex, nx=True)
    raw = client.get(keys.epoch)
    current = raw.decode() if isinstance(raw, bytes) else str(raw)
    if seen is None or current == seen:
        return current, False
    elected = bool(client.set(keys.reset_handled(current), "1", nx=True, ex=24 * 3600))
    return current, elected


def renew(client: Any, keys: LeaseKeys, owner: str, ttl_s: int) -> None:
    """The heartbeat: this owner is alive for another ``ttl_s`` seconds."""
    with client.pipeline() as pipe:
        pipe.set(keys.alive(owner), "1", ex=ttl_s).sadd(keys.owners, owner).execute()


def recover_expired(client: Any, keys: LeaseKeys, restore: Callable[[str], bool],
                    skip: str | None = None) -> int:
    """Restore the messages of every owner whose lease expired; returns how many were still
    unacknowledged (and so went back to their queues).

    ``restore(tag)`` puts one delivery tag back (kombu's ``restore_by_tag``) and says whether
    it was still unacknowledged. The owner is forgotten only if it did not come back in the
    meantime (WATCH on its keys): a stalled owner that renews keeps whatever it adds.
    """
    restored = 0
    for raw in client.smembers(keys.owners):
        owner = raw.decode() if isinstance(raw, bytes) else str(raw)
        if owner == skip or client.exists(keys.alive(owner)):
            continue
        tags = [t.decode() if isinstance(t, bytes) else str(t)
                for t in client.smembers(keys.held(owner))]
        back = sum(1 for tag in tags if restore(tag))
        restored += back
        if tags:
            log.warning("lease of worker %s expired: %d of the %d messages it held were "
                        "unacknowledged and went back to their queues", owner, back, len(tags))
        _forget(client, keys, owner)
    return restored


def held_item_ids(client: Any, keys: LeaseKeys, owner: str,
                  unacked_key: str = "unacked") -> tuple[int, set[str]]:
    """How many messages ``owner`` holds unacknowledged, and the item ids in them.

    kombu's ``unacked`` hash keeps each message as [raw message, exchange, routing key]; the
    raw body (base64 when the properties say so) is Celery's [args, kwargs, embed], and a
    stage message's args[0] is its list of Article payloads. Other messages (a sweep, a
    source poll) hold no items. For the fault tests and the chaos bench, which must know what
    a killed worker held."""
    tags = client.smembers(keys.held(owner))
    ids: set[str] = set()
    for tag in tags:
        record = client.hget(unacked_key, tag)
        if record is None:
            continue  # acked or restored since the set was read
        raw = json.loads(record)[0]
        body = raw["body"]
        if raw.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body).decode()
        args = json.loads(body)[0]
        if args and isinstance(args[0], list):
            ids.update(str(p["id"]) for p in args[0] if isinstance(p, dict) and "id" in p)
    return len(tags), ids


def _forget(client: Any, keys: LeaseKeys, owner: str) -> None:
    from redis.exceptions import WatchError

    with client.pipeline() as pipe:
        try:
            pipe.watch(keys.alive(owner), keys.held(owner))
            if pipe.exists(keys.alive(owner)):
                return  # it renewed while we restored: alive after all, keep its record
            pipe.multi()
            pipe.delete(keys.held(owner))
            pipe.srem(keys.owners, owner)
            pipe.execute()
        except WatchError:
            log.info("lease owner %s changed while recovering; looked at again next scan",
                     owner)
