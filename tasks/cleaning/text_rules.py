"""Apply the line rules to paragraphs and record every removal with its reason.

Pure functions over lists of strings, shared by the plain-text and the HTML paths, so one
rule set (``line_rules.RULES``) governs both.
"""

from __future__ import annotations

import logging
import re

from tasks.cleaning.keys import fold, has_key
from tasks.cleaning.line_rules import MAX_BOILERPLATE_CHARS, RULE_KEYS, RULES, Rule
from tasks.models import RemovedLine

__all__ = ["apply_rules", "is_rubric_like", "match_rule", "split_title_line"]

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?…:;,]['\"»”’)\]]*$")
# Separators between a headline and the site name in "<title> – <site>" lines.
_TITLE_SEPARATORS = re.compile(r"\s+(?:[–—|·•]|-|::)\s+")
_RUBRIC_MAX_CHARS = 60
_RUBRIC_MAX_WORDS = 8


def match_rule(paragraph: str, rules: list[Rule] = RULES) -> str | None:
    """The reason of the first rule that matches, or None when the paragraph is kept."""
    if len(paragraph) > MAX_BOILERPLATE_CHARS:
        return None
    folded: str | None = None
    for reason, pattern in rules:
        keys = RULE_KEYS.get(pattern)
        if keys is not None:
            # a rule that scans every position runs only when one of its key words is there
            folded = fold(paragraph) if folded is None else folded
            if not has_key(folded, keys):
                continue
        if pattern.search(paragraph):
            return reason
    return None


def is_rubric_like(paragraph: str) -> bool:
    """A short label, not a sentence: few words and no sentence-final punctuation."""
    return (
        len(paragraph) <= _RUBRIC_MAX_CHARS
        and len(paragraph.split()) <= _RUBRIC_MAX_WORDS
        and not _SENTENCE_END.search(paragraph)
    )


def apply_rules(
    paragraphs: list[str], rules: list[Rule] = RULES, rubrics: bool = True
) -> tuple[list[str], list[RemovedLine]]:
    """Split paragraphs into kept ones and removed ones (in text order, with reasons).

    ``rubrics=False`` leaves label lines alone: for HTML, whose extractor has already told
    the article's structure from the page's, a short line at the end of the text is more
    often the article's own (a tweet's attribution, a cited source, a byline) than a label.
    """
    reasons: list[str | None] = [match_rule(p, rules) for p in paragraphs]
    if rubrics:
        _mark_rubrics(paragraphs, reasons)
    kept = [p for p, r in zip(paragraphs, reasons, strict=True) if r is None]
    removed = [RemovedLine(text=p, reason=r) for p, r in zip(paragraphs, reasons, strict=True) if r]
    return kept, removed


def _mark_rubrics(paragraphs: list[str], reasons: list[str | None]) -> None:
    """Drop short label lines sitting among removed boilerplate at the end of the text.

    Why generic: the tail of a news page is where rubric/tag labels ("GSV 'Russia - Islamic
    World'", a section name) sit next to credits. A non-sentence line is only dropped when
    everything after it was already removed by a rule, so body text (which ends with a
    sentence) and mid-text sub-headings are never touched; the first sentence-like line
    going backwards stops the scan.
    """
    seen_removed = False
    for i in range(len(paragraphs) - 1, 0, -1):
        if reasons[i] is not None:
            seen_removed = True
            continue
        if seen_removed and is_rubric_like(paragraphs[i]):
            reasons[i] = "rubric"
            continue
        break


def split_title_line(line: str) -> tuple[str, str | None]:
    """Split "<headline> – <site name>" into its parts; the site name may be absent.

    The right-hand part counts as a site name only when it is short (a name, not a clause).
    """
    parts = _TITLE_SEPARATORS.split(line)
    if len(parts) >= 2:
        site = parts[-1].strip()
        head = line[: len(line) - len(parts[-1])].rstrip(" -–—|·•:")
        if 0 < len(site) <= 40 and len(site.split()) <= 5 and len(head) >= 15:
            return head.strip(), site
    return line.strip(), None
