"""The document's language: a length-weighted vote of its paragraphs; <html lang> a hint.

Why a vote rather than one detection of the whole text: a naive-Bayes detector sums evidence
over the text, so one paragraph rich in distinctive features (Croatian diacritics, Chinese
characters) outweighs several plain English ones; in the mixed-language benchmark the whole
text flipped to the inserted paragraph's language in about 4 % of cases. Each decided
paragraph votes with sqrt(length) x confidence: the square root keeps one long quotation
from outvoting the several paragraphs around it (a pure length vote still flipped 2 % of
the cases). When no paragraph is decided, the whole text is detected instead.

The page's declared language is a hint, never the truth: it is used only when the detector
is unsure and ranks the hinted language close to its best guess; otherwise a disagreement
is just noted.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

from tasks.language.detector import Backend, Detection, detect
from tasks.language.paragraphs import ParagraphVerdict

__all__ = ["DocumentLanguage", "document_language", "normalize_hint"]

logger = logging.getLogger(__name__)

_LETTER = re.compile(r"[^\W\d_]")
_HINT = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_].*)?$")
# The hinted language wins an unsure detection if it scores at least this share of the best.
_HINT_RATIO = 0.5


@dataclass(frozen=True)
class DocumentLanguage:
    language: str | None
    confidence: float
    note: str  # how it was decided, for LanguageCheck.reason


def normalize_hint(hint: str | None) -> str | None:
    """'en-US' -> 'en', 'pap_AW' -> 'pap'; anything unparsable -> None."""
    if not hint:
        return None
    match = _HINT.match(hint)
    return match.group(1).lower() if match else None


def _vote(verdicts: list[ParagraphVerdict]) -> Detection | None:
    """Vote of the decided paragraphs, or None when no paragraph is decided."""
    weights: dict[str, float] = {}
    for verdict in verdicts:
        if verdict.language is not None:
            weight = math.sqrt(len(verdict.text)) * verdict.confidence
            weights[verdict.language] = weights.get(verdict.language, 0.0) + weight
    if not weights:
        return None
    best = max(weights, key=lambda k: weights[k])
    # Confidence: the winner's share of all votes (mixing lowers it).
    return Detection(best, round(weights[best] / sum(weights.values()), 4), (), "paragraph vote")


def document_language(
    text: str,
    verdicts: list[ParagraphVerdict],
    codes: tuple[str, ...],
    *,
    min_confidence: float,
    backend: Backend,
    hint: str | None = None,
) -> DocumentLanguage:
    """Language of ``text`` or None (with the reason in ``note``) when it cannot be told."""
    if not _LETTER.search(text):
        return DocumentLanguage(None, 0.0, "the text has no letters")
    detection = _vote(verdicts)
    if detection is None or detection.confidence < min_confidence:
        detection = detect(text, codes, backend=backend)
    declared = normalize_hint(hint)
    if detection.language is not None and detection.confidence >= min_confidence:
        note = f"detected {detection.language} ({detection.confidence:.2f}, {detection.source})"
        if declared and declared != detection.language:
            note += f"; declared language {declared!r} disagrees and was ignored"
        return DocumentLanguage(detection.language, detection.confidence, note)
    if declared and detection.confidence_of(declared) >= _HINT_RATIO * detection.confidence > 0:
        confidence = detection.confidence_of(declared)
        note = (
            f"detector unsure (best {detection.language} {detection.confidence:.2f}); "
            f"declared language {declared!r} ranks close ({confidence:.2f}) and was taken"
        )
        return DocumentLanguage(declared, confidence, note)
    return DocumentLanguage(
        None,
        detection.confidence,
        f"no language reaches confidence {min_confidence:.2f} "
        f"(best {detection.language} {detection.confidence:.2f})",
    )
