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

__all__ = ["COPIED_FROM", "complete_copy"]

# extract_provenance key saying where a copy's extract results come from.
COPIED_FROM = "copied_from"
_CLEAN_FIELDS = ("text", "title", "publisher", "author", "published", "canonical_url",
                 "html_lang")


def _shifted(start: int, end: int, words: str, text: str, shift: int | None) -> bool:
    return shift is not None or text[start:end] == words


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
        where = text.find(original.text or "\0") if original.text else -1
        shift = where if where >= 0 else None
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
