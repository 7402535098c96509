"""What every command shares: the consoles, settings and logging, engines, exit codes.

Commands that write (``run``, ``enqueue``, ``worker``, ``replay``, ``sweep``) bring the schema
to the newest revision first (``write_engine``), so a fresh machine just works. Commands that
only read never change the database (``read_engine``): a database behind the code, missing
or empty gets a message naming ``newsflow db upgrade`` and exit code 2.
"""

from __future__ import annotations

import logging
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine

from config.settings import Settings, get_settings
from workers.logging_setup import configure_logging, mask_url

__all__ = [
    "EXIT_ITEMS_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "console",
    "fail",
    "out",
    "read_engine",
    "schema_problem",
    "settings_for",
    "write_engine",
]

EXIT_OK = 0  # done
EXIT_ITEMS_FAILED = 1  # done, but items of the batch failed (dead) or it did not finish
EXIT_USAGE = 2  # nothing done: bad arguments, unknown id, bad settings or database, no broker

console = Console(stderr=True)  # messages for people
out = Console()  # results (tables, JSON) on stdout

UPGRADE_HINT = "`newsflow db upgrade`"


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """A message on stderr, then exit (2 unless told otherwise)."""
    console.print(f"[red]{message}[/red]", soft_wrap=True)
    raise typer.Exit(code)


def settings_for(*, reads_only: bool) -> Settings:
    settings = get_settings()
    configure_logging(settings)
    # The CLI talks to people: library chatter (alembic's plugin list, kombu's filesystem
    # transport having no host name) is noise at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    if reads_only and settings.log_level != "DEBUG":
        # A read's output goes to scripts and pipes: warnings and errors only.
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


def write_engine(settings: Settings) -> Engine:
    from tasks.storage.db import get_engine, migrate

    url = settings.database_url.get_secret_value()
    migrate(url)
    return get_engine(url)


def schema_problem(url: str) -> str | None:
    """Why a read command cannot run against this database (None: it can)."""
    from tasks.storage.schema_version import schema_state

    state = schema_state(url)
    where = mask_url(url)
    heads = ", ".join(state.heads)
    if state.up_to_date:
        return None
    if state.ahead:
        return (f"the database at {where} is at schema revision {', '.join(state.current)}, "
                f"newer than this newsflow knows ({heads}): upgrade newsflow")
    if not state.current:
        what = "has tables but no newsflow schema version" if state.has_tables else (
            "has no newsflow tables yet")
        return (f"the database at {where} {what}: {UPGRADE_HINT} creates them "
                "(`newsflow run` and `newsflow enqueue` do too)")
    return (f"the database at {where} is at schema revision {', '.join(state.current)}, "
            f"behind this newsflow's {heads}: run {UPGRADE_HINT}")


def read_engine(settings: Settings, command: str) -> Engine:
    """The engine of a read command, once the schema is known to be the code's."""
    from tasks.storage.db import get_engine

    url = settings.database_url.get_secret_value()
    problem = schema_problem(url)
    if problem is not None:
        fail(f"newsflow {command}: {problem}")
    return get_engine(url)
