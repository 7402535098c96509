"""The extract stage on the two seed articles, a French text and untranslated German."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import ExtractSettings
from tasks.errors import EmptyInput
from tasks.extract import extract, extract_batch, extract_many
from tasks.models import Article, Entity, LanguageCheck

SEEDS = Path("/work/shared/seeds")
EN = LanguageCheck(language="en", decision="pass", model_language="en")
FR_TEXT = (
    "Le ministre russe des Affaires étrangères Sergueï Lavrov a rencontré Antony Blinken "
    "à Genève le 21 janvier 2022.\n\n"
    "« Nous attendons des réponses concrètes à nos propositions », a déclaré Lavrov après "
    "la réunion.\n\n"
    "Antony Blinken a affirmé que les États-Unis restaient ouverts au dialogue avec la Russie."
)
DE_TEXT = (
    "Der russische Außenminister Sergej Lawrow traf am Freitag in Genf seinen Amtskollegen. "
    "„Wir erwarten konkrete Antworten“, sagte Lawrow nach dem Treffen.\n\n"
    "Die Nato will weiter verhandeln, sagte Lawrow."
)


def _seed_lines(name: str) -> list[str]:
    path = next(SEEDS.glob(f"{name}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {name} not available under {SEEDS}")
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def seed000_text() -> str:
    lines = _seed_lines("000")[:-3]  # drop the agency boilerplate lines
    return "\n\n".join(line for line in lines if line.strip())


@pytest.fixture(scope="module")
def seed002_text() -> str:
    lines = [line for line in _seed_lines("002")[2:] if line.strip()]  # skip link, title
    return "\n\n".join(lines[:-1])  # drop the French disclaimer


def _article(
    text: str, translation: LanguageCheck | None = EN, id: str = "a1", published: str | None = None
) -> Article:
    return Article(id=id, source="test", text=text, language_check=translation, published=published)


@pytest.fixture(scope="module")
def seed000(seed000_text: str) -> Article:
    return extract(_article(seed000_text), ExtractSettings())


@pytest.fixture(scope="module")
def seed002(seed002_text: str) -> Article:
    return extract(_article(seed002_text), ExtractSettings())


def _by_name(article: Article, name: str) -> Entity:
    found = [e for e in article.entities if e.name == name]
    assert len(found) == 1, [(e.name, e.label) for e in article.entities]
    return found[0]


def _persons(article: Article) -> set[str]:
    return {e.name for e in article.entities if e.label == "PERSON"}


def test_seed000_persons_places_orgs(seed000: Article) -> None:
    assert {"Alexander Grushko", "Jens Stoltenberg"} <= _persons(seed000)
    assert {"Brussels", "Geneva"} <= {e.name for e in seed000.entities if e.label == "GPE"}
    assert _by_name(seed000, "NATO").label == "ORG"


def test_seed000_surname_grouped_even_when_tagged_otherwise(seed000: Article) -> None:
    grushko = _by_name(seed000, "Alexander Grushko")
    assert [m.text for m in grushko.mentions] == ["Alexander Grushko", "Grushko"]
    assert grushko.count == 2
    assert "surname" in grushko.provenance.source


def test_seed000_alias_grouped_under_nato(seed000: Article) -> None:
    nato = _by_name(seed000, "NATO")
    assert "North Atlantic Alliance" in [m.text for m in nato.mentions]
    assert nato.count == len(nato.mentions) >= 4


@pytest.mark.parametrize("seed", ["seed000", "seed002"])
def test_mentions_index_the_text_and_names_are_bare(
    seed: str, request: pytest.FixtureRequest
) -> None:
    article: Article = request.getfixturevalue(seed)
    assert article.text is not None
    for entity in article.entities:
        assert entity.count == len(entity.mentions)
        assert not entity.name.lower().startswith("the ")
        assert not entity.name.endswith(("'s", "’s"))
        for m in entity.mentions:
            assert article.text[m.start : m.end] == m.text
    for quote in article.quotes:
        assert article.text[quote.start : quote.end] == quote.text


def test_seed000_quotes_and_reported_speech(seed000: Article) -> None:
    direct = [q for q in seed000.quotes if q.kind == "direct"]
    assert [(q.text, q.speaker) for q in direct] == [
        ("it is possible to have a meaningful dialogue with Russia", "Jens Stoltenberg")
    ]
    reported = [q for q in seed000.quotes if q.kind == "reported"]
    assert reported and all(q.speaker == "Alexander Grushko" for q in reported)
    assert any(q.text.startswith("Russia will travel there") for q in reported)  # "he said"


def test_seed000_dates_against_latest_explicit_date(seed000: Article) -> None:
    values = {d.text: d.value for d in seed000.dates}
    assert values["January 12"] == "2022-01-12"
    assert values["2014"] == "2014"
    assert values["Tomorrow"] is None  # relative, and no publication date to resolve it
    assert "latest explicit date" in seed000.extract_provenance["dates"].source


def test_seed002_persons(seed002: Article) -> None:
    assert {"Alexander Grushko", "Sergei Riabkov", "Wendy Sherman"} <= _persons(seed002)
    assert _by_name(seed002, "Wendy Sherman").count == 2


def test_seed002_quotes_speakers(seed002: Article) -> None:
    speakers = {q.text: q.speaker for q in seed002.quotes}
    assert speakers["very seriously"] == "Sergei Riabkov"  # not Sherman in the relative clause
    assert speakers["not hopeless"] == "Sergei Riabkov"  # "The negotiator added"
    firm = [q for q in seed002.quotes if q.text.startswith("We are firm")]
    assert len(firm) == 1 and firm[0].speaker == "Wendy Sherman"  # ", she insisted"


def test_seed002_dates_with_publication_date(seed002_text: str) -> None:
    article = extract(_article(seed002_text, published="2022-01-13"), ExtractSettings())
    values = {d.text: d.value for d in article.dates}
    assert values["January 12"] == "2022-01-12"
    assert values["mid-December"] == "2021-12"


@pytest.mark.parametrize("seed", ["seed000", "seed002"])
def test_keywords_relevant(seed: str, request: pytest.FixtureRequest) -> None:
    article: Article = request.getfixturevalue(seed)
    texts = [k.text for k in article.keywords]
    assert "NATO" in texts
    assert 0 < len(texts) <= ExtractSettings().max_keywords
    assert [k.score for k in article.keywords] == sorted(
        (k.score for k in article.keywords), reverse=True
    )
    assert article.extract_provenance["keywords"].source


def test_summary_is_the_lead(seed000_text: str) -> None:
    article = extract(_article(seed000_text), ExtractSettings(summary_sentences=2))
    first, second = seed000_text.split("\n\n")[:2]  # each of these paragraphs is one sentence
    assert article.summary == f"{first} {second}"
    assert "lead-2" in article.extract_provenance["summary"].source


def test_french_routed_to_french_model() -> None:
    tr = LanguageCheck(language="fr", decision="route", model_language="fr")
    article = extract(_article(FR_TEXT, tr, published="2022-01-21"), ExtractSettings())
    assert "fr_core_news_sm" in article.extract_provenance["entities"].source
    lavrov = _by_name(article, "Sergueï Lavrov")
    assert lavrov.label == "PERSON" and lavrov.count == 2
    speakers = {q.text: q.speaker for q in article.quotes}
    assert speakers["Nous attendons des réponses concrètes à nos propositions"] == "Sergueï Lavrov"
    assert {d.text: d.value for d in article.dates}["21 janvier 2022"] == "2022-01-21"


def test_needs_translation_gets_no_entities_and_says_why() -> None:
    tr = LanguageCheck(language="de", decision="needs_translation", model_language=None)
    article = extract(_article(DE_TEXT, tr), ExtractSettings())
    assert article.entities == [] and article.dates == []
    assert article.extract_provenance["entities"].source.startswith("skipped")
    assert "needs_translation" in article.extract_provenance["entities"].source
    assert article.summary is not None and article.summary.startswith("Der russische")
    assert any(q.text == "Wir erwarten konkrete Antworten" for q in article.quotes)


@pytest.mark.parametrize(
    ("translation", "settings", "why"),
    [
        (None, ExtractSettings(), "no language check"),
        (
            LanguageCheck(language="de", model_language="de"),
            ExtractSettings(fallback_ner=False),
            "no model for de",
        ),
        (EN, ExtractSettings(models={"en": ["no_such_pkg_xyz"]}), "no installed model for en"),
    ],
)
def test_ner_skipped_with_reason(
    translation: LanguageCheck | None, settings: ExtractSettings, why: str
) -> None:
    article = extract(
        _article("Angela Merkel visited Paris on Monday. She said little.", translation), settings
    )
    assert article.entities == []
    assert why in article.extract_provenance["entities"].source


def test_empty_text_is_a_permanent_error() -> None:
    with pytest.raises(EmptyInput):
        extract(_article("   "), ExtractSettings())


def test_extract_is_idempotent(seed000: Article) -> None:
    again = extract(seed000, ExtractSettings())
    assert again.model_dump() == seed000.model_dump()


def test_extract_many_equals_one_by_one(seed000_text: str, seed002_text: str) -> None:
    settings = ExtractSettings(batch_size=2)
    fr = LanguageCheck(language="fr", decision="route", model_language="fr")
    de = LanguageCheck(language="de", decision="needs_translation")
    articles = [
        _article(seed000_text, id="s0"),
        _article(FR_TEXT, fr, id="fr"),
        _article("", id="empty"),
        _article(seed002_text, id="s2"),
        _article(DE_TEXT, de, id="de"),
    ]
    batch = extract_many(articles, settings)
    assert [a.id for a in batch] == [a.id for a in articles]
    for one, many in zip(articles, batch, strict=True):
        if one.id == "empty":
            assert many.entities == []
            assert many.extract_provenance["error"].source.startswith("empty")
            continue
        assert many.model_dump() == extract(one, settings).model_dump()


def test_extract_batch_returns_each_failure_in_place(seed000_text: str) -> None:
    articles = [_article("", id="empty"), _article(seed000_text, id="s0")]
    empty, ok = extract_batch(articles, ExtractSettings())
    assert isinstance(empty, EmptyInput)
    assert isinstance(ok, Article) and ok.id == "s0" and ok.entities
