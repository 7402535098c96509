"""Ids as people type them: a whole id or a unique prefix of one, as git takes commits."""

from __future__ import annotations

from sqlalchemy import Engine

from workers.cli.context import fail

__all__ = ["resolve_id", "resolve_story", "resolve_watch"]

CANDIDATES = 10


def _one(given: str, what: str, found: set[str]) -> str:
    """``given`` itself, or the one id it starts; else a usage error (exit 2)."""
    if given in found:
        return given
    if not given or not found:
        fail(f"no {what} with id {given!r}" + (" (or an id starting with it)" if given else ""))
    candidates = sorted(found)
    if len(candidates) == 1:
        return candidates[0]
    listed = "\n  ".join(candidates[:CANDIDATES])
    more = "\n  ..." if len(candidates) > CANDIDATES else ""
    fail(f"{given!r} is ambiguous: {what} ids starting with it:\n  {listed}{more}")


def resolve_id(engine: Engine, given: str, *, articles: bool = True) -> str:
    """The one article or item id equal to ``given`` or starting with it.

    ``articles=False`` looks in the item ledger only (``replay``).
    """
    from tasks.storage import ledger
    from tasks.storage.queries import article_ids_with_prefix

    found = set(ledger.item_ids_with_prefix(engine, given, limit=CANDIDATES + 1))
    if articles:
        found |= set(article_ids_with_prefix(engine, given, limit=CANDIDATES + 1))
    return _one(given, "article or item" if articles else "item", found)


def resolve_story(engine: Engine, given: str | None) -> str | None:
    """The story id of a ``--story`` filter (None stays None)."""
    from tasks.storage.catalog import story_ids_with_prefix

    if given is None:
        return None
    return _one(given, "story", set(story_ids_with_prefix(engine, given, CANDIDATES + 1)))


def resolve_watch(engine: Engine, given: str) -> str:
    """The one watch id equal to ``given`` or starting with it."""
    from tasks.watches.repository import watch_ids_with_prefix

    return _one(given, "watch", set(watch_ids_with_prefix(engine, given, CANDIDATES + 1)))
