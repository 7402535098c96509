"""The producer: source items -> ledger rows -> pipelined Celery chains, streamed in chunks.

Memory stays flat however long the input: sources are generators and the producer holds one
chunk (``chunk_size`` items) at a time; only counters and the first problems are kept.

Per chunk: problems get their ``rejected`` rows; item keys are looked up in the ledger
(``ledger.item_key_rows``); the ledger rows are written in one transaction *before* the
messages are sent; then the chunk's messages are published through one Redis pipeline
(kombu's ``Producer.batch``). If the broker refuses, the rows say "not sent" and a re-run,
``newsflow replay --unsent`` or the sweeper sends them later. Nothing is lost.

What a re-run of the same input does with an item key the ledger already has:

* stored or duplicate -> skipped (``skipped_known``);
* still queued/processing from an earlier run -> skipped (``skipped_queued``): it is on its
  way, and the sweeper re-sends it if it got lost; a row untouched for longer than
  ``pipeline.stuck_after_s`` is taken as lost and re-sent, as the sweeper would;
* never sent (broker refused), rejected or dead -> sent again *under its old row id*
  (``resent``): one input never gets two rows, and a fixed cause gets its second chance.

``--no-skip-known`` turns this off: every item gets a new row (the store still finds the
article by content hash and records a ``duplicate``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from celery import Celery
from sqlalchemy.engine import Engine

from config.settings import Settings
from tasks.codec import encode_source, payload_json
from tasks.common import utc_now
from tasks.sources import SourceItem, SourceProblem
from tasks.sources.items import oversized
from tasks.storage import ledger
from workers.producer.backpressure import wait_for_room
from workers.producer.publish import Publisher, send_articles
from workers.producer.read_ahead import read_ahead
from workers.queue_depth import DepthProbe, depth_probe

__all__ = [
    "MAX_PROBLEMS_KEPT",
    "EnqueueReport",
    "enqueue",
    "new_batch_id",
    "send_articles",
]

log = logging.getLogger(__name__)

MAX_PROBLEMS_KEPT = 100  # the report lists these; the ledger has every one
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)  # a forked child must not repeat the parent


def _new_id() -> str:
    # 128 random bits in uuid4's spelling. Not uuid.uuid4(): one getrandom syscall per item
    # is the producer's single most expensive call under gVisor; ids need to be unique,
    # not unpredictable, and the generator is seeded from the OS once per process.
    return f"{_ids.getrandbits(128):032x}"


def new_batch_id() -> str:
    return utc_now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


@dataclass
class EnqueueReport:
    batch_id: str
    read: int = 0  # items and problems read from the sources
    sent: int = 0  # new items sent
    resent: int = 0  # earlier rows of the same input sent again (never sent, failed)
    skipped_known: int = 0  # already stored
    skipped_queued: int = 0  # already on their way (an earlier run, or twice in this input)
    rejected: int = 0
    not_sent: int = 0
    waited_s: float = 0.0  # paused by backpressure
    queue_depth: int | None = None  # last depth seen while waiting
    problems: list[SourceProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    source: SourceItem
    item_id: str | None = None  # an earlier row of the same input, sent again under its id


def _record_problems(
    engine: Engine, report: EnqueueReport, chunk: list[SourceItem | SourceProblem],
    max_bytes: int,
) -> list[SourceItem]:
    """The chunk's items; a ``rejected`` row for each problem, and for each item carrying
    more than ``max_bytes`` inline (``fetch.max_bytes``, whatever reader made it)."""
    sources: list[SourceItem] = []
    for entry in chunk:
        if isinstance(entry, SourceItem):
            too_large = oversized(entry, max_bytes)
            if too_large is None:
                sources.append(entry)
                continue
            entry = too_large
        ledger.record_rejected_source(
            engine, report.batch_id, entry.source, entry.reason, entry.message
        )
        report.rejected += 1
        if len(report.problems) < MAX_PROBLEMS_KEPT:
            report.problems.append(entry)
    return sources


def _plan(
    engine: Engine, settings: Settings, report: EnqueueReport, sources: list[SourceItem],
    *, skip_known: bool, in_flight: Literal["skip", "resend"],
) -> list[Planned]:
    """The articles to send for this chunk (new ids, or the old id of a row to re-send)."""
    if not skip_known:
        return [Planned(s) for s in sources]
    unique: dict[str, SourceItem] = {}
    for source in sources:
        if source.item_key in unique:
            report.skipped_queued += 1
        else:
            unique[source.item_key] = source
    rows = ledger.item_key_rows(engine, list(unique))
    stale = utc_now() - timedelta(seconds=settings.pipeline.stuck_after_s)
    plan: list[Planned] = []
    for key, source in unique.items():
        row = rows.get(key)
        if row is None:
            plan.append(Planned(source))
        elif row.done:
            report.skipped_known += 1
        elif row.travelling and (
            row.batch_id == report.batch_id or (in_flight == "skip" and row.updated_at > stale)
        ):
            report.skipped_queued += 1
        else:
            plan.append(Planned(source, row.id))
    return plan


def enqueue(
    app: Celery,
    settings: Settings,
    engine: Engine,
    items: Iterable[SourceItem | SourceProblem],
    *,
    batch_id: str | None = None,
    skip_known: bool = True,
    in_flight: Literal["skip", "resend"] = "skip",
    chunk_size: int = 1000,
    on_progress: Callable[[EnqueueReport], None] | None = None,
    probe: DepthProbe | None = None,
) -> EnqueueReport:
    """Stream ``items`` into the ledger and the broker; see the module docstring.

    ``in_flight="resend"`` re-sends rows an earlier run left queued or processing (the
    embedded runner: its earlier broker folder is gone, so they are lost for sure).
    ``probe`` overrides the broker's queue-depth probe (tests).
    """
    report = EnqueueReport(batch_id=batch_id or new_batch_id())
    max_depth = settings.pipeline.max_queue_depth
    if max_depth and probe is None:
        probe = depth_probe(app, settings)

    def waiting(depth: int) -> None:
        report.queue_depth = depth
        if on_progress is not None:
            on_progress(report)

    # The broker send of chunk N runs in a thread while chunk N+1 is read and written to
    # the ledger: database and Redis wait on their servers, so the two overlap (the GIL is
    # released while waiting). A chunk is sent only after its own rows are committed.
    pending: _Pending | None = None
    # Chunks are read a chunk or two ahead in a thread (workers/producer/read_ahead.py);
    # closing() stops that thread when anything here fails.
    chunks = read_ahead(items, chunk_size)
    with Publisher(app, settings.pipeline) as publisher, contextlib.closing(chunks), \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-send") as sender:
        try:
            for chunk in chunks:
                report.read += len(chunk)
                sources = _record_problems(engine, report, chunk, settings.fetch.max_bytes)
                plan = _plan(engine, settings, report, sources, skip_known=skip_known,
                             in_flight=in_flight)
                if plan:
                    if probe is not None and max_depth:
                        report.waited_s += wait_for_room(probe, max_depth, on_wait=waiting)
                        report.queue_depth = None
                    stamp = utc_now().isoformat()
                    payloads = [encode_source(p.source, report.batch_id,
                                              p.item_id or _new_id(), stamp) for p in plan]
                    # Serialised once: the ledger row stores this text, the message carries it.
                    texts = [payload_json(p) for p in payloads]
                    ledger.record_enqueued(engine, payloads, [p.source.item_key for p in plan],
                                           new_ids=not any(p.item_id for p in plan),
                                           payload_texts=texts)
                    current = _Pending([p["id"] for p in payloads],
                                       sum(1 for p in plan if p.item_id))
                    if pending is not None:
                        previous, pending = pending, None
                        _settle(engine, report, previous, also_unsent=current.ids)
                    current.future = sender.submit(publisher.send, payloads, texts)
                    pending = current
                if on_progress is not None:
                    on_progress(report)
            if pending is not None:
                previous, pending = pending, None
                _settle(engine, report, previous)
        finally:
            if pending is not None:  # an error elsewhere: still account for the last send
                with contextlib.suppress(Exception):
                    _settle(engine, report, pending)
    if on_progress is not None:
        on_progress(report)
    return report


@dataclass
class _Pending:
    ids: list[str]
    resent: int
    future: Future[None] | None = None


def _settle(
    engine: Engine, report: EnqueueReport, pending: _Pending,
    also_unsent: Sequence[str] = (),
) -> None:
    """Wait for a chunk's send; count it, or mark its rows (and ``also_unsent``) not sent."""
    assert pending.future is not None
    try:
        pending.future.result()
    except Exception as exc:
        # Broker down, or a pipeline that failed half-way ("delivery uncertain"): the rows
        # say so; a re-run sends them again under the same ids, and a message that did
        # arrive twice is harmless (stages are idempotent).
        ids = pending.ids + list(also_unsent)
        ledger.record_sent_failure(engine, ids, f"not sent: {exc}")
        report.not_sent += len(ids)
        raise
    report.resent += pending.resent
    report.sent += len(pending.ids) - pending.resent
