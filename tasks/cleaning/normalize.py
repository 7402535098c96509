"""Unicode and whitespace normalisation shared by the plain-text and HTML paths.

ftfy repairs mojibake (UTF-8 read as cp1252 and the like) before NFC so that composed
characters compare equal downstream (hashing, near-duplicates, snippet matching).
"""

from __future__ import annotations

import logging
import re
import unicodedata

import ftfy

__all__ = ["join_paragraphs", "normalize_line", "normalize_text", "split_lines"]

logger = logging.getLogger(__name__)

# Zero-width and BOM characters survive NFC and break token matching; drop them.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")
# Only repair encoding damage: curly quotes and full-width CJK punctuation are the author's
# text, and changing them would break matching against the source.
_FTFY = ftfy.TextFixerConfig(
    uncurl_quotes=False, fix_character_width=False, normalization="NFC", explain=False
)


def normalize_text(text: str) -> str:
    """Repair mojibake and apply NFC, keeping line structure intact."""
    fixed = ftfy.fix_text(text, config=_FTFY)
    fixed = unicodedata.normalize("NFC", fixed)
    return _INVISIBLE.sub("", fixed.replace("\r\n", "\n").replace("\r", "\n"))


def normalize_line(line: str) -> str:
    """Collapse every run of whitespace (tabs, NBSP, newlines) inside a paragraph to a space."""
    return _SPACES.sub(" ", line).strip()


def split_lines(text: str) -> list[str]:
    """Non-empty, whitespace-collapsed lines of already normalised text."""
    return [n for n in (normalize_line(line) for line in text.split("\n")) if n]


def join_paragraphs(paragraphs: list[str]) -> str:
    """The stage's text contract: paragraphs separated by exactly one blank line."""
    return "\n\n".join(p for p in (normalize_line(x) for x in paragraphs) if p)
