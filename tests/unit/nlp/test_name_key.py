from __future__ import annotations

import pytest

from tasks.nlp.name_key import name_key


@pytest.mark.parametrize(
    "names",
    [
        ["Grushko", "Gruschko", "Grouchko", "Грушко"],
        ["NATO", "НАТО", "Nato"],
        ["Sergey Lavrov", "Sergej Lawrow", "Сергей Лавров"],
        ["Erdoğan", "Erdogan", "ERDOĞAN"],
        ["The Kremlin", "Kremlin"],
    ],
)
def test_spellings_of_one_name_share_a_key(names: list[str]) -> None:
    assert len({name_key(n) for n in names}) == 1, {n: name_key(n) for n in names}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Martin Schulz", "George Shultz"),  # two politicians, one letter apart
        ("Grushko", "Gruzko"),
        ("Alexander Grushko", "Alexei Grushko"),
        ("Putin", "Pushkin"),
        ("Lavrov", "Lavrova"),
        ("NATO", "OTAN"),  # a translation, not a spelling: the alias table joins it
    ],
)
def test_different_names_keep_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_empty_and_symbols() -> None:
    assert name_key("") == "" and name_key("—!") == ""
