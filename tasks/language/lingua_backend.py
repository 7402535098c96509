"""lingua backend: relative confidences over a restricted language set.

Built lazily once per process and language set. Memory is the catch: lingua's high-accuracy
mode loads 1- to 5-gram models for every candidate language the first time a short text is
seen (measured: about 320 MB for the 17 lingua languages of the corpus, about 1 GB for the
52 default languages, 1.3 GB for all 75), so keep the set small when choosing this backend.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

__all__ = ["build_detector", "lingua_languages", "scores"]

logger = logging.getLogger(__name__)

# lingua splits Norwegian into its two written standards; the pipeline speaks ISO 639-1 "no".
_MERGED: dict[str, tuple[str, ...]] = {"no": ("nb", "nn")}
_ALIASES: dict[str, str] = {"nb": "no", "nn": "no"}


def lingua_languages(codes: tuple[str, ...]) -> list[Language]:
    """Map ISO 639-1 codes to lingua languages; codes lingua lacks are skipped."""
    languages: list[Language] = []
    for code in codes:
        for sub in _MERGED.get(code, (code,)):
            try:
                languages.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(sub)))
            except ValueError:
                # Not a lingua language (e.g. "pap"): the word profiles cover it, if any.
                logger.debug("language %r has no lingua model", sub)
    return languages


@lru_cache(maxsize=4)
def build_detector(codes: tuple[str, ...]) -> LanguageDetector:
    """One lingua detector per process and language set; models load on first use."""
    languages = lingua_languages(codes)
    if len(languages) < 2:
        raise ValueError(f"lingua needs at least two languages, got {codes!r}")
    logger.info("building lingua detector for %d languages", len(languages))
    return LanguageDetectorBuilder.from_languages(*languages).build()


def scores(text: str, codes: tuple[str, ...]) -> dict[str, float]:
    """ISO 639-1 code -> relative confidence (sums to 1, or all 0 when lingua abstains)."""
    merged: dict[str, float] = {}
    for value in build_detector(codes).compute_language_confidence_values(text):
        code = value.language.iso_code_639_1.name.lower()
        code = _ALIASES.get(code, code)
        merged[code] = merged.get(code, 0.0) + value.value
    return merged
