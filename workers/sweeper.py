"""Re-send items stuck in a non-terminal state; dead-letter those that keep getting stuck.

Messages can vanish with a Redis crash (Redis without AOF keeps nothing); the ledger still
holds their rows in 'queued' or 'processing', which is how the sweeper finds them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.engine import Engine

from config.settings import get_settings
from tasks.models import Article
from tasks.storage import ledger

__all__ = ["sweep_stuck"]

log = logging.getLogger(__name__)


def sweep_stuck(engine: Engine, older_than: timedelta, limit: int = 1000) -> tuple[int, int]:
    """Returns (re-sent, dead-lettered)."""
    from workers.app import app
    from workers.producer import send_articles

    settings = get_settings()
    resend: list[Article] = []
    dead = 0
    for row in ledger.stuck_items(engine, older_than, limit=limit):
        if row.sweeps >= settings.celery.max_retries or not row.payload:
            ledger.record_dead(engine, row.id, row.stage or "sweep",
                               f"stuck in {row.state} at {row.stage} after {row.sweeps} sweeps",
                               reason="stuck")
            dead += 1
            continue
        resend.append(Article.from_payload(row.payload))
    if resend:
        ledger.record_enqueued(engine, resend, swept=True)
        send_articles(app, resend)
    log.info("sweep: re-sent %d, dead-lettered %d", len(resend), dead)
    return len(resend), dead
