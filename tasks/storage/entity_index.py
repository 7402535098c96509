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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import ClassVar

from sqlalchemy import Connection, Table, delete, or_, select, update

from tasks.models import Article, Entity
from tasks.nlp.fallback_ner import FALLBACK_SOURCE
from tasks.nlp.name_key import name_key
from tasks.storage.dialect import insert_ignore, insert_ignore_many, insert_together, one_of
from tasks.storage.schema import article_entities, entities, entity_aliases, mentions

__all__ = [
    "KEY_PREFIX",
    "EntityPlan",
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


@dataclass(eq=False)
class _Row:
    """An entity row as the plan knows it: stored (``id`` known) or new in this message."""

    norm: str
    label: str
    name: str
    surname: str | None
    id: int | None = None
    new: int | None = None  # place among the message's new rows (they take ids in order)

    @property
    def order(self) -> tuple[int, int]:
        """``ORDER BY id``: stored rows by id, then new rows in the order inserted."""
        return (1, self.new) if self.new is not None else (0, self.id or 0)


@dataclass
class _Known:
    """The entity rows a message can meet, as they stand after the articles resolved so far:
    by (norm, label), and its people's full names and bare surnames by surname."""

    rows: dict[tuple[str, str], _Row] = field(default_factory=dict)
    full: dict[str, list[_Row]] = field(default_factory=dict)
    bare: dict[str, list[_Row]] = field(default_factory=dict)
    created: int = 0

    def add(self, row: _Row) -> None:
        self.rows[(row.norm, row.label)] = row
        if row.label in PERSON_LABELS:
            if row.surname is not None and row.norm != row.surname:
                self.full.setdefault(row.surname, []).append(row)
            self.bare.setdefault(row.norm, []).append(row)  # read for surnames only

    def drop(self, row: _Row) -> None:
        del self.rows[(row.norm, row.label)]
        self.bare[row.norm].remove(row)


@dataclass
class _Step:
    """What resolving one article's entities writes, in the order it writes it."""

    inserts: list[tuple[dict[str, str | None], _Row | None]] = field(default_factory=list)
    ids: dict[tuple[str, str], _Row] = field(default_factory=dict)
    merges: list[tuple[str, list[_Row], _Row]] = field(default_factory=list)
    renames: list[tuple[_Row, str]] = field(default_factory=list)


Wanted = dict[tuple[str, str], dict[str, str | None]]


def _wanted(found: Iterable[Entity]) -> Wanted:
    rows: Wanted = {}
    for entity in found:
        norm, label = _identity(entity)
        rows.setdefault(
            (norm, label),
            {"name": entity.name, "label": label, "norm": norm, "surname": _surname(norm, label)},
        )
    return rows


class EntityPlan:
    """The canonical entity ids of a message's articles: one read of every row their names
    can meet, one insert of the new rows and one read of their ids, where resolving one
    article at a time took three or four statements per article.

    Each article is resolved as if alone, after the ones before it (``_resolve``, on the
    rows as they stand then): the same ids, bare-surname merges and renames. The new rows go
    in the order the articles inserted them, ignored conflicts included, so PostgreSQL's
    sequence (an ignored row uses a value up) and SQLite's max + 1 give the same ids. Only a
    bare-surname merge (rare) deletes rows: the rows of the articles after it are inserted
    after it, as they were.

    Writers naming one surname hold its story-key lock (``per:<surname>``, see repository),
    so the first read is not raced on PostgreSQL for people; a row of another kind another
    writer inserted since is read back with the new rows' ids.
    """

    def __init__(self, conn: Connection, articles: Iterable[Iterable[Entity]]) -> None:
        wanted = [_wanted(found) for found in articles]
        known = _Known()
        for row in self._stored(conn, {k for rows in wanted for k in rows}):
            known.add(row)
        self._steps = [self._resolve(known, rows) for rows in wanted]
        self._next = 0  # the next article to index
        self._inserted = 0  # articles whose new rows are in the database

    @staticmethod
    def _stored(conn: Connection, keys: set[tuple[str, str]]) -> list[_Row]:
        """Every stored row of these names, and every person row of their surnames (the full
        names a bare surname joins, the bare surnames a full name takes in), in one query."""
        if not keys:
            return []
        surnames = {s for k in keys if (s := _surname(*k)) is not None}
        where = one_of(conn, entities.c.norm, {k[0] for k in keys} | surnames)
        if surnames:
            where = or_(where, one_of(conn, entities.c.surname, surnames))
        return [
            _Row(norm, label, name, surname, id=int(entity_id))
            for entity_id, norm, label, name, surname in conn.execute(
                select(entities.c.id, entities.c.norm, entities.c.label, entities.c.name,
                       entities.c.surname).where(where))
        ]

    @staticmethod
    def _resolve(known: _Known, rows: Wanted) -> _Step:
        """One article's entities. Full names (and every other entity) are inserted first, in
        a fixed order (two PostgreSQL writers inserting the same new entities cannot
        deadlock): this article's own "Alexander Grushko" is then a known full name for its
        "Grushko". A bare surname belongs to the one full name that ends with it, if only
        one, else is a row of its own. A full name that is the only one of its surname takes
        in the bare rows of that surname stored before it (the other arrival order: "Grushko"
        stored before "Alexander Grushko" ends where it would have after it). A row first
        named in another script takes the first Latin-script name given for it."""
        step = _Step()

        def insert(key: tuple[str, str]) -> None:
            new = None
            if key not in known.rows:
                known.created += 1
                new = _Row(**rows[key], new=known.created)  # type: ignore[arg-type]
                known.add(new)
            step.inserts.append((dict(rows[key]), new))

        bare = sorted(k for k in rows if _surname(*k) == k[0])
        for key in sorted(set(rows) - set(bare)):
            insert(key)
        full_surnames = {s for k in rows if " " in k[0] and (s := _surname(*k)) is not None}
        owners = {s: list(known.full.get(s, ())) for s in {k[0] for k in bare} | full_surnames}
        for key in bare:
            if len(owners[key[0]]) == 1:
                step.ids[key] = owners[key[0]][0]
            else:
                insert(key)
        for surname in sorted(s for s in full_surnames if len(owners[s]) == 1):
            taken = sorted(known.bare.get(surname, ()), key=lambda r: r.order)
            if taken:
                step.merges.append((surname, taken, owners[surname][0]))
                for row in taken:
                    known.drop(row)
        for key in sorted(set(rows) - set(step.ids)):
            row = step.ids[key] = known.rows[key]
            name = str(rows[key]["name"])
            if not _latin(row.name) and _latin(name):
                step.renames.append((row, name))
                row.name = name
        return step

    def ids(self, conn: Connection, pending: EntityRows | None = None
            ) -> dict[tuple[str, str], int]:
        """The next article's entity ids (articles in the order given), its new rows, merges
        and renames written (``pending``: the message's rows so far, written before a merge
        moves rows)."""
        step = self._steps[self._next]
        if self._inserted <= self._next:
            self._insert(conn)
        if step.merges and pending is not None:
            pending.write(conn)
        for surname, bare, owner in step.merges:
            _merge_into(conn, surname, [_id(r) for r in bare], _id(owner))
        for row, name in step.renames:
            conn.execute(update(entities).where(entities.c.id == _id(row)).values(name=name))
        self._next += 1
        return {key: _id(row) for key, row in step.ids.items()}

    def _insert(self, conn: Connection) -> None:
        """The rows of the next articles up to the next merge (included), then the new
        rows' ids."""
        end = next((i + 1 for i in range(self._next, len(self._steps))
                    if self._steps[i].merges), len(self._steps))
        inserts = [x for step in self._steps[self._next:end] for x in step.inserts]
        self._inserted = end
        insert_ignore_many(conn, entities, [values for values, _ in inserts],
                           index=["norm", "label"])
        new = {(row.norm, row.label): row for _, row in inserts if row is not None}
        if not new:
            return
        for entity_id, norm, label in conn.execute(
            select(entities.c.id, entities.c.norm, entities.c.label).where(
                one_of(conn, entities.c.norm, {k[0] for k in new}))
        ):
            if (row := new.get((norm, label))) is not None:
                row.id = int(entity_id)


def _id(row: _Row) -> int:
    assert row.id is not None, f"entity {row.norm!r} {row.label} has no id"
    return row.id


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
            one_of(conn, entities.c.norm, wanted), entities.c.label.in_(_ADOPTABLE)
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
    (one statement for the message on PostgreSQL, three on SQLite). Nothing in the store
    reads them back while it runs except a bare-surname merge (``_merge_bare_surnames``
    writes them first) and the same-site names check of stories (the store writes them
    first too: ``write`` is cheap when empty)."""

    aliases: set[tuple[int, str]] = field(default_factory=set)
    article_entities: list[dict[str, object]] = field(default_factory=list)
    mentions: list[dict[str, object]] = field(default_factory=list)

    # The unique index an alias already there is ignored on (``insert_together``).
    IGNORE: ClassVar[dict[str, list[str]]] = {entity_aliases.name: ["entity_id", "alias"]}

    def write(self, conn: Connection, *before: tuple[Table, list[dict[str, object]]],
              ignore: Mapping[str, Sequence[str]] | None = None) -> None:
        """Write the rows (one statement on PostgreSQL), after the rows ``before`` of other
        tables (``ignore``: their unique indexes, as ``insert_together``'s), and forget them."""
        # Sorted: two writers inserting the same new aliases wait on each other in one order.
        insert_together(
            conn,
            [*before,
             (entity_aliases, [{"entity_id": e, "alias": a} for e, a in sorted(self.aliases)]),
             (article_entities, self.article_entities), (mentions, self.mentions)],
            ignore={**self.IGNORE, **(ignore or {})},
        )
        self.aliases.clear()
        self.article_entities.clear()
        self.mentions.clear()


def index_entities(conn: Connection, article_id: str, found: Iterable[Entity],
                   pending: EntityRows | None = None, plan: EntityPlan | None = None) -> None:
    """Write the article's entities, their aliases and mentions; with ``pending`` (the
    store's batch) the entity rows are written now and the rest is added to ``pending``;
    ``plan``: the batch's ``EntityPlan``, this article being its next."""
    found = list(found)
    ids = (plan or EntityPlan(conn, [found])).ids(conn, pending)
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
