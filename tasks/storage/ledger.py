"""The item ledger: every enqueued item has a row from the moment it is enqueued.

A row's state moves ``queued -> processing -> stored | duplicate | rejected | dead``. The
terminal states ``stored`` and ``duplicate`` are written by ``repository.store_article`` in
the same transaction as the article; nothing here ever moves a row out of them, so a late
redelivery cannot undo a stored result.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, field_validator
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from tasks.codec import encode
from tasks.models import Article
from tasks.storage.db import read_tx, write_tx
from tasks.storage.schema import items

__all__ = [
    "DONE_STATES",
    "TERMINAL_STATES",
    "ItemRow",
    "ItemState",
    "KeyRow",
    "batch_counts",
    "get_item",
    "item_key_rows",
    "items_for_replay",
    "known_item_keys",
    "list_items",
    "record_dead",
    "record_enqueued",
    "record_rejected",
    "record_rejected_source",
    "record_sent_failure",
    "record_started",
    "record_started_many",
    "stuck_items",
]

logger = logging.getLogger(__name__)

ItemState = Literal["queued", "processing", "stored", "duplicate", "rejected", "dead"]
ALL_STATES: tuple[str, ...] = ("queued", "processing", "stored", "duplicate", "rejected", "dead")
TERMINAL_STATES: frozenset[str] = frozenset({"stored", "duplicate", "rejected", "dead"})
# States no later event may leave: the article is in the database.
DONE_STATES: frozenset[str] = frozenset({"stored", "duplicate"})


def now() -> datetime:
    return datetime.now(UTC)


class ItemRow(BaseModel):
    id: str
    batch_id: str | None
    source: str
    source_kind: str
    item_key: str | None
    state: ItemState
    stage: str | None
    attempts: int
    sweeps: int = 0
    reason: str | None
    error: str | None
    article_id: str | None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] | None

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes; everything is written in UTC.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def _row(mapping: Any) -> ItemRow:
    return ItemRow.model_validate(dict(mapping))


# Columns a new row takes from the caller; the rest are constants of a fresh ``queued`` row.
_ROW_COLUMNS = ("id", "batch_id", "source", "source_kind", "item_key", "payload",
                "created_at", "updated_at")
_PROCESSED = ("payload", "created_at", "updated_at")


def _upsert(stmt: Any, swept: bool) -> Any:
    """The ``ON CONFLICT (id) DO UPDATE`` of a fresh ``queued`` row, for either insert form."""
    restart: dict[str, Any] = (
        {"sweeps": items.c.sweeps + literal_column("1")} if swept
        else {"attempts": literal_column("0"), "sweeps": literal_column("0")}
    )
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "state": literal_column("'queued'"), "stage": null(), **restart,
            "reason": null(), "error": null(),
            **{name: stmt.excluded[name] for name in ("batch_id", "source", "source_kind",
                                                       "payload", "updated_at")},
            # A re-enqueue that gives no key keeps the row's key.
            "item_key": func.coalesce(stmt.excluded.item_key, items.c.item_key),
        },
        # A stored result is never undone by a late re-enqueue.
        where=and_(*(items.c.state != literal_column(f"'{state}'")
                     for state in sorted(DONE_STATES))),
    )


# A fresh row's constant columns, in both insert forms.
_FRESH: dict[str, Any] = {
    "state": literal_column("'queued'"), "stage": null(), "attempts": literal_column("0"),
    "sweeps": literal_column("0"), "reason": null(), "error": null(), "article_id": null(),
}


def _enqueue_sql(conn: Connection, swept: bool) -> tuple[str, list[str] | None]:
    """``INSERT .. ON CONFLICT (id) DO UPDATE`` compiled once per call, constants inlined.

    Only the per-row columns are parameters, so the driver runs one executemany over the
    chunk. Going through SQLAlchemy's per-row parameter processing cost three times the
    insert itself (100,000 rows: ~12 s of the producer's time); here the only per-row work
    is the JSON and datetime conversion done with the columns' own bind processors.
    Returns the SQL and, for positional drivers, the parameter order.
    """
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = _upsert(
        insert(items).values(**{name: bindparam(name) for name in _ROW_COLUMNS}, **_FRESH),
        swept,
    )
    compiled = stmt.compile(dialect=conn.dialect)
    order = list(compiled.positiontup) if compiled.positiontup is not None else None
    return str(compiled), order


# Per-row columns without the timestamps (one value per chunk): one JSON document per
# chunk on PostgreSQL.
_RECORD_COLUMNS = tuple(name for name in _ROW_COLUMNS if name not in ("created_at", "updated_at"))


def _record(payload: Mapping[str, Any], key: str | None) -> dict[str, Any]:
    """A new ledger row's per-row values, the payload left as it is."""
    return {"id": payload["id"], "batch_id": payload.get("batch_id"),
            "source": payload["source"], "source_kind": payload.get("source_kind", "file"),
            "item_key": key, "payload": payload}


@lru_cache(maxsize=2)
def _enqueue_recordset(swept: bool) -> Any:
    """PostgreSQL: the whole chunk as one ``INSERT .. SELECT FROM json_to_recordset(rows)``.

    An executemany of the row-at-a-time upsert costs the server a statement per row (100,000
    items enqueued at ~3,600/s with the ledger on PostgreSQL against ~6,100/s on SQLite).
    Arrays per column were no better: psycopg escapes every text array element in Python.
    One JSON document, made by the json module's C encoder and parsed by the server, takes
    the chunk in one round trip and one plan.
    """
    rows = (
        func.json_to_recordset(cast(bindparam("rows", type_=Text), postgresql.JSON))
        .table_valued(*(column(name, Text) for name in _RECORD_COLUMNS[:-1]),
                      column("payload", postgresql.JSON), name="r")
        .render_derived(with_types=True)
    )
    stamp = bindparam("stamp", type_=DateTime(timezone=True))
    values = {**{name: rows.c[name] for name in _RECORD_COLUMNS},
              "created_at": stamp, "updated_at": stamp, **_FRESH}
    chosen = select(*(type_coerce(v, items.c[k].type) for k, v in values.items()))
    return _upsert(postgresql.insert(items).from_select(list(values), chosen), swept)


def _record_enqueued_pg(conn: Connection, payloads: Sequence[Mapping[str, Any]],
                        keys: Sequence[str | None], swept: bool) -> int:
    # ON CONFLICT may touch a row once per statement: the last payload of an id wins and an
    # earlier key stands when a later one is missing, as in the executemany it replaces.
    last: dict[str, tuple[Mapping[str, Any], str | None]] = {}
    for payload, key in zip(payloads, keys, strict=True):
        earlier = last.get(payload["id"])
        last[payload["id"]] = (payload, key if key is not None or earlier is None else earlier[1])
    rows = [_record(payload, key) for payload, key in last.values()]
    params = {"rows": json.dumps(rows), "stamp": now()}
    conn.execute(_enqueue_recordset(swept), params)
    return len(rows)


def record_enqueued(
    engine: Engine,
    articles: Sequence[Article | Mapping[str, Any]],
    item_keys: Sequence[str | None] | None = None,
    swept: bool = False,
) -> None:
    """Insert a ``queued`` row per article; re-enqueueing an id resets a not-done row.

    ``articles`` are Articles or their payloads (the producer builds the JSON it sends and
    hands the same dicts here). ``swept=True`` (the sweeper's re-send) counts a sweep
    instead of starting afresh, so an item that keeps getting lost runs out of sweeps. A
    new row's ``item_key`` is kept when the re-enqueue gives none. One transaction for all.
    """
    if not articles:
        return
    keys = list(item_keys) if item_keys is not None else [None] * len(articles)
    if len(keys) != len(articles):
        raise TypeError("item_keys must be as long as articles")
    payloads = [encode(a) if isinstance(a, Article) else a for a in articles]
    with write_tx(engine, "record_enqueued") as conn:
        if conn.dialect.name == "postgresql":
            count = _record_enqueued_pg(conn, payloads, keys, swept)
            logger.debug("ledger: %d items enqueued", count)
            return
        dialect = conn.dialect
        convert = {name: items.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                   for name in _PROCESSED}
        stamp: Any = now()
        if convert["created_at"] is not None:
            stamp = convert["created_at"](stamp)
        to_json: Callable[[Any], Any] = convert["payload"] or (lambda value: value)
        rows = [
            {**_record(p, key), "payload": to_json(p), "created_at": stamp, "updated_at": stamp}
            for p, key in zip(payloads, keys, strict=True)
        ]
        sql, order = _enqueue_sql(conn, swept)
        params: list[Any] = (
            [tuple(row[name] for name in order) for row in rows] if order is not None else rows
        )
        conn.exec_driver_sql(sql, params)
    logger.debug("ledger: %d items enqueued", len(rows))


def _update(engine: Engine, what: str, item_ids: Iterable[str], **values: Any) -> int:
    ids = list(item_ids)
    if not ids:
        return 0
    with write_tx(engine, what) as conn:
        result = conn.execute(
            update(items)
            .where(items.c.id.in_(ids), items.c.state.not_in(DONE_STATES))
            .values(updated_at=now(), **values)
        )
    return int(result.rowcount)


def record_sent_failure(engine: Engine, item_ids: Iterable[str], error: str) -> None:
    """The broker refused the message: the row stays ``queued`` so a retry can complete it."""
    message = error if error.startswith("not sent") else f"not sent: {error}"
    count = _update(engine, "record_sent_failure", item_ids, state="queued", error=message)
    logger.warning("ledger: %d items not sent: %s", count, error)


def record_started(engine: Engine, item_id: str, stage: str) -> int:
    """Count a delivery of ``item_id`` to ``stage``; see ``record_started_many``."""
    return record_started_many(engine, [item_id], stage)[item_id]


def record_started_many(engine: Engine, item_ids: Sequence[str], stage: str) -> dict[str, int]:
    """Count a delivery of each item to ``stage`` and mark it ``processing``, in one statement.

    Returns per item the deliveries *of this stage* so far, this one included (the counter
    restarts at 1 when an item reaches a new stage, so a long chain never looks like a
    redelivery); 0 when the item is already terminal (a stale redelivery: drop it). An item
    without a row (not enqueued through the producer) gets one, so every item processed has
    a row.
    """
    if not item_ids:
        return {}
    stamp = now()
    counts: dict[str, int] = {}
    with write_tx(engine, "record_started") as conn:
        rows = conn.execute(
            update(items)
            .where(items.c.id.in_(list(item_ids)), items.c.state.not_in(TERMINAL_STATES))
            .values(
                attempts=case((items.c.stage == stage, items.c.attempts + 1), else_=1),
                state="processing",
                stage=stage,
                updated_at=stamp,
            )
            .returning(items.c.id, items.c.attempts)
        ).all()
        counts.update({row.id: int(row.attempts) for row in rows})
        missing = [i for i in item_ids if i not in counts]
        if missing:
            known = set(
                conn.execute(select(items.c.id).where(items.c.id.in_(missing))).scalars()
            )
            for item_id in missing:
                if item_id in known:
                    logger.info("ledger: item %s is terminal; %s redelivery dropped", item_id,
                                stage)
                    counts[item_id] = 0
                    continue
                logger.warning("ledger: item %s started at %s had no ledger row", item_id, stage)
                conn.execute(
                    items.insert().values(
                        id=item_id, source=item_id, source_kind="inline", state="processing",
                        stage=stage, attempts=1, created_at=stamp, updated_at=stamp,
                    )
                )
                counts[item_id] = 1
    return counts


def record_rejected(engine: Engine, item_id: str, stage: str, reason: str, message: str) -> None:
    _update(
        engine,
        "record_rejected",
        [item_id],
        state="rejected",
        stage=stage,
        reason=reason,
        error=message,
    )
    logger.info("ledger: item %s rejected at %s: %s (%s)", item_id, stage, reason, message)


def record_dead(
    engine: Engine, item_id: str, stage: str, error: str, reason: str = "dead"
) -> None:
    _update(engine, "record_dead", [item_id], state="dead", stage=stage, reason=reason,
            error=error)
    logger.warning("ledger: item %s dead at %s: %s", item_id, stage, error)


def record_rejected_source(
    engine: Engine, batch_id: str | None, source: str, reason: str, message: str
) -> str:
    """A source the producer refused before enqueueing (bad path ...): a ``rejected`` row."""
    item_id = uuid.uuid4().hex
    stamp = now()
    with write_tx(engine, "record_rejected_source") as conn:
        conn.execute(
            items.insert().values(
                id=item_id,
                batch_id=batch_id,
                source=source,
                source_kind="file",
                state="rejected",
                stage="produce",
                attempts=0,
                reason=reason,
                error=message,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    logger.info("ledger: source %s rejected before enqueue: %s", source, reason)
    return item_id


def batch_counts(engine: Engine, batch_id: str | None = None) -> dict[str, int]:
    query = select(items.c.state, func.count()).group_by(items.c.state)
    if batch_id is not None:
        query = query.where(items.c.batch_id == batch_id)
    counts = dict.fromkeys(ALL_STATES, 0)
    with read_tx(engine, "batch_counts") as conn:
        for state, count in conn.execute(query):
            counts[state] = int(count)
    return counts


def get_item(engine: Engine, item_id: str) -> ItemRow | None:
    with read_tx(engine, "get_item") as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    return _row(row) if row is not None else None


def list_items(
    engine: Engine,
    states: Iterable[str] | None = None,
    reason: str | None = None,
    batch_id: str | None = None,
    limit: int | None = 100,
    ids: Iterable[str] | None = None,
) -> list[ItemRow]:
    query = select(items).order_by(items.c.created_at, items.c.id)
    if states is not None:
        query = query.where(items.c.state.in_(list(states)))
    if reason is not None:
        query = query.where(items.c.reason == reason)
    if batch_id is not None:
        query = query.where(items.c.batch_id == batch_id)
    if ids is not None:
        query = query.where(items.c.id.in_(list(ids)))
    if limit is not None:
        query = query.limit(limit)
    with read_tx(engine, "list_items") as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


def items_for_replay(
    engine: Engine,
    ids: Iterable[str] | None = None,
    reason: str | None = None,
    states: Iterable[str] = ("rejected", "dead"),
) -> list[ItemRow]:
    """Rows to enqueue again (their ``payload`` is the original Article)."""
    return list_items(engine, states=states, reason=reason, ids=ids, limit=None)


def stuck_items(
    engine: Engine,
    older_than: timedelta,
    limit: int = 1000,
    states: Iterable[str] = ("queued", "processing"),
) -> list[ItemRow]:
    """Not-terminal rows untouched for ``older_than`` (lost messages, crashed workers)."""
    query = (
        select(items)
        .where(items.c.state.in_(list(states)), items.c.updated_at < now() - older_than)
        .order_by(items.c.updated_at)
        .limit(limit)
    )
    with read_tx(engine, "stuck_items") as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


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
        return self.state == "queued" and (self.error or "").startswith("not sent")

    @property
    def travelling(self) -> bool:
        """Queued or processing, and sent: a message for it is (or was) on the broker."""
        return self.state not in TERMINAL_STATES and not self.not_sent


def _rank(row: KeyRow) -> tuple[int, datetime]:
    # Which row speaks for a key enqueued more than once (``--no-skip-known``): a stored
    # one, else one still travelling, else the newest failure.
    if row.state in DONE_STATES:
        return (2, row.updated_at)
    if row.travelling:
        return (1, row.updated_at)
    return (0, row.updated_at)


def item_key_rows(engine: Engine, keys: Sequence[str]) -> dict[str, KeyRow]:
    """The row each of ``keys`` already has in the ledger, if any (one query per 500 keys)."""
    found: dict[str, KeyRow] = {}
    wanted = list(dict.fromkeys(keys))
    with read_tx(engine, "item_key_rows") as conn:
        for start in range(0, len(wanted), 500):
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
            rows = conn.execute(query, {"keys": wanted[start : start + 500]})
            for key, item_id, batch_id, state, error, updated in rows:
                stamp = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
                row = KeyRow(item_id, batch_id, state, error, stamp)
                if key not in found or _rank(row) > _rank(found[key]):
                    found[key] = row
    return found


def known_item_keys(engine: Engine, keys: Sequence[str]) -> set[str]:
    """The keys among ``keys`` whose item is already stored (or a duplicate)."""
    return {k for k, row in item_key_rows(engine, keys).items() if row.state in DONE_STATES}
