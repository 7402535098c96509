"""Duplicates recognised before the expensive stages, from what is already stored.

A wire feed carries many copies; the store stage recognised them, after clean, the language
check and extract had all been paid for. These gates run before those stages (declared on
the stage records, ``tasks.stages``) and look the article up among the stored originals:

* before clean: the hash of the raw document (``dedup.raw_hash``), which originals index
  under ``dedup.RAW_BAND``: a byte-identical copy skips clean, the check and extract;
* before the check and before extract: the content hash of the cleaned text, then MinHash
  LSH bands confirmed on the signatures, as the store does: an exact or near copy (another
  header or footer) skips the check and extract.

A recognised article gets ``duplicate_of``; the stages that follow pass it through, and
the store completes its record from the original (text, language, entities, story:
``repository``). One query per gate and message, whatever the batch size.

Only committed originals are seen, and an original is never removed nor demoted, so a
hint is never wrong; a copy whose original is still on its way is simply not recognised
here and goes the full path, where the store decides under its locks, as before.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, and_, or_, select

from config.settings import StoreSettings
from tasks.models import Article
from tasks.storage import dedup
from tasks.storage.db import read_tx
from tasks.storage.schema import articles, lsh_bands

__all__ = ["before_clean", "before_text_stages", "recognised"]

logger = logging.getLogger(__name__)


def recognised(article: Article) -> bool:
    """Whether an earlier gate found this article's original (its stages pass it through)."""
    return article.duplicate_of is not None and article.verdict is None


def _raw_content(article: Article) -> str | None:
    if article.raw is not None:
        return article.raw.content
    return article.inline_content


def before_clean(articles: list[Article], settings: StoreSettings, engine: Engine) -> None:
    """Byte-identical copies of stored originals: marked, their raw document dropped."""
    hashes: dict[str, list[Article]] = {}
    for article in articles:
        content = _raw_content(article)
        if content is None or recognised(article):
            continue
        article.raw_hash = dedup.raw_hash(content)
        hashes.setdefault(article.raw_hash, []).append(article)
    if not hashes:
        return
    with read_tx(engine, "recognise raw") as conn:
        found = dict(
            conn.execute(
                select(lsh_bands.c.hash, lsh_bands.c.article_id).where(
                    lsh_bands.c.band == dedup.RAW_BAND, lsh_bands.c.hash.in_(sorted(hashes))
                )
            ).all()
        )
    for digest, original in found.items():
        for article in hashes[digest]:
            article.duplicate_of = original
            article.raw = None  # as clean would: the page never travels further
            article.inline_content = None
            logger.info("article %s: raw copy of %s, recognised before clean", article.id,
                        original)


def before_text_stages(articles: list[Article], settings: StoreSettings,
                       engine: Engine) -> None:
    """Exact and near copies of stored originals, by their cleaned text."""
    todo = [a for a in articles if a.text and a.text.strip() and not recognised(a)]
    if not todo:
        return
    with read_tx(engine, "recognise text") as conn:
        originals = _by_content_hash(conn, todo)
        rest = [a for a in todo if a.id not in originals]
        if rest:
            originals.update(_by_bands(conn, rest, settings))
    for article in todo:
        if article.id in originals:
            article.duplicate_of = originals[article.id]
            logger.info("article %s: copy of %s, recognised before the text stages",
                        article.id, article.duplicate_of)


def _by_content_hash(conn: Connection, todo: list[Article]) -> dict[str, str]:
    digests = {a.id: dedup.content_hash(a.text or "") for a in todo}
    rows = conn.execute(
        select(articles.c.content_hash, articles.c.id).where(
            articles.c.content_hash.in_(sorted(set(digests.values()))),
            articles.c.duplicate_of.is_(None),
        )
    ).all()
    by_digest = {digest: original for digest, original in rows}
    return {i: by_digest[d] for i, d in digests.items() if d in by_digest}


def _by_bands(conn: Connection, todo: list[Article], settings: StoreSettings) -> dict[str, str]:
    """The best near original of each article: one query for every band of the batch."""
    sigs = {a.id: dedup.signature(a.text or "", settings.minhash_permutations) for a in todo}
    bands = {i: dedup.band_hashes(s) for i, s in sigs.items()}
    wanted = sorted({b for bs in bands.values() for b in bs})
    if not wanted:
        return {}
    match = or_(*(and_(lsh_bands.c.band == b, lsh_bands.c.hash == h) for b, h in wanted))
    holders: dict[tuple[int, str], set[str]] = {}
    for band, value, other in conn.execute(
        select(lsh_bands.c.band, lsh_bands.c.hash, lsh_bands.c.article_id).where(match)
    ):
        holders.setdefault((band, value), set()).add(other)
    candidates = sorted({o for found in holders.values() for o in found})
    if not candidates:
        return {}
    stored = {
        other: dedup.Signature.from_bytes(raw, shingles)
        for other, raw, shingles in conn.execute(
            select(articles.c.id, articles.c.minhash, articles.c.shingle_count).where(
                articles.c.id.in_(candidates), articles.c.duplicate_of.is_(None)
            )
        )
    }
    out: dict[str, str] = {}
    threshold = settings.near_duplicate_threshold
    for article_id, sig in sigs.items():
        best: tuple[float, str] | None = None
        for other in sorted({o for b in bands[article_id] for o in holders.get(b, ())}):
            if other in stored and dedup.is_near_duplicate(sig, stored[other], threshold):
                score = max(dedup.similarity(sig, stored[other]))
                if best is None or (score, other) > best:
                    best = (score, other)
        if best is not None:
            out[article_id] = best[1]
    return out
