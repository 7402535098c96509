"""Snowball stems, one loader for every user: the search index (``tasks.storage.search_terms``)
and the fallback NER's Turkish cues (``tasks.nlp.fallback_ner``).

snowballstemmer is pure Python: ~30-55 us a word (23-42 ms for a dev-corpus article), and the
store stems inside its write transaction. Word frequencies are Zipfian, so a bounded cache
answers most words: 0.4-0.7 ms an article once warm, ~5 MB at 20,000 entries (tracemalloc).
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
