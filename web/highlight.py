"""An article's text as the article page shows it: paragraphs cut into plain and entity
segments, foreign paragraphs marked with their language, removed lines with their reasons.

Only offsets are computed here; every piece of text reaches the page through the template's
autoescaping, so an article's markup is shown as text, never run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Paragraph", "Removed", "Segment", "paragraphs", "removed_lines", "safe_link"]


@dataclass(frozen=True)
class Segment:
    text: str
    label: str | None = None  # entity label when the segment is a mention
    name: str | None = None  # its canonical name


@dataclass
class Paragraph:
    segments: list[Segment] = field(default_factory=list)
    language: str | None = None  # set when the paragraph is in another language


@dataclass(frozen=True)
class Removed:
    text: str
    reason: str
    language: str | None  # the language check's verdict on it, when it looked at it


def _spans(record: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """Mention spans, earliest first; a span overlapping an earlier one is dropped."""
    found = sorted(
        (m["start"], m["end"], e["label"], e["name"])
        for e in record.get("entities") or []
        for m in e.get("mentions") or []
        if isinstance(m.get("start"), int) and isinstance(m.get("end"), int)
    )
    kept: list[tuple[int, int, str, str]] = []
    for span in found:
        if span[0] < span[1] and (not kept or span[0] >= kept[-1][1]):
            kept.append(span)
    return kept


def _foreign(record: dict[str, Any]) -> dict[int, str]:
    check = record.get("translation") or {}
    return {p["index"]: p["language"] for p in check.get("foreign_paragraphs") or []
            if p.get("in_text", True) and isinstance(p.get("index"), int)}


def paragraphs(record: dict[str, Any]) -> list[Paragraph]:
    """The text's paragraphs (split as ``Article.paragraphs`` does, offsets kept)."""
    text: str = record.get("text") or ""
    spans, foreign = _spans(record), _foreign(record)
    result: list[Paragraph] = []
    pos = 0
    for piece in text.split("\n\n"):
        start, end = pos, pos + len(piece)
        pos = end + 2
        if not piece.strip():
            continue
        para = Paragraph(language=foreign.get(len(result)))
        cursor = start
        for s, e, label, name in spans:
            if s < start or e > end:
                continue
            if s > cursor:
                para.segments.append(Segment(text[cursor:s]))
            para.segments.append(Segment(text[s:e], label, name))
            cursor = e
        if cursor < end:
            para.segments.append(Segment(text[cursor:end]))
        result.append(para)
    return result


def removed_lines(record: dict[str, Any]) -> list[Removed]:
    check = record.get("translation") or {}
    languages = {p["text"]: p["language"] for p in check.get("foreign_paragraphs") or []
                 if not p.get("in_text", True)}
    return [Removed(r.get("text", ""), r.get("reason", ""), languages.get(r.get("text", "")))
            for r in record.get("removed") or []]


def safe_link(url: str | None) -> str | None:
    """``url`` when it is http(s), else None: a ``javascript:`` or ``data:`` URL from a page
    is shown as text, never made a link."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None
