"""Storing an article, once, whatever the number of deliveries and workers.

``store_batch`` stores a message's articles in one write transaction (``store_article``:
one article), which also moves each ledger row to its terminal state (``ledger.record_done``).
The advisory locks of all its articles are taken at once, sorted, and the look-ups are done
once for the batch under them (stored rows, originals: ``originals.py``, known labels); each
article's outcome is decided as if it were stored alone, after the ones before it. Idempotent
(keyed by the item id):

* the same item id again -> nothing written, the first outcome returned;
* a text whose content hash an original already has -> ``duplicate`` of it; a unique index
  on ``content_hash WHERE duplicate_of IS NULL`` guarantees at most one original even when
  two workers race (the loser gets an IntegrityError, re-reads and becomes the duplicate);
* a near-duplicate (MinHash LSH bands shared with an original, confirmed on the signatures)
  -> ``duplicate`` of that original;
* a copy an earlier stage recognised (``recognise.py``) -> ``duplicate`` of the original it
  names, in that original's story, its record completed from it (``copies.py``);
* otherwise ``stored``, in the story of the best-matching earlier article or a new one;
  the watches it matches get their pending deliveries in the same transaction
  (``tasks.watches.deliveries.record_matches``).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from config.settings import StoreSettings
from tasks.codec import decode, encode_record
from tasks.common import utc_now
from tasks.cpu_meter import spent_on
from tasks.errors import DatabaseBusy, EmptyInput
from tasks.models import Article, Entity
from tasks.nlp.embedding import decode_vector
from tasks.storage import dedup, ledger
from tasks.storage.catalog import list_entities, list_stories
from tasks.storage.copies import complete_copy, copied_from, text_shift
from tasks.storage.copy_rows import OriginalEntityRows, copy_entity_rows, original_entity_rows
from tasks.storage.db import read_tx, write_tx
from tasks.storage.dialect import (
    advisory_locks,
    insert_together,
    one_of,
)
from tasks.storage.entity_index import (
    EntityPlan,
    EntityRows,
    adopt_known_labels,
    date_keys,
    entity_keys,
    from_trained_model,
    index_entities,
    known_labels,
    remember_labels,
)
from tasks.storage.lead_vectors import remember as remember_lead
from tasks.storage.originals import OriginalIndex
from tasks.storage.queries import ArticleFilter, get_article, iter_articles
from tasks.storage.schema import article_keys, article_vectors, articles, lsh_bands, quotes
from tasks.storage.search import index_article, search
from tasks.storage.stories import (
    MAX_VECTOR_CANDIDATES,
    StoryEvidence,
    assign_story,
    content_words,
    named_norms,
    refresh_stories,
    site_of,
)
from tasks.storage.story_candidates import StoryCandidates
from tasks.watches.deliveries import record_matches
from tasks.watches.repository import active_watches

# The read side lives in queries/search/catalog; re-exported so callers need one import.
__all__ = [
    "ArticleFilter",
    "get_article",
    "iter_articles",
    "list_entities",
    "list_stories",
    "search",
    "store_article",
    "store_batch",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def _published_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _language(article: Article) -> str | None:
    if article.language_check is not None and article.language_check.language:
        return article.language_check.language
    return article.hints.language


def _apply(article: Article, row: dict[str, object]) -> Article:
    """The article as stored: its store fields set from the database row."""
    return article.model_copy(
        update={
            "content_hash": row["content_hash"],
            "duplicate_of": row["duplicate_of"],
            "verdict": ledger.DUPLICATE if row["duplicate_of"] else ledger.STORED,
            "story_id": row["story_id"],
        }
    )


def _stored_rows(conn: Connection, ids: list[str]) -> dict[str, dict[str, object]]:
    """What the batch's items already have in the database (a redelivery), by id."""
    rows = conn.execute(
        select(articles.c.id, articles.c.content_hash, articles.c.duplicate_of,
               articles.c.story_id).where(one_of(conn, articles.c.id, ids))
    ).mappings()
    return {row["id"]: dict(row) for row in rows}


@dataclass
class _Prepared:
    """One article's CPU-side work, done before the transaction takes its locks."""

    article: Article
    text: str
    digest: str
    sig: dedup.Signature
    bands: list[tuple[int, str]]
    evidence: StoryEvidence
    hint: dict[str, object] | None = None  # the stored original an earlier gate named

    @property
    def locks(self) -> list[str]:
        if self.hint is not None:
            # A recognised copy neither becomes an original nor assigns a story: only a
            # concurrent redelivery of the same item can race it.
            return [f"id:{self.article.id}"]
        return [
            f"id:{self.article.id}",
            f"hash:{self.digest}",
            *(f"band:{b}:{h}" for b, h in self.bands),
            *self.evidence.keys,
            # Matching by content may join any stored article: one story assigner at a
            # time (SQLite's BEGIN IMMEDIATE already serialises every writer).
            *(["stories:content"] if self.evidence.vector is not None else []),
        ]


def _prepare_copy(article: Article, hint: dict[str, object]) -> _Prepared:
    """A recognised copy's CPU-side work: its content hash only. It takes no part in the
    duplicate search (only originals are candidates: ``OriginalIndex``) nor in story
    assignment (it joins its original's), so no signature and no story evidence; its
    row's ``minhash`` stays empty (``dedup.NO_SIGNATURE``)."""
    text = article.text or ""
    return _Prepared(
        article=article,
        text=text,
        digest=dedup.content_hash(text),
        sig=dedup.NO_SIGNATURE,
        bands=[],
        evidence=StoryEvidence(keys={}, ref_date=_published_date(article.published)),
        hint=hint,
    )


def _prepare(article: Article, settings: StoreSettings,
             hint: dict[str, object] | None) -> _Prepared:
    if hint is not None:
        return _prepare_copy(article, hint)
    text = article.text or ""
    sig = dedup.signature(text, settings.minhash_permutations)
    return _Prepared(
        article=article,
        text=text,
        digest=dedup.content_hash(text),
        sig=sig,
        bands=dedup.band_hashes(sig),
        evidence=StoryEvidence(
            keys=entity_keys(e for e in article.entities if from_trained_model(e)),
            dates=frozenset(date_keys(article)),
            ref_date=_published_date(article.published),
            words=content_words(text),
            vector=decode_vector(article.lead_vector),
            site=site_of(article.canonical_url, article.source),
            names=named_norms((e.name, e.label) for e in article.entities),
        ),
        hint=hint,
    )


@dataclass
class _Pending:
    """What the batch writes after its articles, one statement per kind for the message:
    rows no later article of the batch reads back (quotes, bands: later articles meet
    earlier ones through ``OriginalIndex``), the articles' aliases, entity counts and
    mentions (``EntityRows``: written early only where a read needs them), the stories it
    touched (label, size and dates read nowhere in the store, so refreshed once each), and
    the ledger's outcomes."""

    watches: bool  # any active watch: only then is each original matched (one query each)
    candidates: StoryCandidates  # stored originals compared by content, read once
    quotes: list[dict[str, object]] = field(default_factory=list)
    bands: list[dict[str, object]] = field(default_factory=list)
    stories: set[str] = field(default_factory=set)
    entities: EntityRows = field(default_factory=EntityRows)
    done: list[tuple[Article, ledger.DoneState, datetime]] = field(default_factory=list)

    def write(self, conn: Connection, stamp: datetime) -> None:
        # One statement on PostgreSQL; the entity rows before the stories' labels, which
        # count them.
        self.entities.write(conn, (quotes, self.quotes), (lsh_bands, self.bands),
                            ignore={lsh_bands.name: ["band", "hash", "article_id"]})
        refresh_stories(conn, self.stories, stamp)
        ledger.record_done_many(conn, self.done)


def _store_once(conn: Connection, item: _Prepared, settings: StoreSettings,
                found: list[Entity], plan: EntityPlan, existing: dict[str, object] | None,
                originals: OriginalIndex, pending: _Pending) -> Article:
    """One article of the batch (``found``: its entities with their known labels, from
    ``_labelled``; ``plan``: the batch's entity ids, this article next if it has its own)."""
    article, text, digest, sig, bands, evidence = (
        item.article, item.text, item.digest, item.sig, item.bands, item.evidence)
    if existing is not None:
        logger.info("store: article %s was already stored; redelivery ignored", article.id)
        return _apply(article, existing)

    article = article.model_copy(update={"entities": found})
    stamp = utc_now()
    story_id: str | None
    if item.hint is not None:
        duplicate_of: str | None = str(item.hint["id"])
        story_id = item.hint["story_id"]  # type: ignore[assignment]
    else:
        duplicate_of = originals.exact(digest) or originals.near(
            sig, bands, settings.near_duplicate_threshold)
        if duplicate_of is not None:
            story_id = originals.story(duplicate_of)
        else:
            story_id = assign_story(
                conn,
                article.id,
                evidence,
                settings.story_window_days,
                settings.story_min_evidence,
                stamp,
                before_names=partial(pending.entities.write, conn),
                vector_candidates=pending.candidates,
            )
    stored = article.model_copy(
        update={
            "content_hash": digest,
            "duplicate_of": duplicate_of,
            "verdict": ledger.DUPLICATE if duplicate_of else ledger.STORED,
            "story_id": story_id,
        }
    )
    row = {
        "id": article.id,
        "item_id": article.id,
        "source": article.source,
        "title": article.title,
        "publisher": article.publisher,
        "author": article.author,
        "published": article.published,
        "published_date": evidence.ref_date,
        "canonical_url": article.canonical_url,
        "language": _language(article),
        "text": text,
        "content_hash": digest,
        "duplicate_of": duplicate_of,
        "story_id": story_id,
        "shingle_count": sig.shingle_count,
        "minhash": sig.to_bytes() or None,  # a recognised copy has none (_prepare_copy)
        "payload": encode_record(stored),
        "stored_at": stamp,
    }
    vector: list[dict[str, object]] = []
    keys: list[dict[str, object]] = []
    if duplicate_of is None:
        if evidence.vector is not None and article.lead_vector:
            raw = base64.b64decode(article.lead_vector)
            vector = [{"article_id": article.id, "vector": raw}]
            remember_lead(conn, article.id, stamp, raw, evidence.site)
        weights = {**evidence.keys, **dict.fromkeys(evidence.dates, 1)}
        keys = [{"key": k, "weight": w, "article_id": article.id} for k, w in weights.items()]
    # The row, an original's lead vector and story keys: one statement on PostgreSQL (nothing
    # reads the latter two before the story assignment of the batch's next article).
    insert_together(conn, [(articles, [row]), (article_vectors, vector), (article_keys, keys)])
    index_article(conn, article.id, article.title, text, _language(article))
    if _copies_rows(item):
        # its entities are its original's: so are its entity rows (``copy_rows``)
        copy_entity_rows(article.id, item.hint["entity_rows"],  # type: ignore[index,arg-type]
                         text, item.hint["text_shift"], pending.entities)  # type: ignore[index,arg-type]
    else:
        index_entities(conn, article.id, article.entities, pending.entities, plan)
    # Rows nothing in the batch reads back: written once for the batch (``_Pending``).
    pending.quotes += [
        {
            "article_id": article.id,
            "speaker": q.speaker,
            "text": q.text,
            "kind": q.kind,
            "start_char": q.start,
            "end_char": q.end,
        }
        for q in article.quotes
    ]
    if duplicate_of is None:
        originals.add(article.id, digest, sig, bands, story_id)
        # Only originals are indexed: later copies are matched against the original (the
        # raw document's hash under its own band number: tasks.storage.recognise).
        indexed = [*bands, *([(dedup.RAW_BAND, article.raw_hash)] if article.raw_hash else [])]
        # Later articles of this batch meet this one through ``originals``, not these rows.
        pending.bands += [{"band": b, "hash": h, "article_id": article.id} for b, h in indexed]
        if vector and story_id is not None:
            pending.candidates.add(conn, article.id, story_id, evidence.ref_date, stamp)
        if story_id is not None:
            pending.stories.add(story_id)
        # Watches fire on originals only (a copy of a delivered article is not news), in this
        # transaction: the article and its pending deliveries commit together.
        if pending.watches:
            record_matches(conn, stored)
    pending.done.append((article, stored.verdict or ledger.STORED, stamp))
    return stored


def _copies_rows(item: _Prepared) -> bool:
    """A recognised copy completed from its original takes the original's entity rows."""
    return item.hint is not None and copied_from(item.article) == str(item.hint["id"])


def _labelled(conn: Connection, ready: list[_Prepared],
              existing: dict[str, dict[str, object]]) -> dict[int, list[Entity]]:
    """Each article's entities with the labels stored articles give their NAMEs
    (``adopt_known_labels``), as if stored one at a time: a batch's later articles see the
    rows its earlier ones write (``remember_labels``). One look-up for the batch; a
    redelivery keeps the labels it was stored with (none here)."""
    labels = known_labels(conn, [e for p in ready for e in p.article.entities])
    found: dict[int, list[Entity]] = {}
    for p in ready:
        if p.article.id not in existing:
            found[id(p)] = adopt_known_labels(conn, p.article.entities, labels)
            remember_labels(labels, found[id(p)])
    return found


def _originals(conn: Connection, ids: list[str]) -> dict[str, dict[str, object]]:
    """The stored originals that gates named, by id (a copy's row leads to its original)."""
    found: dict[str, dict[str, object]] = {}
    wanted = sorted(set(ids))
    for _hop in range(3):
        if not wanted:
            break
        rows = conn.execute(
            select(articles.c.id, articles.c.story_id, articles.c.duplicate_of,
                   articles.c.payload).where(one_of(conn, articles.c.id, wanted))
        ).mappings().all()
        wanted = []
        for mapping in rows:
            found[mapping["id"]] = dict(mapping)
            if mapping["duplicate_of"] and mapping["duplicate_of"] not in found:
                wanted.append(mapping["duplicate_of"])
    out: dict[str, dict[str, object]] = {}
    for original_id in ids:
        row = found.get(original_id)
        while row is not None and row["duplicate_of"]:
            row = found.get(str(row["duplicate_of"]))
        if row is not None:
            out[original_id] = row
    return out


def _prepared_batch(engine: Engine, batch: list[Article],
                    settings: StoreSettings) -> list[_Prepared | Exception]:
    """Each article completed from its original where a gate named one, then prepared
    (before the write transaction: the signatures are CPU work, and originals never
    change)."""
    hinted = [a.duplicate_of for a in batch if a.duplicate_of and a.verdict is None]
    rows: dict[str, dict[str, object]] = {}
    entity_rows: dict[str, OriginalEntityRows] = {}
    if hinted:
        with read_tx(engine, "store: originals of recognised copies") as conn:
            rows = _originals(conn, hinted)
            entity_rows = original_entity_rows(conn, (str(r["id"]) for r in rows.values()))
    return [_prepared_one(article, rows, entity_rows, settings) for article in batch]


def _prepared_one(article: Article, rows: dict[str, dict[str, object]],
                  entity_rows: dict[str, OriginalEntityRows],
                  settings: StoreSettings) -> _Prepared | Exception:
    with spent_on(article.id):  # this article's own CPU (tasks.cpu_meter)
        hint = rows.get(article.duplicate_of or "") if article.verdict is None else None
        if hint is not None:
            original = decode(hint["payload"])
            article = complete_copy(article, original)
            # where its mentions sit in the copy's text (``copy_rows``)
            hint = {**hint, "text_shift": text_shift(article.text or "", original.text),
                    "entity_rows": entity_rows[str(hint["id"])]}
        if not article.text or not article.text.strip():
            return EmptyInput(f"article {article.id} has no text to store")
        return _prepare(article, settings, hint)


def store_batch(engine: Engine, batch: list[Article],
                settings: StoreSettings) -> list[Article | Exception]:
    """Store a message's articles in one transaction: their locks taken at once (sorted, so
    two workers cannot deadlock), the known-label look-up done once; one result per
    article, in order (``EmptyInput`` for an article without text)."""
    prepared = _prepared_batch(engine, batch, settings)
    ready = [p for p in prepared if isinstance(p, _Prepared)]
    if not ready:
        return [p for p in prepared if isinstance(p, Exception)]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with write_tx(engine, f"store {len(batch)} articles") as conn:
                advisory_locks(conn, [key for p in ready for key in p.locks])
                # Every look-up once for the batch, under the locks (tasks.storage.originals)
                existing = _stored_rows(conn, [p.article.id for p in ready])
                fresh = [p for p in ready if p.hint is None]
                originals = OriginalIndex.load(
                    conn, [p.digest for p in fresh], [b for p in fresh for b in p.bands])
                found = _labelled(conn, ready, existing)
                # the entity ids of the articles with entities of their own, resolved at once
                plan = EntityPlan(conn, [found[id(p)] for p in ready
                                         if id(p) in found and not _copies_rows(p)])
                # watches match originals only: a message of recognised copies never reads them
                pending = _Pending(
                    watches=bool(fresh) and bool(active_watches(conn)),
                    candidates=StoryCandidates(
                        settings.story_window_days, MAX_VECTOR_CANDIDATES,
                        [p.evidence.ref_date for p in fresh if p.evidence.vector is not None]),
                )
                stored: dict[int, Article] = {}
                for p in ready:
                    with spent_on(p.article.id):  # this article's own CPU (tasks.cpu_meter)
                        stored[id(p)] = _store_once(conn, p, settings, found.get(id(p), []),
                                                    plan, existing.get(p.article.id),
                                                    originals, pending)
                pending.write(conn, utc_now())
        except IntegrityError as exc:
            # A concurrent worker stored the same id or the same content first; the next
            # attempt sees its row and resolves to a no-op or a duplicate.
            logger.info("store: a batch of %d lost a race (attempt %d): %s", len(batch),
                        attempt, exc.orig)
            continue
        results: list[Article | Exception] = []
        for item in prepared:
            if isinstance(item, Exception):
                results.append(item)
                continue
            done = stored[id(item)]
            logger.info("store: article %s %s%s", done.id, done.verdict,
                        f" of {done.duplicate_of}" if done.duplicate_of else "")
            results.append(done)
        return results
    raise DatabaseBusy(f"store of {len(batch)}: still conflicting after {MAX_ATTEMPTS} attempts")


def store_article(engine: Engine, article: Article, settings: StoreSettings) -> Article:
    """Store ``article`` (see the module doc); returns it with its store fields set."""
    if (not article.text or not article.text.strip()) and article.duplicate_of is None:
        raise EmptyInput(f"article {article.id} has no text to store")
    [result] = store_batch(engine, [article], settings)
    if isinstance(result, Exception):
        raise result
    return result
