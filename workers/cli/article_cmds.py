"""Commands that read stored articles: show, export, search, stories, entities.

They never migrate or write (``context.read_engine``); filters are shared options.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workers.cli.context import console, fail, out, read_engine, settings_for
from workers.cli.ids import resolve_id, resolve_story
from workers.cli.output import Column, emit

if TYPE_CHECKING:
    from tasks.storage.filters import ArticleFilter

__all__ = ["entities", "export", "search", "show", "stories"]

EntityOpt = Annotated[str | None, typer.Option(help="canonical entity name")]
LanguageOpt = Annotated[str | None, typer.Option(help="ISO 639-1 language")]
PublisherOpt = Annotated[str | None, typer.Option()]
SinceOpt = Annotated[str | None, typer.Option("--since", help="published on/after YYYY-MM-DD")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="published on/before YYYY-MM-DD")]
StoryOpt = Annotated[str | None, typer.Option(help="story id (or a unique prefix)")]
SourceOpt = Annotated[str | None, typer.Option(
    help="source path or URL, or its beginning (a folder, a site)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object a line, for scripts")]


def _filters(query: str | None = None, entity: str | None = None, language: str | None = None,
             publisher: str | None = None, since: str | None = None, until: str | None = None,
             story: str | None = None, include_duplicates: bool = False,
             limit: int | None = None, source: str | None = None) -> ArticleFilter:
    from tasks.storage.filters import ArticleFilter

    try:
        date_from = date.fromisoformat(since) if since else None
        date_to = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD: {exc}") from exc
    return ArticleFilter(query=query, entity=entity, language=language, publisher=publisher,
                         date_from=date_from, date_to=date_to, story_id=story,
                         source=source, include_duplicates=include_duplicates, limit=limit)


def _text(key: str) -> Column:
    return key, lambda row: str(row.get(key) or "")


def show(article_id: Annotated[str, typer.Argument(help="article or item id, or a unique "
                                                        "prefix of one")]) -> None:
    """Print one stored article as JSON (or the ledger row of an item that was not stored)."""
    from tasks.storage import ledger
    from tasks.storage.queries import get_article

    engine = read_engine(settings_for(reads_only=True), "show")
    found = resolve_id(engine, article_id)
    record = get_article(engine, found)
    if record is None:
        item = ledger.get_item(engine, found)
        if item is None:  # deleted since resolve_id found it
            fail(f"no article or item with id {found!r}")
        record = item.model_dump(mode="json", exclude={"payload"})
    out.print_json(json.dumps(record, ensure_ascii=False, default=str))


def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or parquet")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (default stdout)")]
    = None,
    entity: EntityOpt = None, language: LanguageOpt = None, publisher: PublisherOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, story: StoryOpt = None,
    source: SourceOpt = None, include_duplicates: Annotated[bool, typer.Option()] = False,
) -> None:
    """Every stored article (filtered), one record each."""
    from tasks.storage.queries import iter_articles
    from workers.cli.export import write_export

    if fmt not in ("jsonl", "csv", "parquet"):
        raise typer.BadParameter("--format is jsonl, csv or parquet")
    if fmt == "parquet" and output is None:
        raise typer.BadParameter("parquet needs --output FILE")
    if output is not None and not output.parent.is_dir():
        fail(f"newsflow export: the folder of {output} does not exist; create it first")
    filters = _filters(None, entity, language, publisher, since, until, story,
                       include_duplicates, source=source)
    engine = read_engine(settings_for(reads_only=True), "export")
    filters.story_id = resolve_story(engine, filters.story_id)
    records = iter_articles(engine, filters)
    if output is None:
        count = write_export(records, fmt, sys.stdout)  # type: ignore[arg-type]
    else:
        with output.open("wb" if fmt == "parquet" else "w", encoding=None if fmt == "parquet"
                         else "utf-8", newline="" if fmt == "csv" else None) as stream:
            count = write_export(records, fmt, stream)  # type: ignore[arg-type]
    console.print(f"exported {count} articles")


SEARCH_COLUMNS: tuple[Column, ...] = (
    _text("id"), _text("published"), _text("language"), _text("publisher"), _text("title"),
    ("story", lambda hit: str(hit.get("story_id") or "")),
)
SEARCH_KEYS = ("id", "title", "publisher", "published", "language", "story_id", "source")


def search(
    query: Annotated[str, typer.Argument(help="full-text query")],
    entity: EntityOpt = None, language: LanguageOpt = None, publisher: PublisherOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, story: StoryOpt = None,
    source: SourceOpt = None,
    limit: Annotated[int, typer.Option(min=1)] = 20, as_json: JsonOpt = False,
) -> None:
    """Full-text search, stemmed per article language (SQLite FTS5 / PostgreSQL tsvector)."""
    from tasks.storage.search import search as search_articles

    filters = _filters(query, entity, language, publisher, since, until, story, limit=limit,
                       source=source)
    engine = read_engine(settings_for(reads_only=True), "search")
    filters.story_id = resolve_story(engine, filters.story_id)
    hits = search_articles(engine, filters)
    emit(hits, SEARCH_COLUMNS, as_json, lambda hit: {k: hit.get(k) for k in SEARCH_KEYS})
    if not as_json:
        console.print(f"{len(hits)} hits")


STORY_COLUMNS: tuple[Column, ...] = (
    ("story", lambda s: str(s["id"])), ("label", lambda s: str(s["label"])),
    ("articles", lambda s: str(s["article_count"])),
    ("languages", lambda s: ",".join(s.get("languages", []) or [])),
    ("publishers", lambda s: ", ".join(p for p in s.get("publishers", []) or [] if p)),
    # last, so that scripts cutting the earlier tab-separated fields keep working
    ("headline", lambda s: str(s.get("headline") or "")),
)


def stories(
    limit: Annotated[int, typer.Option(min=1)] = 50,
    min_articles: Annotated[int, typer.Option(min=1, help="only stories this big")] = 1,
    lang: Annotated[str | None, typer.Option(
        help="headline in this language (ISO 639-1) when the story has an article in it")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stories: articles about the same event across outlets and languages, each headed by
    the title of its most central article."""
    from tasks.storage.catalog import list_stories

    engine = read_engine(settings_for(reads_only=True), "stories")
    emit(list_stories(engine, limit=limit, min_articles=min_articles, language=lang),
         STORY_COLUMNS, as_json)


ENTITY_COLUMNS: tuple[Column, ...] = (
    ("entity", lambda e: str(e["name"])), ("label", lambda e: str(e["label"])),
    ("articles", lambda e: str(e.get("article_count", ""))),
    ("aliases", lambda e: ", ".join(e.get("aliases", []) or [])),
)


def entities(
    label: Annotated[str | None, typer.Option(help="PERSON, ORG, GPE, ...")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50, as_json: JsonOpt = False,
) -> None:
    """Canonical entities across articles, most mentioned first, with their article counts."""
    from tasks.storage.catalog import list_entities

    engine = read_engine(settings_for(reads_only=True), "entities")
    emit(list_entities(engine, label=label, limit=limit), ENTITY_COLUMNS, as_json)
