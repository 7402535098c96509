"""The stored LSH band rows of many (band, hash) pairs, in one statement.

Every gate and the store ask this for a whole message: 42 bands per text, so about 340
pairs for a message of 8. As an expanding row-value ``IN`` that is 680 bind parameters,
rendered into a new statement text and adapted one by one on every call, and a 340-branch
OR for the server to plan: 4-7 ms of client CPU per call on PostgreSQL (psycopg 3), shared
by the message's articles, a recognised copy included, and about 7 ms on the server. On
PostgreSQL the pairs go as two arrays instead, each pair's rows read by its own index-only
look-up (a sub-select per pair, which the planner never turns into a scan of the whole
table, whatever its statistics): one statement text, about 1.5 ms of client CPU and 1 ms
on the server (measured on a 640-original database). SQLite keeps the row-value ``IN`` (its
driver binds in C). Same rows either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Connection, Integer, Text, bindparam, select, text, tuple_

from tasks.storage.dialect import array_parameter
from tasks.storage.schema import lsh_bands

__all__ = ["band_rows"]

_PER_PAIR = text(
    "SELECT w.band, w.hash, ARRAY(SELECT l.article_id FROM lsh_bands AS l "
    "WHERE l.band = w.band AND l.hash = w.hash) "
    "FROM unnest(CAST(:bands AS integer[]), CAST(:hashes AS text[])) AS w(band, hash)"
).bindparams(  # binary arrays: psycopg's text array dumper quotes each hash in Python
    bindparam("bands", type_=array_parameter(Integer())),
    bindparam("hashes", type_=array_parameter(Text())),
)


def band_rows(conn: Connection, pairs: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, str]]:
    """(band, hash, article id) of every stored band row among ``pairs``."""
    wanted = sorted(set(pairs))
    if not wanted:
        return iter(())
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            _PER_PAIR, {"bands": [b for b, _h in wanted], "hashes": [h for _b, h in wanted]}
        )
        return ((band, value, article) for band, value, ids in found for article in ids)
    result = conn.execute(
        select(lsh_bands.c.band, lsh_bands.c.hash, lsh_bands.c.article_id).where(
            tuple_(lsh_bands.c.band, lsh_bands.c.hash).in_(wanted)
        )
    )
    return ((band, value, article) for band, value, article in result)
