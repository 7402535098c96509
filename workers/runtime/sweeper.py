"""Re-send items stuck in a non-terminal state; dead-letter those that keep getting stuck.

Messages can vanish with a Redis crash (Redis without AOF keeps nothing); the ledger still
holds their rows in 'queued' or 'processing', which is how the sweeper finds them.

"Stuck" means no ledger progress for ``older_than``. An item waiting behind a long backlog
makes no progress either, yet is not lost: while the stage queues still hold messages the
sweeper does nothing (re-sending would double the backlog, and counting a sweep against an
item that is merely waiting would dead-letter it). After a Redis crash the queues are empty,
so the sweep goes ahead. ``force=True`` sweeps regardless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from config.settings import Settings, get_settings
from tasks.codec import decode
from tasks.models import Article
from tasks.storage import ledger

__all__ = ["SweepReport", "sweep_stuck"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    resent: int
    dead: int
    backlog: int  # messages waiting in the stage queues (> 0: nothing was swept)


def sweep_stuck(engine: Engine, older_than: timedelta, limit: int = 1000,
                force: bool = False, settings: Settings | None = None) -> SweepReport:
    from workers.app import app
    from workers.producer.enqueue import send_articles
    from workers.queue_depth import total_depth

    settings = settings or get_settings()
    backlog = total_depth(app, settings.pipeline)
    if backlog and not force:
        log.info("sweep: %d messages still queued; stuck items may only be waiting", backlog)
        return SweepReport(0, 0, backlog)
    resend: list[Article] = []
    dead = 0
    for row in ledger.stuck_items(engine, older_than, limit=limit):
        if row.sweeps >= settings.celery.max_retries or not row.payload:
            ledger.record_dead(engine, row.id, row.stage or "sweep",
                               f"stuck in {row.state} at {row.stage} after {row.sweeps} sweeps",
                               reason="stuck")
            dead += 1
            continue
        resend.append(decode(row.payload))
    if resend:
        ledger.record_enqueued(engine, resend, swept=True)
        send_articles(app, settings, resend)
    log.info("sweep: re-sent %d, dead-lettered %d", len(resend), dead)
    return SweepReport(len(resend), dead, backlog)
