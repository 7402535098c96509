"""Engines, transactions and migrations for SQLite and PostgreSQL.

SQLite is written by several worker processes at once, so every connection runs in WAL mode
with a busy timeout, and write transactions start with ``BEGIN IMMEDIATE``: a deferred
transaction that later upgrades to a write lock fails at once with "database is locked"
instead of waiting. Lock and connection failures become ``DatabaseBusy`` (retryable).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tasks.errors import DatabaseBusy, DatabaseFull

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "busy_errors",
    "database_location",
    "disk_free",
    "dispose_engines",
    "get_engine",
    "is_postgres",
    "migrate",
    "read_tx",
    "write_tx",
]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATE_LOCK_KEY = 0x6E657773666C6F77  # "newsflow": pg advisory lock id for migrations
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Substrings of driver messages that mean "try again later", not "your data is wrong".
_BUSY_MARKERS = (
    "database is locked",
    "database is busy",
    "deadlock detected",
    "could not serialize access",
    "connection refused",
    "server closed the connection",
    "terminating connection",
    "could not connect",
    "connection timeout",
    "the database system is starting up",
)
# ... and those that mean the database's disk is full.
_FULL_MARKERS = ("database or disk is full", "no space left on device", "could not extend file")


def is_postgres(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event emits BEGIN itself.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _on_sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("newsflow_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_engines: dict[tuple[str, int], Engine] = {}
_engines_lock = threading.Lock()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    logger.debug("engine created for %s", parsed.render_as_string(True))
    return engine


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url`` (created lazily, once per process).

    Keyed by pid too: a pool inherited across fork() (Celery prefork) is never reused.
    """
    key = (url, os.getpid())
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create_engine(url)
        return engine


def dispose_engines() -> None:
    """Drop every cached engine; call in a freshly forked worker process.

    Engines inherited from the parent are disposed with ``close=False``: their connections
    belong to the parent and must not be closed (or used) by the child.
    """
    pid = os.getpid()
    with _engines_lock:
        for (_url, owner), engine in list(_engines.items()):
            engine.dispose(close=owner == pid)
        _engines.clear()


def _is_busy(exc: DBAPIError) -> bool:
    message = str(exc.orig if exc.orig is not None else exc).lower()
    return exc.connection_invalidated or any(m in message for m in _BUSY_MARKERS)


def _is_full(exc: DBAPIError) -> bool:
    message = str(exc.orig if exc.orig is not None else exc).lower()
    return any(m in message for m in _FULL_MARKERS)


def database_location(engine: Engine | Connection | None) -> str:
    """Where the database lives, for an operator: the SQLite file, or host:port/name."""
    if engine is None:
        return "the database"
    url = engine.engine.url if isinstance(engine, Connection) else engine.url
    if url.get_backend_name() == "sqlite":
        return str(Path(url.database or ":memory:").resolve()) if url.database else ":memory:"
    return f"{url.host}:{url.port or 5432}/{url.database}"


@contextmanager
def busy_errors(what: str, engine: Engine | Connection | None = None) -> Iterator[None]:
    """Turn lock, deadlock and lost-connection errors into ``DatabaseBusy``, a full disk
    into ``DatabaseFull`` naming the database (``engine``) whose disk it is."""
    try:
        yield
    except DBAPIError as exc:  # OperationalError included
        if _is_full(exc):
            raise DatabaseFull(f"{what}: disk full under {database_location(engine)}: "
                               f"{exc.orig}; free space there (items wait meanwhile)") from exc
        if _is_busy(exc):
            raise DatabaseBusy(f"{what}: {exc.orig}") from exc
        raise


@contextmanager
def write_tx(engine: Engine, what: str = "write") -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
    with busy_errors(what, engine), engine.connect() as conn:
        conn = conn.execution_options(newsflow_write=True)
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine, what: str = "read") -> Iterator[Connection]:
    with busy_errors(what, engine), engine.connect() as conn, conn.begin():
        yield conn


def disk_free(engine: Engine) -> tuple[Path, int] | None:
    """A SQLite database's folder and the bytes free on its filesystem (None for a server
    database: its disk is not ours to see). ``newsflow status`` shows it when low."""
    if is_postgres(engine) or not engine.url.database or engine.url.database == ":memory:":
        return None
    folder = Path(engine.url.database).resolve().parent
    try:
        return folder, shutil.disk_usage(folder).free
    except OSError:
        return None


def _alembic_config(conn: Connection) -> Config:
    from alembic.config import Config  # imported late: alembic is not needed to run queries

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    database = make_url(url).database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield


def migrate(url: str) -> None:
    """Bring the database to the newest schema (``alembic upgrade head``).

    Idempotent, and safe when several processes start at once: PostgreSQL serialises them
    with an advisory lock, SQLite with a lock file beside the database.
    """
    from alembic import command

    engine = get_engine(url)
    with busy_errors("migrate"):
        if is_postgres(engine):
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATE_LOCK_KEY})
                conn.commit()
                try:
                    command.upgrade(_alembic_config(conn), "head")
                    conn.commit()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATE_LOCK_KEY})
                    conn.commit()
        else:
            with _sqlite_file_lock(url), engine.connect() as conn:
                command.upgrade(_alembic_config(conn), "head")
                conn.commit()
    logger.info("database schema is at head")
