"""Story keys of an article: entity keys and mentioned days."""

from __future__ import annotations

from tasks.models import NormalizedDate
from tasks.storage.entity_index import date_keys, entity_keys
from tests.unit.storage.factories import article, day, entity


def test_date_keys_keep_days_dated_or_yearless() -> None:
    values = ["2022-01-12", "--01-09", "--02-29", "--02-30", "2021-12", "2014"]
    dates = [day(v) for v in values] + [
        NormalizedDate(text="Tomorrow", value=None, start=0, end=8)
    ]
    keys = date_keys(article("a", "text", dates=dates))
    assert keys == {"date:2022-01-12", "md:01-09", "md:02-29"}


def test_people_are_keyed_by_surname() -> None:
    keys = entity_keys(
        [
            entity("Alexander Grushko", "PERSON", "Alexander Grushko", "Grushko"),
            entity("Grushko", "PERSON", "Grushko"),
            entity("The North Atlantic Alliance", "ORG", "NATO"),
            entity("Russian", "NORP", "Russian"),
        ]
    )
    assert keys == {"per:grushko": 3, "org:north atlantic alliance": 1}
