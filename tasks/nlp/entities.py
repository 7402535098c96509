"""Entity mentions from spaCy's NER, mapped to one label scheme and trimmed to the name.

The article's scheme is OntoNotes' (PERSON, ORG, GPE, LOC, DATE, EVENT, NORP ...), which the
English models already use. The French model's WikiNER labels are mapped onto it; its LOC
covers countries and cities as well as regions and cannot be told apart without a gazetteer,
so it stays LOC rather than being guessed into GPE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from spacy.tokens import Doc

__all__ = ["LABEL_MAP", "RawMention", "map_label", "raw_mentions", "trim_span"]

LABEL_MAP: dict[str, str] = {"PER": "PERSON", "PERS": "PERSON", "MISC": "MISC"}

# Leading articles and trailing possessives are not part of a name ("the North Atlantic
# Alliance", "Russia's"); apostrophe variants are typographic ones used by news sites.
_LEADING = re.compile(r"(?:(?:the|le|la|les)\s+|l['’])", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
# NER sometimes runs one word past an organisation's name ("the Permanent Mission to")
_TRAILING_MINOR = re.compile(r"\s+(?:to|of|for|and|in|on|at|de|du|des|et|à)$", re.IGNORECASE)
_EDGE_PUNCT = " \t\n\u00a0\"'“”«»„‘’.,;:!?()[]"


@dataclass(frozen=True)
class RawMention:
    """One NER span after trimming; ``start``/``end`` index the article text exactly."""

    text: str
    start: int
    end: int
    label: str
    rule: str = ""  # the fallback NER's rule that found it (tasks.nlp.fallback_ner)


def map_label(label: str) -> str:
    return LABEL_MAP.get(label, label)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``text[start:end]`` to the bare name: no article, possessive or edge punctuation."""
    while True:
        before = (start, end)
        while start < end and text[start] in _EDGE_PUNCT:
            start += 1
        while end > start and text[end - 1] in _EDGE_PUNCT:
            # keep the full stop of an abbreviation ("U.S.", "Inc.")
            if text[end - 1] == "." and end - start > 2 and text[end - 3] == ".":
                break
            end -= 1
        lead = _LEADING.match(text, start, end)
        # keep "The Hague"-like names whole only when nothing would remain
        if lead and lead.end() < end:
            start = lead.end()
        poss = _POSSESSIVE.search(text, start, end)
        if poss and poss.start() > start:
            end = poss.start()
        minor = _TRAILING_MINOR.search(text, start, end)
        if minor and minor.start() > start:
            end = minor.start()
        if (start, end) == before:
            return start, end


def raw_mentions(doc: Doc, dropped_labels: Iterable[str]) -> list[RawMention]:
    """NER spans with mapped labels, trimmed; labels in ``dropped_labels`` are skipped."""
    dropped = set(dropped_labels)
    text = doc.text
    out: list[RawMention] = []
    for ent in doc.ents:
        label = map_label(ent.label_)
        if label in dropped:
            continue
        start, end = trim_span(text, ent.start_char, ent.end_char)
        if end <= start:
            continue
        out.append(RawMention(text[start:end], start, end, label))
    return out
