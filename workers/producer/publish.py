"""Publishing chains to the broker: pipelined, over one connection, payloads as plain JSON.

Celery's ``chain(...).apply_async(producer=...)`` ignores the producer it is given (celery
5.x ``chain.run``), so every chain acquired its own connection and paid one Redis round
trip per message, plus one for its ``task-sent`` event. ``Publisher`` sends each chain as
its first task carrying the rest (exactly what ``chain.run`` does) on one kombu producer
inside ``Producer.batch``: kombu buffers the LPUSHes in a Redis pipeline.

On Redis, outside a worker task, ``send`` goes faster still: its messages are built by
``workers/producer/messages.py`` (Celery's headers made once per chain shape, the articles'
JSON texts spliced in) and LPUSHed through one non-transactional pipeline, with the same
"delivery uncertain" error as kombu's batch when the pipeline fails.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from celery import Celery, chain
from celery.canvas import Signature
from celery.events.dispatcher import EventDispatcher
from kombu.connection import Connection
from kombu.exceptions import BatchPublishError
from kombu.messaging import Producer
from kombu.transport import redis as redis_transport

from config.celeryconfig import task_name
from config.settings import PipelineSettings, Settings
from tasks.codec import Payload, encode, payload_json
from tasks.common import batched
from tasks.hops import plan_hops
from tasks.models import Article
from tasks.stages import STAGE_NAMES
from workers.producer.messages import MessageBuilder, RedisEntry, hop_kwargs, hop_signature

__all__ = [
    "Publisher",
    "chain_from",
    "hop_kwargs",
    "publish_chain",
    "send_articles",
]

log = logging.getLogger(__name__)

# kombu refuses to pipeline when redis-py may replay a timed-out write (a duplicate
# message); the stages are idempotent, but an honest "delivery uncertain" error is better.
_PIPELINE_SAFE = {"retry_on_timeout": False}
_PIPELINE_COMMANDS = 1000


def chain_from(app: Celery, stage: str, payloads: list[Payload], *,
               local_fetch_in_clean: bool, retries: int = 0) -> Signature:
    """The chain from ``stage`` to the end for one micro-batch, routed per stage by name;
    ``retries`` is the first message's retry count."""
    first, *rest = plan_hops(stage, payloads, local_fetch_in_clean=local_fetch_in_clean)
    return chain(hop_signature(app, first, payloads, retries=retries),
                 *(hop_signature(app, hop) for hop in rest))


def publish_chain(
    app: Celery, producer: Producer, stage: str, payloads: list[Payload], *,
    local_fetch_in_clean: bool, **options: Any,
) -> None:
    """Send the chain from ``stage`` on ``producer`` (so it joins the producer's batch).

    ``chain.apply_async`` ignores ``producer=`` (celery 5.x ``chain.run`` swallows it), so
    this does what ``chain.run`` does: the first task's message carries the remaining
    signatures, last first, in its ``chain`` field, and each worker pops the next one.
    """
    first, *rest = plan_hops(stage, payloads, local_fetch_in_clean=local_fetch_in_clean)
    remaining = [hop_signature(app, hop) for hop in reversed(rest)]
    app.send_task(
        task_name(first.task_stage), args=(payloads,), kwargs=hop_kwargs(first),
        chain=remaining or None, producer=producer,
        # Celery would saferepr the whole payload for Flower: slow, and no use to anyone.
        argsrepr=f"[{len(payloads)} articles]", **options,
    )


class Publisher:
    """One broker connection for a whole enqueue; each ``send`` is one pipelined batch.

    The task messages and their ``task-sent`` events (for Flower, when the configuration
    sends them) go through the same connection, each in a kombu publish batch: one Redis
    round trip per ~1000 commands instead of two per message.
    """

    def __init__(self, app: Celery, pipeline: PipelineSettings) -> None:
        self.app = app
        self.batch_size = pipeline.batch_size
        self.local_fetch_in_clean = pipeline.local_fetch_in_clean
        self.connection: Connection = app.connection_for_write(transport_options=_PIPELINE_SAFE)
        self.producer: Producer = app.amqp.Producer(self.connection, auto_declare=False)
        self.events: EventDispatcher | None = None
        if app.conf.task_send_sent_event:
            self.events = app.events.Dispatcher(self.connection, enabled=True)
        self._builder: MessageBuilder | None = None
        self._builder_decided = False

    @contextlib.contextmanager
    def _batch(self) -> Iterator[dict[str, Any]]:
        """A pipelined publish batch (messages and their events); yields the send options."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(self.producer.batch(max_size=_PIPELINE_COMMANDS))  # type: ignore[no-untyped-call]
            options: dict[str, Any] = {"declare": []}  # workers declare their queues
            if self.events is not None and self.events.producer is not None:
                stack.enter_context(self.events.producer.batch(max_size=_PIPELINE_COMMANDS))
                options["event_dispatcher"] = self.events
            yield options

    def send(self, payloads: list[Payload], texts: list[str] | None = None) -> None:
        """Publish ``payloads`` as chains of ``batch_size`` articles, pipelined.

        ``texts`` are the payloads' JSON (``payload_json``) when the caller has them.
        """
        # Inside a worker task Celery links the message to its parent (root_id, parent_id):
        # that path stays Celery's.
        builder = self._message_builder() if self.app.current_worker_task is None else None
        if builder is not None:
            self._send_built(builder, payloads, texts or [payload_json(p) for p in payloads])
            return
        with self._batch() as options:
            for group in batched(payloads, self.batch_size):
                publish_chain(self.app, self.producer, STAGE_NAMES[0], group,
                              local_fetch_in_clean=self.local_fetch_in_clean, **options)

    def _message_builder(self) -> MessageBuilder | None:
        """The message builder, where kombu itself would pipeline: Redis, no write replayed
        on a timeout. Decided at the first send: it connects, as a send does."""
        if not self._builder_decided:
            channel = self.connection.default_channel
            self._builder_decided = True
            self._builder = (
                MessageBuilder(self.app, channel, self.events)
                if self.producer.supports_batch_publish
                and isinstance(channel, redis_transport.Channel) else None)
        return self._builder

    def _send_built(self, builder: MessageBuilder, payloads: list[Payload],
                    texts: list[str]) -> None:
        entries: list[RedisEntry] = []
        for start in range(0, len(payloads), self.batch_size):
            group = payloads[start:start + self.batch_size]
            hops = plan_hops(STAGE_NAMES[0], group, local_fetch_in_clean=self.local_fetch_in_clean)
            entries.extend(builder.entries(hops, texts[start:start + self.batch_size]))
        channel: Any = self.connection.default_channel
        with channel.conn_or_acquire() as client:
            for start in range(0, len(entries), _PIPELINE_COMMANDS):
                with client.pipeline(transaction=False) as pipe:
                    for entry in entries[start:start + _PIPELINE_COMMANDS]:
                        getattr(pipe, entry.command)(entry.key, entry.value)
                    try:
                        pipe.execute()
                    except Exception as exc:  # the words of kombu's own batch
                        raise BatchPublishError(
                            "Redis publish batch failed; delivery is uncertain") from exc

    def send_each(self, task: str, calls: Iterable[tuple[Any, ...]], queue: str) -> None:
        """One ``task`` message per argument tuple on ``queue``, pipelined (the source
        monitor's polls)."""
        with self._batch() as options:
            for args in calls:
                self.app.send_task(task, args=args, queue=queue, producer=self.producer,
                                   **options)

    def close(self) -> None:
        if self.events is not None:
            self.events.close()
        self.producer.release()  # type: ignore[no-untyped-call]
        self.connection.release()  # type: ignore[no-untyped-call]

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send_articles(app: Celery, settings: Settings, articles: list[Article]) -> None:
    """Publish micro-batches of articles as chains (replay and the sweeper use this)."""
    with Publisher(app, settings.pipeline) as publisher:
        publisher.send([encode(a) for a in articles])
