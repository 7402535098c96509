"""The lead vectors of stored originals, decoded once per process.

Story assignment by content (``stories.content_match``) compares each new original with every
stored original of its time window. Reading and decoding every candidate's vector (1 KB of
float16 each) for every article made the store's cost grow with the stored articles: 8-9 ms
of CPU per article on a 300-article feed, 19-28 ms on 1,000. A stored vector never changes,
nor do the article's URL and source it is read with, so each process keeps what it decoded:
the candidate query then returns ids, stories and stamps only, and the vectors of the few
candidates this process has not seen yet (stored by another worker) come in one more query.

Keyed by the database, the article id and its ``stored_at``: the stamp tells a row from
another stored later under the same id (a database emptied and filled again, as tests do),
so a stale entry is never read, only left to age out. Bounded: past ``MAX_ENTRIES`` the
process starts over (the candidate window itself is bounded by ``MAX_VECTOR_CANDIDATES``).
Entries are whole ``decode_vector`` results, so scores are bit for bit those of decoding
each row again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Connection, select

from tasks.nlp.embedding import decode_vector
from tasks.storage.dialect import one_of
from tasks.storage.schema import article_vectors, articles

__all__ = ["MAX_ENTRIES", "LeadVector", "lead_vectors", "remember"]

MAX_ENTRIES = 20_000

Key = tuple[str, datetime]  # article id, stored_at as the driver hands it back


@dataclass(frozen=True)
class LeadVector:
    vector: np.ndarray | None  # unit vector; None when the stored bytes are not one
    site: str | None  # ``stories.site_of`` the article's canonical URL or source


_caches: dict[str, dict[Key, LeadVector]] = {}  # by database URL
_lock = threading.Lock()  # pool processes are single-threaded; tests store from threads


def _cache(conn: Connection) -> dict[Key, LeadVector]:
    database = str(conn.engine.url)
    cache = _caches.get(database)
    if cache is None:
        with _lock:
            cache = _caches.setdefault(database, {})
    return cache


def _put(cache: dict[Key, LeadVector], key: Key, entry: LeadVector) -> None:
    with _lock:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = entry


def _as_read(conn: Connection, stamp: datetime) -> datetime:
    """A stamp as the database hands it back: PostgreSQL an aware one (equal to the stamp
    written, whatever its time zone), SQLite a naive one in UTC."""
    if conn.dialect.name == "sqlite" and stamp.tzinfo is not None:
        return stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp


def remember(conn: Connection, article_id: str, stored_at: datetime, raw: bytes,
             site: str | None) -> None:
    """The vector an original is being stored with: the batch's later articles (and this
    process's next messages) meet it without reading it back. Rolled back, the entry is
    never asked for: a retry stores the article under another stamp."""
    _put(_cache(conn), (article_id, _as_read(conn, stored_at)),
         LeadVector(decode_vector(raw), site))


def lead_vectors(conn: Connection, rows: Sequence[tuple[str, datetime]],
                 site_of: Callable[[str | None, str | None], str | None]) -> list[LeadVector]:
    """The lead vector and site of each stored original ``(id, stored_at)``, in order: from
    this process's cache, the missing ones in one query (``site_of``: ``stories.site_of``,
    passed in since stories imports this module)."""
    cache = _cache(conn)
    keys = list(rows)
    found = [cache.get(k) for k in keys]
    missing = sorted({k[0] for k, entry in zip(keys, found, strict=True) if entry is None})
    if missing:
        fetched = {
            article_id: LeadVector(decode_vector(raw), site_of(url, source))
            for article_id, raw, url, source in conn.execute(
                select(article_vectors.c.article_id, article_vectors.c.vector,
                       articles.c.canonical_url, articles.c.source)
                .join(articles, articles.c.id == article_vectors.c.article_id)
                .where(one_of(conn, article_vectors.c.article_id, missing))
            )
        }
        for i, key in enumerate(keys):
            if found[i] is None and (entry := fetched.get(key[0])) is not None:
                found[i] = entry
                _put(cache, key, entry)
    return [f if f is not None else LeadVector(None, None) for f in found]
