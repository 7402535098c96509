"""The stored originals a batch of texts could copy: looked up once, then kept up to date.

The store and the text gate (``tasks.storage.recognise``) ask, per article, "is there an
original with this content hash?" and "which original shares an LSH band and is confirmed on
its signature?". Asked one article at a time that is two or three queries each; here the
whole batch asks once (one query for the hashes, one for every band, one for the candidate
signatures), and the originals the batch itself stores are added as it goes, so the tenth
article of a message still meets the third.

In the store, the look-up runs after the batch's advisory locks are held (``hash:`` and
``band:`` keys): an original committed by another worker is then either visible to these
queries or waits for this transaction, exactly as with per-article queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from tasks.storage import dedup
from tasks.storage.band_lookup import band_rows
from tasks.storage.dialect import one_of
from tasks.storage.schema import articles

__all__ = ["OriginalIndex"]

Band = tuple[int, str]


@dataclass
class OriginalIndex:
    """Originals by content hash and by LSH band, with their signatures."""

    by_hash: dict[str, str] = field(default_factory=dict)
    by_band: dict[Band, set[str]] = field(default_factory=dict)
    signatures: dict[str, dedup.Signature] = field(default_factory=dict)
    # Each original's story, read with it: a copy joins its original's story with no query.
    stories: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, digests: Iterable[str],
             bands: Iterable[Band]) -> OriginalIndex:
        index = cls()
        wanted_hashes = sorted(set(digests))
        if wanted_hashes:
            for digest, original, story in conn.execute(
                select(articles.c.content_hash, articles.c.id, articles.c.story_id).where(
                    one_of(conn, articles.c.content_hash, wanted_hashes),
                    articles.c.duplicate_of.is_(None),
                )
            ):
                index.by_hash[digest] = original
                index.stories[original] = story
        for band, value, other in band_rows(conn, bands):
            index.by_band.setdefault((band, value), set()).add(other)
        candidates = sorted({o for found in index.by_band.values() for o in found})
        if candidates:
            for other, raw, shingles, story in conn.execute(
                select(articles.c.id, articles.c.minhash, articles.c.shingle_count,
                       articles.c.story_id).where(
                    one_of(conn, articles.c.id, candidates), articles.c.duplicate_of.is_(None)
                )
            ):
                index.signatures[other] = dedup.Signature.from_bytes(raw, shingles)
                index.stories[other] = story
        return index

    def exact(self, digest: str) -> str | None:
        return self.by_hash.get(digest)

    def near(self, sig: dedup.Signature, bands: list[Band], threshold: float) -> str | None:
        """The most similar original sharing a band and confirmed on its signature."""
        best: tuple[float, str] | None = None
        for other in sorted({o for b in bands for o in self.by_band.get(b, ())}):
            stored = self.signatures.get(other)  # None: a duplicate holds no band rows
            if stored is not None and dedup.is_near_duplicate(sig, stored, threshold):
                score = max(dedup.similarity(sig, stored))
                if best is None or (score, other) > best:
                    best = (score, other)
        return best[1] if best else None

    def story(self, original: str) -> str | None:
        """The story of an original ``exact`` or ``near`` returned."""
        return self.stories.get(original)

    def add(self, article_id: str, digest: str, sig: dedup.Signature,
            bands: list[Band], story_id: str | None = None) -> None:
        """An original this batch stored: later articles of the batch must meet it."""
        self.by_hash.setdefault(digest, article_id)
        self.signatures[article_id] = sig
        self.stories[article_id] = story_id
        for band in bands:
            self.by_band.setdefault(band, set()).add(article_id)
