"""Exact and near-duplicate detection: content hash, MinHash signatures, LSH bands.

``tasks.storage.minhash`` computes the MinHash signatures and the LSH banding parameters
(datasketch's legacy scheme, checked value for value against it in the tests); the bands
are stored in the database (``lsh_bands``) instead of an in-memory index, so every worker
process sees every article. A candidate found through a shared band is confirmed on
its signature: Jaccard similarity of word 3-gram shingles, or containment (most of the
smaller text inside the larger one) for copies that dropped or added a paragraph.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tasks.storage.minhash import band_parameters, signature_values

__all__ = [
    "CANDIDATE_THRESHOLD",
    "NO_SIGNATURE",
    "RAW_BAND",
    "Signature",
    "band_hashes",
    "content_hash",
    "is_near_duplicate",
    "normalise_text",
    "raw_hash",
    "signature",
    "similarity",
]

SHINGLE_WORDS = 3
# LSH finds candidates from this Jaccard on; lower than the duplicate threshold so that
# copies with a dropped paragraph (high containment, lower Jaccard) still meet their original.
CANDIDATE_THRESHOLD = 0.3
# Containment only counts for texts of some length whose sizes are comparable: a short brief
# quoted inside a long feature is not a copy of it.
MIN_SHINGLES_FOR_CONTAINMENT = 40
MIN_SIZE_RATIO = 0.5
_SEED = 1
# Chinese and Japanese do not separate words with spaces: each ideograph or kana counts as
# one token there, so shingles become character trigrams instead of whole sentences.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def normalise_text(text: str) -> str:
    """Casefolded, whitespace collapsed: the text the content hash is taken of."""
    return " ".join(text.casefold().split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


# An original's raw-document hash is kept in ``lsh_bands`` under this band number, which no
# MinHash band has (they count from 0): an exact index of the raw bytes at no schema cost.
RAW_BAND = -1


def raw_hash(content: str) -> str:
    """Hash of a raw document as fetched or given (32 hex characters, the band hash width)."""
    data = content.encode("utf-8", errors="surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _shingles(text: str) -> set[bytes]:
    words = _TOKEN.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    # three staggered views of the words rather than a slice and a join per 3-gram (a fifth
    # less CPU; SHINGLE_WORDS is 3); the shorter views end the 3-grams
    grams = zip(words, words[1:], words[2:], strict=False)
    return {f"{a} {b} {c}".encode() for a, b, c in grams}


@dataclass(frozen=True)
class Signature:
    hashvalues: np.ndarray
    shingle_count: int

    def to_bytes(self) -> bytes:
        return self.hashvalues.astype("<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingle_count: int) -> Signature:
        return cls(np.frombuffer(data, dtype="<u8").astype(np.uint64), shingle_count)


# What a recognised copy's row holds instead of a signature: only originals are compared
# (``OriginalIndex`` reads the signatures of originals alone), so a copy's is never read.
NO_SIGNATURE = Signature(np.empty(0, dtype=np.uint64), 0)


def signature(text: str, num_perm: int) -> Signature:
    return _signature(text, num_perm)


# The same text is signed up to three times on its way, by the gate before the language
# check, the one before extract (an original may have been stored in between) and the
# store: where those run in one process the later ones find it here. A signature is never
# modified after it is made, so sharing one is safe; 64 texts of a few KB each.
@lru_cache(maxsize=64)
def _signature(text: str, num_perm: int) -> Signature:
    shingles = _shingles(text)
    return Signature(signature_values(shingles, num_perm, _SEED), len(shingles))


def _band_params(num_perm: int) -> tuple[int, int]:
    # Weighted towards recall: a missed candidate is a missed duplicate, while a false
    # candidate only costs one signature comparison.
    return band_parameters(CANDIDATE_THRESHOLD, num_perm, 0.2, 0.8)


def band_hashes(sig: Signature) -> list[tuple[int, str]]:
    """(band number, hash) pairs; two signatures sharing one are near-duplicate candidates."""
    num_perm = len(sig.hashvalues)
    bands, rows = _band_params(num_perm)
    # The band layout is part of the hash, so signatures made with other settings never
    # collide with these by accident.
    salt = f"{num_perm}:{rows}:".encode()
    values = sig.hashvalues.astype("<u8")
    return [
        (
            band,
            hashlib.blake2b(
                salt + values[band * rows : (band + 1) * rows].tobytes(), digest_size=12
            ).hexdigest(),
        )
        for band in range(bands)
    ]


def similarity(a: Signature, b: Signature) -> tuple[float, float]:
    """Estimated (Jaccard, containment of the smaller shingle set in the larger)."""
    if len(a.hashvalues) != len(b.hashvalues) or not a.shingle_count or not b.shingle_count:
        return 0.0, 0.0
    jaccard = float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)
    overlap = jaccard / (1.0 + jaccard) * (a.shingle_count + b.shingle_count)
    containment = min(1.0, overlap / min(a.shingle_count, b.shingle_count))
    return jaccard, containment


def is_near_duplicate(a: Signature, b: Signature, threshold: float) -> bool:
    jaccard, containment = similarity(a, b)
    if jaccard >= threshold:
        return True
    small, large = sorted((a.shingle_count, b.shingle_count))
    return (
        containment >= threshold
        and small >= MIN_SHINGLES_FOR_CONTAINMENT
        and small / large >= MIN_SIZE_RATIO
    )
