"""``newsflow serve`` (the HTTP API and the web pages) and ``newsflow tokens`` (who may use
them). Both write (tokens, replay), so they bring the schema up to date first."""

from __future__ import annotations

from typing import Annotated

import typer

from workers.cli.context import console, fail, out, settings_for, write_engine

__all__ = ["serve", "tokens_app"]

tokens_app = typer.Typer(name="tokens", help="API tokens for `newsflow serve`.",
                         no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_auth: Annotated[bool, typer.Option(
        "--no-auth", help="no token needed, everyone may replay: for a local run only")] = False,
) -> None:
    """Serve the HTTP API (/api/, schema at /api/openapi.json) and the web pages (/)."""
    import uvicorn

    from web.app import create_app

    settings = settings_for(reads_only=False)
    write_engine(settings)
    if no_auth:
        console.print("[yellow]--no-auth: anyone who reaches this port reads everything "
                      "and may replay[/yellow]")
    console.print(f"newsflow serving on http://{host}:{port}/ (API under /api/)")
    uvicorn.run(create_app(settings, auth=not no_auth), host=host, port=port,
                log_level=settings.log_level.lower(), proxy_headers=False)


@tokens_app.command("create")
def create(
    role: Annotated[str, typer.Option(help="read (look) or operator (also replay)")] = "read",
    name: Annotated[str | None, typer.Option(help="who or what it is for")] = None,
) -> None:
    """Make a token and print it alone on stdout (shown once; only its hash is kept)."""
    from tasks.storage.tokens import ROLES, create_token

    if role not in ROLES:
        raise typer.BadParameter(f"--role is one of {', '.join(ROLES)}")
    engine = write_engine(settings_for(reads_only=True))
    token, info = create_token(engine, role, name)  # type: ignore[arg-type]
    print(token)
    console.print(f"token {info.id} ({info.role}) created: it is shown only this once")


@tokens_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Tokens by id, role and name (never the tokens themselves)."""
    import json

    from tasks.storage.tokens import list_tokens

    engine = write_engine(settings_for(reads_only=True))
    for info in list_tokens(engine):
        row = {"id": info.id, "role": info.role, "name": info.name,
               "created_at": info.created_at.isoformat(),
               "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None}
        if as_json:
            print(json.dumps(row))
        else:
            out.print("\t".join("" if v is None else str(v) for v in row.values()))


@tokens_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="the id `tokens list` shows")]) -> None:
    """Revoke a token: its requests and sessions are refused from now on."""
    from tasks.storage.tokens import revoke_token

    engine = write_engine(settings_for(reads_only=True))
    if not revoke_token(engine, token_id):
        fail(f"no live token with id {token_id!r}")
    console.print(f"token {token_id} revoked")
