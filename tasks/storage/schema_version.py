"""Where a database's schema stands against the migrations this code carries.

Read commands check it instead of migrating (``newsflow db check`` prints it); only
``db.migrate`` changes a schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tasks.storage import db

__all__ = ["SchemaState", "schema_state"]


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against the migrations this code carries."""

    current: tuple[str, ...]  # the database's alembic revisions (none: never migrated)
    heads: tuple[str, ...]  # the newest revisions the code knows
    has_tables: bool  # False: a missing or empty database
    known: bool  # every current revision is one of the code's

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.heads)

    @property
    def ahead(self) -> bool:
        """Migrated by a newer newsflow than this one."""
        return not self.known


def _sqlite_has_data(database: str | None) -> bool:
    if not database or database == ":memory:":
        return False
    path = Path(database)
    return path.is_file() and path.stat().st_size > 0


def schema_state(url: str) -> SchemaState:
    """Read the database's schema revision; creates and changes nothing.

    A SQLite file that does not exist (or is empty) is not opened: opening would create it.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory(str(db.MIGRATIONS_DIR))
    heads = tuple(sorted(script.get_heads()))
    sqlite = make_url(url).get_backend_name() == "sqlite"
    if sqlite and not _sqlite_has_data(make_url(url).database):
        return SchemaState(current=(), heads=heads, has_tables=False, known=True)
    # SQLite: a plain connection, since the WAL pragma of ``get_engine``'s would rewrite the
    # header of a file that is not newsflow's.
    engine = create_engine(url, poolclass=NullPool) if sqlite else db.get_engine(url)
    try:
        with db.busy_errors("schema_state"), engine.connect() as conn:
            current = tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
            has_tables = bool(inspect(conn).get_table_names())
    finally:
        if sqlite:
            engine.dispose()
    try:
        known = all(script.get_revision(rev) is not None for rev in current)
    except CommandError:
        known = False
    return SchemaState(current=current, heads=heads, has_tables=has_tables, known=known)
