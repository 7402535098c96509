"""The ``enqueued`` transition: a ``queued`` row per item, written before its message is sent.

The producer's hot path (``bench/enqueue.py`` measures it), hence hand-tuned forms: on
SQLite one ``executemany`` of a statement compiled once per call, on PostgreSQL the whole
chunk as one ``INSERT .. SELECT FROM json_to_recordset``, or ``COPY`` for ids drawn afresh.
Re-enqueueing an id resets a row that is not done; a stored result is never undone.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Text,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    null,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite

from tasks.codec import encode, payload_json
from tasks.common import utc_now
from tasks.models import Article
from tasks.storage.db import write_tx
from tasks.storage.ledger.states import DONE_STATES, QUEUED
from tasks.storage.schema import items

__all__ = ["record_enqueued"]

logger = logging.getLogger(__name__)

# Columns a new row takes from the caller; the rest are constants of a fresh ``queued`` row.
_ROW_COLUMNS = ("id", "batch_id", "source", "source_kind", "item_key", "payload",
                "created_at", "updated_at")
_PROCESSED = ("payload", "created_at", "updated_at")
# Per-row columns without the timestamps (one value per chunk): one JSON document per
# chunk on PostgreSQL.
_RECORD_COLUMNS = tuple(name for name in _ROW_COLUMNS if name not in ("created_at", "updated_at"))

# A fresh row's constant columns, in both insert forms.
_FRESH: dict[str, Any] = {
    "state": literal_column(f"'{QUEUED}'"), "stage": null(), "attempts": literal_column("0"),
    "sweeps": literal_column("0"), "reason": null(), "error": null(), "article_id": null(),
}


def _upsert(stmt: Any, swept: bool) -> Any:
    """The ``ON CONFLICT (id) DO UPDATE`` of a fresh ``queued`` row, for either insert form."""
    restart: dict[str, Any] = (
        {"sweeps": items.c.sweeps + literal_column("1")} if swept
        else {"attempts": literal_column("0"), "sweeps": literal_column("0")}
    )
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "state": literal_column(f"'{QUEUED}'"), "stage": null(), **restart,
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
        .table_valued(*(column(name, Text) for name in _RECORD_COLUMNS), name="r")
        .render_derived(with_types=True)
    )
    stamp = bindparam("stamp", type_=DateTime(timezone=True))
    # The payload travels as its JSON text inside the document and is cast on its own:
    # json_to_recordset refuses a lone surrogate escape ("\ud800") anywhere in its document,
    # which an article's text may hold (the COPY path and a plain cast accept it).
    values = {**{name: rows.c[name] for name in _RECORD_COLUMNS[:-1]},
              "payload": cast(rows.c.payload, postgresql.JSON),
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
    rows = [{**_record(payload, key), "payload": json.dumps(payload)}
            for payload, key in last.values()]
    params = {"rows": json.dumps(rows), "stamp": utc_now()}
    conn.execute(_enqueue_recordset(swept), params)
    return len(rows)


# COPY's column list: the per-row columns, then a fresh row's constants.
_COPY_SQL = (
    f"COPY {items.name} ({', '.join(_RECORD_COLUMNS)}, state, attempts, sweeps, created_at,"
    " updated_at) FROM STDIN"
)


def _copy_new_pg(conn: Connection, payloads: Sequence[Mapping[str, Any]],
                 keys: Sequence[str | None], texts: Sequence[str]) -> int:
    """PostgreSQL, ids never used before: the rows by ``COPY`` (no conflict to resolve).

    COPY skips the statement's JSON document, its parse and the ``ON CONFLICT`` check:
    about 45 against 75 ms a 1,000-row chunk on the shared server of this project
    (``bench/enqueue.py``). An id that exists after all fails the COPY; the caller then
    writes the chunk with the upsert.
    """
    from psycopg.errors import UniqueViolation

    stamp = utc_now()
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(_COPY_SQL) as copy:
            write_row = copy.write_row
            for payload, key, text in zip(payloads, keys, texts, strict=True):
                write_row((payload["id"], payload.get("batch_id"), payload["source"],
                           payload.get("source_kind", "file"), key, text,
                           QUEUED, 0, 0, stamp, stamp))
    except UniqueViolation as exc:  # the driver's own: COPY bypasses SQLAlchemy's wrapping
        raise _IdInUse(str(exc)) from exc
    return len(payloads)


# Engines whose ``items`` table is known to have planner statistics (PostgreSQL).
_analyzed: weakref.WeakSet[Engine] = weakref.WeakSet()


def _ensure_statistics(engine: Engine) -> None:
    """PostgreSQL: ``ANALYZE items`` once it holds rows but has no statistics yet.

    A fresh database's ``items`` has none until autovacuum gets to it (a minute or more), and
    without them the planner takes ``item_key IN (500 keys)`` to match most of the table: the
    producer's lookup of each chunk's keys (``item_key_rows``) scanned it all, slower with
    every chunk (1,000 keys: 390 against 42 ms at 100,000 rows). Once ``item_key`` is known
    to be unique, that holds however the table grows: one ANALYZE per database is enough.
    """
    if engine in _analyzed:
        return
    exists = text("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema()"
                  " AND tablename = :table AND attname = 'item_key')")
    with write_tx(engine, "analyze items") as conn:
        known = conn.execute(exists, {"table": items.name}).scalar()
        if not known:
            conn.execute(text(f"ANALYZE {items.name}"))
            known = conn.execute(exists, {"table": items.name}).scalar()
            logger.debug("ledger: ANALYZE %s (no planner statistics yet)", items.name)
    if known:
        _analyzed.add(engine)


class _IdInUse(Exception):
    """A row COPY meant to add has an id the table already holds."""


def _record_enqueued_sqlite(conn: Connection, payloads: Sequence[Mapping[str, Any]],
                            keys: Sequence[str | None], swept: bool,
                            texts: Sequence[str] | None) -> int:
    dialect = conn.dialect
    convert = {name: items.c[name].type.dialect_impl(dialect).bind_processor(dialect)
               for name in _PROCESSED}
    stamp: Any = utc_now()
    if convert["created_at"] is not None:
        stamp = convert["created_at"](stamp)
    to_json: Callable[[Any], Any] = convert["payload"] or (lambda value: value)
    stored = texts if texts is not None else [to_json(p) for p in payloads]
    # Each row as a tuple in _ROW_COLUMNS' order, made directly (a dict per row, then a tuple
    # from it, cost ten times as much: ~3 us a row), then put in the statement's order.
    rows = [(p["id"], p.get("batch_id"), p["source"], p.get("source_kind", "file"), key, text,
             stamp, stamp) for p, key, text in zip(payloads, keys, stored, strict=True)]
    sql, order = _enqueue_sql(conn, swept)
    params: list[Any]
    if order is None:
        params = [dict(zip(_ROW_COLUMNS, row, strict=True)) for row in rows]
    elif order == list(_ROW_COLUMNS):
        params = rows
    else:
        pick = itemgetter(*(_ROW_COLUMNS.index(name) for name in order))
        params = [pick(row) for row in rows]
    conn.exec_driver_sql(sql, params)
    return len(rows)


def record_enqueued(
    engine: Engine,
    articles: Sequence[Article | Mapping[str, Any]],
    item_keys: Sequence[str | None] | None = None,
    swept: bool = False,
    *,
    new_ids: bool = False,
    payload_texts: Sequence[str] | None = None,
) -> None:
    """Insert a ``queued`` row per article; re-enqueueing an id resets a not-done row.

    ``articles`` are Articles or their payloads (the producer builds the JSON it sends and
    hands the same dicts here). ``swept=True`` (the sweeper's re-send) counts a sweep
    instead of starting afresh, so an item that keeps getting lost runs out of sweeps. A
    new row's ``item_key`` is kept when the re-enqueue gives none. One transaction for all.
    ``new_ids=True``: the caller drew every id afresh (the producer's new items), so on
    PostgreSQL the rows go in by ``COPY``; should one exist after all, the upsert runs.
    ``payload_texts``: the payloads' JSON (``codec.payload_json``), already made for their
    messages, stored as they are instead of being serialised a second time.
    """
    if not articles:
        return
    keys = list(item_keys) if item_keys is not None else [None] * len(articles)
    if len(keys) != len(articles):
        raise TypeError("item_keys must be as long as articles")
    payloads = [encode(a) if isinstance(a, Article) else a for a in articles]
    if payload_texts is not None and len(payload_texts) != len(payloads):
        raise TypeError("payload_texts must be as long as articles")
    if new_ids and not swept and engine.dialect.name == "postgresql":
        texts = payload_texts or [payload_json(p) for p in payloads]
        try:
            with write_tx(engine, "record_enqueued") as conn:
                count = _copy_new_pg(conn, payloads, keys, texts)
            logger.debug("ledger: %d items enqueued", count)
            _ensure_statistics(engine)
            return
        except _IdInUse as exc:  # an id in use after all: the upsert decides
            logger.warning("ledger: COPY of %d new rows refused (%s); upserting them",
                           len(payloads), exc)
    with write_tx(engine, "record_enqueued") as conn:
        if conn.dialect.name == "postgresql":
            count = _record_enqueued_pg(conn, payloads, keys, swept)
        else:
            count = _record_enqueued_sqlite(conn, payloads, keys, swept, payload_texts)
    logger.debug("ledger: %d items enqueued", count)
    if engine.dialect.name == "postgresql":
        _ensure_statistics(engine)
