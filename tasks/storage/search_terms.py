"""Search terms per language: which stemmer and stop words an article is indexed with.

One table maps an article's ISO 639 language code to a Snowball algorithm. PostgreSQL indexes
with the text-search configuration of the same name (``PG_CONFIGS``: the ones PostgreSQL
15/16 ship); SQLite's FTS5 has no stemming tokenizer, so the store writes each article's
stems, computed here with snowballstemmer, and a query is stemmed the same way. Stop words
are PostgreSQL's own lists (copies of Snowball's, in ``stopwords/``) so both backends drop
the same words; like PostgreSQL, a word is checked against the list before it is stemmed.
A language without an algorithm (or without a language) is indexed ``simple``: casefolded
words, nothing dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from tasks.nlp.stemming import stem

__all__ = [
    "PG_CONFIGS",
    "SIMPLE",
    "STEMMERS",
    "index_text",
    "pg_config",
    "query_terms",
    "stemmer_name",
]

SIMPLE = "simple"

# ISO 639-1 (or -3) code -> Snowball algorithm, for every algorithm snowballstemmer 3 has.
STEMMERS: dict[str, str] = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "eo": "esperanto",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "fa": "persian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    # Croatian and Bosnian share Serbian's inflection; the stemmer reads Latin script too.
    "hr": "serbian",
    "bs": "serbian",
    "st": "sesotho",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

# PostgreSQL's built-in configurations (\dF on 15 and 16); Polish, Czech, Estonian, Persian,
# Esperanto and Sesotho have none there, so PostgreSQL indexes those articles ``simple``.
PG_CONFIGS = frozenset(
    [
        "arabic",
        "armenian",
        "basque",
        "catalan",
        "danish",
        "dutch",
        "english",
        "finnish",
        "french",
        "german",
        "greek",
        "hindi",
        "hungarian",
        "indonesian",
        "irish",
        "italian",
        "lithuanian",
        "nepali",
        "norwegian",
        "portuguese",
        "romanian",
        "russian",
        "serbian",
        "spanish",
        "swedish",
        "tamil",
        "turkish",
        "yiddish",
    ]
)
# PostgreSQL's hindi and russian configurations stem all-ASCII words as English.
_ASCII_AS_ENGLISH = frozenset({"hindi", "russian"})

_WORD = re.compile(r"[^\W_]+")  # letters and digits: underscores split, as in FTS5 and PostgreSQL
_STOPWORDS_DIR = Path(__file__).resolve().parent / "stopwords"


def _base(language: str | None) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def stemmer_name(language: str | None) -> str:
    """The Snowball algorithm an article in ``language`` is indexed with, or ``simple``."""
    return STEMMERS.get(_base(language), SIMPLE)


def pg_config(language: str | None) -> str:
    """The PostgreSQL text-search configuration for ``language``."""
    name = stemmer_name(language)
    return name if name in PG_CONFIGS else SIMPLE


@cache
def _stopwords(name: str) -> frozenset[str]:
    path = _STOPWORDS_DIR / f"{name}.stop"
    if not path.exists():
        return frozenset()
    return frozenset(w.strip() for w in path.read_text(encoding="utf-8").split() if w.strip())


def _terms(words: Iterable[str], name: str) -> list[str]:
    """Stems of ``words`` (lowercased, stop words dropped) for the algorithm ``name``."""
    if name == SIMPLE:
        return list(words)
    out: list[str] = []
    for word in words:
        algo = "english" if name in _ASCII_AS_ENGLISH and word.isascii() else name
        if word in _stopwords(algo):
            continue
        out.append(stem(algo, word))  # cached: tasks.nlp.stemming
    return out


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def index_text(text: str | None, name: str) -> str:
    """``text`` as space-separated index terms for the algorithm ``name`` (FTS5's copy)."""
    return " ".join(_terms(_words(text or ""), name))


def query_terms(words: list[str], name: str) -> list[str]:
    """The query's terms for articles indexed with ``name``: empty if all are stop words."""
    return list(dict.fromkeys(_terms([w.lower() for w in words], name)))
