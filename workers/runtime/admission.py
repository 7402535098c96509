"""Workers read only files the producer admitted (issue 16).

A message names the file it wants read, and anyone who can push onto the broker's queues
can write a message: one naming ``/etc/passwd`` was read and stored by a worker started with
the default settings. The producer writes an item's ledger row (its source, resolved)
before it sends anything, so the row is the admission: a file article is read only when its
row names the same file. ``NEWSFLOW_FETCH__ALLOWED_ROOTS`` still bounds what may be read at
all; this check also holds when it is empty (the default).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from tasks.models import Article

__all__ = ["NOT_ADMITTED", "admitted_files"]

log = logging.getLogger(__name__)

NOT_ADMITTED = "not_admitted"


def admitted_files(engine: Engine, articles: list[Article], stage: str) -> list[Article]:
    """``articles`` without the file articles whose ledger row does not name their file;
    each one left out is logged, and recorded ``rejected`` when its id has no row."""
    from tasks.storage import ledger

    files = [a for a in articles if a.source_kind == "file" and a.raw is None]
    if not files:
        return articles
    rows = ledger.admitted_sources(engine, [a.id for a in files])
    refused: set[str] = set()
    for article in files:
        if rows.get(article.id) == (article.source, "file"):
            continue
        refused.add(article.id)
        message = (f"{article.source}: not admitted by the producer (no ledger row of item "
                   f"{article.id} names this file); workers read only files the producer "
                   "admitted")
        if not ledger.record_refused_message(engine, article.id, article.source, stage,
                                             NOT_ADMITTED, message):
            log.error("article %s %s: refused a message naming %r, which is not the file its "
                      "ledger row names", article.id, stage, article.source)
    return [a for a in articles if a.id not in refused]
