"""Item keys: "was this input already enqueued, and how did it end?" (the producer's re-run).

``item_key`` is the stable identity of an input (``tasks.sources.items``); one key may have
several rows when the producer ran with ``--no-skip-known``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.sql.elements import BindParameter

from tasks.storage.db import read_tx
from tasks.storage.ledger.rows import aware
from tasks.storage.ledger.states import DONE_STATES, QUEUED, TERMINAL_STATES
from tasks.storage.schema import items

__all__ = ["KeyRow", "item_key_rows", "known_item_keys"]

_KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class KeyRow:
    """The ledger row that an item key already has (see ``item_key_rows``)."""

    id: str
    batch_id: str | None
    state: str
    error: str | None
    updated_at: datetime

    @property
    def not_sent(self) -> bool:
        return self.state == QUEUED and (self.error or "").startswith("not sent")

    @property
    def travelling(self) -> bool:
        """Queued or processing, and sent: a message for it is (or was) on the broker."""
        return self.state not in TERMINAL_STATES and not self.not_sent

    @property
    def done(self) -> bool:
        """Stored or a duplicate: the article is in the database."""
        return self.state in DONE_STATES


def _rank(row: KeyRow) -> tuple[int, datetime]:
    # Which row speaks for a key enqueued more than once (``--no-skip-known``): a stored
    # one, else one still travelling, else the newest failure.
    if row.done:
        return (2, row.updated_at)
    if row.travelling:
        return (1, row.updated_at)
    return (0, row.updated_at)


def item_key_rows(engine: Engine, keys: Sequence[str]) -> dict[str, KeyRow]:
    """The row each of ``keys`` already has in the ledger, if any (one query per 500 keys)."""
    found: dict[str, KeyRow] = {}
    wanted = list(dict.fromkeys(keys))
    with read_tx(engine, "item_key_rows") as conn:
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            # On PostgreSQL the keys are rendered into the SQL text (literal_execute):
            # psycopg prepares a statement run five times with the same text, and the
            # server may then keep a generic plan made while the table was empty - a
            # sequential scan that made a 100,000-item enqueue 15 times slower as the table
            # grew. Not on SQLite: it plans each statement anyway, and the sqlite3 module
            # would cache 128 distinct 500-key statements (20 MB of producer memory).
            keys_param: BindParameter[str] = bindparam(
                "keys", expanding=True, literal_execute=conn.dialect.name == "postgresql"
            )
            query = select(
                items.c.item_key, items.c.id, items.c.batch_id, items.c.state, items.c.error,
                items.c.updated_at,
            ).where(items.c.item_key.in_(keys_param))
            rows = conn.execute(query, {"keys": wanted[start : start + _KEYS_PER_QUERY]})
            for key, item_id, batch_id, state, error, updated in rows:
                row = KeyRow(item_id, batch_id, state, error, aware(updated))
                if key not in found or _rank(row) > _rank(found[key]):
                    found[key] = row
    return found


def known_item_keys(engine: Engine, keys: Sequence[str]) -> set[str]:
    """The keys among ``keys`` whose item is already stored (or a duplicate)."""
    return {k for k, row in item_key_rows(engine, keys).items() if row.done}
