"""The producer: source items -> ledger rows -> one Celery chain per article.

The ledger row is written *before* the message is sent, so an item exists in the database
from the moment it is enqueued; if the broker refuses the send, the row says so and
``newsflow replay``/``newsflow sweep`` complete it later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from celery import Celery, chain
from celery.canvas import Signature
from sqlalchemy.engine import Engine

from config.celeryconfig import task_name
from config.settings import STAGE_NAMES, Settings
from tasks.models import Article
from tasks.sources import SourceItem, SourceProblem
from tasks.storage import ledger

__all__ = ["EnqueueReport", "chain_from", "enqueue", "new_batch_id", "send_articles"]

log = logging.getLogger(__name__)


def new_batch_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


@dataclass
class EnqueueReport:
    batch_id: str
    sent: int = 0
    skipped_known: int = 0
    rejected: int = 0
    not_sent: int = 0
    problems: list[SourceProblem] = field(default_factory=list)


def chain_from(app: Celery, stage: str, payloads: list[dict[str, Any]]) -> Signature:
    """The chain from ``stage`` to the end for one micro-batch, routed per stage by name."""
    first, *rest = STAGE_NAMES[STAGE_NAMES.index(stage):]
    return chain(
        app.signature(task_name(first), args=(payloads,)),
        *(app.signature(task_name(name)) for name in rest),
    )


def _article_from(item: SourceItem, batch_id: str) -> Article:
    return Article(
        id=uuid.uuid4().hex,
        batch_id=batch_id,
        source=item.source,
        source_kind=item.source_kind,
        hints=item.hints,
        inline_content=item.inline_content,
        inline_content_type=item.inline_content_type,
        enqueued_at=datetime.now(UTC),
    )


def send_articles(app: Celery, articles: list[Article], batch_size: int | None = None) -> None:
    """Publish micro-batches of articles as chains, over one pooled connection."""
    size = batch_size or app.conf.get("newsflow_batch_size", 1)
    with app.producer_or_acquire() as producer:
        for group in _chunks(articles, size):
            payloads = [a.to_payload() for a in group]
            chain_from(app, STAGE_NAMES[0], payloads).apply_async(producer=producer)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def enqueue(
    app: Celery,
    settings: Settings,
    engine: Engine,
    items: Iterable[SourceItem | SourceProblem],
    *,
    batch_id: str | None = None,
    skip_known: bool = True,
    chunk_size: int = 500,
    on_progress: Callable[[EnqueueReport], None] | None = None,
) -> EnqueueReport:
    report = EnqueueReport(batch_id=batch_id or new_batch_id())
    for chunk in _chunks(items, chunk_size):
        problems = [i for i in chunk if isinstance(i, SourceProblem)]
        for problem in problems:
            ledger.record_rejected_source(
                engine, report.batch_id, problem.source, problem.reason, problem.message
            )
            report.problems.append(problem)
            report.rejected += 1
        sources = [i for i in chunk if isinstance(i, SourceItem)]
        if skip_known and sources:
            known = ledger.known_item_keys(engine, [s.item_key for s in sources])
            report.skipped_known += sum(1 for s in sources if s.item_key in known)
            sources = [s for s in sources if s.item_key not in known]
        if not sources:
            continue
        articles = [_article_from(s, report.batch_id) for s in sources]
        ledger.record_enqueued(engine, articles, [s.item_key for s in sources])
        try:
            send_articles(app, articles, settings.pipeline.batch_size)
        except Exception as exc:
            # The broker is down or refused: the rows stay queued with the reason, so a
            # replay or the sweeper can send them once it is back. Nothing is lost.
            ledger.record_sent_failure(engine, [a.id for a in articles], f"not sent: {exc}")
            report.not_sent += len(articles)
            raise
        report.sent += len(articles)
        if on_progress is not None:
            on_progress(report)
    return report
