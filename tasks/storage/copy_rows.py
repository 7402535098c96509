"""A recognised copy's entity rows, taken from its original's rows.

A copy completed from its original (``copies.complete_copy``) names the original's
entities, with the mentions the copy's text holds. Resolving them like a new article's
(``entity_index.index_entities``: entity look-ups, surname merges, aliases) found the
entities its original already has, at a third of the copy's store cost; here the copy gets
the original's ``article_entities`` rows and its mention rows moved to the copy's text, the
same rows that path writes (the aliases are the original's already). Readers of entities
(browse, filters, the catalog) see the copy exactly as before. The originals' rows are read
once for a message's copies, with the originals themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from tasks.storage.copies import kept_at
from tasks.storage.dialect import one_of
from tasks.storage.entity_index import EntityRows
from tasks.storage.schema import article_entities, mentions

__all__ = ["OriginalEntityRows", "copy_entity_rows", "original_entity_rows"]


@dataclass
class OriginalEntityRows:
    """An original's entity rows: (entity id, name, count) and (entity id, text, start, end)."""

    entities: list[tuple[int, str, int]] = field(default_factory=list)
    mentions: list[tuple[int, str, int, int]] = field(default_factory=list)


def original_entity_rows(conn: Connection,
                         original_ids: Iterable[str]) -> dict[str, OriginalEntityRows]:
    """The entity rows of these originals (two queries, whatever their number)."""
    wanted = sorted(set(original_ids))
    found: dict[str, OriginalEntityRows] = {o: OriginalEntityRows() for o in wanted}
    if not wanted:
        return found
    for article_id, entity_id, name, count in conn.execute(
        select(article_entities.c.article_id, article_entities.c.entity_id,
               article_entities.c.name, article_entities.c.count)
        .where(one_of(conn, article_entities.c.article_id, wanted))
        .order_by(article_entities.c.article_id, article_entities.c.entity_id)
    ):
        found[article_id].entities.append((entity_id, name, count))
    for article_id, entity_id, words, start, end in conn.execute(
        select(mentions.c.article_id, mentions.c.entity_id, mentions.c.text,
               mentions.c.start_char, mentions.c.end_char)
        .where(one_of(conn, mentions.c.article_id, wanted))
        .order_by(mentions.c.id)
    ):
        found[article_id].mentions.append((entity_id, words, start, end))
    return found


def copy_entity_rows(copy_id: str, original: OriginalEntityRows, text: str,
                     shift: int | None, pending: EntityRows) -> None:
    """Add the copy's entity and mention rows, its original's, to the batch's ``pending``:
    each mention moved as ``complete_copy`` moved it (``shift``: ``copies.text_shift``)."""
    pending.article_entities += [
        {"article_id": copy_id, "entity_id": entity_id, "name": name, "count": count}
        for entity_id, name, count in original.entities
    ]
    for entity_id, words, start, end in original.mentions:
        span = kept_at(start, end, words, text, shift)
        if span is not None:
            pending.mentions.append({"article_id": copy_id, "entity_id": entity_id,
                                     "text": words, "start_char": span[0],
                                     "end_char": span[1]})
