"""Publishing chains to the broker: pipelined, over one connection, payloads as plain JSON.

Celery's ``chain(...).apply_async(producer=...)`` ignores the producer it is given (celery
5.x ``chain.run``), so every chain acquired its own connection and paid one Redis round
trip per message, plus one for its ``task-sent`` event. ``Publisher`` sends each chain as
its first task carrying the rest (exactly what ``chain.run`` does) on one kombu producer
inside ``Producer.batch``: kombu buffers the LPUSHes in a Redis pipeline.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from celery import Celery, chain
from celery.canvas import Signature
from celery.events.dispatcher import EventDispatcher
from kombu.connection import Connection
from kombu.messaging import Producer

from config.celeryconfig import task_name
from config.settings import STAGE_NAMES
from tasks.models import Article
from tasks.sources import SourceItem

__all__ = [
    "LOCAL_SOURCE_KINDS",
    "Hop",
    "Payload",
    "Publisher",
    "article_payload",
    "chain_from",
    "chunks",
    "payload_from",
    "plan_hops",
    "publish_chain",
    "send_articles",
]

log = logging.getLogger(__name__)

Payload = dict[str, Any]
# kombu refuses to pipeline when redis-py may replay a timed-out write (a duplicate
# message); the stages are idempotent, but an honest "delivery uncertain" error is better.
_PIPELINE_SAFE = {"retry_on_timeout": False}
_PIPELINE_COMMANDS = 1000


# Reading a local file or an inline item costs well under a millisecond, while carrying the
# raw page through Redis costs its JSON + base64 three times over (the message, the unacked
# copy, the pipe to the pool child). So a micro-batch made only of these runs fetch inside
# its clean task (one hop less); URLs keep their own fetch queue (network waits, politeness).
LOCAL_SOURCE_KINDS = frozenset({"file", "inline"})
_DEFAULT_SOURCE_KIND = Article.model_fields["source_kind"].default


@dataclass(frozen=True)
class Hop:
    """One message of a chain: the task of ``stage``, running ``leading`` stages before it."""

    stage: str
    leading: tuple[str, ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return {"leading": list(self.leading)} if self.leading else {}

    def signature(self, app: Celery, *args: Any) -> Signature:
        return app.signature(task_name(self.stage), args=args, kwargs=self.kwargs)


def plan_hops(app: Celery, stage: str, payloads: list[dict[str, Any]]) -> list[Hop]:
    """The messages that carry ``payloads`` from ``stage`` to the end of the chain."""
    names = STAGE_NAMES[STAGE_NAMES.index(stage):]
    if (
        names[0] == "fetch"
        and len(names) > 1
        and app.conf.get("newsflow_local_fetch_in_clean", False)
        and all(p.get("source_kind", _DEFAULT_SOURCE_KIND) in LOCAL_SOURCE_KINDS
                for p in payloads)
    ):
        return [Hop(names[1], ("fetch",)), *(Hop(name) for name in names[2:])]
    return [Hop(name) for name in names]


def chain_from(app: Celery, stage: str, payloads: list[dict[str, Any]]) -> Signature:
    """The chain from ``stage`` to the end for one micro-batch, routed per stage by name."""
    first, *rest = plan_hops(app, stage, payloads)
    return chain(first.signature(app, payloads), *(hop.signature(app) for hop in rest))


def publish_chain(
    app: Celery, producer: Producer, stage: str, payloads: list[dict[str, Any]],
    **options: Any,
) -> None:
    """Send the chain from ``stage`` on ``producer`` (so it joins the producer's batch).

    ``chain.apply_async`` ignores ``producer=`` (celery 5.x ``chain.run`` swallows it), so
    this does what ``chain.run`` does: the first task's message carries the remaining
    signatures, last first, in its ``chain`` field, and each worker pops the next one.
    """
    first, *rest = plan_hops(app, stage, payloads)
    remaining = [hop.signature(app) for hop in reversed(rest)]
    app.send_task(
        task_name(first.stage), args=(payloads,), kwargs=first.kwargs or None,
        chain=remaining or None, producer=producer,
        # Celery would saferepr the whole payload for Flower: slow, and no use to anyone.
        argsrepr=f"[{len(payloads)} articles]", **options,
    )


def article_payload(article: Article) -> Payload:
    # Defaults are left out: the message and the ledger row are half the size, and
    # Article.from_payload restores them.
    return article.model_dump(mode="json", exclude_defaults=True)


def payload_from(item: SourceItem, batch_id: str, item_id: str, enqueued_at: str) -> Payload:
    """The Article payload of a source item, built as a plain dict.

    The producer's hot path: building and dumping an ``Article`` per item cost as much as
    the ledger write. The dict holds exactly what ``_payload(Article(...))`` would (a unit
    test checks that ``Article.from_payload`` reads it back equal).
    """
    payload: Payload = {"id": item_id, "batch_id": batch_id, "source": item.source,
                        "source_kind": item.source_kind}
    hints = item.hints.model_dump(exclude_none=True)
    if hints:
        payload["hints"] = hints
    if item.inline_content is not None:
        payload["inline_content"] = item.inline_content
    if item.inline_content_type is not None:
        payload["inline_content_type"] = item.inline_content_type
    payload["enqueued_at"] = enqueued_at
    return payload


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Publisher:
    """One broker connection for a whole enqueue; each ``send`` is one pipelined batch.

    The task messages and their ``task-sent`` events (for Flower, when the configuration
    sends them) go through the same connection, each in a kombu publish batch: one Redis
    round trip per ~1000 commands instead of two per message.
    """

    def __init__(self, app: Celery, batch_size: int) -> None:
        self.app = app
        self.batch_size = batch_size
        self.connection: Connection = app.connection_for_write(transport_options=_PIPELINE_SAFE)
        self.producer: Producer = app.amqp.Producer(self.connection, auto_declare=False)
        self.events: EventDispatcher | None = None
        if app.conf.task_send_sent_event:
            self.events = app.events.Dispatcher(self.connection, enabled=True)

    def send(self, payloads: list[dict[str, Any]]) -> None:
        """Publish ``payloads`` as chains of ``batch_size`` articles, pipelined."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(self.producer.batch(max_size=_PIPELINE_COMMANDS))  # type: ignore[no-untyped-call]
            options: dict[str, Any] = {"declare": []}  # workers declare their queues
            if self.events is not None and self.events.producer is not None:
                stack.enter_context(self.events.producer.batch(max_size=_PIPELINE_COMMANDS))
                options["event_dispatcher"] = self.events
            for group in chunks(payloads, self.batch_size):
                publish_chain(self.app, self.producer, STAGE_NAMES[0], group, **options)

    def close(self) -> None:
        if self.events is not None:
            self.events.close()
        self.producer.release()  # type: ignore[no-untyped-call]
        self.connection.release()  # type: ignore[no-untyped-call]

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send_articles(app: Celery, articles: list[Article], batch_size: int | None = None) -> None:
    """Publish micro-batches of articles as chains (replay and the sweeper use this)."""
    size = batch_size or app.conf.get("newsflow_batch_size", 1)
    with Publisher(app, size) as publisher:
        publisher.send([article_payload(a) for a in articles])
