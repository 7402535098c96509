"""Content hash, MinHash signatures, LSH bands and the near-duplicate decision."""

from __future__ import annotations

from tasks.storage import dedup
from tests.unit.storage.factories import corpus_texts

TEXT = corpus_texts()[0][1]


def test_content_hash_ignores_case_and_spacing() -> None:
    assert dedup.content_hash("Hello   World\n") == dedup.content_hash("hello world")
    assert dedup.content_hash("hello world") != dedup.content_hash("hello worlds")


def test_signature_round_trips_through_bytes() -> None:
    sig = dedup.signature(TEXT, 128)
    back = dedup.Signature.from_bytes(sig.to_bytes(), sig.shingle_count)
    assert (back.hashvalues == sig.hashvalues).all()
    assert dedup.similarity(sig, back) == (1.0, 1.0)


def test_identical_texts_share_every_band() -> None:
    a, b = dedup.signature(TEXT, 128), dedup.signature(TEXT, 128)
    assert dedup.band_hashes(a) == dedup.band_hashes(b)
    assert len(dedup.band_hashes(a)) > 1


def test_dropped_paragraphs_are_found_by_containment() -> None:
    paragraphs = TEXT.split("\n\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    shorter = "\n\n".join(p for i, p in enumerate(paragraphs) if i not in (longest, 0))
    a, b = dedup.signature(TEXT, 128), dedup.signature(shorter, 128)
    jaccard, containment = dedup.similarity(a, b)
    assert containment > jaccard
    assert dedup.is_near_duplicate(a, b, 0.8)


def test_distinct_corpus_texts_are_not_near_duplicates() -> None:
    texts = [t for _, t in corpus_texts()[:30]]
    sigs = [dedup.signature(t, 128) for t in texts]
    for i, a in enumerate(sigs):
        for b in sigs[i + 1 :]:
            assert not dedup.is_near_duplicate(a, b, 0.8)


def test_short_brief_inside_long_text_is_not_a_duplicate() -> None:
    brief = " ".join(TEXT.split()[:60])
    a, b = dedup.signature(TEXT, 128), dedup.signature(brief, 128)
    assert not dedup.is_near_duplicate(a, b, 0.8)  # contained, but far too small to be a copy
