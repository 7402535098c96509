"""Unicode and whitespace normalisation shared by the plain-text and HTML paths.

ftfy repairs mojibake (UTF-8 read as cp1252 and the like) before NFC so that composed
characters compare equal downstream (hashing, near-duplicates, snippet matching).
"""

from __future__ import annotations

import logging
import re
import unicodedata

import ftfy
from ftfy.badness import is_bad
from ftfy.chardata import CONTROL_CHARS, LIGATURES

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
# Every character one of the enabled ftfy fixers acts on besides mojibake: HTML entities,
# terminal escapes, line separators, C1 controls, surrogates, ligatures, control characters.
# Text with none of them and no mojibake (ftfy's own ``is_bad``, the test its encoding fix
# starts with) comes out of ``fix_text`` as NFC alone, so it skips ftfy's per-line loop:
# that loop was about a tenth of the stage's CPU on the dev corpus (cProfile).
_FIXABLE = re.compile(
    "[&\x1b\r\x85\u2028\u2029\x80-\x9f\ud800-\udfff"
    + "".join(re.escape(chr(c)) for c in sorted(set(CONTROL_CHARS) | set(LIGATURES)))
    + "]"
)


def _needs_ftfy(text: str) -> bool:
    return bool(_FIXABLE.search(text)) or (not text.isascii() and is_bad(text))


def normalize_text(text: str) -> str:
    """Repair mojibake and apply NFC, keeping line structure intact."""
    fixed = ftfy.fix_text(text, config=_FTFY) if _needs_ftfy(text) else text
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
