"""Machine-translation evidence: apply the rules of ``mt_rules`` to an article.

Where each rule looks, and why:
* disclaimers: in lines clean removed (any with reason ``machine_translation_disclaimer``
  counts even if no pattern matches) and in the text itself, in case clean missed one. A
  disclaimer written in another language than the text names the source language.
* calques: in the text and in removed lines (attribution lines are often removed), only
  when the document is in the calque's language.
* agencies: only where the article credits its source (removed credit/attribution lines,
  the publisher, or inside a calque match), never a passing mention in the body.
* the title (and removed title lines) or the publisher: an edition named in another
  language ("– RT in French", publisher "RT in French").
STRONG evidence flags the article alone; WEAK evidence needs a total of 1.0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from tasks.cleaning.keys import fold, has_key
from tasks.language import mt_rules
from tasks.language.mt_rules import STRONG, WEAK

__all__ = ["DISCLAIMER_REASON", "Evidence", "MachineTranslationVerdict", "assess"]

logger = logging.getLogger(__name__)

DISCLAIMER_REASON = "machine_translation_disclaimer"
_THRESHOLD = 1.0


@dataclass(frozen=True)
class Evidence:
    text: str
    source: str | None
    strength: float


@dataclass
class MachineTranslationVerdict:
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def machine_translated(self) -> bool:
        return sum(e.strength for e in self.evidence) >= _THRESHOLD

    @property
    def source_language(self) -> str | None:
        """The implied source language with the most evidence weight behind it."""
        weights: dict[str, float] = {}
        for item in self.evidence:
            if item.source is not None:
                weights[item.source] = weights.get(item.source, 0.0) + item.strength
        return max(weights, key=lambda k: weights[k]) if weights else None

    def add(self, text: str, source: str | None, strength: float) -> None:
        if all(e.text != text for e in self.evidence):
            self.evidence.append(Evidence(text, source, strength))


def is_disclaimer(text: str) -> bool:
    # the scan of every position runs only when a disclaimer's key word is there
    if not has_key(fold(text), mt_rules.DISCLAIMER_KEYS):
        return False
    return mt_rules.DISCLAIMER_ANY.search(text) is not None


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _in(language: str | None) -> str:
    return f"in {language}" if language else "language undetermined"


def _foreign(language: str | None, document_language: str) -> str | None:
    return language if language is not None and language != document_language else None


def assess(
    *,
    document_language: str,
    paragraphs: list[str],
    removed: list[tuple[str, str]],
    title: str | None,
    publisher: str | None,
    language_of: Callable[[str], str | None],
) -> MachineTranslationVerdict:
    """Collect the evidence. ``removed`` holds (text, reason); ``language_of`` detects."""
    verdict = MachineTranslationVerdict()
    for text, reason in removed:
        if reason == DISCLAIMER_REASON or is_disclaimer(text):
            language = language_of(text)
            verdict.add(
                f"machine-translation disclaimer removed by clean ({_in(language)}): "
                f"'{_short(text)}'",
                _foreign(language, document_language),
                STRONG,
            )
    for text in paragraphs:
        if is_disclaimer(text):
            language = language_of(text)
            verdict.add(
                f"machine-translation disclaimer left in the text ({_in(language)}): "
                f"'{_short(text)}'",
                _foreign(language, document_language),
                STRONG,
            )
    credits = [text for text, _ in removed]
    for text in [*paragraphs, *credits]:
        for calque in mt_rules.CALQUES:
            if calque.text_language != document_language or calque.source == document_language:
                continue
            match = calque.pattern.search(text)
            if match:
                verdict.add(
                    calque.evidence.format(match=_short(text[match.start() :], 60)),
                    calque.source,
                    calque.strength,
                )
                credits.append(text[match.start() :])  # the credited agency follows the formula
    for agency in mt_rules.AGENCIES:
        if agency.language == document_language:
            continue
        if any(agency.pattern.search(text) for text in [*credits, publisher or ""]):
            verdict.add(
                f"credited source {agency.name} publishes in {agency.language}",
                agency.language,
                WEAK,
            )
    # Clean may keep the site suffix in the title or drop the whole title line as removed.
    titles = [title or "", *(text for text, reason in removed if "title" in reason.lower())]
    named_by = [("title", mt_rules.EDITION_TITLE, t) for t in titles]
    named_by.append(("publisher", mt_rules.EDITION_PUBLISHER, (publisher or "").strip()))
    for where, pattern, candidate in named_by:
        match = pattern.search(candidate)
        named = mt_rules.EDITION_LANGUAGE_NAMES.get(match.group("name").lower()) if match else None
        if match and named is not None and named != document_language:
            verdict.add(
                f"the {where} names a {named} edition while the text is {document_language}: "
                f"'{_short(match.group(0).strip(' –—|:-('))}'",
                named,
                STRONG,
            )
    return verdict
