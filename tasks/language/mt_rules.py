"""Machine-translation evidence rules, as data.

Each rule says what to look for, what it proves in words, which language the text was
probably translated from, and how strong it is. STRONG evidence flags a text on its own;
WEAK evidence needs company (see ``tasks.language.machine_translation``). Add rows here, not
code, to cover a new language or publisher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "AGENCIES",
    "CALQUES",
    "DISCLAIMERS",
    "DISCLAIMER_ANY",
    "DISCLAIMER_KEYS",
    "EDITION_LANGUAGE_NAMES",
    "EDITION_PUBLISHER",
    "EDITION_TITLE",
    "STRONG",
    "WEAK",
    "Agency",
    "Calque",
    "Disclaimer",
]

STRONG = 1.0
WEAK = 0.5


@dataclass(frozen=True)
class Disclaimer:
    """A sentence that says the text was translated by a machine, in ``language``."""

    language: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Calque:
    """A formula of ``source`` language rendered word for word into ``text_language``."""

    text_language: str
    pattern: re.Pattern[str]
    evidence: str  # "{match}" is replaced by the matched text
    source: str | None
    strength: float


@dataclass(frozen=True)
class Agency:
    """A news agency or publisher whose own copy is written in ``language``."""

    name: str
    pattern: re.Pattern[str]
    language: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_DISCLAIMER_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\b(?:machine|automatically|auto)[- ]translat",
        r"\btranslated (?:automatically|by (?:a )?machine|(?:with|by|using) "
        r"(?:google translate|deepl|machine translation|software))",
    ),
    "fr": (
        r"traduction automatique",
        r"tradui\w* automatiquement",
        r"traduisons grâce à une technologie",
        r"non à partir d'un éditeur humain",
    ),
    "de": (
        r"maschinell übersetzt",
        r"automatisch übersetzt",
        r"(?:maschinelle|automatische) übersetzung",
    ),
    "es": (r"traducción automática", r"traducid\w* automáticamente"),
    "pt": (r"tradução automática", r"traduzid\w* automaticamente"),
    "it": (r"traduzione automatica", r"tradott\w* automaticamente"),
    "pl": (
        r"tłumaczeni\w* maszynow",
        r"przetłumaczon\w* (?:maszynowo|automatycznie)",
        r"automatycznie przetłumaczon",
    ),
    "hr": (r"strojn\w* prijevod", r"automatsk\w* prijevod", r"automatski preveden"),
    "ru": (r"машинн\w* перевод", r"автоматическ\w* перевод", r"переведен\w* автоматически"),
    "fi": (r"konekäännö", r"konekäännet", r"automaattisesti käännet"),
    "no": (r"maskinoversatt", r"maskinoversettelse", r"automatisk oversatt"),
    "id": (r"terjemahan mesin", r"diterjemahkan secara otomatis", r"terjemahan otomatis"),
    "zh": (r"机器翻译", r"機器翻譯", r"自动翻译", r"自動翻譯"),
    "ja": (r"機械翻訳", r"自動翻訳"),
    "ko": (r"기계 ?번역", r"자동 ?번역"),
    "ar": (r"ترجمة آلية", r"الترجمة الآلية", r"مترجم آليا"),
    "bn": (r"যান্ত্রিক অনুবাদ", r"মেশিন অনুবাদ", r"স্বয়ংক্রিয়ভাবে অনূদিত"),
}

DISCLAIMERS: tuple[Disclaimer, ...] = tuple(
    Disclaimer(language, _rx(pattern))
    for language, patterns in _DISCLAIMER_PATTERNS.items()
    for pattern in patterns
)

# One alternation of every disclaimer pattern: a single scan per paragraph instead of ~50.
DISCLAIMER_ANY: re.Pattern[str] = _rx("|".join(f"(?:{d.pattern.pattern})" for d in DISCLAIMERS))
# One of these is in every disclaimer (lower-case; see tasks.cleaning.keys, proved by
# tests/unit/cleaning/test_keys.py): a paragraph without any skips the scan above.
DISCLAIMER_KEYS: tuple[str, ...] = (
    "translat", "trad", "partir d", "übersetz", "tłumacz", "prijevod", "preveden", "перевод",
    "переведен", "käänn", "overs", "terjemah", "翻译", "翻譯", "翻訳", "번역", "ترجم", "অনুবাদ",
    "অনূদিত",
)

# The Russian attribution "По материалам X" ("from the materials of X") has no idiomatic
# equivalent elsewhere; rendered word for word it betrays a translation from Russian.
_RU_MATERIALS = "calque of the Russian attribution 'По материалам …': '{match}'"

CALQUES: tuple[Calque, ...] = (
    Calque(
        "en",
        _rx(r"\b(?:based on|according to) (?:the )?materials (?:from|of|by)\b"),
        _RU_MATERIALS,
        "ru",
        STRONG,
    ),
    Calque(
        "de",
        _rx(r"\b(?:nach|basierend auf) (?:den )?materialien (?:von|der|des)\b"),
        _RU_MATERIALS,
        "ru",
        STRONG,
    ),
    Calque("fr", _rx(r"\bd'après les matériaux de\b"), _RU_MATERIALS, "ru", STRONG),
    Calque(
        "es", _rx(r"\b(?:según|basado en) (?:los )?materiales de\b"), _RU_MATERIALS, "ru", STRONG
    ),
    Calque("pt", _rx(r"\bcom base (?:em|nos) materiais d[eoa]\b"), _RU_MATERIALS, "ru", STRONG),
    Calque("it", _rx(r"\bsulla base dei materiali d[ie]\b"), _RU_MATERIALS, "ru", STRONG),
    # "передает корреспондент РИА Новости": the agency's dateline formula, word for word.
    Calque(
        "en",
        _rx(r"\b(?:an?|the) [A-Z][\w .-]{1,30}? correspondent (?:reports|transmits|informs)\b"),
        "calque of the Russian dateline 'передает корреспондент …': '{match}'",
        "ru",
        WEAK,
    ),
    Calque(
        "en",
        _rx(r"\b(?:writes|reports) the (?:edition|publication)\b"),
        "calque of the Russian 'пишет издание': '{match}'",
        "ru",
        WEAK,
    ),
    Calque(
        "en",
        _rx(r"\bwith material(?:s)? from\b"),
        "calque of the German credit 'Mit Material von …': '{match}'",
        "de",
        WEAK,
    ),
    Calque(
        "en",
        _rx(r"\bwith information from\b"),
        "calque of the Spanish credit 'Con información de …': '{match}'",
        "es",
        WEAK,
    ),
    Calque(
        "en",
        _rx(r"\(\s*with (?:AFP|AP|Reuters)\s*\)"),
        "calque of the French credit '(avec AFP)': '{match}'",
        "fr",
        WEAK,
    ),
)

AGENCIES: tuple[Agency, ...] = tuple(
    Agency(name, re.compile(pattern), language)
    for name, pattern, language in (
        ("RIA Novosti", r"\bRIA Novosti\b|РИА Новости", "ru"),
        ("TASS", r"\bTASS\b|\bТАСС\b", "ru"),
        ("Interfax", r"\bInterfax\b|Интерфакс", "ru"),
        ("Xinhua", r"\bXinhua\b|新华社", "zh"),
        ("Yonhap", r"\bYonhap\b|연합뉴스", "ko"),
        ("Kyodo", r"\bKyodo\b|共同通信", "ja"),
        ("EFE", r"\bEFE\b", "es"),
        ("ANSA", r"\bANSA\b", "it"),
        ("dpa", r"\bdpa\b|Deutsche Presse-Agentur", "de"),
        ("AFP", r"\bAFP\b|Agence France-Presse", "fr"),
        ("PAP", r"\bPAP\b|Polska Agencja Prasowa", "pl"),
        ("Hina", r"\bHina\b", "hr"),
        ("Antara", r"\bAntara\b", "id"),
        ("Lusa", r"\bLusa\b|Agência Brasil", "pt"),
        ("STT", r"\bSTT\b", "fi"),
        ("NTB", r"\bNTB\b", "no"),
        ("BSS", r"\bBSS\b|Bangladesh Sangbad Sangstha", "bn"),
        ("SANA", r"\bSANA\b", "ar"),
    )
)

# "Russian representative takes stock … – RT in French": the title names the edition the
# text comes from; when that edition's language is not the text's, the text was translated.
EDITION_TITLE = re.compile(
    r"(?:[–—|:-]\s*|\()[^–—|:()]{1,40}?\s+(?:in|en|auf|em)\s+(?P<name>[^\W\d_]+)\)?\s*$"
)
# The same edition named by the publisher field itself ("RT in French").
EDITION_PUBLISHER = re.compile(
    r"^[^\W\d_][^–—|:()]{0,39}?\s+(?:in|en|auf|em)\s+(?P<name>[^\W\d_]+)$"
)
EDITION_LANGUAGE_NAMES: dict[str, str] = {
    "english": "en",
    "french": "fr",
    "german": "de",
    "spanish": "es",
    "russian": "ru",
    "arabic": "ar",
    "chinese": "zh",
    "portuguese": "pt",
    "italian": "it",
    "polish": "pl",
    "croatian": "hr",
    "japanese": "ja",
    "korean": "ko",
    "indonesian": "id",
    "finnish": "fi",
    "norwegian": "no",
    "bengali": "bn",
    "papiamento": "pap",
    "français": "fr",
    "anglais": "en",
    "allemand": "de",
    "espagnol": "es",
    "russe": "ru",
    "arabe": "ar",
    "deutsch": "de",
    "englisch": "en",
    "französisch": "fr",
    "español": "es",
    "inglés": "en",
    "francés": "fr",
    "português": "pt",
    "inglês": "en",
}
