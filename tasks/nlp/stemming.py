"""Snowball stems, one loader for every user: the search index (``tasks.storage.search_terms``)
and the fallback NER's Turkish cues (``tasks.nlp.fallback_ner``).

snowballstemmer hands its work to PyStemmer (the same Snowball algorithms compiled from
libstemmer_c) when that is installed, as it is here: ~1 us a word, against 30-55 us for its
pure-Python stemmers (3.2 s -> 0.1 s for the 76,871 distinct words of stories-dev, identical
stems; tests/unit/nlp/test_stemming.py compares the two). Word frequencies are Zipfian, so a
bounded cache still answers most words for less than a call costs (~5 MB at 20,000 entries).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

__all__ = ["stem"]


@cache
def _stemmer(algorithm: str) -> Any:
    import snowballstemmer  # type: ignore[import-untyped]  # no stubs; loaded on first use

    return snowballstemmer.stemmer(algorithm)


@lru_cache(maxsize=20_000)
def stem(algorithm: str, word: str) -> str:
    """``word``'s stem by the Snowball ``algorithm`` ("turkish", "german" ...)."""
    return str(_stemmer(algorithm).stemWord(word))
