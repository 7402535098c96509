"""``newsflow sources``: register feeds and sitemaps, list them with their health, pause them.

``add``, ``import``, ``pause``, ``resume`` and ``remove`` write (schema brought up to date
first); ``list`` and ``show`` only read. Polling itself is the beat tick's job
(``workers/runtime/source_tasks.py``) or ``newsflow monitor``'s.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from workers.cli.context import console, fail, out, read_engine, settings_for, write_engine
from workers.cli.output import Column, emit, print_rows

__all__ = ["sources_app"]

sources_app = typer.Typer(name="sources", no_args_is_help=True,
                          help="The source registry: feeds and sitemaps polled continuously.")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _every(row: Any) -> str:
    from tasks.monitor.durations import format_duration

    fixed = "" if row.every_s is None else " (fixed)"
    return format_duration(row.interval_s) + fixed


LIST_COLUMNS: tuple[Column, ...] = (
    ("id", lambda r: str(r.id)), ("state", lambda r: r.state), ("status", lambda r: r.status),
    ("failures", lambda r: f"{r.failure_score:g}"), ("anomaly", lambda r: r.anomaly or ""),
    ("every", _every), ("next", lambda r: _when(r.next_fetch_at)),
    ("last success", lambda r: _when(r.last_success_at)), ("items", lambda r: str(r.items_total)),
    ("tags", lambda r: ",".join(r.tags)), ("name", lambda r: r.name or ""),
    ("url", lambda r: r.url),
)
EVENT_COLUMNS: tuple[Column, ...] = (
    ("at", lambda e: _when(e.at)), ("status", lambda e: e.status),
    ("http", lambda e: "" if e.http_status is None else str(e.http_status)),
    ("bytes", lambda e: str(e.bytes)), ("entries", lambda e: str(e.entries)),
    ("new", lambda e: str(e.new_items)), ("ms", lambda e: str(e.duration_ms)),
    ("note", lambda e: e.note or ""),
)


def _json(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in dataclasses.asdict(row).items()}


@sources_app.command()
def add(
    url: Annotated[str, typer.Argument(help="URL of an RSS/Atom/JSON feed or a sitemap")],
    every: Annotated[str | None, typer.Option(help="fixed interval (15m, 2h, 1d); default: "
                                                   "adaptive")] = None,
    name: Annotated[str | None, typer.Option()] = None,
    tag: Annotated[list[str] | None, typer.Option(help="a tag or collection (repeatable)")]
    = None,
    language: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option()] = None,
    publisher: Annotated[str | None, typer.Option(
        help="publisher name; other domains given the same name map to one publisher")] = None,
) -> None:
    """Register a source (the same URL again updates it); it is polled at the next tick."""
    from tasks.errors import BadSourceUrl
    from tasks.monitor.durations import parse_duration
    from tasks.monitor.registry import SourceSpec, add_source

    try:
        every_s = parse_duration(every) if every else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--every") from exc
    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    spec = SourceSpec(url=url, name=name, tags=tuple(tag or ()), every_s=every_s,
                      language=language, country=country, publisher=publisher)
    try:
        row, created = add_source(engine, spec, settings.sources)
    except BadSourceUrl as exc:
        fail(str(exc))
    console.print(f"{'added' if created else 'already registered, updated'}: source {row.id}")
    print(row.id)


@sources_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="an OPML or CSV file (header with 'url')")],
    tag: Annotated[list[str] | None, typer.Option(help="add this tag to every source")] = None,
) -> None:
    """Register every source of an OPML or CSV list; already registered URLs are updated."""
    from tasks.errors import BadSourceList, BadSourceUrl
    from tasks.monitor.importers import read_source_list
    from tasks.monitor.registry import add_source

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        specs = read_source_list(path)
    except BadSourceList as exc:
        fail(str(exc))
    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    added = updated = refused = 0
    for spec in specs:
        if tag:
            spec = dataclasses.replace(spec, tags=(*spec.tags, *tag))
        try:
            _row, created = add_source(engine, spec, settings.sources)
        except BadSourceUrl as exc:
            console.print(f"[yellow]skipped[/yellow] {exc}")
            refused += 1
            continue
        added += created
        updated += not created
    console.print(f"{path}: {added} added, {updated} already registered, {refused} refused",
                  soft_wrap=True)


@sources_app.command("list")
def list_(
    unhealthy: Annotated[bool, typer.Option(help="only failing or anomalous sources")] = False,
    tag: Annotated[str | None, typer.Option()] = None,
    removed: Annotated[bool, typer.Option(help="include removed sources")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False,
) -> None:
    """Registered sources with their state, health and schedule."""
    from tasks.monitor.registry import list_sources

    settings = settings_for(reads_only=True)
    engine = read_engine(settings, "sources list")
    rows = list_sources(engine, settings.sources, tag=tag, unhealthy=unhealthy,
                        include_removed=removed)
    emit(rows, LIST_COLUMNS, as_json, _json)


def _source_id(given: str) -> int:
    if not given.isdigit():
        fail(f"{given!r} is not a source id (a number, as `newsflow sources list` shows)")
    return int(given)


@sources_app.command()
def show(
    source: Annotated[str, typer.Argument(help="source id")],
    events: Annotated[int, typer.Option(help="how many of the last fetch events")] = 30,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One source: its settings, health and its last fetch events."""
    from tasks.common import utc_now
    from tasks.monitor.registry import get_source, recent_events
    from tasks.monitor.yields import source_figures

    settings = settings_for(reads_only=True)
    engine = read_engine(settings, "sources show")
    row = get_source(engine, _source_id(source))
    if row is None:
        fail(f"no source with id {source}")
    history = recent_events(engine, row.id, events)
    figures = source_figures(engine, row.id, utc_now())
    extra = {"items_per_day_7d": round(figures.items_per_day, 2),
             "rejected_share": None if figures.rejected_share is None
             else round(figures.rejected_share, 3),
             "unhealthy": row.unhealthy(settings.sources)}
    if as_json:
        out.print_json(data={**_json(row), **extra, "events": [_json(e) for e in history]})
        return
    for key, value in {**_json(row), **extra}.items():
        if key not in {"etag", "last_modified", "body_hash"}:
            out.print(f"{key:18} {value if value is not None else ''}", highlight=False,
                      soft_wrap=True)
    out.print("")
    print_rows(EVENT_COLUMNS, history, terminal_widths={"note": 80})


def _set_state(ids: list[str], state: str, verb: str) -> None:
    from tasks.monitor.registry import set_state

    engine = write_engine(settings_for(reads_only=False))
    missing = [given for given in ids if not set_state(engine, _source_id(given), state)]
    if missing:
        fail(f"no source with id {', '.join(missing)}")
    console.print(f"{verb} {len(ids)} source(s)")


@sources_app.command()
def pause(ids: Annotated[list[str], typer.Argument(help="source ids")]) -> None:
    """Stop polling these sources (their history stays)."""
    _set_state(ids, "paused", "paused")


@sources_app.command()
def resume(ids: Annotated[list[str], typer.Argument(help="source ids")]) -> None:
    """Poll these sources again, starting at the next tick."""
    _set_state(ids, "active", "resumed")


@sources_app.command()
def remove(ids: Annotated[list[str], typer.Argument(help="source ids")]) -> None:
    """Stop polling and hide these sources (history kept; adding the URL again restores)."""
    _set_state(ids, "removed", "removed")
