"""Send failed (or never sent) items through the chain again, under their own ids.

One function for ``newsflow replay`` and the web's replay button: the ledger rows are moved
back to ``queued`` before the messages go (as the producer does), so an item is never both
on its way and listed as failed. An item rejected by the producer itself (unreadable file,
bad name) has no payload: nothing can be sent until its source is fixed, so it is counted,
not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from celery import Celery
from sqlalchemy import Engine

from config.settings import Settings
from tasks.codec import decode
from tasks.storage import ledger
from workers.producer.publish import send_articles

__all__ = ["ReplayNotSent", "ReplayReport", "replay_items"]

log = logging.getLogger(__name__)


class ReplayNotSent(RuntimeError):
    """The broker refused the replayed messages; the items stay queued, marked not sent."""

    def __init__(self, items: list[str], cause: Exception) -> None:
        super().__init__(f"{len(items)} items not sent: {cause}")
        self.items = items
        self.cause = cause


@dataclass(frozen=True)
class ReplayReport:
    replayed: list[str]  # item ids sent again
    without_payload: list[str]  # producer-side rejections: fix the source


def replay_items(
    app: Celery,
    settings: Settings,
    engine: Engine,
    *,
    ids: Sequence[str] | None = None,
    reason: str | None = None,
    unsent: bool = False,
) -> ReplayReport:
    """Replay the failed items named by ``ids`` and/or ``reason`` (every failed item when
    both are None), or with ``unsent`` the queued items the broker never got."""
    states = (ledger.QUEUED,) if unsent else ledger.FAILED_STATES
    rows = ledger.items_for_replay(engine, ids=ids, reason=reason, states=states)
    if unsent:
        rows = [r for r in rows if (r.error or "").startswith("not sent")]
    replayable = [r for r in rows if r.payload]
    articles = [decode(r.payload) for r in replayable]
    if articles:
        ledger.record_enqueued(engine, articles, [r.item_key for r in replayable])
        try:
            send_articles(app, settings, articles)
        except Exception as exc:
            # The rows are 'queued' again: mark them not sent, or neither `failed` nor
            # `replay --unsent` would find them (issue 16).
            ids_not_sent = [a.id for a in articles]
            ledger.record_sent_failure(engine, ids_not_sent, f"not sent: {exc}")
            raise ReplayNotSent(ids_not_sent, exc) from exc
    report = ReplayReport([a.id for a in articles], [r.id for r in rows if not r.payload])
    log.info("replayed %d items (%d without payload)", len(report.replayed),
             len(report.without_payload))
    return report
