"""Extractive lead summary: the first sentences that read as sentences.

News puts the essentials first, so the lead is a strong, honest baseline (lead-3). Headings
and captions without closing punctuation are skipped so the summary is made of sentences.
"""

from __future__ import annotations

__all__ = ["METHOD", "lead_summary"]

METHOD = "lead-{n}: first {n} sentences of the text (headings skipped)"
_ENDINGS = tuple('.!?…»”"')


def lead_summary(text: str, sentences: list[tuple[int, int]], n: int) -> str | None:
    """The first ``n`` full sentences joined by a space, or None if the text has none."""
    chosen = [text[s:e] for s, e in sentences if text[s:e].rstrip().endswith(_ENDINGS)][:n]
    if not chosen:
        chosen = [text[s:e] for s, e in sentences][:n]
    return " ".join(" ".join(s.split()) for s in chosen) or None
