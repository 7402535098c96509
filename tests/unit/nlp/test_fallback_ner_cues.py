"""The fallback NER's cues of issue 13's coverage work, on sentences from
../shared/corpus/stories-dev: institution words inside longer names, places after a lower-case
administrative word, places written in capitals, a sentence opening with a given name."""

from __future__ import annotations

import pytest

from tasks.nlp.fallback_ner import fallback_mentions
from tasks.nlp.gazetteer import Gazetteer, load_gazetteer


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(15000)


def found(text: str, language: str, gazetteer: Gazetteer) -> set[tuple[str, str]]:
    return {(m.text, m.label) for m in fallback_mentions(text, language, gazetteer).mentions}


def test_institution_word_makes_an_organisation_only_inside_a_longer_name(
    gazetteer: Gazetteer,
) -> None:
    text = ("De acuerdo al Centro Sismológico Nacional el evento se localizó cerca. "
            "Luego el Centro cerró y la Policía llegó.")
    got = found(text, "es", gazetteer)
    assert ("Centro Sismológico Nacional", "ORG") in got
    assert ("Centro", "ORG") not in got and ("Policía", "ORG") not in got


def test_turkish_institution_words_by_stem(gazetteer: Gazetteer) -> None:
    text = "Webtekno'nun haberine göre Avrupa Birliği'nin çağrısı sonrası karar verildi."
    assert ("Avrupa Birliği", "ORG") in found(text, "tr", gazetteer)


@pytest.mark.parametrize(
    ("language", "text", "place"),
    [
        ("es", "Pasado el mediodía, el gobierno de la provincia de Misiones anunció el "
               "programa.", "Misiones"),
        ("it", "Il sindaco del comune di Castelnuovo Rangone ha firmato l'ordinanza.",
         "Castelnuovo Rangone"),
    ],
)
def test_name_after_a_lower_case_administrative_word_is_a_place(
    language: str, text: str, place: str, gazetteer: Gazetteer
) -> None:
    assert (place, "GPE") in found(text, language, gazetteer)


def test_places_in_capitals_but_not_acronyms(gazetteer: Gazetteer) -> None:
    text = "TEKİRDAĞ (İHA) - Belediye ekipleri denetim yaptı. OTAN açıklama yapmadı."
    got = found(text, "tr", gazetteer)
    assert ("TEKİRDAĞ", "GPE") in got
    assert not any(label == "GPE" for surface, label in got if surface == "OTAN")


def test_sentence_opening_with_a_given_name_and_places_after_an_administrative_word(
    gazetteer: Gazetteer,
) -> None:
    text = ("Ralph Burghart, Bürgermeister für Bildung und Sport der Stadt Chemnitz, bietet "
            "Sprechstunden an. Uwe Winefeld gelang dieses Foto. Das Land Burgenland zahlte.")
    got = found(text, "de", gazetteer)
    # Burgenland, an Austrian state, is an ISO 3166-2 subdivision of the gazetteer
    assert {("Ralph Burghart", "PERSON"), ("Uwe Winefeld", "PERSON"), ("Chemnitz", "GPE"),
            ("Burgenland", "GPE")} <= got


def test_a_sentence_opening_with_an_ordinary_word_stays_no_person(gazetteer: Gazetteer) -> None:
    # "Mark" is a given name and a currency; "Rose" a given name and a flower
    text = "Mark und Pfennig galten damals. Rose Blüten sind rot, die rose Farbe auch."
    got = found(text, "de", gazetteer)
    assert not any(label == "PERSON" for _, label in got)
