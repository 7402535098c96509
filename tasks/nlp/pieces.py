"""Run a spaCy pipeline over texts with memory bounded by text length, not by input size.

spaCy's NER holds its intermediate arrays for every token of a ``nlp.pipe`` minibatch at
once: about 16 KB a token with the small models, so a 20,000-character article alone lifted
a worker's peak memory by 68 MB, and a micro-batch of eight ordinary ones by over 100 MB. A
worker's peak would then grow with the longest text it ever met.

Here each text is cut into pieces of at most ``max_chars`` at paragraph breaks (at a space,
for a paragraph longer than that), the pieces go through the pipeline in groups of at most
``group_chars``, and the pieces of a text are joined back into one ``Doc``
(``Doc.from_docs``). Every piece but the last ends with the whitespace it was cut after, so
the joined text is the original exactly and every offset holds. NER sees a paragraph
boundary as the edge of its window; entities never span paragraphs in news text anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["pipe_bounded", "split_text"]

_PARAGRAPH_END = re.compile(r"\n\s*")


def split_text(text: str, max_chars: int) -> list[str]:
    """``text`` in consecutive pieces of at most ``max_chars`` (joined, they are ``text``).

    Cuts fall after paragraph breaks where possible, else after the last space before the
    limit; a run of ``max_chars`` without any whitespace is cut where it is.
    """
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        limit = start + max_chars
        cut = _last_break(text, start, limit)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _last_break(text: str, start: int, limit: int) -> int:
    best = 0
    for match in _PARAGRAPH_END.finditer(text, start, limit):
        best = match.end()
    if best > start:
        return best
    space = text.rfind(" ", start, limit)
    return space + 1 if space > start else limit


def _groups(pieces: list[str], group_chars: int) -> Iterator[list[str]]:
    group: list[str] = []
    size = 0
    for piece in pieces:
        if group and size + len(piece) > group_chars:
            yield group
            group, size = [], 0
        group.append(piece)
        size += len(piece)
    if group:
        yield group


def pipe_bounded(nlp: Language, texts: list[str], max_chars: int, group_chars: int) -> list[Doc]:
    """One ``Doc`` per text, as ``nlp.pipe`` would give, computed piece by piece."""
    from spacy.tokens import Doc

    split = [split_text(text, max_chars) for text in texts]
    flat = [piece for pieces in split for piece in pieces]
    piece_docs: list[Doc] = []
    for group in _groups(flat, group_chars):
        piece_docs.extend(nlp.pipe(group, batch_size=len(group)))
    docs: list[Doc] = []
    at = 0
    for pieces in split:
        parts = piece_docs[at : at + len(pieces)]
        at += len(pieces)
        docs.append(parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False))
    return docs
