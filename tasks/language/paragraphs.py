"""Per-paragraph language: spans with offsets, a verdict per paragraph, foreign paragraphs.

Paragraphs are exactly ``Article.paragraphs`` (the text split on blank lines, blank pieces
dropped), so index ``i`` here is index ``i`` there and ``text[start:end]`` is the paragraph.
A paragraph shorter than the minimum, or whose best language is below the minimum
confidence, gets no language: it is marked undetermined, never guessed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tasks.language.detector import Backend, Detection, detect
from tasks.models import ForeignParagraph

__all__ = ["ParagraphVerdict", "classify_paragraphs", "foreign_paragraphs", "paragraph_spans"]

logger = logging.getLogger(__name__)

_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class ParagraphVerdict:
    index: int
    start: int
    end: int
    text: str
    detection: Detection | None  # None: too short to try

    @property
    def language(self) -> str | None:
        return self.detection.language if self.detection is not None else None

    @property
    def confidence(self) -> float:
        return self.detection.confidence if self.detection is not None else 0.0


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank paragraph of ``text``, in order."""
    spans: list[tuple[int, int]] = []
    position = 0
    for piece in text.split(_SEPARATOR):
        if piece.strip():
            spans.append((position, position + len(piece)))
        position += len(piece) + len(_SEPARATOR)
    return spans


def classify_paragraphs(
    text: str,
    codes: tuple[str, ...],
    *,
    min_chars: int,
    min_confidence: float,
    backend: Backend = "py3langid",
) -> list[ParagraphVerdict]:
    """Detect every paragraph long enough; low-confidence verdicts lose their language."""
    verdicts: list[ParagraphVerdict] = []
    for index, (start, end) in enumerate(paragraph_spans(text)):
        paragraph = text[start:end]
        detection: Detection | None = None
        if len(paragraph.strip()) >= min_chars:
            detection = detect(paragraph, codes, backend=backend)
            if detection.confidence < min_confidence:
                # Keep the candidates for the record, but do not claim a language.
                detection = Detection(
                    None, detection.confidence, detection.candidates, detection.source
                )
        verdicts.append(ParagraphVerdict(index, start, end, paragraph, detection))
    return verdicts


def foreign_paragraphs(
    verdicts: list[ParagraphVerdict], document_language: str | None
) -> list[ForeignParagraph]:
    """Paragraphs whose decided language differs from the document's."""
    if document_language is None:
        return []
    return [
        ForeignParagraph(
            index=v.index,
            language=v.language,
            confidence=round(v.confidence, 4),
            start=v.start,
            end=v.end,
            text=v.text,
            in_text=True,
        )
        for v in verdicts
        if v.language is not None and v.language != document_language
    ]
