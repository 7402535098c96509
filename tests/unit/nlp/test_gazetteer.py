"""The compact gazetteer answers exactly what the dict it replaced answered."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import numpy as np
import pytest

from tasks.nlp.compact_keys import KeyIndex
from tasks.nlp.compact_places import CompactPlaces, Place
from tasks.nlp.gazetteer import Gazetteer, _collect, _rows, load_gazetteer

MIN_POPULATION = 15000


@pytest.fixture(scope="module")
def reference() -> dict[str, Place]:
    """The old representation: a dict filled row by row, first entry of a key winning."""
    table: dict[str, Place] = {}
    for key, name, label in _rows(_collect(MIN_POPULATION)):
        table.setdefault(key, Place(name, label))
    return table


def test_every_key_finds_the_same_place(reference: dict[str, Place]) -> None:
    places = load_gazetteer(MIN_POPULATION).places
    assert len(places) == len(reference)
    assert [k for k, place in reference.items() if places.get(k) != place] == []
    assert set(places) == set(reference)


def test_non_keys_find_nothing(reference: dict[str, Place]) -> None:
    places = load_gazetteer(MIN_POPULATION).places
    rng = random.Random(7)
    keys = rng.sample(sorted(reference), 20000)
    probes = [k[:-1] for k in keys] + [k + "x" for k in keys] + [k.upper() for k in keys]
    probes += ["", "\x00", "moscowx", "zzzz not a place"]
    assert [p for p in probes if places.get(p) != reference.get(p)] == []
    assert ("moscow" in places) == ("moscow" in reference)


def test_lookups_through_the_gazetteer() -> None:
    gazetteer = load_gazetteer(MIN_POPULATION)
    assert gazetteer.get("Moskau") == Place("Moscow", "GPE")
    assert gazetteer.get("Москва") == Place("Moscow", "GPE")
    assert gazetteer.get_inflected("Москве") == Place("Moscow", "GPE")
    assert gazetteer.get("OTAN") is None  # an acronym matches only a name in capitals
    assert gazetteer.get("USA") == Place("United States", "GPE")


def test_a_dict_still_builds_a_gazetteer() -> None:
    gazetteer = Gazetteer({"berlin": Place("Berlin", "GPE"), "europa": Place("Europe", "LOC"),
                           "new york": Place("New York City", "GPE")})
    assert len(gazetteer) == 3 and gazetteer.max_words == 2
    assert gazetteer.get("Europa") == Place("Europe", "LOC")
    assert gazetteer.get("Berlín") is None
    with pytest.raises(KeyError):
        gazetteer.places["paris"]


def test_first_row_of_a_key_wins() -> None:
    places = CompactPlaces.build([("georgia", "Georgia", "GPE"), ("georgia", "Atlanta", "GPE"),
                                  ("x", "X", "LOC")])
    assert places["georgia"] == Place("Georgia", "GPE") and len(places) == 2


def test_keys_of_one_hash_are_told_apart_by_their_bytes() -> None:
    # "x" sits first under georgia's CRC: a lookup must compare bytes and go on
    h = zlib.crc32(b"georgia")
    index = KeyIndex(np.array([h, h], dtype=np.uint32), np.array([0, 1, 8], dtype=np.uint32),
                     b"xgeorgia")
    assert index.find("georgia") == 1
    assert index.find("x") == -1  # its own CRC is not in the table
    assert index.find("georgib") == -1


def test_a_saved_table_loads_equal(tmp_path: Path) -> None:
    places = CompactPlaces.build([("berlin", "Berlin", "GPE"), ("europa", "Europe", "LOC"),
                                  ("москва", "Moscow", "GPE"), ("new york", "New York City",
                                                                "GPE")])
    places.save(tmp_path / "t.npz")
    loaded = CompactPlaces.load(tmp_path / "t.npz")
    assert dict(loaded.items()) == dict(places.items()) and loaded.max_words == 2


def test_short_country_names_from_cldr() -> None:
    """News writes "روسيا", "Rusya", "Russland"; pycountry has only the official names."""
    gazetteer = load_gazetteer(MIN_POPULATION)
    for name in ("روسيا", "Rusya", "Russland", "Rusia"):
        assert gazetteer.get(name) == Place("Russia", "GPE")
    assert gazetteer.get("تركيا") == Place("Turkey", "GPE")
    assert gazetteer.get("الإمارات") == Place("United Arab Emirates", "GPE")
    # CLDR names that are ordinary Arabic words ("financial", "boys") are left out
    assert gazetteer.get("مالي") is None and gazetteer.get("بنين") is None
    assert gazetteer.get("مالى") is None  # the same word, Egyptian spelling


def test_arabic_keys_ignore_vowel_marks_tatweel_and_hamza_on_alef() -> None:
    gazetteer = load_gazetteer(MIN_POPULATION)
    united_states = Place("United States", "GPE")
    assert gazetteer.get("الولايات المتّحدة") == united_states  # shadda
    assert gazetteer.get("الولايات المتحدة") == united_states
    assert gazetteer.get("إيران") == gazetteer.get("ايران") == Place("Iran", "GPE")
    assert gazetteer.get("مـصـر") == gazetteer.get("مصر")  # tatweel
    assert gazetteer.is_not_place("الأحد") and gazetteer.is_not_place("الاحد")


def test_subdivisions_are_places_and_compass_names_are_not() -> None:
    gazetteer = load_gazetteer(MIN_POPULATION)
    assert gazetteer.get("Tamaulipas") == Place("Tamaulipas", "GPE")
    assert gazetteer.get("Nordrhein-Westfalen") == Place("Nordrhein-Westfalen", "GPE")
    assert gazetteer.get("Baviera") == Place("Bayern", "GPE")  # a translation, ISO name
    assert gazetteer.get("Norte") is None and gazetteer.get("Sur") is None


def test_ordinary_words_listed_as_city_aliases_are_no_places() -> None:
    gazetteer = load_gazetteer(MIN_POPULATION)
    for word in ("الخبر", "جمال", "أمان", "امان", "حصار", "Gracias", "Bravo", "Grad"):
        assert gazetteer.get(word) is None, word


def test_arabic_aliases_of_small_towns_far_away_are_no_places() -> None:
    gazetteer = load_gazetteer(MIN_POPULATION)
    # "role" (Dour, Belgium), "league" (Dori, Burkina Faso), "security" (Emmen), "a day"
    # (Yuma): geonames' Arabic aliases of small towns where Arabic is not written
    for word in ("دور", "دوري", "أمن", "يوما"):
        assert gazetteer.get(word) is None, word
    # towns of the Arab world, capitals and big cities keep their Arabic names
    expected = {"سوهاج": "Sohag", "القيروان": "Kairouan", "كانبرا": "Canberra",
                "واشنطن": "Washington", "موسكو": "Moscow"}
    for word, english in expected.items():
        place = gazetteer.get(word)
        assert place is not None and place.name == english, word


def test_a_lower_population_bound_reads_the_city_file_that_holds_it() -> None:
    from tasks.nlp.gazetteer import _city_file

    assert [_city_file(n) for n in (100, 500, 999, 5000, 14999, 15000, 50000)] == [
        500, 500, 500, 5000, 5000, 15000, 15000]
