"""The typer app: every command registered in the order ``--help`` lists them, ``--version``,
and ``main`` (the console script) turning start-up errors into exit code 2."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from config.settings import SettingsError
from tasks.errors import DatabaseBusy
from workers.cli.article_cmds import entities, export, search, show, stories
from workers.cli.context import EXIT_USAGE, console
from workers.cli.db_cmds import db_app
from workers.cli.item_cmds import failed, replay, status, sweep
from workers.cli.monitor_cmd import monitor
from workers.cli.pipeline_cmds import enqueue, run, worker
from workers.cli.source_cmds import sources_app
from workers.cli.watch_cmds import watches_app
from workers.cli.web_cmds import serve, tokens_app

__all__ = ["app", "main", "version"]

app = typer.Typer(
    name="newsflow",
    help="Turn news articles into clean, checked, structured records.\n\n"
    "Exit codes: 0 done; 1 done, but items of the batch failed (dead) or it did not finish; "
    "2 usage error (bad option, unknown or ambiguous id, bad settings, database not at this "
    "version's schema, broker unreachable).",
    no_args_is_help=True,
    add_completion=False,
)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("newsflow")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(wanted: bool) -> None:
    if wanted:
        print(f"newsflow {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[bool, typer.Option(
        "--version", help="print the version and exit", callback=_print_version, is_eager=True,
    )] = False,
) -> None:
    """Turn news articles into clean, checked, structured records."""


for _command in (
    run, worker, enqueue, monitor, status, show, export, search, stories, entities, failed,
    replay, sweep, serve,
):
    app.command()(_command)
app.add_typer(db_app)
app.add_typer(sources_app)
app.add_typer(watches_app)
app.add_typer(tokens_app)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(EXIT_USAGE)
    except DatabaseBusy as exc:  # unreachable or locked past the busy timeout
        console.print(f"[red]database unavailable: {exc}[/red]")
        sys.exit(EXIT_USAGE)
