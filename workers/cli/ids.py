"""Ids as people type them: a whole id or a unique prefix of one, as git takes commits."""

from __future__ import annotations

from sqlalchemy import Engine

from workers.cli.context import fail

__all__ = ["resolve_id"]

CANDIDATES = 10


def resolve_id(engine: Engine, given: str, *, articles: bool = True) -> str:
    """The one article or item id equal to ``given`` or starting with it.

    Unknown or ambiguous: a usage error (exit 2) naming the candidates. ``articles=False``
    looks in the item ledger only (``replay``).
    """
    from tasks.storage import ledger
    from tasks.storage.queries import article_ids_with_prefix

    found = set(ledger.item_ids_with_prefix(engine, given, limit=CANDIDATES + 1))
    if articles:
        found |= set(article_ids_with_prefix(engine, given, limit=CANDIDATES + 1))
    what = "article or item" if articles else "item"
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
