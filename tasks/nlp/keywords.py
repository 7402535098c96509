"""Keyphrases by entity and n-gram frequency, weighted by first position.

A deliberately cheap method (no extra dependency, a few ms per article): candidates are the
article's named entities under their canonical names (all mentions counted) and content-word
uni/bigrams (no stop words, digits or punctuation, outside entity spans) seen at least twice.
Score = frequency x (1 + 1 / (1 + index of the first sentence it occurs in)), so what the lead
talks about ranks first, then scaled to 0..1. YAKE was tried and left out: four more
dependencies, and on the seeds its top ten missed NATO for "Novosti correspondent reports".
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from typing import TYPE_CHECKING

from tasks.models import Entity, Keyword

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["METHOD", "extract_keywords"]

METHOD = "entity+ngram frequency x lead position"
_SKIP_LABELS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"})


def extract_keywords(
    doc: Doc, entities: list[Entity], sentence_starts: list[int], max_keywords: int
) -> list[Keyword]:
    """Top ``max_keywords`` keyphrases of ``doc`` (its entities already grouped)."""
    if max_keywords == 0:
        return []

    def sentence_index(pos: int) -> int:
        return max(bisect_right(sentence_starts, pos) - 1, 0)

    freq: Counter[str] = Counter()
    first: dict[str, int] = {}
    display: dict[str, str] = {}
    covered: set[int] = set()
    for ent in entities:
        for m in ent.mentions:
            covered.update(range(m.start, m.end))
        if ent.label in _SKIP_LABELS:
            continue
        key = ent.name.casefold()
        freq[key] += ent.count
        first[key] = min(first.get(key, 1 << 30), sentence_index(ent.mentions[0].start))
        display[key] = ent.name

    grams: Counter[str] = Counter()
    gram_first: dict[str, int] = {}
    shown: dict[str, str] = {}
    run: list[str] = []
    run_pos: list[int] = []
    run_shown: list[str] = []

    def flush() -> None:
        for n in (1, 2):
            for i in range(len(run) - n + 1):
                gram = " ".join(run[i : i + n])
                grams[gram] += 1
                shown.setdefault(gram, " ".join(run_shown[i : i + n]))
                gram_first.setdefault(gram, sentence_index(run_pos[i]))
        run.clear()
        run_pos.clear()
        run_shown.clear()

    starts = set(sentence_starts)
    for tok in doc:
        content = tok.is_alpha and not tok.is_stop and len(tok.text) > 2
        if not content or tok.idx in covered or tok.idx in starts:
            flush()
        if content and tok.idx not in covered:
            run.append(tok.text.casefold())
            run_pos.append(tok.idx)
            run_shown.append(tok.text)
    flush()
    in_bigram: Counter[str] = Counter()
    for gram, count in grams.items():
        for word in gram.split() if " " in gram else ():
            in_bigram[word] = max(in_bigram[word], count)
    for gram, count in grams.items():
        # a unigram inside an equally frequent bigram adds nothing
        if count < 2 or gram in freq or in_bigram.get(gram) == count:
            continue
        freq[gram] += count
        first[gram] = gram_first[gram]
        display[gram] = shown[gram]

    scored = {k: freq[k] * (1 + 1 / (1 + first[k])) for k in freq}
    top = sorted(scored, key=lambda k: (-scored[k], first[k], k))[:max_keywords]
    best = scored[top[0]] if top else 1.0
    return [Keyword(text=display[k], score=round(scored[k] / best, 4)) for k in top]
