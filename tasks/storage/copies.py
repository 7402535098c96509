"""A recognised copy's record, completed from its stored original.

A copy that a gate recognised (``tasks.storage.recognise``) skipped the stages whose results
the original already has. Its record still names what a reader expects of any stored
article: its text (a raw copy was never cleaned: the original's text, which cleaning the
same bytes gives), its language, entities, quotes, dates, keywords and summary. Offsets
follow the copy's own text: shifted when the original's text sits inside it whole (a
copy with another header), else kept only where the same words stand at the same place.
"""

from __future__ import annotations

from tasks.models import Article, Entity, Mention, Provenance, Quote

__all__ = ["COPIED_FROM", "complete_copy", "copied_from", "kept_at", "text_shift"]

# extract_provenance key saying where a copy's extract results come from.
COPIED_FROM = "copied_from"
_CLEAN_FIELDS = ("text", "title", "publisher", "author", "published", "canonical_url",
                 "html_lang")


def text_shift(text: str, original_text: str | None) -> int | None:
    """Where the original's text starts inside the copy's (a copy with another header), or
    ``None`` when it is not there whole: then offsets are kept only where the same words
    stand at the same place."""
    where = text.find(original_text) if original_text else -1
    return where if where >= 0 else None


def kept_at(start: int, end: int, words: str, text: str,
            shift: int | None) -> tuple[int, int] | None:
    """A span of the original (``words`` at ``start:end``) in the copy's ``text``, or
    ``None`` when the copy does not have it there."""
    if shift is not None:
        return start + shift, end + shift
    return (start, end) if text[start:end] == words else None


def _shifted(start: int, end: int, words: str, text: str, shift: int | None) -> bool:
    return kept_at(start, end, words, text, shift) is not None


def _mentions(entity: Entity, text: str, shift: int | None) -> Entity:
    moved = [
        Mention(text=m.text, start=m.start + (shift or 0), end=m.end + (shift or 0))
        for m in entity.mentions
        if _shifted(m.start, m.end, m.text, text, shift)
    ]
    return entity.model_copy(update={"mentions": moved,
                                     "count": entity.count or len(entity.mentions)})


def _quotes(found: list[Quote], text: str, shift: int | None) -> list[Quote]:
    return [
        q.model_copy(update={"start": q.start + (shift or 0), "end": q.end + (shift or 0)})
        for q in found
        if _shifted(q.start, q.end, q.text, text, shift)
    ]


def copied_from(article: Article) -> str | None:
    """The id of the original whose extract results ``complete_copy`` gave ``article``."""
    found = article.extract_provenance.get(COPIED_FROM)
    source = found.source if found is not None else ""
    return source.removeprefix("article ") if source.startswith("article ") else None


def complete_copy(copy: Article, original: Article) -> Article:
    """``copy`` with what it skipped taken from ``original`` (its own fields kept)."""
    update: dict[str, object] = {}
    if not (copy.text and copy.text.strip()):
        update.update({name: getattr(original, name) for name in _CLEAN_FIELDS})
        update["metadata_provenance"] = original.metadata_provenance
    text = str(update.get("text", copy.text) or "")
    if copy.language_check is None:
        update["language_check"] = original.language_check
    if not copy.extract_provenance:
        shift = text_shift(text, original.text)
        update.update(
            entities=[_mentions(e, text, shift) for e in original.entities],
            quotes=_quotes(original.quotes, text, shift),
            keywords=original.keywords,
            dates=original.dates,
            summary=original.summary,
            extract_provenance={
                **original.extract_provenance,
                COPIED_FROM: Provenance(source=f"article {original.id}", confidence=None),
            },
        )
    return copy.model_copy(update=update)
