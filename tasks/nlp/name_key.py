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

__all__ = ["name_key"]

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


def _word(word: str) -> str:
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


def name_key(name: str) -> str:
    """The cross-script key of ``name`` (empty when nothing of it is a letter or digit)."""
    from anyascii import anyascii

    latin = _POSSESSIVE.sub("", anyascii(name.strip()))
    words = _NON_WORD.sub(" ", latin.casefold()).split()
    text = _LEADING_ARTICLE.sub("", " ".join(words)) if len(words) > 1 else " ".join(words)
    return " ".join(_word(w) for w in text.split())[:MAX_KEY]
