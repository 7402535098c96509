"""Saved watches in the database: create, list, read, pause, delete; the only code that
writes the ``watches`` table. Delivery rows: ``tasks.watches.deliveries``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from tasks.common import utc_now
from tasks.errors import WatchInvalid
from tasks.storage.db import read_tx, write_tx
from tasks.watches.spec import Watch, WatchSpec
from tasks.watches.tables import watch_deliveries, watches

__all__ = [
    "active_watches",
    "aware",
    "create_watch",
    "delete_watch",
    "get_watch",
    "list_watches",
    "set_active",
    "watch_from_row",
    "watch_ids_with_prefix",
]

logger = logging.getLogger(__name__)


def aware(value: Any) -> Any:
    """SQLite hands back naive datetimes; everything is written in UTC."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and not value.tzinfo \
        else value


def watch_from_row(row: Mapping[Any, Any]) -> Watch:
    return Watch(
        id=row["id"], name=row["name"], query=row["query"], entities=list(row["entities"] or []),
        language=row["language"], publisher=row["publisher"], scope=row["scope"],
        webhook_url=row["webhook_url"], secret=row["secret"], active=row["active"],
        created_at=aware(row["created_at"]),
    )


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
    return watch_from_row(row)


def list_watches(engine: Engine) -> list[Watch]:
    with read_tx(engine, "list watches") as conn:
        rows = conn.execute(select(watches).order_by(watches.c.created_at, watches.c.id))
        return [watch_from_row(r) for r in rows.mappings()]


def get_watch(engine: Engine, watch_id: str) -> Watch | None:
    with read_tx(engine, "get watch") as conn:
        row = conn.execute(select(watches).where(watches.c.id == watch_id)).mappings().first()
    return watch_from_row(row) if row is not None else None


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
    return [watch_from_row(r) for r in rows.mappings()]
