"""Plain-text input: paragraphs, boilerplate removal, and title/publisher from the text.

Plain text carries no markup, so the title and publisher can only come from the text
itself: a leading "<headline> – <site>" line, or an agency credit ("Based on materials
from X", "a X correspondent reports"). Both are marked ``text-heuristic``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from tasks.cleaning.line_rules import AGENCY_SOURCES
from tasks.cleaning.normalize import normalize_line, normalize_text
from tasks.cleaning.text_rules import apply_rules, match_rule, split_title_line
from tasks.models import RemovedLine

__all__ = ["PlainResult", "clean_plain", "find_agency", "split_paragraphs"]

logger = logging.getLogger(__name__)

_BLOCKS = re.compile(r"\n[ \t\u00a0]*\n")
_TERMINAL = re.compile(r"[.!?…:;\"»”’)\]]$")
_TITLE_MAX_CHARS = 250
_WRAP_MIN_CHARS = 30


@dataclass
class PlainResult:
    paragraphs: list[str]
    removed: list[RemovedLine]
    title: str | None = None
    publisher: str | None = None
    sources: dict[str, str] = field(default_factory=dict)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: one per line, unless a block is visibly hard-wrapped.

    A block is hard-wrapped when most of its non-final lines are long and end mid-sentence
    (e-mail style wrapping at ~72 columns); then its lines are joined into one paragraph.
    """
    paragraphs: list[str] = []
    for block in _BLOCKS.split(normalize_text(text)):
        lines = [n for n in (normalize_line(x) for x in block.split("\n")) if n]
        inner = lines[:-1]
        wrapped = (
            len(lines) >= 2
            and all(len(x) >= _WRAP_MIN_CHARS for x in inner)
            and (sum(1 for x in inner if not _TERMINAL.search(x)) >= 0.7 * len(inner))
        )
        paragraphs.extend([" ".join(lines)] if wrapped else lines)
    return paragraphs


def find_agency(paragraphs: list[str]) -> str | None:
    """The first source named by an agency credit or a 'X correspondent reports' clause."""
    for pattern in AGENCY_SOURCES:
        for paragraph in paragraphs:
            found = pattern.search(paragraph)
            if found:
                return found.group("name").strip()
    return None


def _looks_like_title(paragraph: str, rest: list[str]) -> bool:
    return (
        len(paragraph) <= _TITLE_MAX_CHARS
        and not re.search(r"[.,;:]$", paragraph)
        and bool(rest)
        and sum(len(p) for p in rest) > 2 * len(paragraph)
    )


def clean_plain(text: str, hint_title: str | None = None) -> PlainResult:
    """Clean plain text: drop boilerplate lines, lift a title line, find the publisher."""
    paragraphs = split_paragraphs(text)
    kept, removed = apply_rules(paragraphs)
    result = PlainResult(paragraphs=kept, removed=removed)
    if kept and _looks_like_title(kept[0], kept[1:]):
        head, site = split_title_line(kept[0])
        matches_hint = hint_title is not None and head.casefold() in hint_title.casefold()
        # A separated site name, or agreement with the feed's title, is the evidence that
        # the first line is a headline rather than a short lead sentence.
        if site is not None or matches_hint:
            # keep `removed` in text order: the title follows the boilerplate above it
            leading = paragraphs.index(kept[0])
            result.removed.insert(leading, RemovedLine(text=kept[0], reason="title_line"))
            result.paragraphs = kept[1:]
            result.title = head
            result.sources["title"] = "text-heuristic"
            if site is not None and match_rule(site) is None:
                result.publisher = site
                result.sources["publisher"] = "text-heuristic"
    if result.publisher is None:
        agency = find_agency([r.text for r in removed] + kept)
        if agency:
            result.publisher = agency
            result.sources["publisher"] = "text-heuristic"
    return result
