"""The stored originals a message's articles are compared with by content, read once.

``stories.content_match`` asks, for each new original with a lead vector, for every stored
original with a vector and a story within its time window (newest first, at most
``MAX_VECTOR_CANDIDATES``). Asked per article that is one query returning the whole window
for every article of a message; here the first article to ask reads the union of the
windows of the message's articles once, each article then takes its own window from it, and
the originals the message stores are added as it goes (the tenth article meets the third).

Under the store's locks: an article with a lead vector takes ``stories:content``, so no other
writer can store a candidate between this read and the message's commit. When the union
reaches the candidate bound, each article asks the database itself again (the bound then
cuts per article, as it always did).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, or_, select

from tasks.storage.schema import article_vectors, articles

__all__ = ["Candidate", "StoryCandidates"]

# id, story, publication day, stored_at (as the driver hands it back)
Candidate = tuple[str, str, date | None, datetime]


@dataclass
class StoryCandidates:
    """One message's candidates (module doc); ``select`` answers for one article."""

    window_days: int
    limit: int
    ref_dates: list[date | None]  # publication days of the message's articles
    _rows: list[Candidate] | None = None  # None: not read yet, or past the bound
    _complete: bool = True
    _added: list[Candidate] = field(default_factory=list)
    _read: set[str] = field(default_factory=set)  # ids of ``_rows``

    def _load(self, conn: Connection, now: datetime) -> None:
        window = timedelta(days=self.window_days)
        # Stored within the window of the earliest ``now``: a superset of every article's
        # "stored around the same time" (undated articles, undated candidates).
        near = [articles.c.stored_at >= now - window]
        dated = [d for d in self.ref_dates if d is not None]
        if dated:
            near.append(articles.c.published_date.between(min(dated) - window,
                                                          max(dated) + window))
        rows = conn.execute(
            select(articles.c.id, articles.c.story_id, articles.c.published_date,
                   articles.c.stored_at)
            .join(article_vectors, article_vectors.c.article_id == articles.c.id)
            .where(articles.c.duplicate_of.is_(None), articles.c.story_id.is_not(None),
                   or_(*near))
            .limit(self.limit + 1)
        ).all()
        self._complete = len(rows) <= self.limit
        # In the order ``select`` answers in, once for the message (it only filters them).
        self._rows = _newest_first([(r[0], r[1], r[2], r[3]) for r in rows])
        self._read = {r[0] for r in self._rows}

    def add(self, conn: Connection, article_id: str, story_id: str, ref_date: date | None,
            stored_at: datetime) -> None:
        """An original of this message stored with a vector and a story."""
        if conn.dialect.name == "sqlite":  # SQLite hands stamps back naive, in UTC
            stored_at = stored_at.astimezone(UTC).replace(tzinfo=None)
        self._added.append((article_id, story_id, ref_date, stored_at))

    def select(self, conn: Connection, article_id: str, ref_date: date | None,
               now: datetime) -> list[tuple[str, str, datetime]] | None:
        """(id, story, stored_at) of the article's candidates, newest first, as the
        per-article query returns them; None past the bound (ask the database)."""
        if self._rows is None and self._complete:
            self._load(conn, now)
        if not self._complete or self._rows is None:
            return None
        window = timedelta(days=self.window_days)
        sqlite = conn.dialect.name == "sqlite"
        recent = now - window
        if sqlite:
            recent = recent.astimezone(UTC).replace(tzinfo=None)
        def wanted(r: Candidate) -> bool:
            return r[0] != article_id and _near(r, ref_date, window, recent)

        chosen = [r for r in self._rows if wanted(r)]
        added = _newest_first([r for r in self._added if r[0] not in self._read and wanted(r)])
        if added and chosen and added[-1][3] <= chosen[0][3]:
            chosen = _newest_first([*chosen, *added])  # not all newer than those read
        elif added:
            chosen = [*added, *chosen]  # the message's own originals: the newest
        return [(r[0], r[1], r[3]) for r in chosen[: self.limit]]


def _newest_first(rows: list[Candidate]) -> list[Candidate]:
    """By ``stored_at``, newest first; ties by id (the per-article query's order)."""
    rows.sort(key=lambda r: r[0])
    rows.sort(key=lambda r: r[3], reverse=True)  # stable: ties stay by id
    return rows


def _near(row: Candidate, ref: date | None, window: timedelta, recent: datetime) -> bool:
    """``content_match``'s time rule, on one row."""
    published, stored_at = row[2], row[3]
    if ref is not None and published is not None:
        return ref - window <= published <= ref + window
    return stored_at >= recent

