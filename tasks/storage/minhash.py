"""MinHash signatures and LSH band parameters in numpy: datasketch's "legacy" scheme.

datasketch was the implementation here until its import showed up in every worker's memory:
its package ``__init__`` loads ``datasketch.lsh``, which imports scipy to integrate two
probabilities, 44 MB resident per worker process and 0.6 s of start-up for a computation
done once. The maths is a dozen lines, kept identical to datasketch's so that the results
are too: ``tests/unit/storage/test_minhash.py`` compares signatures value for value with
``datasketch.MinHash(scheme="legacy")`` and band parameters with ``MinHashLSH`` (datasketch
stays a test dependency for that).

* signature: each shingle is hashed to 32 bits (first four bytes of SHA-1, little endian),
  mapped by ``num_perm`` universal hash functions ``(a*h + b) mod (2^61 - 1)`` truncated to
  32 bits, with ``a, b`` drawn from ``numpy.random.RandomState(seed)``; the signature is the
  minimum of each function over the shingles;
* bands: the ``(b, r)`` with ``b * r <= num_perm`` that minimises the weighted areas of
  false positives below the threshold and false negatives above it (Gauss-Legendre
  quadrature, exact for these polynomials).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

__all__ = ["band_parameters", "signature_values"]

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.RandomState(seed)
    pairs = np.array(
        [
            (
                generator.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                generator.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
            )
            for _ in range(num_perm)
        ],
        dtype=np.uint64,
    ).T
    return pairs[0], pairs[1]


def signature_values(shingles: Iterable[bytes], num_perm: int, seed: int) -> np.ndarray:
    """The ``num_perm`` minimum hash values of ``shingles`` (all 2^32 - 1 when empty)."""
    a, b = _permutations(num_perm, seed)
    # The first four bytes of each SHA-1, read as little-endian uint32 in one go (a Python
    # int per shingle cost as much as the hashing).
    sha1 = hashlib.sha1
    packed = b"".join([sha1(shingle).digest()[:4] for shingle in shingles])
    hashes = np.frombuffer(packed, dtype="<u4").astype(np.uint64)
    if not hashes.size:
        return np.full(num_perm, _MAX_HASH, dtype=np.uint64)
    # uint64 products wrap around, exactly as in datasketch: part of the hash family. One
    # (shingles x num_perm) array, worked in place.
    permuted = np.multiply.outer(hashes, a)
    permuted += b
    np.remainder(permuted, _MERSENNE_PRIME, out=permuted)
    np.bitwise_and(permuted, _MAX_HASH, out=permuted)
    return np.asarray(permuted.min(axis=0), dtype=np.uint64)


@lru_cache(maxsize=8)
def band_parameters(
    threshold: float, num_perm: int, false_positive_weight: float, false_negative_weight: float
) -> tuple[int, int]:
    """``(bands, rows)`` for an LSH index that flags pairs around ``threshold`` Jaccard."""
    # 1 - (1 - s^r)^b is a polynomial of degree r*b <= num_perm: n nodes are exact to 2n - 1.
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def candidate_area(low: float, high: float, bands: int, rows: int) -> float:
        s = (high - low) / 2 * nodes + (high + low) / 2
        return float((high - low) / 2 * np.sum(weights * (1 - (1 - s**rows) ** bands)))

    best, best_error = (0, 0), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = candidate_area(0.0, threshold, bands, rows)
            false_negative = (1.0 - threshold) - candidate_area(threshold, 1.0, bands, rows)
            error = false_positive * false_positive_weight + false_negative * false_negative_weight
            if error < best_error:
                best, best_error = (bands, rows), error
    return best
