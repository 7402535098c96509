"""Which spaCy pipeline serves a language, loaded lazily once per process.

Only the NER component is kept: in the small English and French models NER has its own
tok2vec, so it needs neither the shared tok2vec nor the tagger/parser, and the measured cost
drops from ~200 to ~90 ms per article. Sentence boundaries come from the rule-based
``sentencizer`` (almost free) plus a component that makes every paragraph break a boundary,
so headings never merge with the next sentence.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["PARAGRAPH_COMPONENT", "blank_pipeline", "load_pipeline", "resolve_package", "sentences"]

log = logging.getLogger(__name__)

PARAGRAPH_COMPONENT = "newsflow_paragraph_breaks"
# Components of the trained pipelines we use; everything else is excluded at load time.
KEEP = frozenset({"ner"})


def _paragraph_breaks(doc: Doc) -> Doc:
    # A whitespace token holding a newline separates paragraphs: the next token starts a
    # sentence. Other tokens are left unset so the sentencizer decides them.
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def _add_sentence_components(nlp: Language) -> None:
    from spacy.language import Language

    if not Language.has_factory(PARAGRAPH_COMPONENT):
        Language.component(PARAGRAPH_COMPONENT, func=_paragraph_breaks)
    nlp.add_pipe(PARAGRAPH_COMPONENT, first=True)
    nlp.add_pipe("sentencizer", after=PARAGRAPH_COMPONENT)


@cache
def resolve_package(candidates: tuple[str, ...]) -> str | None:
    """The first candidate spaCy package that is installed, or None."""
    for name in candidates:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


@lru_cache(maxsize=8)
def load_pipeline(package: str) -> Language:
    """Load ``package`` with only NER plus the cheap sentence splitters (once per process)."""
    import spacy

    # meta.json beside the package's __init__ lists every component, disabled ones included
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImportError(f"spaCy package {package} is not installed")
    meta = spacy.util.load_meta(Path(spec.origin).parent / "meta.json")
    exclude = [name for name in meta.get("components", []) if name not in KEEP]
    nlp = spacy.load(package, exclude=exclude)
    _add_sentence_components(nlp)
    log.info("loaded spaCy %s with %s", package, nlp.pipe_names)
    return nlp


@lru_cache(maxsize=16)
def blank_pipeline(language: str | None) -> Language:
    """A tokenizer and sentence splitter only, for languages without a trained model."""
    import spacy

    try:
        nlp = spacy.blank(language or "xx")
    except (ImportError, KeyError, ValueError):
        # unknown language code: the multi-language tokenizer is still better than nothing
        nlp = spacy.blank("xx")
    _add_sentence_components(nlp)
    return nlp


# The sentencizer attaches punctuation after a full stop to the sentence it ends, including
# the opening mark of the next sentence's quote (". „Wir ..."); such marks move forward.
_DANGLING_OPENERS = re.compile(r"\s([„«‹“\"]+)\s*$")


def sentences(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of the doc's sentences, whitespace trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    text = doc.text
    carry: int | None = None
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        if carry is not None:
            start, carry = min(start, carry), None
        dangling = _DANGLING_OPENERS.search(text, start, end)
        if dangling and dangling.start() > start:
            end, carry = dangling.start(), dangling.start(1)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans
