"""Story grouping: the two seeds are one story; unrelated articles never merge."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.storage.repository import store_article
from tasks.storage.stories import StoryEvidence, match_score, specificity
from tests.unit.storage.factories import article, corpus_texts, day, entity, seed_articles

MIN = StoreSettings().story_min_evidence
EVENT = {"per:grushko": 3, "org:nato": 4, "loc:brussels": 2, "loc:geneva": 1}


def ev(keys: dict[str, int], dates: tuple[str, ...] = (), ref: date | None = None) -> StoryEvidence:
    # "--01-12" is a day mentioned without a year (see tasks/nlp/dates.py)
    keys_of_days = frozenset(f"md:{d[2:]}" if d.startswith("--") else f"date:{d}" for d in dates)
    return StoryEvidence(keys=keys, dates=keys_of_days, ref_date=ref)


def test_articles_made_of_the_same_names_match() -> None:
    a = ev({**EVENT, "per:stoltenberg": 1}, dates=("2022-01-12",))
    b = ev({**EVENT, "per:riabkov": 2}, dates=("2022-01-12",))
    score = match_score(a, b, 7, MIN)
    assert score is not None and score >= MIN


def test_a_few_generic_names_in_long_articles_do_not_match() -> None:
    long_a = {"loc:us": 2, "org:congress": 1, "per:trump": 3, **{f"org:a{i}": 2 for i in range(12)}}
    long_b = {"loc:us": 1, "org:congress": 2, "per:trump": 2, **{f"org:b{i}": 2 for i in range(12)}}
    day_ = date(2020, 3, 1)
    assert match_score(ev(long_a, ref=day_), ev(long_b, ref=day_), 7, MIN) is None
    # Two shared names are never enough, however central.
    two = {"per:trump": 5, "loc:us": 5}
    assert match_score(ev(two, ref=day_), ev(two, ref=day_), 7, MIN) is None


def test_the_publication_day_is_no_date_evidence() -> None:
    half = {"per:grushko": 1, "org:nato": 1, "loc:brussels": 1, **{f"x:{i}": 2 for i in range(2)}}
    day_ = date(2022, 1, 12)
    today = match_score(ev(half, ("2022-01-12",), day_), ev(half, ("2022-01-12",), day_), 7, 0.1)
    other = match_score(ev(half, ("2022-01-10",), day_), ev(half, ("2022-01-10",), day_), 7, 0.1)
    assert today is not None and other is not None
    assert other > today


def test_score_respects_the_window() -> None:
    a = ev(EVENT, ref=date(2022, 1, 12))
    b = ev(EVENT, ref=date(2022, 1, 30))
    assert match_score(a, b, 7, MIN) is None
    assert match_score(a, b, 30, MIN) is not None
    # Without publication days, only a shared mentioned day can place them together.
    assert match_score(ev(EVENT), ev(EVENT), 7, MIN) is None
    assert match_score(ev(EVENT, ("2022-01-12",)), ev(EVENT, ("2022-01-12",)), 7, MIN)


def test_a_yearless_day_meets_the_same_day_dated() -> None:
    # The RT seed: no publication date and no year anywhere, only "January 12".
    dated = ev(EVENT, ("2022-01-12", "2022-01-09"))
    assert match_score(ev(EVENT, ("--01-12",)), dated, 7, MIN) is not None
    assert match_score(dated, ev(EVENT, ("--01-12",)), 7, MIN) is not None
    # Another day, or two yearless days (any two years), place nothing together.
    assert match_score(ev(EVENT, ("--01-13",)), dated, 7, MIN) is None
    assert match_score(ev(EVENT, ("--01-12",)), ev(EVENT, ("--01-12",)), 7, MIN) is None
    # The yearless match earns the date bonus like an exact one.
    exact = match_score(ev(EVENT, ("2022-01-12",)), dated, 7, 0.1)
    loose = match_score(ev(EVENT, ("--01-12",)), dated, 7, 0.1)
    assert exact is not None and loose == exact


def test_undated_seed_with_a_yearless_day_joins_the_story(
    engine: Engine, settings: StoreSettings
) -> None:
    ria, rt = seed_articles()
    rt = rt.model_copy(update={"dates": [day("--01-12")]})
    assert rt.published is None
    stored = [store_article(engine, a, settings) for a in (ria, rt)]
    assert stored[0].story_id == stored[1].story_id


def test_names_common_to_many_stories_weigh_less() -> None:
    weights = specificity({"per:grushko": 2, "loc:china": 40, "loc:us": 90}, 100)
    assert weights["per:grushko"] > weights["loc:china"] > weights["loc:us"] >= 1.0
    generic = {"loc:china": 3, "loc:us": 3, "per:trump": 3}
    a = ev({**generic, "per:a": 1, "org:b": 1}, ref=date(2022, 1, 12))
    b = ev({**generic, "per:c": 1, "org:d": 1}, ref=date(2022, 1, 12))
    common = specificity(
        {**dict.fromkeys(generic, 60), **dict.fromkeys(["per:a", "org:b", "per:c", "org:d"], 1)},
        100,
    )
    plain = match_score(a, b, 7, 0.0)
    weighted = match_score(a, b, 7, 0.0, common)
    assert plain is not None and weighted is not None and weighted < plain


def test_seeds_form_one_story(engine: Engine, settings: StoreSettings) -> None:
    ria, rt = (store_article(engine, a, settings) for a in seed_articles())
    assert (ria.verdict, rt.verdict) == ("stored", "stored")  # different texts
    assert ria.story_id == rt.story_id


def test_corpus_articles_with_shared_names_stay_apart(
    engine: Engine, settings: StoreSettings
) -> None:
    # Distinct corpus texts, all published the same day and all naming the same two places
    # and one organisation beside their own people: sharing generic names is not being the
    # same event.
    common = [
        entity("United States", "GPE", "US"),
        entity("Washington", "GPE", "Washington"),
        entity("Congress", "ORG", "Congress"),
    ]
    for seed in seed_articles():
        store_article(engine, seed, settings)
    stories = set()
    for i, (_name, text) in enumerate(corpus_texts()[:12]):
        own = [entity(f"Given Surname{i}x{j}", "PERSON", f"Surname{i}x{j}") for j in range(5)]
        stored = store_article(
            engine,
            article(
                f"c{i}",
                text,
                published="2022-01-12",
                entities=[*common, *own],
                dates=[day("2022-01-12")],
            ),
            settings,
        )
        assert stored.verdict == "stored"
        stories.add(stored.story_id)
    assert len(stories) == 12
    assert f"s-{seed_articles()[0].id}" not in stories
