"""``newsflow watches``: saved queries and entity watch-lists that post a signed webhook for
each new matching article (``tasks/watches``). ``add`` and ``remove`` write (and bring the
schema up to date first); ``list``, ``show`` and ``test`` only read the database."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from workers.cli.context import console, fail, out, read_engine, settings_for, write_engine
from workers.cli.ids import resolve_watch
from workers.cli.output import emit

__all__ = ["watches_app"]

watches_app = typer.Typer(name="watches", no_args_is_help=True,
                          help="Watches: a saved query or entity watch-list that posts a "
                               "signed webhook for every new matching article.")

JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object a line")]


def _counts(record: dict[str, Any]) -> str:
    counts = record.get("deliveries") or {}
    return " ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-"


def _matches(record: dict[str, Any]) -> str:
    parts = []
    if record.get("query"):
        parts.append(f"query {record['query']!r}")
    if record.get("entities"):
        parts.append("entity " + " | ".join(record["entities"]))
    for key in ("language", "publisher"):
        if record.get(key):
            parts.append(f"{key} {record[key]}")
    return ", ".join(parts)


@watches_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="a name, unique among watches")],
    webhook: Annotated[str, typer.Option("--webhook", help="http(s) URL to POST to")],
    query: Annotated[str | None, typer.Option("--query", "-q",
                                              help="every word must occur (as `search`)")]
    = None,
    entity: Annotated[list[str] | None, typer.Option(
        "--entity", "-e", help="an entity (canonical name, alias or surname); repeat for a "
                               "watch-list: any one matches")] = None,
    language: Annotated[str | None, typer.Option(help="only articles in this language")] = None,
    publisher: Annotated[str | None, typer.Option(help="only this publisher")] = None,
    stories: Annotated[bool, typer.Option(
        "--stories", help="fire once per story (its first matching article), not per article")]
    = False,
    secret: Annotated[str | None, typer.Option(help="HMAC key (default: a random one, "
                                                    "printed once)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Save a watch; prints its id (and the generated secret on stderr)."""
    from pydantic import ValidationError

    from tasks.errors import WatchInvalid
    from tasks.watches import api
    from tasks.watches.spec import WatchSpec

    try:
        spec = WatchSpec(name=name, query=query, entities=entity or [], language=language,
                         publisher=publisher, scope="stories" if stories else "articles",
                         webhook_url=webhook, secret=secret)
    except ValidationError as exc:
        fail("newsflow watches add: " + "; ".join(e["msg"] for e in exc.errors()))
    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    try:
        watch = api.create_watch(engine, spec, settings.watches, settings.extract.aliases)
    except WatchInvalid as exc:
        fail(f"newsflow watches add: {exc.message}")
    if as_json:
        print(json.dumps({**api.watch_json(watch), "secret": watch.secret}, ensure_ascii=False))
        return
    print(watch.id)
    if secret is None:
        console.print(f"secret (HMAC-SHA256 key of X-Newsflow-Signature): {watch.secret}",
                      soft_wrap=True, highlight=False)


@watches_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Every watch: what it matches, where it posts, its deliveries by status."""
    from tasks.watches import api

    engine = read_engine(settings_for(reads_only=True), "watches list")
    emit(api.list_watches(engine), [
        ("id", lambda r: r["id"]), ("name", lambda r: r["name"]),
        ("matches", _matches), ("scope", lambda r: r["scope"]),
        ("webhook", lambda r: r["webhook_url"]), ("deliveries", _counts),
        ("active", lambda r: "yes" if r["active"] else "paused"),
    ], as_json)


@watches_app.command("show")
def show(
    watch_id: Annotated[str, typer.Argument(help="watch id or a unique prefix")],
    limit: Annotated[int, typer.Option(min=1, help="recent deliveries shown")] = 20,
) -> None:
    """One watch as JSON with its recent deliveries and their status."""
    from tasks.watches import api

    engine = read_engine(settings_for(reads_only=True), "watches show")
    record = api.get_watch(engine, resolve_watch(engine, watch_id), limit)
    if record is None:
        fail(f"no watch with id {watch_id!r}")
    out.print_json(json.dumps(record, ensure_ascii=False, default=str))


@watches_app.command("remove")
def remove(watch_id: Annotated[str, typer.Argument(help="watch id or a unique prefix")]) -> None:
    """Delete a watch and its delivery history."""
    from tasks.watches import api

    engine = write_engine(settings_for(reads_only=False))
    found = resolve_watch(engine, watch_id)
    if not api.delete_watch(engine, found):
        fail(f"no watch with id {found!r}")
    console.print(f"watch {found} removed")


def _pause_or_resume(watch_id: str, active: bool) -> None:
    from tasks.watches import api

    engine = write_engine(settings_for(reads_only=False))
    found = resolve_watch(engine, watch_id)
    if not api.set_active(engine, found, active):
        fail(f"no watch with id {found!r}")
    console.print(f"watch {found} {'resumed' if active else 'paused'}")


@watches_app.command("pause")
def pause(watch_id: Annotated[str, typer.Argument(help="watch id or a unique prefix")]) -> None:
    """Stop matching new articles (deliveries already recorded still go out)."""
    _pause_or_resume(watch_id, False)


@watches_app.command("resume")
def resume(watch_id: Annotated[str, typer.Argument(help="watch id or a unique prefix")]) -> None:
    """Match new articles again (what was stored while paused never fires it)."""
    _pause_or_resume(watch_id, True)


@watches_app.command("test")
def test(watch_id: Annotated[str, typer.Argument(help="watch id or a unique prefix")]) -> None:
    """POST a signed test event to the watch's webhook now; exit 1 if it was not accepted."""
    from tasks.watches import api

    settings = settings_for(reads_only=True)
    engine = read_engine(settings, "watches test")
    result = api.test_watch(engine, resolve_watch(engine, watch_id), settings.watches)
    print(json.dumps(result))
    if not result["ok"]:
        raise typer.Exit(1)


@watches_app.command("sweep")
def sweep(
    older_than: Annotated[float | None, typer.Option(
        help="seconds a pending delivery must be overdue (default watches.stale_after_s)")]
    = None,
) -> None:
    """Re-send deliveries whose message was lost (celery beat does it too)."""
    # Pending past their time, or leased by a task that died. Harmless to run any time: a
    # delivery is leased to one task at a time, and a delivered one is never sent again.
    from datetime import timedelta

    from tasks.watches.deliveries import stale_pending
    from workers.app import app as celery_app

    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    overdue = settings.watches.stale_after_s if older_than is None else older_than
    stale = stale_pending(engine, timedelta(seconds=overdue))
    for delivery_id in stale:
        celery_app.send_task("newsflow.watch_delivery", args=[delivery_id])
    console.print(f"re-sent {len(stale)} watch deliveries")
