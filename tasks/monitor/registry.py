"""The source registry: add (idempotent by normalised URL), read, list, pause, resume, remove.

A source is never deleted: ``remove`` sets its state to ``removed`` (its fetch events and
seen entries stay, and adding the URL again brings it back). Alternative domains of one
outlet share a publisher through ``publisher_domains``: a source added with ``publisher``
records its domain under that name, and a later source on that domain inherits it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, Row, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from config.settings import SourcesSettings
from tasks.common import utc_now
from tasks.errors import BadSourceUrl
from tasks.sources.items import normalise_url
from tasks.storage.db import read_tx, write_tx
from tasks.storage.schema import publisher_domains, source_fetch_events, source_tags, sources

__all__ = [
    "ACTIVE",
    "PAUSED",
    "REMOVED",
    "EventRow",
    "SourceRow",
    "SourceSpec",
    "add_publisher_domain",
    "add_source",
    "aware",
    "domain_of",
    "get_source",
    "list_sources",
    "recent_events",
    "set_state",
    "source_key",
]

ACTIVE, PAUSED, REMOVED = "active", "paused", "removed"


@dataclass(frozen=True)
class SourceSpec:
    """What a person (or an OPML/CSV line) says about a source."""

    url: str
    name: str | None = None
    tags: tuple[str, ...] = ()
    every_s: float | None = None
    language: str | None = None
    country: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class SourceRow:
    id: int
    url: str
    domain: str
    name: str | None
    publisher: str | None
    language: str | None
    country: str | None
    state: str
    every_s: float | None
    interval_s: float
    declared_s: float | None
    next_fetch_at: datetime
    status: str
    failure_score: float
    last_error: str | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    anomaly: str | None
    items_total: int
    created_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    conditional: bool = True
    last_full_fetch_at: datetime | None = None
    tags: tuple[str, ...] = field(default=())

    def unhealthy(self, settings: SourcesSettings) -> bool:
        return self.failure_score >= settings.unhealthy_score or self.anomaly is not None


@dataclass(frozen=True)
class EventRow:
    at: datetime
    status: str
    http_status: int | None
    bytes: int
    entries: int
    new_items: int
    duration_ms: int
    note: str | None


def source_key(url: str) -> str:
    """The identity of a source URL: normalised (tasks.sources.items.normalise_url), with
    the scheme and a leading ``www.`` dropped, since feeds answer on both and redirect."""
    norm = normalise_url(url).split("://", 1)[-1]
    return norm[4:] if norm.startswith("www.") else norm


def aware(value: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes of what was stored in UTC; PostgreSQL aware ones."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _source_row(row: Row[Any], tags: Iterable[str] = ()) -> SourceRow:
    values = {name: row._mapping[name] for name in SourceRow.__dataclass_fields__
              if name != "tags"}
    for name in ("next_fetch_at", "last_fetch_at", "last_success_at", "last_full_fetch_at",
                 "created_at"):
        values[name] = aware(values[name])
    return SourceRow(**values, tags=tuple(sorted(tags)))


def _tags_of(conn: Any, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for source_id, tag in conn.execute(
            select(source_tags.c.source_id, source_tags.c.tag)
            .where(source_tags.c.source_id.in_(ids))
        ):
            found[source_id].append(tag)
    return found


def add_publisher_domain(engine: Engine, domain: str, publisher: str) -> None:
    """``domain`` (www. dropped) belongs to ``publisher``; its sources take that name."""
    domain = domain.lower().removeprefix("www.")
    with write_tx(engine, "publisher domain") as conn:
        conn.execute(delete(publisher_domains).where(publisher_domains.c.domain == domain))
        conn.execute(insert(publisher_domains).values(domain=domain, publisher=publisher))
        conn.execute(update(sources).where(sources.c.domain == domain)
                     .values(publisher=publisher))


def _checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadSourceUrl(f"{url!r}: a source is an http(s) URL of a feed or sitemap")
    return url.strip()


def add_source(
    engine: Engine, spec: SourceSpec, settings: SourcesSettings, now: datetime | None = None,
) -> tuple[SourceRow, bool]:
    """Register ``spec`` (due at once); the same normalised URL again updates what ``spec``
    names and reactivates a removed source. Returns the row and whether it is new."""
    url = _checked_url(spec.url)
    norm = source_key(url)
    domain = domain_of(url)
    now = now or utc_now()
    if spec.publisher:
        add_publisher_domain(engine, domain, spec.publisher)
    try:
        with write_tx(engine, "add source") as conn:
            created = _upsert(conn, spec, url, norm, domain, settings, now)
    except IntegrityError:  # another process added the same URL at the same moment
        with write_tx(engine, "add source") as conn:
            created = _upsert(conn, spec, url, norm, domain, settings, now)
    with read_tx(engine) as conn:
        source_id = conn.execute(
            select(sources.c.id).where(sources.c.url_norm == norm)).scalar_one()
    row = get_source(engine, source_id)
    assert row is not None
    return row, created


def _upsert(conn: Any, spec: SourceSpec, url: str, norm: str, domain: str,
            settings: SourcesSettings, now: datetime) -> bool:
    existing = conn.execute(
        select(sources.c.id, sources.c.state).where(sources.c.url_norm == norm)
    ).first()
    named = {k: v for k, v in (("name", spec.name), ("language", spec.language),
                               ("country", spec.country), ("every_s", spec.every_s))
             if v is not None}
    if existing is not None:
        source_id = existing.id
        values: dict[str, Any] = {**named, "updated_at": now}
        if existing.state == REMOVED:
            values.update(state=ACTIVE, next_fetch_at=now)
        if spec.every_s is not None:
            values["interval_s"] = spec.every_s
        conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
        created = False
    else:
        publisher = conn.execute(select(publisher_domains.c.publisher)
                                 .where(publisher_domains.c.domain == domain)).scalar()
        source_id = conn.execute(insert(sources).values(
            url=url, url_norm=norm, domain=domain, publisher=publisher, state=ACTIVE,
            interval_s=spec.every_s or settings.default_interval_s, next_fetch_at=now,
            status="new", failure_score=0.0, conditional=True, items_total=0,
            created_at=now, updated_at=now, **named,
        )).inserted_primary_key[0]
        created = True
    known = set(_tags_of(conn, [source_id])[source_id])
    new_tags = sorted({t.strip() for t in spec.tags if t.strip()} - known)
    if new_tags:
        conn.execute(insert(source_tags), [{"source_id": source_id, "tag": t} for t in new_tags])
    return created


def get_source(engine: Engine, source_id: int) -> SourceRow | None:
    with read_tx(engine, "get source") as conn:
        row = conn.execute(select(sources).where(sources.c.id == source_id)).first()
        if row is None:
            return None
        return _source_row(row, _tags_of(conn, [source_id])[source_id])


def list_sources(
    engine: Engine, settings: SourcesSettings, *, tag: str | None = None,
    unhealthy: bool = False, include_removed: bool = False,
) -> list[SourceRow]:
    query = select(sources).order_by(sources.c.id)
    if not include_removed:
        query = query.where(sources.c.state != REMOVED)
    if tag is not None:
        query = query.where(sources.c.id.in_(
            select(source_tags.c.source_id).where(source_tags.c.tag == tag)))
    if unhealthy:
        query = query.where(or_(sources.c.failure_score >= settings.unhealthy_score,
                                sources.c.anomaly.is_not(None)))
    with read_tx(engine, "list sources") as conn:
        rows = conn.execute(query).fetchall()
        tags = _tags_of(conn, [r.id for r in rows])
    return [_source_row(r, tags[r.id]) for r in rows]


def set_state(engine: Engine, source_id: int, state: str, now: datetime | None = None) -> bool:
    """Pause, resume (due at once) or remove a source; False when there is no such source."""
    now = now or utc_now()
    values: dict[str, Any] = {"state": state, "updated_at": now}
    if state == ACTIVE:
        values["next_fetch_at"] = now
    with write_tx(engine, "source state") as conn:
        done = conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
        return bool(done.rowcount)


def recent_events(engine: Engine, source_id: int, limit: int = 30) -> list[EventRow]:
    query = (select(source_fetch_events)
             .where(and_(source_fetch_events.c.source_id == source_id))
             .order_by(source_fetch_events.c.at.desc(), source_fetch_events.c.id.desc())
             .limit(limit))
    with read_tx(engine, "source events") as conn:
        rows = [{k: r._mapping[k] for k in EventRow.__dataclass_fields__}
                for r in conn.execute(query)]
    return [EventRow(**{**r, "at": aware(r["at"])}) for r in rows]
