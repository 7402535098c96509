"""Given names (and, for Arabic, family names) in many languages and scripts, from Faker's
person providers: the evidence that a capitalised span is a person ("Günther Schartz",
"Massimo Osanna", "Lukas Podolski") where no trained NER exists for the language.

Faker (MIT, pure Python, pinned in pyproject.toml) keeps, per locale, the first names its
fake people are made of: a few hundred to a few thousand real names for each of about 80
locales (Latin, Cyrillic, Arabic, Greek, Hebrew ... scripts). Only those class attributes are
read; nothing of Faker's generator runs. Names shorter than three letters are left out ("Al",
"Su", "Li" are words as often as names), and accents, Arabic short vowels and shadda are
stripped, as in ``key`` below, so that the diacritics a text may or may not write do not
matter.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = ["PersonNames", "key", "load_person_names"]

_FIRST_NAME_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female",
                          "first_names_nonbinary")
# Arabic harakat, tanwin, shadda, sukun, superscript alef, tatweel
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_MIN_LETTERS = 3


def _is_cyrillic(word: str) -> bool:
    return "\u0400" <= word[:1] <= "\u04ff"


def _latin_beyond_accents(word: str) -> bool:
    """A Latin word with a letter that is no accented ASCII letter (ł, ø, đ): ``key`` keeps
    it, so "Władimir" would miss the "Wladimir" other locales spell. Not Turkish ı: Faker's
    Turkish names are spelt with it, and read as i it turns words into names ("Salı"
    Tuesday -> Sali, "Kadın" woman -> Kadin)."""
    return (not word.isascii() and "ı" not in word
            and all(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in word))


def _latin(word: str) -> str:
    from anyascii import anyascii  # already loaded by tasks.nlp.name_key

    return str(anyascii(word)).capitalize()


def key(word: str) -> str:
    """The form a name is looked up by: accents and Arabic diacritics removed ("İsmail" and
    "Ismail", "José" and "Jose" are one name; locales spell them either way)."""
    decomposed = unicodedata.normalize("NFKD", _ARABIC_MARKS.sub("", word))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class PersonNames:
    given: frozenset[str]
    arabic_family: frozenset[str]  # Arabic has no capitals: two known name words make a name

    def is_given(self, word: str) -> bool:
        folded = key(word)
        if folded in self.given:
            return True
        # Faker's Cyrillic locales name Russians, Ukrainians and Bulgarians; a German or Polish
        # given name written in Cyrillic ("Бастиан", "Лукас") is found by its transliteration,
        # and a foreign name in Polish spelling ("Władimir") by its plain Latin letters.
        return (_is_cyrillic(folded) or _latin_beyond_accents(folded)) and \
            key(_latin(folded)) in self.given

    def is_arabic_family(self, word: str) -> bool:
        folded = key(word)
        return folded in self.arabic_family and folded not in self.given

    def is_arabic_name_word(self, word: str) -> bool:
        folded = key(word)
        return folded in self.given or folded in self.arabic_family


def _names_of(attribute: object) -> list[str]:
    # a provider keeps names as a tuple, a list, or a dict of name -> weight; some locales
    # make them properties computed per instance, which are skipped (others cover them)
    if isinstance(attribute, dict):
        return [str(name) for name in attribute]
    if isinstance(attribute, (tuple, list)):
        return [str(name) for name in attribute]
    return []


def _usable(name: str) -> bool:
    return len(name) >= _MIN_LETTERS and " " not in name and name.isalpha()


@cache
def load_person_names() -> PersonNames:
    import faker.providers.person as person_providers

    given: set[str] = set()
    arabic_family: set[str] = set()
    for module_info in pkgutil.iter_modules(person_providers.__path__):
        module = importlib.import_module(f"{person_providers.__name__}.{module_info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for attribute in _FIRST_NAME_ATTRIBUTES:
            given.update(key(n) for n in _names_of(getattr(provider, attribute, None))
                         if _usable(n))
        if module_info.name.startswith("ar_"):
            arabic_family.update(key(n) for n in _names_of(getattr(provider, "last_names", None))
                                 if _usable(n))
    return PersonNames(frozenset(given), frozenset(arabic_family))
