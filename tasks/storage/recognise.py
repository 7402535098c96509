"""Duplicates recognised before the expensive stages, from what is already stored.

A wire feed carries many copies; the store stage recognised them, after clean, the language
check and extract had all been paid for. These gates run before those stages (declared on
the stage records, ``tasks.stages``) and look the article up among the stored originals:

* before clean: the hash of the raw document (``dedup.raw_hash``), which originals index
  under ``dedup.RAW_BAND``: a byte-identical copy skips clean, the check and extract;
* before clean, for an HTML page the raw hash missed: the text of its paragraphs, one lxml
  parse (``tasks.storage.page_copies``), against the stored originals' LSH bands, confirmed
  on their stored text: the same article in another template, or with another header,
  footer or ad block, skips clean too; a page that is no copy hands its parsed tree on to
  clean (``tasks.cleaning.parsed_pages``);
* before the check and before extract: the content hash of the cleaned text, then MinHash
  LSH bands confirmed on the signatures, as the store does (``tasks.storage.originals``):
  an exact or near copy (another header or footer) skips the check and extract.

A recognised article gets ``duplicate_of``; the stages that follow pass it through, and
the store completes its record from the original (text, language, entities, story:
``repository``). One query per gate and message, whatever the batch size.

Only committed originals are seen, and an original is never removed nor demoted, so a
hint is never wrong; a copy whose original is still on its way is simply not recognised
here and goes the full path, where the store decides under its locks, as before.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, select

from config.settings import StoreSettings
from tasks.cpu_meter import spent_on
from tasks.models import Article
from tasks.storage import dedup
from tasks.storage.band_lookup import band_rows
from tasks.storage.db import read_tx
from tasks.storage.originals import OriginalIndex
from tasks.storage.schema import articles as articles_table
from tasks.storage.schema import lsh_bands

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
    """Copies of stored originals recognised before clean: byte-identical documents, then
    pages holding a stored original's text whole. Marked, their raw document dropped.
    The work on one article alone (its hashes, its page's parse, its signature) is charged
    to it (``tasks.cpu_meter``); the look-ups are the message's."""
    _raw_copies(articles, engine)
    _page_copies([a for a in articles if not recognised(a)], settings, engine)


def _mark_before_clean(article: Article, original: str, what: str) -> None:
    content = _raw_content(article)
    if content is not None:
        from tasks.cleaning import parsed_pages  # loads trafilatura: see _page_copies

        parsed_pages.drop(content)  # clean never runs on it: its tree is let go
    article.duplicate_of = original
    article.raw = None  # as clean would: the page never travels further
    article.inline_content = None
    logger.info("article %s: %s of %s, recognised before clean", article.id, what, original)


def _raw_copies(articles: list[Article], engine: Engine) -> None:
    hashes: dict[str, list[Article]] = {}
    for article in articles:
        content = _raw_content(article)
        if content is None or recognised(article):
            continue
        with spent_on(article.id):
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
            _mark_before_clean(article, original, "raw copy")


def _page_copies(articles: list[Article], settings: StoreSettings, engine: Engine) -> None:
    # Here, not at the top: they load trafilatura, which only the clean gate needs (the
    # text gates run in the extract workers too).
    from tasks.clean import content_of
    from tasks.cleaning import parsed_pages
    from tasks.storage import page_copies

    pages: dict[str, tuple[Article, set[bytes], list[tuple[int, str]]]] = {}
    for article in articles:
        if _raw_content(article) is None:
            continue
        with spent_on(article.id):
            content, kind, _url = content_of(article)
            if kind != "html":
                continue
            # parsed as clean parses it, and kept for clean: a page that is no copy (every
            # original) is not parsed twice
            tree = parsed_pages.load(content)
            grams = page_copies.shingles(page_copies.tree_text(tree))
            if len(grams) < dedup.MIN_SHINGLES_FOR_CONTAINMENT:
                continue  # no prose in <p> elements: clean decides
            sig = page_copies.signature(grams, settings.minhash_permutations)
            pages[article.id] = (article, grams, dedup.band_hashes(sig))
    if not pages:
        return
    with read_tx(engine, "recognise pages") as conn:
        texts = _candidate_texts(conn, [b for _a, _g, bands in pages.values() for b in bands])
    if not texts:
        return
    by_band: dict[tuple[int, str], set[str]] = {}
    for original, (_text, shared) in texts.items():
        for band in shared:
            by_band.setdefault(band, set()).add(original)
    grams_of = {original: page_copies.shingles(text) for original, (text, _b) in texts.items()}
    for article, grams, bands in pages.values():
        candidates = sorted({o for band in bands for o in by_band.get(band, ())})
        held = [o for o in candidates if page_copies.is_page_copy(grams_of[o], grams)]
        if held:
            # the original most of whose words the page holds (ties: the smallest id)
            best = max(held, key=lambda o: len(grams_of[o] & grams) / len(grams_of[o]))
            _mark_before_clean(article, best, "page copy")


def _candidate_texts(conn: Connection,
                     bands: list[tuple[int, str]]) -> dict[str, tuple[str, set[tuple[int, str]]]]:
    """The stored originals sharing a band with the pages: their text and shared bands."""
    shared: dict[str, set[tuple[int, str]]] = {}
    for band, value, original in band_rows(conn, bands):
        shared.setdefault(original, set()).add((band, value))
    if not shared:
        return {}
    return {
        original: (text, shared[original])
        for original, text in conn.execute(
            select(articles_table.c.id, articles_table.c.text).where(
                articles_table.c.id.in_(sorted(shared)), articles_table.c.duplicate_of.is_(None)
            )
        )
    }


def before_text_stages(articles: list[Article], settings: StoreSettings,
                       engine: Engine) -> None:
    """Exact and near copies of stored originals, by their cleaned text (each article's
    hash and signature charged to it, ``tasks.cpu_meter``)."""
    todo = [a for a in articles if a.text and a.text.strip() and not recognised(a)]
    if not todo:
        return
    digests: dict[str, str] = {}
    sigs: dict[str, dedup.Signature] = {}
    bands: dict[str, list[tuple[int, str]]] = {}
    for article in todo:
        with spent_on(article.id):
            digests[article.id] = dedup.content_hash(article.text or "")
            sigs[article.id] = dedup.signature(article.text or "", settings.minhash_permutations)
            bands[article.id] = dedup.band_hashes(sigs[article.id])
    with read_tx(engine, "recognise text") as conn:
        index = OriginalIndex.load(conn, digests.values(),
                                   [b for found in bands.values() for b in found])
    for article in todo:
        original = index.exact(digests[article.id]) or index.near(
            sigs[article.id], bands[article.id], settings.near_duplicate_threshold)
        if original is not None:
            article.duplicate_of = original
            logger.info("article %s: copy of %s, recognised before the text stages",
                        article.id, original)
