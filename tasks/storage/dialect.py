"""The few statements that differ between SQLite and PostgreSQL, behind one function each.

Both backends speak ``INSERT ... ON CONFLICT``, through different SQLAlchemy dialect modules;
PostgreSQL also gets transaction-scoped advisory locks (SQLite needs none: ``BEGIN IMMEDIATE``
already serialises writers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    String,
    Table,
    Text,
    TextClause,
    any_,
    bindparam,
    func,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

__all__ = [
    "advisory_locks",
    "array_parameter",
    "insert_ignore",
    "insert_ignore_many",
    "insert_many",
    "insert_together",
    "one_of",
    "update_many",
    "upsert",
    "upsert_many",
]


class _Array(list[Any]):
    """An array parameter psycopg sends in PostgreSQL's binary format.

    A plain list of strings goes as text: psycopg's text array dumper quotes each element in
    Python (a regular expression per element), 13 times the CPU of the binary one on a
    list of names (2,000 strings: 4.9 ms against 0.37); the store's many-row inserts and
    look-ups send arrays of thousands of elements per message."""


psycopg.adapters.register_dumper(_Array, ListBinaryDumper)


class _ArrayParameter(TypeDecorator[list[Any]]):
    """``ARRAY`` for a parameter, sent as an ``_Array`` (SQLAlchemy's own ARRAY processing
    would hand psycopg a plain list again)."""

    impl = postgresql.ARRAY
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Any:
        return _Array


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
    """``insert_ignore`` of many rows as one statement (``insert_many``); rows go in the
    given order."""
    insert_many(conn, table, rows, ignore=index)


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
                ignore: Sequence[str] = ()) -> None:
    """INSERT ``rows`` (all with the same keys), with ``ON CONFLICT (ignore) DO NOTHING``
    when ``ignore`` names a unique index.

    PostgreSQL: one statement, ``INSERT ... SELECT * FROM unnest(:col1, :col2 ...)`` with one
    array per column, whatever the number of rows. Its text never changes, so SQLAlchemy,
    psycopg and the server each prepare it once, where an executemany is one INSERT per row
    in psycopg 3's pipeline (the largest client CPU cost of the store, cProfile of
    ``store_batch``) and a multi-row VALUES is a new statement for every row count.
    SQLite: an executemany (its driver loops in C).
    """
    insert_together(conn, [(table, rows)], ignore={table.name: ignore} if ignore else None)


def insert_together(conn: Connection, parts: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]],
                    ignore: Mapping[str, Sequence[str]] | None = None) -> None:
    """``insert_many`` of rows of several tables, in the order given (parents first).

    PostgreSQL: one statement whatever the tables, each insert but the last a data-modifying
    ``WITH`` of it (all of them run; foreign keys are checked at the statement's end, when
    the parents' rows are in). SQLite: one ``insert_many`` per table."""
    parts = [(table, rows) for table, rows in parts if rows]
    if not parts:
        return
    ignored = ignore or {}
    if conn.dialect.name != "postgresql":
        for table, rows in parts:
            stmt = _insert(conn, table)
            if ignored.get(table.name):
                stmt = stmt.on_conflict_do_nothing(index_elements=list(ignored[table.name]))
            conn.execute(stmt, [dict(r) for r in rows])
        return
    shape = tuple((table, tuple(rows[0]), tuple(ignored.get(table.name, ())))
                  for table, rows in parts)
    conn.execute(_unnest_insert(conn, shape), _arrays(conn, shape, [rows for _, rows in parts]))


def _arrays(conn: Connection, shape: _Shape,
            rows: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, _Array]:
    """The parameters of ``_unnest_insert``: one array per table and column."""
    return {
        f"c{n}_{i}": _Array(_parameter(conn, table.c[column], r[column]) for r in rows[n])
        for n, (table, columns, _) in enumerate(shape)
        for i, column in enumerate(columns)
    }


def upsert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
                index: Sequence[str], excluded: Sequence[str], nulls: Sequence[str] = ()) -> bool:
    """On PostgreSQL, ``upsert`` of ``rows`` (all with the same columns, each ``index`` value
    once) in one statement: ``INSERT ... SELECT * FROM unnest(...) ON CONFLICT (index) DO
    UPDATE``, the ``excluded`` columns taking the values the rows tried to insert and the
    ``nulls`` set to NULL. False on SQLite: the caller runs ``upsert``'s executemany."""
    if conn.dialect.name != "postgresql":
        return False
    if rows:
        quote = conn.dialect.identifier_preparer.quote
        sets = [f"{quote(c)} = EXCLUDED.{quote(c)}" for c in excluded]
        sets += [f"{quote(c)} = NULL" for c in nulls]
        shape = ((table, tuple(rows[0]), tuple(index)),)
        conn.execute(_unnest_insert(conn, shape, ", ".join(sets)), _arrays(conn, shape, [rows]))
    return True


def update_many(conn: Connection, table: Table, key: str,
                rows: Sequence[Mapping[str, Any]]) -> bool:
    """On PostgreSQL, UPDATE the rows of ``table`` whose ``key`` the ``rows`` (all with the same
    columns, ``key`` among them, each key once) name, to their values, in one statement:
    ``UPDATE ... FROM unnest(...)``, whose text never changes (an executemany is one UPDATE
    per row in psycopg's pipeline). False on SQLite: the caller runs its executemany."""
    if conn.dialect.name != "postgresql":
        return False
    if rows:
        columns = tuple(rows[0])
        conn.execute(_unnest_update(conn, table, key, columns),
                     {f"c{i}": _Array(_parameter(conn, table.c[c], r[c]) for r in rows)
                      for i, c in enumerate(columns)})
    return True


_UNNEST_UPDATE: dict[tuple[str, str, tuple[str, ...]], TextClause] = {}


def _unnest_update(conn: Connection, table: Table, key: str,
                   columns: tuple[str, ...]) -> TextClause:
    cache = (table.name, key, columns)
    stmt = _UNNEST_UPDATE.get(cache)
    if stmt is None:
        quote = conn.dialect.identifier_preparer.quote
        arrays = ", ".join(f"CAST(:c{i} AS {_element_type(conn, table.c[c])}[])"
                           for i, c in enumerate(columns))
        names = ", ".join(f"v{i}" for i in range(len(columns)))
        sets = ", ".join(f"{quote(c)} = new.v{i}" for i, c in enumerate(columns) if c != key)
        target = conn.dialect.identifier_preparer.format_table(table)
        stmt = _UNNEST_UPDATE[cache] = text(
            f"UPDATE {target} SET {sets} FROM unnest({arrays}) AS new({names}) "
            f"WHERE {target}.{quote(key)} = new.v{columns.index(key)}")
    return stmt


def _parameter(conn: Connection, column: Column[Any], value: Any) -> Any:
    """JSON as its text, serialised as SQLAlchemy's JSON type does for a plain INSERT."""
    if isinstance(column.type, JSON) and value is not None:
        return (conn.dialect._json_serializer or json.dumps)(value)
    return value


_Shape = tuple[tuple[Table, tuple[str, ...], tuple[str, ...]], ...]
_UNNEST: dict[tuple[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], str],
              TextClause] = {}


def _unnest_insert(conn: Connection, shape: _Shape, update: str = "") -> TextClause:
    """The INSERTs of ``shape``, with ``ON CONFLICT (its index) DO NOTHING``, or ``DO UPDATE
    SET update`` when given."""
    key = (tuple((table.name, columns, ignore) for table, columns, ignore in shape), update)
    stmt = _UNNEST.get(key)
    if stmt is None:
        quote = conn.dialect.identifier_preparer.quote
        inserts = []
        for n, (table, columns, ignore) in enumerate(shape):
            # Strings as text[]: a cast to varchar(n)[] would cut a long value silently,
            # where the INSERT into the column refuses it as a plain INSERT does.
            arrays = ", ".join(f"CAST(:c{n}_{i} AS {_element_type(conn, table.c[c])}[])"
                               for i, c in enumerate(columns))
            action = f"DO UPDATE SET {update}" if update else "DO NOTHING"
            conflict = (f" ON CONFLICT ({', '.join(quote(c) for c in ignore)}) {action}"
                        if ignore else "")
            inserts.append(
                f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} "
                f"({', '.join(quote(c) for c in columns)}) SELECT * FROM unnest({arrays})"
                f"{conflict}")
        with_ = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(inserts[:-1]))
        stmt = _UNNEST[key] = text((f"WITH {with_} " if with_ else "") + inserts[-1])
    return stmt


def _element_type(conn: Connection, column: Column[Any]) -> str:
    if isinstance(column.type, String):
        return "text"
    return str(column.type.compile(dialect=conn.dialect))


def one_of(conn: Connection, column: ColumnElement[Any],
           values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values``, sorted and without repeats.

    PostgreSQL: ``column = ANY(CAST(:values AS type[]))``, one array parameter. SQLAlchemy
    writes an IN list out as one parameter per value, so its text changes with the number of
    values: psycopg and the server parse (and never reuse) a new statement for each length,
    and SQLAlchemy renders the values into it on every execution. SQLite: the IN list.
    """
    wanted = sorted(set(values))
    if conn.dialect.name != "postgresql":
        return column.in_(wanted)
    return column == any_(_array(conn, column, wanted))


def array_parameter(element: Any) -> TypeDecorator[list[Any]]:
    """The type of an array parameter of elements ``element`` (an SQLAlchemy type), sent in
    PostgreSQL's binary format (``_Array``), for a hand-written statement's bind parameter."""
    return _ArrayParameter(element)


def _array(conn: Connection, column: ColumnElement[Any], values: list[Any]) -> Any:
    # Strings as text[] (a cast to varchar(n)[] would cut a longer value, and match a
    # stored one equal to its start); ``varchar = ANY(text[])`` still uses the index.
    element = Text() if isinstance(column.type, String) else column.type
    return bindparam(None, values, type_=_ArrayParameter(element))  # psycopg: ``::TEXT[]``


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
            {"ids": _Array(ids)},
        )
