"""Canonical entities across articles, and the keys stories are matched on.

An entity row is one (normalised name, label); every surface form seen for it in any article
is an alias. Within an article the extract stage already chose a canonical name per entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, select, tuple_

from tasks.models import Article, Entity
from tasks.storage.dialect import insert_ignore
from tasks.storage.schema import article_entities, entities, entity_aliases, mentions

__all__ = [
    "KEY_PREFIX",
    "date_keys",
    "entity_keys",
    "index_entities",
    "norm_name",
]

# Story evidence: people, organisations, places and named events. NORP ("Russian"), money,
# cardinals and so on say nothing about which event an article reports.
KEY_PREFIX: dict[str, str] = {
    "PERSON": "per",
    "PER": "per",
    "ORG": "org",
    "GPE": "loc",
    "LOC": "loc",
    "FAC": "loc",
    "EVENT": "evt",
}
_LEADING_ARTICLE = re.compile(r"^(the|la|le|les|l'|der|die|das)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
MAX_KEY = 250


def norm_name(name: str) -> str:
    """Casefolded words without punctuation, possessive or leading article:
    'The U.S.' -> 'u s', "Hong Kong's" -> 'hong kong'."""
    stripped = _POSSESSIVE.sub("", _LEADING_ARTICLE.sub("", name.strip()))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())[:MAX_KEY]


def entity_keys(found: Iterable[Entity]) -> dict[str, int]:
    """Story keys of the entities with their mention counts; people by surname, so
    'Grushko' meets 'Alexander Grushko'."""
    keys: dict[str, int] = {}
    for entity in found:
        prefix = KEY_PREFIX.get(entity.label.upper())
        norm = norm_name(entity.name)
        if prefix == "per":
            norm = norm.split()[-1] if norm else ""
        if prefix is None or len(norm) < 2:
            continue
        key = f"{prefix}:{norm}"
        keys[key] = keys.get(key, 0) + max(1, entity.count, len(entity.mentions))
    return keys


def date_keys(article: Article) -> set[str]:
    """Day-precise dates the article mentions (its extracted ``dates`` values)."""
    keys: set[str] = set()
    for normalized in article.dates:
        if normalized.value and _ISO_DAY.match(normalized.value):
            try:
                day = date.fromisoformat(normalized.value[:10])
            except ValueError:
                continue
            keys.add(f"date:{day.isoformat()}")
    return keys


def _identity(entity: Entity) -> tuple[str, str]:
    norm = norm_name(entity.name) or entity.name.casefold()[:MAX_KEY]
    return norm, entity.label.upper()[:32]


def _entity_ids(conn: Connection, found: list[Entity]) -> dict[tuple[str, str], int]:
    """Ids of the canonical entities, created where new (two statements, any number)."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for entity in found:
        norm, label = _identity(entity)
        rows.setdefault((norm, label), {"name": entity.name, "label": label, "norm": norm})
    if not rows:
        return {}
    # A fixed order: two PostgreSQL writers inserting the same new entities cannot deadlock.
    ordered = [rows[k] for k in sorted(rows)]
    conn.execute(insert_ignore(conn, entities, ordered, index=["norm", "label"]))
    ids = conn.execute(
        select(entities.c.norm, entities.c.label, entities.c.id).where(
            tuple_(entities.c.norm, entities.c.label).in_(sorted(rows))
        )
    )
    return {(norm, label): int(entity_id) for norm, label, entity_id in ids}


def index_entities(conn: Connection, article_id: str, found: Iterable[Entity]) -> None:
    """Write the article's entities, their aliases and mentions."""
    found = list(found)
    ids = _entity_ids(conn, found)
    counts: dict[int, tuple[str, int]] = {}
    aliases: set[tuple[int, str]] = set()
    mention_rows: list[dict[str, object]] = []
    for entity in found:
        entity_id = ids[_identity(entity)]
        name, count = counts.get(entity_id, (entity.name, 0))
        counts[entity_id] = (name, count + (entity.count or len(entity.mentions)))
        aliases.add((entity_id, entity.name[:MAX_KEY]))
        for mention in entity.mentions:
            aliases.add((entity_id, mention.text[:MAX_KEY]))
            mention_rows.append(
                {
                    "article_id": article_id,
                    "entity_id": entity_id,
                    "text": mention.text,
                    "start_char": mention.start,
                    "end_char": mention.end,
                }
            )
    if not counts:
        return
    conn.execute(
        insert_ignore(
            conn,
            entity_aliases,
            [{"entity_id": e, "alias": a} for e, a in sorted(aliases)],
            index=["entity_id", "alias"],
        )
    )
    conn.execute(
        article_entities.insert(),
        [
            {"article_id": article_id, "entity_id": e, "name": name, "count": count}
            for e, (name, count) in counts.items()
        ],
    )
    if mention_rows:
        conn.execute(mentions.insert(), mention_rows)
