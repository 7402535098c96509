"""``newsflow db``: the schema, upgraded on request (read commands never migrate)."""

from __future__ import annotations

import typer

from workers.cli.context import EXIT_USAGE, console, out, schema_problem, settings_for, write_engine
from workers.logging_setup import mask_url

__all__ = ["db_app"]

db_app = typer.Typer(name="db", help="The database schema: upgrade, current, check.",
                     no_args_is_help=True)


def _revisions(url: str) -> tuple[str, str]:
    from tasks.storage.schema_version import schema_state

    state = schema_state(url)
    return ", ".join(state.current) or "(none)", ", ".join(state.heads)


@db_app.command()
def upgrade() -> None:
    """Bring the database to this newsflow's schema (alembic upgrade head); idempotent."""
    settings = settings_for(reads_only=False)
    write_engine(settings)
    url = settings.database_url.get_secret_value()
    current, _ = _revisions(url)
    console.print(f"database {mask_url(url)} at schema revision {current} (newest)",
                  soft_wrap=True)


@db_app.command()
def current() -> None:
    """The database's schema revision and the newest this newsflow knows."""
    url = settings_for(reads_only=True).database_url.get_secret_value()
    current_rev, heads = _revisions(url)
    out.print(f"database {mask_url(url)}\ncurrent  {current_rev}\nnewest   {heads}",
              soft_wrap=True, highlight=False)


@db_app.command()
def check() -> None:
    """Exit 0 when the schema is this newsflow's, else say why and exit 2."""
    url = settings_for(reads_only=True).database_url.get_secret_value()
    problem = schema_problem(url)
    if problem is not None:
        console.print(f"[red]{problem}[/red]", soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    console.print("database schema is up to date")
