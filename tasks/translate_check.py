"""translate_check stage: which language is this article in, and what should happen to it.

Fills ``article.language_check``: document language and confidence, a language (or None) per
paragraph, the foreign paragraphs with offsets (plus removed machine-translation
disclaimers, ``in_text=False``), machine-translation evidence, and the decision
(pass / route / needs_translation / reject) with the NLP model language for extract.

Raises ``NotAnArticle`` (a PermanentError: the chain stops and the item is rejected) when the
text is empty, has no letters, or no language can be determined; ``article.language_check`` is
filled with ``decision="reject"`` and the reason before raising, so the record is complete.
"""

from __future__ import annotations

import logging

from config.settings import TranslateSettings
from tasks.errors import NotAnArticle
from tasks.language.decision import decide
from tasks.language.detector import detect
from tasks.language.document import document_language
from tasks.language.machine_translation import DISCLAIMER_REASON, assess, is_disclaimer
from tasks.language.paragraphs import classify_paragraphs, foreign_paragraphs
from tasks.language.translator import get_translator
from tasks.models import Article, ForeignParagraph, LanguageCheck

__all__ = ["translate_check"]

logger = logging.getLogger(__name__)


def translate_check(article: Article, settings: TranslateSettings) -> Article:
    """Detect, assess and decide; see the module docstring for the contract."""
    text = article.text or ""
    codes = tuple(settings.detector_languages)
    backend = settings.detector_backend

    def language_of(snippet: str) -> str | None:
        # Same rule as paragraphs: too short or too unsure means "undetermined".
        if len(snippet.strip()) < settings.min_paragraph_chars:
            return None
        found = detect(snippet, codes, backend=backend)
        return found.language if found.confidence >= settings.min_confidence else None

    verdicts = classify_paragraphs(
        text,
        codes,
        min_chars=settings.min_paragraph_chars,
        min_confidence=settings.min_confidence,
        backend=backend,
    )
    document = document_language(
        text,
        verdicts,
        codes,
        min_confidence=settings.min_confidence,
        backend=backend,
        hint=article.html_lang or article.hints.language,
    )
    paragraph_languages = [v.language for v in verdicts]
    if document.language is None:
        why = document.note if text.strip() else "the text is empty"
        outcome = decide(None, target=settings.target_language, routed=[], why_unknown=why)
        article.language_check = LanguageCheck(
            language=None,
            confidence=round(document.confidence, 4),
            paragraph_languages=paragraph_languages,
            decision=outcome.decision,
            reason=outcome.reason,
        )
        logger.info("article %s rejected by translate_check: %s", article.id, outcome.reason)
        raise NotAnArticle(
            f"article {article.id}: {outcome.reason}",
            reason="no_language" if text.strip() else "no_text",
        )

    language = document.language
    foreign = foreign_paragraphs(verdicts, language)
    for line in article.removed:
        if line.reason == DISCLAIMER_REASON or is_disclaimer(line.text):
            found = detect(line.text, codes, backend=backend)
            if (
                found.language not in (None, language)
                and found.confidence >= settings.min_confidence
            ):
                foreign.append(
                    ForeignParagraph(
                        index=-1,
                        language=found.language,
                        confidence=found.confidence,
                        text=line.text,
                        in_text=False,
                    )
                )
    evidence = assess(
        document_language=language,
        paragraphs=article.paragraphs,
        removed=[(line.text, line.reason) for line in article.removed],
        title=article.title or article.hints.title,
        publisher=article.publisher or article.hints.publisher,
        language_of=language_of,
    )
    outcome = decide(
        language,
        target=settings.target_language,
        routed=settings.routed_languages,
        # a configured translator is the better path: English then gets the English model
        fallback=settings.route_to_fallback_ner and settings.translator is None,
    )
    check = LanguageCheck(
        language=language,
        confidence=round(document.confidence, 4),
        paragraph_languages=paragraph_languages,
        foreign_paragraphs=foreign,
        machine_translated=evidence.machine_translated,
        machine_translation_evidence=[e.text for e in evidence.evidence],
        source_language=evidence.source_language if evidence.machine_translated else None,
        decision=outcome.decision,
        reason=f"{outcome.reason}; {document.note}",
        model_language=outcome.model_language,
    )
    if outcome.decision == "needs_translation":
        _translate(article, check, settings)
    article.language_check = check
    logger.info(
        "article %s: %s (%s, %.2f), %d foreign paragraph(s), machine_translated=%s",
        article.id,
        check.decision,
        language,
        document.confidence,
        len(foreign),
        check.machine_translated,
    )
    return article


def _translate(article: Article, check: LanguageCheck, settings: TranslateSettings) -> None:
    """Translate with the configured translator, if one is registered; then let it pass."""
    translator = get_translator(settings.translator)
    if translator is None or check.language is None:
        return
    original = article.text or ""
    translated = translator.translate(original, check.language, settings.target_language)
    if not translated.strip():
        logger.warning(
            "article %s: translator %s returned nothing", article.id, settings.translator
        )
        return
    article.text = translated
    check.original_text = original
    check.translated_by = settings.translator
    check.source_language = check.language
    check.decision = "pass"
    check.model_language = settings.target_language
    check.reason = (
        f"translated from {check.language} to {settings.target_language} "
        f"by {settings.translator}; {check.reason}"
    )
