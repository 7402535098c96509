"""Celery task messages for Redis, built a micro-batch at a time from payload JSON texts.

Through Celery (``send_task``) and kombu (``Producer.publish``) one message cost ~0.3 ms of
the producer's CPU: a routing lookup, ``saferepr`` and ``as_task_v2``, the body serialised,
a second dict for the Redis envelope serialised again, two ``uuid4`` syscalls, and the same
again for its ``task-sent`` event: more than reading, encoding and recording the articles
it carries. Here the parts that are the same for every message of a chain shape (headers,
properties, the chain's remaining signatures, the queue) are made once by Celery itself
(``as_task_v2``, the router) and each message only gets its ids, its articles and a
timestamp. The articles go in as the JSON texts the ledger rows were written with, so an
article is serialised once for both.

The entries are exactly what kombu's Redis transport pushes (protocol 2 body, base64 in a
JSON envelope, anonymous exchange, the queue as routing key):
``tests/integration/test_producer_messages.py`` checks them field by field against
Celery's own on the real Redis.
"""

from __future__ import annotations

import base64
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.canvas import Signature
from celery.events.dispatcher import EventDispatcher
from celery.utils.time import utcoffset

from config.celeryconfig import task_name
from tasks.hops import Hop

__all__ = ["MessageBuilder", "RedisEntry", "hop_kwargs", "hop_signature"]

_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)  # a forked child must not repeat the parent


def _uuid() -> str:
    # uuid4's spelling (Celery and kombu ids are uuid4 strings), from a generator seeded once
    # per process: uuid.uuid4() is a getrandom syscall, costly under gVisor. Unique, not secret.
    bits = _ids.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60)  # version and variant
    h = f"{bits | (0x4000 << 64) | (0x8 << 60):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hop_kwargs(hop: Hop, retries: int = 0) -> dict[str, Any]:
    """A message's kwargs: the stages it runs, and its retry count when it is a retry."""
    kwargs: dict[str, Any] = {"stages": list(hop.stages)}
    if retries:
        kwargs["retries"] = retries
    return kwargs


def hop_signature(app: Celery, hop: Hop, *args: Any, retries: int = 0) -> Signature:
    """The Celery signature of ``hop``'s message (its task, routed per stage by name)."""
    return app.signature(task_name(hop.task_stage), args=args, kwargs=hop_kwargs(hop, retries))


def _template(obj: dict[str, Any], strings: Sequence[str] = (),
              numbers: Sequence[str] = ()) -> str:
    """``json.dumps(obj)`` as a ``str.format`` template: the value of each key named in
    ``strings`` or ``numbers`` (at any depth) becomes the slot ``{key}``. A slot is filled with
    what needs no JSON escaping: ids, ``[8 articles]``, base64, ints and floats."""
    def mark(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: f"\x00{k}\x00" if k in strings or k in numbers else mark(v)
                    for k, v in value.items()}
        return value

    text = json.dumps(mark(obj)).replace("{", "{{").replace("}", "}}")
    for key in strings:
        text = text.replace(f'"\\u0000{key}\\u0000"', f'"{{{key}}}"')
    for key in numbers:
        text = text.replace(f'"\\u0000{key}\\u0000"', f"{{{key}}}")
    return text


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class RedisEntry:
    """One Redis command's arguments: ``LPUSH key value`` or ``PUBLISH key value``."""

    command: str
    key: str
    value: str


@dataclass(frozen=True)
class _Shape:
    """What every first message of one hop plan shares, made once by Celery."""

    queue: str
    body_tail: str  # kwargs, then callbacks, errbacks, the chain's remaining signatures, chord
    message: str  # the Redis entry's template: body, id, argsrepr, tag
    event: str | None  # the task-sent event's template: clock, id, args, timestamp, utcoffset


class MessageBuilder:
    """Redis entries for the first message of each chain (and its ``task-sent`` event).

    ``events`` is the dispatcher when ``task_send_sent_event`` is on; the event fields are
    those of Celery's ``EventDispatcher`` (its logical clock included), as Flower saw them.
    """

    def __init__(self, app: Celery, channel: Any, events: EventDispatcher | None) -> None:
        self.app = app
        self._shapes: dict[tuple[Hop, ...], _Shape] = {}
        self._events = events
        self._event_topics: list[str] = []
        self._event_envelope = ""
        if events is not None:
            exchange = events.exchange.name
            topics = getattr(channel, "_get_publish_topics", None)
            self._event_topics = (list(topics(exchange, "task.sent")) if topics is not None
                                  else [channel._get_publish_topic(exchange, "task.sent")])
            self._event_envelope = _template({
                "body": "", "content-encoding": "utf-8", "content-type": "application/json",
                "headers": events.headers,
                "properties": {"delivery_mode": 1, "delivery_info": {
                    "exchange": exchange, "routing_key": "task.sent"},
                    "priority": 0, "body_encoding": "base64", "delivery_tag": ""},
            }, strings=("body", "delivery_tag"))

    def _shape(self, hops: tuple[Hop, ...]) -> _Shape:
        shape = self._shapes.get(hops)
        if shape is not None:
            return shape
        first, rest = hops[0], hops[1:]
        name = task_name(first.task_stage)
        kwargs = hop_kwargs(first)
        remaining = [hop_signature(self.app, hop) for hop in reversed(rest)] or None
        queue = self.app.amqp.router.route({}, name, (), kwargs)["queue"]
        # Celery's own headers and properties for this chain shape; the ids and argsrepr are
        # slots filled per message.
        message = self.app.amqp.as_task_v2(
            "", name, args=(), kwargs=kwargs, chain=remaining, argsrepr="",
            reply_to=self.app.thread_oid, create_sent_event=True, ignore_result=None,
        )
        headers = {**message.headers, "id": "", "root_id": "", "argsrepr": ""}
        properties = {**message.properties, "correlation_id": "", "argsrepr": "",
                      "delivery_mode": queue.exchange.delivery_mode or 2,
                      "delivery_info": {"exchange": "", "routing_key": queue.name},
                      "priority": 0, "body_encoding": "base64", "delivery_tag": ""}
        event = None
        if self._events is not None:
            event = _template({
                "hostname": self._events.hostname, "utcoffset": 0, "pid": self._events.pid,
                "clock": 0, "uuid": "", "root_id": "", "parent_id": None, "name": name,
                "args": "", "kwargs": headers["kwargsrepr"], "retries": 0, "eta": None,
                "expires": None, "queue": queue.name, "exchange": "",
                "routing_key": queue.name, "timestamp": 0, "type": "task-sent",
            }, strings=("uuid", "root_id", "args"), numbers=("utcoffset", "clock", "timestamp"))
        shape = _Shape(
            queue=queue.name,
            body_tail=f"{json.dumps(message.body[1])}, {json.dumps(message.body[2])}",
            message=_template({
                "body": "", "content-encoding": "utf-8", "content-type": "application/json",
                "headers": headers, "properties": properties,
            }, strings=("body", "id", "root_id", "correlation_id", "argsrepr", "delivery_tag")),
            event=event,
        )
        self._shapes[hops] = shape
        return shape

    def entries(self, hops: Sequence[Hop], payload_texts: Sequence[str]) -> list[RedisEntry]:
        """The message carrying ``payload_texts`` (JSON of the articles) down ``hops``."""
        shape = self._shape(tuple(hops))
        task_id = _uuid()
        argsrepr = f"[{len(payload_texts)} articles]"
        body = f"[[[{', '.join(payload_texts)}]], {shape.body_tail}]"
        entries = [RedisEntry("lpush", shape.queue, shape.message.format(
            body=_b64(body), id=task_id, root_id=task_id, correlation_id=task_id,
            argsrepr=argsrepr, delivery_tag=_uuid()))]
        if self._events is not None and shape.event is not None:
            event = shape.event.format(
                utcoffset=utcoffset(), clock=self._events.clock.forward(), uuid=task_id,
                root_id=task_id, args=argsrepr, timestamp=repr(time.time()))
            envelope = self._event_envelope.format(body=_b64(event), delivery_tag=_uuid())
            entries.extend(RedisEntry("publish", topic, envelope)
                           for topic in self._event_topics)
        return entries
