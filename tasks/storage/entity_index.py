"""Canonical entities across articles, and the keys stories are matched on.

An entity row is one (name key, label): the key (``tasks.nlp.name_key``) joins the spellings
of a name across scripts and transliterations ("Gruschko", "Grouchko", "Грушко"); every
surface form seen for it in any article is an alias. The name shown is the first Latin-script
name seen for the row (a row first seen as "Грушко" is renamed when "Grushko" arrives).
Within an article the extract stage already chose a canonical name per entity.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import Connection, delete, select, tuple_, update

from tasks.models import Article, Entity
from tasks.nlp.fallback_ner import FALLBACK_SOURCE
from tasks.nlp.name_key import name_key
from tasks.storage.dialect import insert_ignore, insert_ignore_many, insert_many
from tasks.storage.schema import article_entities, entities, entity_aliases, mentions

__all__ = [
    "KEY_PREFIX",
    "EntityRows",
    "KnownLabels",
    "adopt_known_labels",
    "date_keys",
    "entity_keys",
    "from_trained_model",
    "index_entities",
    "known_labels",
    "norm_name",
    "remember_labels",
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
_MONTH_DAY = re.compile(r"^--(\d{2})-(\d{2})$")  # a yearless day, as extract writes it
MAX_KEY = 250
PERSON_LABELS = sorted(k for k, v in KEY_PREFIX.items() if v == "per")

logger = logging.getLogger(__name__)


# Cached: the store asks for each entity's key four or five times (labels, identities,
# aliases) and names recur across articles; name_key's transliteration is not cheap.
@lru_cache(maxsize=65_536)
def norm_name(name: str) -> str:
    """The cross-script name key (``tasks.nlp.name_key``): casefolded Latin words without
    punctuation, possessive or leading article, transliteration variants made one:
    'The U.S.' -> 'u s', "Hong Kong's" -> 'hong kong', 'Gruschko', 'Грушко' -> 'grushko'."""
    stripped = _POSSESSIVE.sub("", _LEADING_ARTICLE.sub("", name.strip()))
    return name_key(stripped)[:MAX_KEY]


def _story_norm(name: str) -> str:
    """Casefolded words without punctuation, possessive or leading article (story keys keep
    this plain form: the cross-script key joined unrelated dev-corpus articles into a story
    through the entity rule, tests/unit/storage/test_stories.py)."""
    stripped = _POSSESSIVE.sub("", _LEADING_ARTICLE.sub("", name.strip()))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())[:MAX_KEY]


def from_trained_model(entity: Entity) -> bool:
    """Whether a trained NER model (spaCy) found ``entity``, not the fallback NER's rules.

    Stories weigh names only from trained models: the fallback's names are right about half to
    three quarters of the time (README, "What each language gets"), and letting them veto a
    close content match cut same-event recall on stories-dev from 0.88 to 0.83
    (``bench/stories_quality.py``). Fallback languages are matched on content alone."""
    return not entity.provenance.source.startswith(FALLBACK_SOURCE.partition("@")[0])


def entity_keys(found: Iterable[Entity]) -> dict[str, int]:
    """Story keys of the entities with their mention counts; people by surname, so
    'Grushko' meets 'Alexander Grushko'."""
    keys: dict[str, int] = {}
    for entity in found:
        prefix = KEY_PREFIX.get(entity.label.upper())
        norm = _story_norm(entity.name)
        if prefix == "per":
            norm = norm.split()[-1] if norm else ""
        if prefix is None or len(norm) < 2:
            continue
        key = f"{prefix}:{norm}"
        keys[key] = keys.get(key, 0) + max(1, entity.count, len(entity.mentions))
    return keys


def date_keys(article: Article) -> set[str]:
    """Day-precise dates the article mentions (its extracted ``dates`` values):
    ``date:YYYY-MM-DD``, or ``md:MM-DD`` for a day whose year nothing in the article fixes."""
    keys: set[str] = set()
    for normalized in article.dates:
        value = normalized.value or ""
        yearless = _MONTH_DAY.match(value)
        try:
            if yearless:
                # 2000 is a leap year: only validates the day ("--02-29" is a real day).
                day = date(2000, int(yearless[1]), int(yearless[2]))
                keys.add(f"md:{day:%m-%d}")
            elif _ISO_DAY.match(value):
                keys.add(f"date:{date.fromisoformat(value[:10]).isoformat()}")
        except ValueError:
            continue
    return keys


def _identity(entity: Entity) -> tuple[str, str]:
    norm = norm_name(entity.name) or entity.name.casefold()[:MAX_KEY]
    return norm, entity.label.upper()[:32]


def _surname(norm: str, label: str) -> str | None:
    return norm.split()[-1] if KEY_PREFIX.get(label) == "per" and norm else None


def _full_names_of(conn: Connection, surnames: set[str]) -> dict[str, set[int]]:
    """Ids of the known multi-word PERSON entities per surname, in one query."""
    found: dict[str, set[int]] = {s: set() for s in surnames}
    if not surnames:
        return found
    for entity_id, surname in conn.execute(
        select(entities.c.id, entities.c.surname).where(
            entities.c.surname.in_(sorted(surnames)),
            entities.c.norm != entities.c.surname,
            entities.c.label.in_(PERSON_LABELS),
        )
    ):
        found[surname].add(int(entity_id))
    return found


def _merge_bare_surnames(conn: Connection, surnames: set[str],
                         full_names: dict[str, set[int]] | None = None,
                         pending: EntityRows | None = None) -> None:
    """Fold earlier bare-surname entities into the one full name now known for each.

    The mirror of the bare-surname look-up in ``_entity_ids`` for the other arrival order,
    so that "Grushko" stored before "Alexander Grushko" ends in the same entity row as
    "Grushko" stored after it. Two queries for all the surnames, one when ``full_names``
    (``_full_names_of`` covering ``surnames``) is given; merging is rare.
    """
    if full_names is None:
        full_names = _full_names_of(conn, surnames)
    single = {s: ids for s in surnames if len(ids := full_names.get(s, set())) == 1}
    if not single:
        return
    bare: dict[str, list[int]] = {}
    for entity_id, norm in conn.execute(
        select(entities.c.id, entities.c.norm).where(
            entities.c.norm.in_(sorted(single)), entities.c.label.in_(PERSON_LABELS)
        ).order_by(entities.c.id)
    ):
        bare.setdefault(norm, []).append(int(entity_id))
    if bare and pending is not None:
        pending.write(conn)  # the merge moves rows: the batch's earlier ones must be there
    for surname in sorted(bare):
        _merge_into(conn, surname, bare[surname], next(iter(single[surname])))


def _merge_into(conn: Connection, surname: str, bare: list[int], owner: int) -> None:
    for old in bare:
        rows = conn.execute(
            select(
                article_entities.c.article_id, article_entities.c.name, article_entities.c.count
            ).where(article_entities.c.entity_id == old)
        ).all()
        for article_id, name, count in rows:
            taken = conn.execute(
                select(article_entities.c.count).where(
                    article_entities.c.article_id == article_id,
                    article_entities.c.entity_id == owner,
                )
            ).scalar()
            if taken is None:
                conn.execute(
                    article_entities.insert().values(
                        article_id=article_id, entity_id=owner, name=name, count=count
                    )
                )
            else:
                conn.execute(
                    update(article_entities)
                    .where(
                        article_entities.c.article_id == article_id,
                        article_entities.c.entity_id == owner,
                    )
                    .values(count=taken + count)
                )
        conn.execute(delete(article_entities).where(article_entities.c.entity_id == old))
        conn.execute(update(mentions).where(mentions.c.entity_id == old).values(entity_id=owner))
        aliases = (
            conn.execute(select(entity_aliases.c.alias).where(entity_aliases.c.entity_id == old))
            .scalars()
            .all()
        )
        if aliases:
            conn.execute(
                insert_ignore(
                    conn,
                    entity_aliases,
                    [{"entity_id": owner, "alias": a} for a in sorted(aliases)],
                    index=["entity_id", "alias"],
                )
            )
        conn.execute(delete(entity_aliases).where(entity_aliases.c.entity_id == old))
        conn.execute(delete(entities).where(entities.c.id == old))
        logger.info("entities: bare surname %r (entity %d) joins entity %d", surname, old, owner)


def _entity_ids(conn: Connection, found: list[Entity],
                pending: EntityRows | None = None) -> dict[tuple[str, str], int]:
    """Ids of the canonical entities, created where new.

    Across articles a bare surname joins the one known full name ending with it (and an
    earlier bare surname joins a full name seen for the first time): the cross-article
    counterpart of extract's within-article grouping. Two full names sharing a surname keep
    the bare one apart. Writers naming one surname hold its story-key lock (``per:<surname>``,
    see repository), so these reads and merges are not raced on PostgreSQL either.
    """
    rows: dict[tuple[str, str], dict[str, str | None]] = {}
    for entity in found:
        norm, label = _identity(entity)
        rows.setdefault(
            (norm, label),
            {"name": entity.name, "label": label, "norm": norm, "surname": _surname(norm, label)},
        )
    if not rows:
        return {}
    ids: dict[tuple[str, str], int] = {}
    # Full names (and every other entity) first: this article's own "Alexander Grushko" is
    # then a known full name for its "Grushko". A fixed order: two PostgreSQL writers
    # inserting the same new entities cannot deadlock.
    bare = sorted(k for k in rows if _surname(*k) == k[0])
    first = [rows[k] for k in sorted(set(rows) - set(bare))]
    if first:
        insert_ignore_many(conn, entities, first, index=["norm", "label"])
    # A bare surname belongs to the one full name that ends with it, if only one. The same
    # look-up serves the merge below: full names (norm != surname) are all written by now,
    # and the bare rows written in between are not full names.
    full_surnames = {s for k in rows if " " in k[0] and (s := _surname(*k)) is not None}
    owners = _full_names_of(conn, {k[0] for k in bare} | full_surnames)
    new_bare = []
    for key in bare:
        if len(owners[key[0]]) == 1:
            ids[key] = next(iter(owners[key[0]]))
        else:
            new_bare.append(rows[key])
    if new_bare:
        insert_ignore_many(conn, entities, new_bare, index=["norm", "label"])
    _merge_bare_surnames(conn, full_surnames, owners, pending)
    wanted = sorted(set(rows) - set(ids))
    if wanted:
        found_ids = conn.execute(
            select(entities.c.norm, entities.c.label, entities.c.id, entities.c.name).where(
                tuple_(entities.c.norm, entities.c.label).in_(wanted)
            )
        )
        for norm, label, entity_id, shown in found_ids:
            ids[(norm, label)] = int(entity_id)
            new = str(rows[(norm, label)]["name"])
            if not _latin(shown) and _latin(new):
                conn.execute(update(entities).where(entities.c.id == entity_id).values(name=new))
    return ids


def _latin(name: str) -> bool:
    """Every letter of ``name`` is Latin (accents allowed): "Grouchko" yes, "Грушко" no."""
    return all(not ch.isalpha() or ch < "\u0250" or "\u1e00" <= ch <= "\u1eff" for ch in name)


# Labels a NAME may take from stored articles: what a reader counts as a named entity.
_ADOPTABLE = ("PERSON", "ORG", "GPE", "LOC")
KNOWN_LABEL_NOTE = "; label from stored articles"


# norm -> the adoptable labels stored entities carry under it
KnownLabels = dict[str, set[str]]


def _adoptable(found: list[Entity]) -> dict[str, int]:
    wanted = {
        norm_name(e.name): i for i, e in enumerate(found)
        if e.label == "NAME" and (len(e.name.split()) > 1 or e.name.isupper())
    }
    wanted.pop("", None)
    return wanted


def known_labels(conn: Connection, found: list[Entity]) -> KnownLabels:
    """The stored labels of every adoptable name in ``found``: one query for a whole batch
    of articles (the store passes it to ``adopt_known_labels``)."""
    wanted = _adoptable(found)
    labels: KnownLabels = {}
    if not wanted:
        return labels
    for norm, label in conn.execute(
        select(entities.c.norm, entities.c.label).where(
            entities.c.norm.in_(sorted(wanted)), entities.c.label.in_(_ADOPTABLE)
        )
    ):
        labels.setdefault(norm, set()).add(label)
    return labels


def remember_labels(labels: KnownLabels, stored: Iterable[Entity]) -> None:
    """Add the rows an article of the batch just wrote (``index_entities``), so the batch's
    later articles see them as a per-article look-up would (a bare surname wrote none: it
    joined its full name)."""
    for entity in stored:
        norm, label = _identity(entity)
        if label in _ADOPTABLE and _surname(norm, label) != norm:
            labels.setdefault(norm, set()).add(label)


def adopt_known_labels(conn: Connection, found: list[Entity],
                       labels: KnownLabels | None = None) -> list[Entity]:
    """NAMEs (capitalised spans the fallback NER found no evidence for) take the label the
    same name carries in stored articles, when it carries exactly one: "Olaf Scholz" labelled
    PERSON after "Bundeskanzler Olaf Scholz" elsewhere, "Frontex" ORG. Names of two or more
    words, and all-capital acronyms: one capitalised word in German is any noun, and a noun
    that is also someone's name ("Bauer") would turn into a person. ``labels``: from
    ``known_labels`` (a batch's look-up, done once); queried here when not given."""
    wanted = _adoptable(found)
    if not wanted:
        return found
    if labels is None:
        labels = known_labels(conn, found)
    out = list(found)
    for norm, index in wanted.items():
        known = labels.get(norm, set())
        if len(known) == 1:
            entity = out[index]
            provenance = entity.provenance.model_copy(
                update={"source": entity.provenance.source + KNOWN_LABEL_NOTE})
            out[index] = entity.model_copy(
                update={"label": next(iter(known)), "provenance": provenance})
    return out


@dataclass
class EntityRows:
    """Aliases, article entities and mentions of a message's articles, written together
    (three statements for the message instead of three per article). Nothing in the store
    reads them back while it runs except a bare-surname merge (``_merge_bare_surnames``
    writes them first) and the same-site names check of stories (the store writes them
    first too: ``write`` is cheap when empty)."""

    aliases: set[tuple[int, str]] = field(default_factory=set)
    article_entities: list[dict[str, object]] = field(default_factory=list)
    mentions: list[dict[str, object]] = field(default_factory=list)

    def write(self, conn: Connection) -> None:
        # Sorted: two writers inserting the same new aliases wait on each other in one order.
        insert_ignore_many(
            conn,
            entity_aliases,
            [{"entity_id": e, "alias": a} for e, a in sorted(self.aliases)],
            index=["entity_id", "alias"],
        )
        insert_many(conn, article_entities, self.article_entities)
        insert_many(conn, mentions, self.mentions)
        self.aliases.clear()
        self.article_entities.clear()
        self.mentions.clear()


def index_entities(conn: Connection, article_id: str, found: Iterable[Entity],
                   pending: EntityRows | None = None) -> None:
    """Write the article's entities, their aliases and mentions; with ``pending`` (the
    store's batch) the entity rows are written now and the rest is added to ``pending``."""
    found = list(found)
    ids = _entity_ids(conn, found, pending)
    counts: dict[int, tuple[str, int]] = {}
    rows = EntityRows() if pending is None else pending
    for entity in found:
        entity_id = ids[_identity(entity)]
        name, count = counts.get(entity_id, (entity.name, 0))
        counts[entity_id] = (name, count + (entity.count or len(entity.mentions)))
        rows.aliases.add((entity_id, entity.name[:MAX_KEY]))
        for mention in entity.mentions:
            rows.aliases.add((entity_id, mention.text[:MAX_KEY]))
            rows.mentions.append(
                {
                    "article_id": article_id,
                    "entity_id": entity_id,
                    "text": mention.text,
                    "start_char": mention.start,
                    "end_char": mention.end,
                }
            )
    rows.article_entities += [
        {"article_id": article_id, "entity_id": e, "name": name, "count": count}
        for e, (name, count) in counts.items()
    ]
    if pending is None:
        rows.write(conn)
