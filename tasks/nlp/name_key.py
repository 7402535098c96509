"""One key for the spellings of a name across languages and scripts.

"Grushko", "Gruschko", "Grouchko" and "Грушко" share the key ``grushko``; "НАТО" and "NATO"
share ``nato``. Steps:

1. anyascii turns every script into Latin letters (Грушко -> Grushko, Ελλάδα -> Ellada) and
   drops diacritics (Erdoğan -> Erdogan);
2. casefold, punctuation to spaces, a leading article dropped ("the", "la", "der" ...);
3. in each word, the spellings by which German, French and English transliterate one sound
   are made one (longest first, so "tsch" is read before "sch" and "ch"):
   * "tsch", "tch" -> "ch" (German/French for English "ch": Gorbatschow, Gorbatchev);
   * "sch", "ch" -> "sh" (German/French for English "sh": Gruschko, Grouchko -> Grushko);
   * "ou" -> "u" (French for English "u": Grouchko);
   * "w" -> "v" (German for English "v": Gorbatschow);
   * "j" -> "y" after a vowel and "y" -> "i" at a word's end (Sergej, Sergey, Sergei);
   * doubled letters -> one (Lavrov, Lavrow -> lavrov; Grüssen -> grusen).

What the key never does: join different letters beyond these ("Grushko" and "Gruzko" stay
apart), or join translations that are different words ("Moskva" and "Moscow", "OTAN" and
"NATO"): places join through the gazetteer's English name (``tasks.nlp.gazetteer``), and
organisations through the alias table (``ExtractSettings.aliases``).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["loose_key", "name_key"]

_LEADING_ARTICLE = re.compile(r"^(?:the|la|le|les|l|el|los|las|der|die|das|al)\s+")
_POSSESSIVE = re.compile(r"['’]s\b")
_NON_WORD = re.compile(r"[^\w]+")
_RULES = (
    (re.compile(r"t?tsch|tch"), "ch"),
    (re.compile(r"sch|ch"), "sh"),
    (re.compile(r"ou"), "u"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(?<=[aeiou])j"), "y"),
    (re.compile(r"(?<=\w)y$"), "i"),
    (re.compile(r"(\w)\1+"), r"\1"),
)
MAX_KEY = 250
# Signs anyascii writes as an apostrophe, which would split a word in two ("Дональд" ->
# "Donal'd" -> "donal d"): Russian soft and hard signs, Arabic hamza on a carrier. Latin
# spellings of these names leave them out (Donald, Netanyahu, Khamenei).
_SPLITTING_SIGNS = str.maketrans(dict.fromkeys("ьъЬЪءئؤ"))


def _word(word: str) -> str:
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


def name_key(name: str) -> str:
    """The cross-script key of ``name`` (empty when nothing of it is a letter or digit)."""
    from anyascii import anyascii

    latin = _POSSESSIVE.sub("", anyascii(name.strip().translate(_SPLITTING_SIGNS)))
    words = _NON_WORD.sub(" ", latin.casefold()).split()
    text = _LEADING_ARTICLE.sub("", " ".join(words)) if len(words) > 1 else " ".join(words)
    return " ".join(_word(w) for w in text.split())[:MAX_KEY]


# ``loose_key``: what scripts without written vowels (Arabic) or without some Latin letters
# (no p, v in Arabic; no h in Russian, which writes Х "kh") leave of a name.
_LOOSE_DIGRAPHS = (
    ("dzh", "j"),
    ("ph", "f"),
    ("gh", "g"),
    ("kh", "h"),
    ("dh", "z"),
    ("th", "t"),
    ("ck", "k"),
)
_LOOSE_LETTERS = str.maketrans({"p": "b", "c": "k", "q": "k", "x": "k"})
_LOOSE_SILENT = re.compile(r"[aeiouyfvwh]")
_DOUBLED = re.compile(r"(\w)\1+")


@lru_cache(maxsize=65_536)
def loose_key(key: str) -> str:
    """The consonant skeleton of a ``name_key``: where "Trump", "Трамп" (tramp) and "ترامب"
    (trmb) meet as ``trmb``, "Putin", "Путина" and "بوتين" (bvtyn) as ``btn``.

    Arabic writes no short vowels and a long one as a consonant letter (و -> v, ي -> y),
    has no p and writes v as f (فلاديمير), and Russian spells a foreign "u" or "h" its own
    way, so vowels, f, v, w, y and h are dropped and p, c, q, x read as b, k. Much is lost
    (Biden and Baden meet as ``bdn``): equal loose keys only say that two names *may* be
    one, never join entities. Stories use it to ask whether two articles share no name at
    all (``tasks.storage.stories``).
    """
    words = []
    for word in key.split():
        for spelling, sound in _LOOSE_DIGRAPHS:
            word = word.replace(spelling, sound)
        word = _DOUBLED.sub(r"\1", _LOOSE_SILENT.sub("", word.translate(_LOOSE_LETTERS)))
        if word:
            words.append(word)
    return " ".join(words)
