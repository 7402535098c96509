"""Matching a stored article against watches: pure rules, the CLI's search and --entity
semantics (tasks/watches/match.py)."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import ExtractSettings
from tasks.models import Article, LanguageCheck
from tasks.watches.match import expand_aliases, matching
from tasks.watches.spec import Watch, WatchSpec
from tests.unit.storage.factories import article, entity, seed_articles


def watch(**fields: Any) -> Watch:
    fields.setdefault("id", fields.get("name", "w"))
    fields.setdefault("name", "w")
    fields.setdefault("webhook_url", "http://example.org/hook")
    fields.setdefault("secret", "s")
    return Watch(**fields)


def hits(w: Watch, a: Article) -> bool:
    return matching([w], a) == [w]


def lang(code: str) -> LanguageCheck:
    return LanguageCheck(language=code, confidence=0.99)


def test_a_query_on_nato_matches_both_seeds_and_not_an_unrelated_text() -> None:
    nato = watch(query="NATO")
    ria, rt = seed_articles()
    weather = article("w1", "Heavy rain is expected in the north on Sunday afternoon.",
                      language_check=lang("en"))
    assert hits(nato, ria) and hits(nato, rt)
    assert not hits(nato, weather)


def test_every_query_word_must_occur_stemmed_in_the_article_language() -> None:
    a = article("a", "The negotiations in Geneva went on for hours.", language_check=lang("en"),
                title="Talks")
    assert hits(watch(query="negotiation Geneva"), a)  # stem: negoti
    assert hits(watch(query="talks"), a)  # the title counts
    assert not hits(watch(query="negotiation Brussels"), a)


def test_german_and_french_articles_use_their_own_stemmer() -> None:
    de = article("de", "Die Verhandlung dauerte bis in die Nacht.", language_check=lang("de"))
    fr = article("fr", "La négociation a duré toute la nuit.", language_check=lang("fr"))
    assert hits(watch(query="Verhandlungen"), de)
    assert hits(watch(query="négociations"), fr)
    assert not hits(watch(query="Verhandlungen"), fr)


def test_accents_are_ignored_as_sqlite_search_ignores_them() -> None:
    fr = article("fr", "La négociation a duré toute la nuit.", language_check=lang("fr"))
    assert hits(watch(query="negociation"), fr)


def test_a_query_of_stop_words_only_matches_nothing() -> None:
    a = article("a", "The meeting was held in the hall.", language_check=lang("en"))
    assert not hits(watch(query="the"), a)
    assert not hits(watch(query="!!"), a)


def test_an_entity_matches_by_cross_script_key_mention_or_surname() -> None:
    ria, _ = seed_articles()
    assert hits(watch(entities=["Грушко"]), ria)  # Cyrillic, as name_key joins it
    assert hits(watch(entities=["Gruschko"]), ria)  # German transliteration
    assert hits(watch(entities=["Stoltenberg"]), ria)  # a person's surname
    assert hits(watch(entities=["nato"]), ria)  # any case
    assert not hits(watch(entities=["Riabkov"]), ria)  # only in the other seed


def test_a_watch_list_matches_when_any_one_entity_is_there() -> None:
    ria, rt = seed_articles()
    watch_list = watch(entities=["Riabkov", "Stoltenberg"])
    assert hits(watch_list, ria) and hits(watch_list, rt)
    assert not hits(watch(entities=["Macron", "Scholz"]), ria)


def test_a_one_word_name_is_not_the_surname_of_an_organisation() -> None:
    a = article("a", "x" * 50, entities=[entity("Bank of England", "ORG", "Bank of England")])
    assert not hits(watch(entities=["England"]), a)


def test_query_entities_language_and_publisher_must_all_hold() -> None:
    ria, rt = seed_articles()
    assert hits(watch(query="NATO", entities=["Stoltenberg"]), ria)
    assert not hits(watch(query="NATO", entities=["Stoltenberg"]), rt)
    assert hits(watch(query="NATO", publisher="ria novosti"), ria)
    assert not hits(watch(query="NATO", publisher="RIA Novosti"), rt)
    assert hits(watch(query="NATO", language="EN"), ria)
    assert not hits(watch(query="NATO", language="de"), ria)


def test_an_inactive_watch_never_matches() -> None:
    ria, _ = seed_articles()
    assert not hits(watch(query="NATO", active=False), ria)


def test_alias_variants_watch_their_canonical_name() -> None:
    aliases = ExtractSettings().aliases
    assert expand_aliases(["OTAN", "Grushko"], aliases) == ["OTAN", "Grushko", "NATO"]
    assert expand_aliases(["NATO"], aliases) == ["NATO"]
    ria, _ = seed_articles()
    assert hits(watch(entities=expand_aliases(["North Atlantic Alliance"], aliases)), ria)
    assert matching([watch(entities=["OTAN"])], ria, aliases) != []


@pytest.mark.parametrize("fields, message", [
    ({}, "a query or at least one entity"),
    ({"query": "  "}, "a query or at least one entity"),
    ({"query": "x", "webhook_url": "ftp://example.org/"}, "http:// or https://"),
    ({"query": "x", "webhook_url": "not a url"}, "http:// or https://"),
])
def test_a_spec_without_anything_to_match_or_with_a_bad_url_is_refused(
    fields: dict[str, Any], message: str,
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        WatchSpec(**{"name": "n", "webhook_url": "http://example.org/h", **fields})
