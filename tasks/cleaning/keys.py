"""Key words: a cheap necessary condition checked before a regex that scans every position.

Why: a rule that may match anywhere in a paragraph (``line_rules._anywhere``, the
machine-translation disclaimers of ``tasks.language.mt_rules``) is tried by ``re`` at
every character, each alternative in turn: on the throughput feed these few rules were
half the clean stage's CPU on plain text, and the disclaimer scan a fifth of
translate_check's. Each such rule lists key words, one of which every match contains
(``tests/unit/cleaning/test_keys.py`` proves it from the parsed patterns), so a paragraph
without any key skips the regex: same verdicts, a substring test instead of a scan.

Keys are compared with the paragraph case-folded; ``re.IGNORECASE`` also equates the
Turkish dotted and dotless i with "i", which ``casefold`` does not, so they are mapped first.
"""

from __future__ import annotations

__all__ = ["fold", "has_key"]

def fold(text: str) -> str:
    """``text`` as key words are compared with it (case-folded, Turkish i's as "i")."""
    if "\u0130" in text or "\u0131" in text:  # checked first: str.translate costs more
        text = text.replace("\u0130", "i").replace("\u0131", "i")
    return text.casefold()


def has_key(folded: str, keys: tuple[str, ...]) -> bool:
    """Whether ``folded`` (see ``fold``) contains one of ``keys`` (lower-case)."""
    return any(key in folded for key in keys)
