"""The few statements that differ between SQLite and PostgreSQL, behind one function each.

Both backends speak ``INSERT ... ON CONFLICT``, through different SQLAlchemy dialect modules;
PostgreSQL also gets transaction-scoped advisory locks (SQLite needs none: ``BEGIN IMMEDIATE``
already serialises writers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Insert

__all__ = ["advisory_locks", "insert_ignore", "insert_ignore_many", "upsert"]


def _insert(conn: Connection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignore(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], index: Sequence[str]
) -> Insert:
    """``INSERT ... ON CONFLICT (index) DO NOTHING``."""
    stmt = _insert(conn, table).values(list(rows))
    result: Insert = stmt.on_conflict_do_nothing(index_elements=list(index))
    return result


def insert_ignore_many(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], index: Sequence[str]
) -> None:
    """``insert_ignore`` run as one executemany: the statement is compiled once and cached,
    where a multi-row VALUES is compiled again for every row count (the store's largest CPU
    cost after its round trips). Rows are sent in the given order."""
    if rows:
        stmt = _insert(conn, table).on_conflict_do_nothing(index_elements=list(index))
        conn.execute(stmt, [dict(r) for r in rows])


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    index: Sequence[str],
    update: Mapping[str, Any],
    where: ColumnElement[bool] | None = None,
    excluded: Iterable[str] = (),
    coalesce: Iterable[str] = (),
) -> Insert:
    """``INSERT ... ON CONFLICT (index) DO UPDATE SET update [WHERE where]``.

    Columns named in ``excluded`` take the value the conflicting row tried to insert; those
    in ``coalesce`` take it unless it is NULL (then the stored value stays). With no
    ``rows`` the statement has no VALUES: execute it with rows as an executemany (compiled
    once and cached, where a multi-row VALUES is compiled again for every row count).
    """
    stmt = _insert(conn, table)
    if rows:
        stmt = stmt.values(list(rows))
    values = dict(update)
    for name in excluded:
        values[name] = stmt.excluded[name]
    for name in coalesce:
        values[name] = func.coalesce(stmt.excluded[name], table.c[name])
    result: Insert = stmt.on_conflict_do_update(
        index_elements=list(index), set_=values, where=where
    )
    return result


def _lock_id(key: str) -> int:
    # Signed 64-bit, as pg_advisory_xact_lock(bigint) wants.
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def advisory_locks(conn: Connection, keys: Iterable[str]) -> None:
    """Hold PostgreSQL transaction locks on ``keys`` (sorted, so two writers cannot deadlock).

    Writers whose articles could be near-duplicates or share a story share a key, so they run
    one after the other; unrelated articles are stored in parallel. No-op on SQLite.
    """
    if conn.dialect.name != "postgresql":
        return
    ids = sorted({_lock_id(k) for k in keys})
    if ids:
        # One round trip; unnest keeps the array's (sorted) order.
        conn.execute(
            text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:ids AS bigint[])) AS k"),
            {"ids": ids},
        )
