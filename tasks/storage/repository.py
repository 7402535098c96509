"""Storing an article, once, whatever the number of deliveries and workers.

``store_article`` is idempotent (keyed by the item id) and decides the outcome in one write
transaction that also moves the ledger row to its terminal state (``ledger.record_done``):

* the same item id again -> nothing written, the first outcome returned;
* a text whose content hash an original already has -> ``duplicate`` of it; a unique index
  on ``content_hash WHERE duplicate_of IS NULL`` guarantees at most one original even when
  two workers race (the loser gets an IntegrityError, re-reads and becomes the duplicate);
* a near-duplicate (MinHash LSH bands shared with an original, confirmed on the signatures)
  -> ``duplicate`` of that original;
* otherwise ``stored``, in the story of the best-matching earlier article or a new one;
  the watches it matches get their pending deliveries in the same transaction
  (``tasks.watches.deliveries.record_matches``).
"""

from __future__ import annotations

import base64
import logging
from datetime import date

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.exc import IntegrityError

from config.settings import StoreSettings
from tasks.codec import encode_record
from tasks.common import utc_now
from tasks.errors import DatabaseBusy, EmptyInput
from tasks.models import Article
from tasks.nlp.embedding import decode_vector
from tasks.storage import dedup, ledger
from tasks.storage.catalog import list_entities, list_stories
from tasks.storage.db import write_tx
from tasks.storage.dialect import advisory_locks, insert_ignore
from tasks.storage.entity_index import (
    adopt_known_labels,
    date_keys,
    entity_keys,
    from_trained_model,
    index_entities,
)
from tasks.storage.queries import ArticleFilter, get_article, iter_articles
from tasks.storage.schema import article_keys, article_vectors, articles, lsh_bands, quotes
from tasks.storage.search import index_article, search
from tasks.storage.stories import (
    StoryEvidence,
    assign_story,
    content_words,
    named_norms,
    refresh_story,
    site_of,
)
from tasks.watches.deliveries import record_matches

# The read side lives in queries/search/catalog; re-exported so callers need one import.
__all__ = [
    "ArticleFilter",
    "get_article",
    "iter_articles",
    "list_entities",
    "list_stories",
    "search",
    "store_article",
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


def _stored_row(conn: Connection, article_id: str) -> dict[str, object] | None:
    row = (
        conn.execute(
            select(articles.c.content_hash, articles.c.duplicate_of, articles.c.story_id).where(
                articles.c.id == article_id
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _near_original(
    conn: Connection, sig: dedup.Signature, bands: list[tuple[int, str]], threshold: float
) -> str | None:
    """The most similar original sharing an LSH band and confirmed on its signature."""
    if not bands:
        return None
    band_match = [(lsh_bands.c.band == band) & (lsh_bands.c.hash == value) for band, value in bands]
    candidate_ids = select(lsh_bands.c.article_id).where(or_(*band_match)).distinct()
    best: tuple[float, str] | None = None
    rows = conn.execute(
        select(articles.c.id, articles.c.minhash, articles.c.shingle_count).where(
            articles.c.id.in_(candidate_ids), articles.c.duplicate_of.is_(None)
        )
    )
    for other_id, raw, shingles in rows:
        other = dedup.Signature.from_bytes(raw, shingles)
        if dedup.is_near_duplicate(sig, other, threshold):
            score = max(dedup.similarity(sig, other))
            if best is None or (score, other_id) > best:
                best = (score, other_id)
    return best[1] if best else None


def _store_once(conn: Connection, article: Article, settings: StoreSettings) -> Article:
    text = article.text or ""
    digest = dedup.content_hash(text)
    sig = dedup.signature(text, settings.minhash_permutations)
    bands = dedup.band_hashes(sig)
    evidence = StoryEvidence(
        keys=entity_keys(e for e in article.entities if from_trained_model(e)),
        dates=frozenset(date_keys(article)),
        ref_date=_published_date(article.published),
        words=content_words(text),
        vector=decode_vector(article.lead_vector),
        site=site_of(article.canonical_url, article.source),
        names=named_norms((e.name, e.label) for e in article.entities),
    )
    advisory_locks(
        conn,
        [
            f"id:{article.id}",
            f"hash:{digest}",
            *(f"band:{b}:{h}" for b, h in bands),
            *evidence.keys,
            # Matching by content may join any stored article: one story assigner at a
            # time (SQLite's BEGIN IMMEDIATE already serialises every writer).
            *(["stories:content"] if evidence.vector is not None else []),
        ],
    )
    existing = _stored_row(conn, article.id)
    if existing is not None:
        logger.info("store: article %s was already stored; redelivery ignored", article.id)
        return _apply(article, existing)

    # after the redelivery check: a stored article keeps the labels it was stored with
    article = article.model_copy(
        update={"entities": adopt_known_labels(conn, article.entities)})
    stamp = utc_now()
    duplicate_of = conn.execute(
        select(articles.c.id).where(
            articles.c.content_hash == digest, articles.c.duplicate_of.is_(None)
        )
    ).scalar()
    if duplicate_of is None:
        duplicate_of = _near_original(conn, sig, bands, settings.near_duplicate_threshold)
    if duplicate_of is not None:
        story_id = conn.execute(
            select(articles.c.story_id).where(articles.c.id == duplicate_of)
        ).scalar()
    else:
        story_id = assign_story(
            conn,
            article.id,
            evidence,
            settings.story_window_days,
            settings.story_min_evidence,
            stamp,
        )
    stored = article.model_copy(
        update={
            "content_hash": digest,
            "duplicate_of": duplicate_of,
            "verdict": ledger.DUPLICATE if duplicate_of else ledger.STORED,
            "story_id": story_id,
        }
    )
    conn.execute(
        articles.insert().values(
            id=article.id,
            item_id=article.id,
            source=article.source,
            title=article.title,
            publisher=article.publisher,
            author=article.author,
            published=article.published,
            published_date=evidence.ref_date,
            canonical_url=article.canonical_url,
            language=_language(article),
            text=text,
            content_hash=digest,
            duplicate_of=duplicate_of,
            story_id=story_id,
            shingle_count=sig.shingle_count,
            minhash=sig.to_bytes(),
            payload=encode_record(stored),
            stored_at=stamp,
        )
    )
    index_article(conn, article.id, article.title, text, _language(article))
    index_entities(conn, article.id, article.entities)
    if article.quotes:
        conn.execute(
            quotes.insert(),
            [
                {
                    "article_id": article.id,
                    "speaker": q.speaker,
                    "text": q.text,
                    "kind": q.kind,
                    "start_char": q.start,
                    "end_char": q.end,
                }
                for q in article.quotes
            ],
        )
    if duplicate_of is None:
        # Only originals are indexed: later copies are matched against the original.
        conn.execute(
            insert_ignore(
                conn,
                lsh_bands,
                [{"band": b, "hash": h, "article_id": article.id} for b, h in bands],
                index=["band", "hash", "article_id"],
            )
        )
        if evidence.vector is not None and article.lead_vector:
            conn.execute(
                article_vectors.insert().values(
                    article_id=article.id, vector=base64.b64decode(article.lead_vector)
                )
            )
        weights = {**evidence.keys, **dict.fromkeys(evidence.dates, 1)}
        if weights:
            conn.execute(
                article_keys.insert(),
                [{"key": k, "weight": w, "article_id": article.id} for k, w in weights.items()],
            )
        if story_id is not None:
            refresh_story(conn, story_id, stamp)
        # Watches fire on originals only (a copy of a delivered article is not news), in this
        # transaction: the article and its pending deliveries commit together.
        record_matches(conn, stored)
    ledger.record_done(conn, article, stored.verdict or ledger.STORED, stamp)
    return stored


def store_article(engine: Engine, article: Article, settings: StoreSettings) -> Article:
    """Store ``article`` (see the module doc); returns it with its store fields set."""
    if not article.text or not article.text.strip():
        raise EmptyInput(f"article {article.id} has no text to store")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with write_tx(engine, f"store {article.id}") as conn:
                stored = _store_once(conn, article, settings)
        except IntegrityError as exc:
            # A concurrent worker stored the same id or the same content first; the next
            # attempt sees its row and resolves to a no-op or a duplicate.
            logger.info(
                "store: article %s lost a race (attempt %d): %s", article.id, attempt, exc.orig
            )
            continue
        logger.info(
            "store: article %s %s%s",
            article.id,
            stored.verdict,
            f" of {stored.duplicate_of}" if stored.duplicate_of else "",
        )
        return stored
    raise DatabaseBusy(f"store {article.id}: still conflicting after {MAX_ATTEMPTS} attempts")
