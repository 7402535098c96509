"""Query commands of ``newsflow``: show, export, search, stories, entities, failed, replay,
sweep. They read the database (the system of record); only replay and sweep send messages."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from workers.cli import _engine, _settings, app, console, out

__all__: list[str] = []

EntityOpt = Annotated[str | None, typer.Option(help="canonical entity name")]
LanguageOpt = Annotated[str | None, typer.Option(help="ISO 639-1 language")]
PublisherOpt = Annotated[str | None, typer.Option()]
SinceOpt = Annotated[str | None, typer.Option("--since", help="published on/after YYYY-MM-DD")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="published on/before YYYY-MM-DD")]
StoryOpt = Annotated[str | None, typer.Option(help="story id")]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object a line, for scripts")]


def _print_json_lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, default=str))


def _filters(query: str | None = None, entity: str | None = None, language: str | None = None,
             publisher: str | None = None, since: str | None = None, until: str | None = None,
             story: str | None = None, include_duplicates: bool = False,
             limit: int | None = None) -> Any:
    from tasks.storage.repository import ArticleFilter

    try:
        date_from = date.fromisoformat(since) if since else None
        date_to = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD: {exc}") from exc
    return ArticleFilter(query=query, entity=entity, language=language, publisher=publisher,
                         date_from=date_from, date_to=date_to, story_id=story,
                         include_duplicates=include_duplicates, limit=limit)


@app.command()
def show(article_id: Annotated[str, typer.Argument(help="article or item id")]) -> None:
    """Print one stored article as JSON (or the ledger row of an item that was not stored)."""
    from tasks.storage import ledger
    from tasks.storage.repository import get_article

    engine = _engine(_settings())
    record = get_article(engine, article_id)
    if record is None:
        item = ledger.get_item(engine, article_id)
        if item is None:
            console.print(f"[red]no article or item {article_id}[/red]")
            raise typer.Exit(1)
        record = item.model_dump(mode="json", exclude={"payload"})
    out.print_json(json.dumps(record, ensure_ascii=False, default=str))


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or parquet")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (default stdout)")]
    = None,
    entity: EntityOpt = None, language: LanguageOpt = None, publisher: PublisherOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, story: StoryOpt = None,
    include_duplicates: Annotated[bool, typer.Option()] = False,
) -> None:
    """Every stored article (filtered), one record each."""
    from tasks.storage.repository import iter_articles
    from workers.export import write_export

    if fmt not in ("jsonl", "csv", "parquet"):
        raise typer.BadParameter("--format is jsonl, csv or parquet")
    if fmt == "parquet" and output is None:
        raise typer.BadParameter("parquet needs --output FILE")
    engine = _engine(_settings())
    records = iter_articles(engine, _filters(None, entity, language, publisher, since, until,
                                             story, include_duplicates))
    if output is None:
        count = write_export(records, fmt, sys.stdout)  # type: ignore[arg-type]
    else:
        with output.open("wb" if fmt == "parquet" else "w", encoding=None if fmt == "parquet"
                         else "utf-8", newline="" if fmt == "csv" else None) as stream:
            count = write_export(records, fmt, stream)  # type: ignore[arg-type]
    console.print(f"exported {count} articles")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="full-text query")],
    entity: EntityOpt = None, language: LanguageOpt = None, publisher: PublisherOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, story: StoryOpt = None,
    limit: Annotated[int, typer.Option(min=1)] = 20, as_json: JsonOpt = False,
) -> None:
    """Full-text search over stored articles (SQLite FTS5 / PostgreSQL tsvector)."""
    from tasks.storage.repository import search as search_articles

    engine = _engine(_settings())
    hits = search_articles(engine, _filters(query, entity, language, publisher, since, until,
                                            story, limit=limit))
    if as_json:
        keys = ("id", "title", "publisher", "published", "language", "story_id", "source")
        _print_json_lines([{k: hit.get(k) for k in keys} for hit in hits])
        return
    table = Table("id", "published", "language", "publisher", "title", "story")
    for hit in hits:
        table.add_row(*(str(hit.get(k) or "") for k in
                        ("id", "published", "language", "publisher", "title", "story_id")))
    out.print(table)
    console.print(f"{len(hits)} hits")


@app.command()
def stories(
    limit: Annotated[int, typer.Option(min=1)] = 50,
    min_articles: Annotated[int, typer.Option(min=1, help="only stories this big")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Stories: articles about the same event across outlets and languages."""
    from tasks.storage.repository import list_stories

    engine = _engine(_settings())
    found = list_stories(engine, limit=limit, min_articles=min_articles)
    if as_json:
        _print_json_lines(found)
        return
    table = Table("story", "label", "articles", "languages", "publishers")
    for story in found:
        table.add_row(str(story["id"]), str(story["label"]), str(story["article_count"]),
                      ",".join(story.get("languages", []) or []),
                      ", ".join(p for p in story.get("publishers", []) or [] if p))
    out.print(table)


@app.command()
def entities(
    label: Annotated[str | None, typer.Option(help="PERSON, ORG, GPE, ...")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50, as_json: JsonOpt = False,
) -> None:
    """Canonical entities across articles, most mentioned first, with their article counts."""
    from tasks.storage.repository import list_entities

    engine = _engine(_settings())
    found = list_entities(engine, label=label, limit=limit)
    if as_json:
        _print_json_lines(found)
        return
    table = Table("entity", "label", "articles", "aliases")
    for entity in found:
        table.add_row(str(entity["name"]), str(entity["label"]),
                      str(entity.get("article_count", "")),
                      ", ".join(entity.get("aliases", []) or []))
    out.print(table)


@app.command()
def failed(
    reason: Annotated[str | None, typer.Option(help="only this reason")] = None,
    batch: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False,
) -> None:
    """Rejected and dead-lettered items with their reasons."""
    from tasks.storage import ledger

    engine = _engine(_settings())
    rows = ledger.list_items(engine, states=("rejected", "dead"), reason=reason,
                             batch_id=batch, limit=limit)
    if as_json:
        for row in rows:
            print(row.model_dump_json(exclude={"payload"}))
        return
    table = Table("item", "state", "stage", "reason", "source", "error", "attempts")
    for row in rows:
        table.add_row(row.id, row.state, row.stage or "", row.reason or "", row.source,
                      (row.error or "")[:120], str(row.attempts))
    out.print(table)


@app.command()
def replay(
    ids: Annotated[list[str] | None, typer.Argument(help="item ids")] = None,
    reason: Annotated[str | None, typer.Option(help="every failed item with this reason")]
    = None,
    all_failed: Annotated[bool, typer.Option("--all", help="every rejected and dead item")]
    = False,
    unsent: Annotated[bool, typer.Option(help="queued items the broker never got")] = False,
) -> None:
    """Send failed (or never sent) items through the chain again, under their own ids."""
    from tasks.codec import decode
    from tasks.storage import ledger
    from workers.app import app as celery_app
    from workers.producer import send_articles

    if not (ids or reason or all_failed or unsent):
        raise typer.BadParameter("give item ids, --reason, --all or --unsent")
    settings = _settings()
    engine = _engine(settings)
    states = ("queued",) if unsent else ("rejected", "dead")
    rows = ledger.items_for_replay(engine, ids=ids or None, reason=reason, states=states)
    if unsent:
        rows = [r for r in rows if (r.error or "").startswith("not sent")]
    replayable = [r for r in rows if r.payload]
    articles = [decode(r.payload) for r in replayable]
    ledger.record_enqueued(engine, articles, [r.item_key for r in replayable])
    send_articles(celery_app, settings, articles)
    skipped = len(rows) - len(replayable)
    console.print(f"replayed {len(articles)} items" + (f", {skipped} without payload (producer-side"
                                                       " rejections: fix the source)" if skipped
                                                       else ""))


@app.command()
def sweep(
    older_than: Annotated[float, typer.Option(help="seconds without progress")] = 900,
    force: Annotated[bool, typer.Option(help="sweep even while the queues hold messages")]
    = False,
) -> None:
    """Re-send items stuck in a non-terminal state (e.g. messages lost in a Redis crash)."""
    from workers.sweeper import sweep_stuck

    engine = _engine(_settings())
    report = sweep_stuck(engine, timedelta(seconds=older_than), force=force)
    if report.backlog and not force:
        console.print(f"{report.backlog} messages still queued: nothing swept (--force)")
        return
    console.print(f"re-sent {report.resent} stuck items, dead-lettered {report.dead}")
