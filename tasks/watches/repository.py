"""Watches and delivery rows in the database: the only code that reads or writes them.

The store calls ``record_matches`` inside its write transaction, so an article and its
pending deliveries commit together (or not at all); the unique (watch, article) constraint
and ON CONFLICT DO NOTHING make a second store attempt, a redelivered message or a replay
record nothing new. Delivery tasks then move a row through ``claim`` (a lease: one task at a
time posts it) and ``finish``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from tasks.common import utc_now
from tasks.errors import WatchInvalid
from tasks.models import Article
from tasks.storage.db import read_tx, write_tx
from tasks.storage.dialect import insert_ignore
from tasks.watches.match import matching
from tasks.watches.spec import Watch, WatchSpec
from tasks.watches.tables import watch_deliveries, watches

__all__ = [
    "DELIVERED",
    "FAILED",
    "PENDING",
    "SENDING",
    "Delivery",
    "active_watches",
    "claim",
    "create_watch",
    "delete_watch",
    "deliveries_of",
    "delivery_counts",
    "finish",
    "get_watch",
    "list_watches",
    "new_pending",
    "pending_in",
    "record_matches",
    "set_active",
    "stale_pending",
    "watch_ids_with_prefix",
]

logger = logging.getLogger(__name__)

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


@dataclass(frozen=True)
class Delivery:
    """One (watch, article) delivery row."""

    id: int
    watch_id: str
    article_id: str
    story_key: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "watch_id": self.watch_id,
            "article_id": self.article_id,
            "story_id": self.story_key,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def _aware(value: Any) -> Any:
    """SQLite hands back naive datetimes; everything is written in UTC."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and not value.tzinfo \
        else value


def _watch(row: Mapping[Any, Any]) -> Watch:
    return Watch(
        id=row["id"], name=row["name"], query=row["query"], entities=list(row["entities"] or []),
        language=row["language"], publisher=row["publisher"], scope=row["scope"],
        webhook_url=row["webhook_url"], secret=row["secret"], active=row["active"],
        created_at=_aware(row["created_at"]),
    )


def _delivery(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(**{name: _aware(row[name]) for name in Delivery.__dataclass_fields__})


def create_watch(engine: Engine, spec: WatchSpec) -> Watch:
    """Save ``spec``; a random secret when it names none. ``WatchInvalid`` if the name is
    taken."""
    stamp = utc_now()
    row = {
        "id": secrets.token_hex(8),
        "name": spec.name,
        "query": spec.query,
        "entities": spec.entities,
        "language": spec.language,
        "publisher": spec.publisher,
        "scope": spec.scope,
        "webhook_url": spec.webhook_url,
        "secret": spec.secret or secrets.token_urlsafe(32),
        "active": True,
        "created_at": stamp,
        "updated_at": stamp,
    }
    try:
        with write_tx(engine, "create watch") as conn:
            conn.execute(watches.insert().values(**row))
    except IntegrityError as exc:
        raise WatchInvalid(f"a watch named {spec.name!r} exists already") from exc
    logger.info("watch %s %r created", row["id"], spec.name)
    return _watch(row)


def list_watches(engine: Engine) -> list[Watch]:
    with read_tx(engine, "list watches") as conn:
        rows = conn.execute(select(watches).order_by(watches.c.created_at, watches.c.id))
        return [_watch(r) for r in rows.mappings()]


def get_watch(engine: Engine, watch_id: str) -> Watch | None:
    with read_tx(engine, "get watch") as conn:
        row = conn.execute(select(watches).where(watches.c.id == watch_id)).mappings().first()
    return _watch(row) if row is not None else None


def watch_ids_with_prefix(engine: Engine, prefix: str, limit: int = 10) -> list[str]:
    from tasks.storage.filters import ids_with_prefix

    return ids_with_prefix(engine, watches.c.id, prefix, limit)


def delete_watch(engine: Engine, watch_id: str) -> bool:
    """Remove a watch and its delivery rows; False if there was none. A delivery task still
    queued for it then finds no row and does nothing."""
    with write_tx(engine, "delete watch") as conn:
        conn.execute(delete(watch_deliveries).where(watch_deliveries.c.watch_id == watch_id))
        gone = conn.execute(delete(watches).where(watches.c.id == watch_id)).rowcount
    return bool(gone)


def set_active(engine: Engine, watch_id: str, active: bool) -> bool:
    """Pause (``active=False``) or resume a watch; False if there is none. A paused watch
    records no match: articles stored meanwhile never fire it, even after it resumes."""
    with write_tx(engine, "pause watch") as conn:
        found = conn.execute(update(watches).where(watches.c.id == watch_id)
                             .values(active=active, updated_at=utc_now())).rowcount
    return bool(found)


def active_watches(conn: Connection) -> list[Watch]:
    rows = conn.execute(select(watches).where(watches.c.active.is_(True)))
    return [_watch(r) for r in rows.mappings()]


def record_matches(conn: Connection, article: Article,
                   aliases: Mapping[str, Sequence[str]] | None = None) -> int:
    """In the store's transaction: one pending delivery per active watch ``article`` (an
    original just stored) matches; returns how many rows were new. Costs one SELECT of the
    watches table when no watch exists."""
    found = active_watches(conn)
    if not found:
        return 0
    hits = matching(found, article, aliases)
    if not hits:
        return 0
    stamp = utc_now()
    rows = [
        {
            "watch_id": w.id, "article_id": article.id,
            "story_key": article.story_id if w.scope == "stories" else None,
            "status": PENDING, "attempts": 0, "next_attempt_at": stamp,
            "created_at": stamp, "updated_at": stamp,
        }
        for w in hits
        if w.scope == "articles" or article.story_id is not None
    ]
    if story_rows := [r for r in rows if r["story_key"] is not None]:
        # One per (watch, story): rows whose story already fired this watch are dropped here
        # rather than by the constraint, which ON CONFLICT (watch, article) does not cover.
        taken = set(conn.execute(
            select(watch_deliveries.c.watch_id).where(
                watch_deliveries.c.story_key == article.story_id,
                watch_deliveries.c.watch_id.in_([r["watch_id"] for r in story_rows]),
            )
        ).scalars())
        rows = [r for r in rows if r["story_key"] is None or r["watch_id"] not in taken]
    if not rows:
        return 0
    result = conn.execute(
        insert_ignore(conn, watch_deliveries, rows, index=["watch_id", "article_id"])
    )
    return max(result.rowcount or 0, 0)


def new_pending(engine: Engine, article_ids: Sequence[str]) -> list[tuple[int, str, str]]:
    """(delivery id, watch name, article id) of never-tried deliveries of these articles:
    what the store batch just fired."""
    if not article_ids:
        return []
    stmt = (
        select(watch_deliveries.c.id, watches.c.name, watch_deliveries.c.article_id)
        .join(watches, watches.c.id == watch_deliveries.c.watch_id)
        .where(
            watch_deliveries.c.article_id.in_(list(article_ids)),
            watch_deliveries.c.status == PENDING,
            watch_deliveries.c.attempts == 0,
        )
        .order_by(watch_deliveries.c.id)
    )
    with read_tx(engine, "new deliveries") as conn:
        return [(int(i), str(n), str(a)) for i, n, a in conn.execute(stmt)]


def stale_pending(engine: Engine, overdue: timedelta, limit: int = 1000) -> list[int]:
    """Deliveries whose message was lost: pending well past their next attempt, or leased
    past the lease (the task holding it died)."""
    now = utc_now()
    stmt = (
        select(watch_deliveries.c.id)
        .where(or_(
            and_(watch_deliveries.c.status == PENDING,
                 watch_deliveries.c.next_attempt_at <= now - overdue),
            and_(watch_deliveries.c.status == SENDING,
                 watch_deliveries.c.leased_until <= now),
        ))
        .order_by(watch_deliveries.c.id)
        .limit(limit)
    )
    with read_tx(engine, "stale deliveries") as conn:
        return [int(i) for i in conn.execute(stmt).scalars()]


def claim(engine: Engine, delivery_id: int, lease: timedelta) -> tuple[Delivery, Watch] | None:
    """Lease the delivery to the caller if it is due (pending and its time has come, or a
    lease that ran out); None when it is delivered, failed, gone, not due yet, or another
    task holds it. The one UPDATE decides, so two tasks never both win."""
    now = utc_now()
    due = or_(
        and_(watch_deliveries.c.status == PENDING, watch_deliveries.c.next_attempt_at <= now),
        and_(watch_deliveries.c.status == SENDING, watch_deliveries.c.leased_until <= now),
    )
    with write_tx(engine, f"claim delivery {delivery_id}") as conn:
        won = conn.execute(
            update(watch_deliveries)
            .where(watch_deliveries.c.id == delivery_id, due)
            .values(status=SENDING, leased_until=now + lease,
                    attempts=watch_deliveries.c.attempts + 1, updated_at=now)
        ).rowcount
        if not won:
            return None
        row = conn.execute(
            select(watch_deliveries).where(watch_deliveries.c.id == delivery_id)
        ).mappings().first()
        owner = conn.execute(
            select(watches).where(watches.c.id == row["watch_id"])
        ).mappings().first() if row is not None else None
    if row is None or owner is None:
        return None
    return _delivery(row), _watch(owner)


def pending_in(engine: Engine, delivery_id: int) -> float | None:
    """Seconds until a pending delivery is due (0 when due), None for any other state."""
    with read_tx(engine, f"delivery {delivery_id}") as conn:
        row = conn.execute(
            select(watch_deliveries.c.status, watch_deliveries.c.next_attempt_at)
            .where(watch_deliveries.c.id == delivery_id)
        ).first()
    if row is None or row.status != PENDING:
        return None
    due: datetime = _aware(row.next_attempt_at)
    return max(0.0, (due - utc_now()).total_seconds())


def finish(engine: Engine, delivery_id: int, status: str, *, http_status: int | None = None,
           error: str | None = None, retry_in: timedelta | None = None) -> None:
    """Record an attempt's outcome: ``delivered``, ``failed``, or ``pending`` again after
    ``retry_in``."""
    now = utc_now()
    values: dict[str, Any] = {
        "status": status, "leased_until": None, "last_status": http_status,
        "last_error": error[:2000] if error else None, "updated_at": now,
    }
    if status == DELIVERED:
        values["delivered_at"] = now
    if retry_in is not None:
        values["next_attempt_at"] = now + retry_in
    with write_tx(engine, f"finish delivery {delivery_id}") as conn:
        conn.execute(update(watch_deliveries).where(watch_deliveries.c.id == delivery_id)
                     .values(**values))


def deliveries_of(engine: Engine, watch_id: str, limit: int = 50) -> list[Delivery]:
    """The watch's deliveries, newest first."""
    stmt = (
        select(watch_deliveries)
        .where(watch_deliveries.c.watch_id == watch_id)
        .order_by(watch_deliveries.c.created_at.desc(), watch_deliveries.c.id.desc())
        .limit(limit)
    )
    with read_tx(engine, "deliveries") as conn:
        return [_delivery(r) for r in conn.execute(stmt).mappings()]


def delivery_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """watch id -> status -> count, for listings."""
    stmt = select(watch_deliveries.c.watch_id, watch_deliveries.c.status, func.count()) \
        .group_by(watch_deliveries.c.watch_id, watch_deliveries.c.status)
    counts: dict[str, dict[str, int]] = {}
    with read_tx(engine, "delivery counts") as conn:
        for watch_id, status, count in conn.execute(stmt):
            counts.setdefault(str(watch_id), {})[str(status)] = int(count)
    return counts
