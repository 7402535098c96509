"""Alembic environment: runs on the connection ``tasks.storage.db.migrate`` hands over.

Run through ``migrate(url)`` (any working directory, installed or not). The ``alembic`` CLI
works too (``alembic -c tasks/storage/alembic.ini upgrade head`` with ``NEWSFLOW_DATABASE_URL``
set), in which case this file makes its own engine.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from tasks.storage.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "NEWSFLOW_DATABASE_URL", "sqlite:///newsflow.db"
    )
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
