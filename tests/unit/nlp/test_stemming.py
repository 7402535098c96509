"""The compiled Snowball stemmers (PyStemmer) are the ones in use, and stem like the pure-Python
ones snowballstemmer ships, for every algorithm the search index uses."""

from __future__ import annotations

import importlib
import re

import snowballstemmer  # type: ignore[import-untyped]

from tasks.nlp.stemming import stem
from tasks.storage.search_terms import STEMMERS

_SAMPLE = """
Verhandlungen Verhandlung Regierungserklärung Bundesländern négociations négociation
ministères ministres negociaciones negociación presidentes elecciones müzakereler
müzakerelerin cumhurbaşkanı görüşmelerde المفاوضات والمفاوضات بالرئيس الحكومة
переговоры переговорах министров negotiations negotiated ministers running happily
trattative ministri negociações governos onderhandelingen förhandlingar neuvottelut
tárgyalások negocieri pregovori διαπραγματεύσεις वार्ता مذاکرات vyjednávání derybos
"""


def _pure_stemmer(algorithm: str) -> object:
    """snowballstemmer's pure-Python class for ``algorithm`` (used without PyStemmer)."""
    module = importlib.import_module(f"snowballstemmer.{algorithm}_stemmer")
    name = "".join(part.title() for part in algorithm.split("_")) + "Stemmer"
    return getattr(module, name)()


def test_snowballstemmer_hands_its_work_to_the_compiled_stemmers() -> None:
    import Stemmer  # type: ignore[import-not-found]  # PyStemmer

    assert snowballstemmer.stemmer is Stemmer.Stemmer


def test_compiled_and_pure_stemmers_agree_for_every_algorithm_in_use() -> None:
    words = [w.lower() for w in re.findall(r"\w+", _SAMPLE)]
    for algorithm in sorted(set(STEMMERS.values())):
        pure = _pure_stemmer(algorithm)
        expected = [pure.stemWord(w) for w in words]  # type: ignore[attr-defined]
        assert [stem(algorithm, w) for w in words] == expected, algorithm


def test_stems_join_inflected_forms() -> None:
    assert stem("german", "verhandlungen") == stem("german", "verhandlung")
    assert stem("french", "négociations") == stem("french", "négociation")
