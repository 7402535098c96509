from __future__ import annotations

from tasks.nlp.canonical import group_mentions
from tasks.nlp.entities import RawMention, trim_span


def _mentions(text: str, spans: list[tuple[str, str]]) -> list[RawMention]:
    out, pos = [], 0
    for name, label in spans:
        start = text.index(name, pos)
        out.append(RawMention(name, start, start + len(name), label))
        pos = start + len(name)
    return out


def test_trim_span_strips_article_possessive_and_trailing_preposition() -> None:
    text = "the North Atlantic Alliance's plan and the Permanent Mission to NATO; Theresa May"
    assert text[slice(*trim_span(text, 0, 29))] == "North Atlantic Alliance"
    start = text.index("the Permanent")
    assert text[slice(*trim_span(text, start, start + 24))] == "Permanent Mission"
    us = "talks with the U.S. on Monday"
    assert us[slice(*trim_span(us, 11, 19))] == "U.S."
    start = text.index("Theresa")
    assert text[slice(*trim_span(text, start, len(text)))] == "Theresa May"


def test_surname_with_any_label_joins_the_full_name() -> None:
    text = "Jane Doe met John Roe. Doe spoke, then Roe. Doe left."
    m = _mentions(
        text,
        [
            ("Jane Doe", "PERSON"),
            ("John Roe", "PERSON"),
            ("Doe", "ORG"),
            ("Roe", "GPE"),
            ("Doe", "PERSON"),
        ],
    )
    entities = {e.name: e for e in group_mentions(m, text, {}, "test")}
    assert set(entities) == {"Jane Doe", "John Roe"}
    assert entities["Jane Doe"].count == 3 and entities["Jane Doe"].label == "PERSON"
    assert [x.start for x in entities["Jane Doe"].mentions] == sorted(
        x.start for x in entities["Jane Doe"].mentions
    )


def test_ambiguous_surname_stays_apart() -> None:
    text = "Jane Doe and John Doe came. Doe spoke."
    m = _mentions(text, [("Jane Doe", "PERSON"), ("John Doe", "PERSON"), ("Doe", "PERSON")])
    assert len(group_mentions(m, text, {}, "test")) == 3


def test_parenthesised_acronym_adds_later_mentions() -> None:
    text = "The World Health Organization (WHO) warned. Later WHO said more."
    m = _mentions(text, [("World Health Organization", "ORG")])
    (who,) = group_mentions(m, text, {}, "test")
    assert who.name == "World Health Organization" and who.count == 3
    assert [text[x.start : x.end] for x in who.mentions] == [
        "World Health Organization",
        "WHO",
        "WHO",
    ]


def test_alias_table_and_majority_label() -> None:
    text = "NATO and the Atlantic Alliance met in Washington; Washington and Washington agreed."
    m = _mentions(
        text,
        [
            ("NATO", "ORG"),
            ("Atlantic Alliance", "ORG"),
            ("Washington", "GPE"),
            ("Washington", "ORG"),
            ("Washington", "GPE"),
        ],
    )
    entities = {e.name: e for e in group_mentions(m, text, {"NATO": ["Atlantic Alliance"]}, "t")}
    assert entities["NATO"].count == 2 and "alias-table" in entities["NATO"].provenance.source
    assert entities["Washington"].label == "GPE" and entities["Washington"].count == 3
