"""Story assignment by lead-vector cosine (tasks/storage/stories.py, content path).

Synthetic unit vectors stand in for the encoder's (it is tested in tests/unit/nlp), so these
run fast on SQLite here and on PostgreSQL through tests/integration/test_storage_pg.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from config.settings import StoreSettings
from tasks.models import Entity
from tasks.nlp.embedding import DIMENSIONS, encode_vector
from tasks.storage.repository import store_article
from tasks.storage.schema import article_vectors
from tasks.storage.stories import CONFIRM_COSINE, MIN_COSINE, MIN_NAMES_TO_DISAGREE, site_of
from tests.unit.storage.factories import article, entity


def _vector(cos_to_base: float, seed: int) -> str | None:
    """A unit vector whose cosine with ``_vector(1.0, ...)``'s base direction is given."""
    base = np.zeros(DIMENSIONS, dtype=np.float32)
    base[0] = 1.0
    other = np.zeros(DIMENSIONS, dtype=np.float32)
    other[1 + seed] = 1.0
    v = cos_to_base * base + np.sqrt(max(0.0, 1 - cos_to_base**2)) * other
    return encode_vector(v)


def _text(n: int) -> str:
    # Distinct texts so that neither exact nor near-duplicate detection steps in.
    return " ".join(f"word{n}x{i}" for i in range(60))


def test_close_leads_share_a_story_without_shared_names(
    engine: Engine, settings: StoreSettings
) -> None:
    a = store_article(engine, article("c-a", _text(1), lead_vector=_vector(1.0, 0)), settings)
    b = store_article(
        engine, article("c-b", _text(2), lead_vector=_vector(MIN_COSINE + 0.1, 1)), settings
    )
    assert a.story_id == b.story_id
    with engine.connect() as conn:
        assert len(conn.execute(select(article_vectors.c.article_id)).all()) == 2


def test_distant_leads_stay_apart(engine: Engine, settings: StoreSettings) -> None:
    a = store_article(engine, article("d-a", _text(3), lead_vector=_vector(1.0, 0)), settings)
    b = store_article(
        engine, article("d-b", _text(4), lead_vector=_vector(MIN_COSINE - 0.1, 1)), settings
    )
    assert a.story_id != b.story_id


def _mix(weights: dict[int, float]) -> str | None:
    v = np.zeros(DIMENSIONS, dtype=np.float32)
    for dim, w in weights.items():
        v[dim] = w
    return encode_vector(v / np.linalg.norm(v))


def test_the_closest_story_wins(engine: Engine, settings: StoreSettings) -> None:
    one = store_article(engine, article("w-one", _text(5), lead_vector=_mix({10: 1.0})), settings)
    two = store_article(engine, article("w-two", _text(6), lead_vector=_mix({11: 1.0})), settings)
    assert one.story_id != two.story_id
    # cosine 0.8 with the first, 0.6 with the second: both pass, the closer one wins.
    new = store_article(
        engine, article("w-new", _text(7), lead_vector=_mix({10: 0.8, 11: 0.6})), settings
    )
    assert new.story_id == one.story_id


def test_dated_articles_far_apart_in_time_stay_apart(
    engine: Engine, settings: StoreSettings
) -> None:
    a = store_article(
        engine,
        article("t-a", _text(8), lead_vector=_vector(1.0, 0), published="2022-01-12"),
        settings,
    )
    b = store_article(
        engine,
        article("t-b", _text(9), lead_vector=_vector(1.0, 1), published="2022-03-12"),
        settings,
    )
    assert a.story_id != b.story_id


def test_an_undated_article_is_still_compared(engine: Engine, settings: StoreSettings) -> None:
    a = store_article(
        engine,
        article("u-a", _text(10), lead_vector=_vector(1.0, 0), published="2020-05-01"),
        settings,
    )
    b = store_article(engine, article("u-b", _text(11), lead_vector=_vector(0.9, 1)), settings)
    assert a.story_id == b.story_id


def _named(*names: str) -> list[Entity]:
    return [entity(n, "ORG", n) for n in names]


def test_well_named_articles_below_confirm_must_agree_on_names(
    engine: Engine, settings: StoreSettings
) -> None:
    # cosine 0.7: above MIN_COSINE, below CONFIRM_COSINE
    assert MIN_COSINE < 0.7 < CONFIRM_COSINE
    one = _named("Alpha", "Bravo", "Charlie", "Delta", "Echo")
    other = _named("Foxtrot", "Golf", "Hotel", "India", "Juliett")
    a = store_article(
        engine, article("n-a", _text(12), lead_vector=_mix({20: 1.0}), entities=one), settings
    )
    b = store_article(
        engine,
        article("n-b", _text(13), lead_vector=_mix({20: 0.7, 21: 0.714}), entities=other),
        settings,
    )
    assert a.story_id != b.story_id  # same topic, names disagree
    c = store_article(
        engine,
        article("n-c", _text(14), lead_vector=_mix({20: 0.7, 22: 0.714}), entities=one),
        settings,
    )
    assert c.story_id == a.story_id  # same names: the content match stands


def test_few_names_never_veto(engine: Engine, settings: StoreSettings) -> None:
    a = store_article(
        engine,
        article("f-a", _text(15), lead_vector=_mix({30: 1.0}), entities=_named("Alpha")),
        settings,
    )
    b = store_article(
        engine,
        article("f-b", _text(16), lead_vector=_mix({30: 0.7, 31: 0.714}), entities=_named("Zulu")),
        settings,
    )
    assert a.story_id == b.story_id


def _site(item_id: str, text: str, vector: str | None, site: str, *names: str) -> Any:
    return article(
        item_id,
        text,
        lead_vector=vector,
        canonical_url=f"https://www.{site}/news/{item_id}",
        entities=[entity(n, "NAME", n) for n in names],
    )


def test_one_site_in_the_grey_band_needs_two_shared_names(
    engine: Engine, settings: StoreSettings
) -> None:
    assert MIN_COSINE < 0.7 < CONFIRM_COSINE
    a = store_article(
        engine, _site("s-a", _text(20), _mix({40: 1.0}), "agency.example", "Tartus"), settings
    )
    # same site, cosine 0.7, one shared name (the agency's province): apart
    b = store_article(
        engine,
        _site("s-b", _text(21), _mix({40: 0.7, 41: 0.714}), "agency.example", "Tartus", "Bahwi"),
        settings,
    )
    assert b.story_id != a.story_id
    # same site, cosine 0.7 to b (0 to a), two shared names: the content match stands
    c = store_article(
        engine,
        _site("s-c", _text(22), _mix({41: 0.98, 43: 0.199}), "agency.example", "Tartus", "Bahwi"),
        settings,
    )
    assert c.story_id == b.story_id


def test_another_site_in_the_grey_band_needs_no_names(
    engine: Engine, settings: StoreSettings
) -> None:
    a = store_article(
        engine, _site("o-a", _text(23), _mix({50: 1.0}), "one.example", "Tartus"), settings
    )
    b = store_article(
        engine, _site("o-b", _text(24), _mix({50: 0.7, 51: 0.714}), "two.example"), settings
    )
    assert b.story_id == a.story_id


def test_other_sites_in_the_grey_band_naming_nothing_alike_stay_apart(
    engine: Engine, settings: StoreSettings
) -> None:
    assert MIN_NAMES_TO_DISAGREE == 3 and MIN_COSINE < 0.7 < CONFIRM_COSINE
    a = store_article(
        engine,
        _site("x-a", _text(27), _mix({70: 1.0}), "one.example", "Brent", "London", "Ankara"),
        settings,
    )
    # another site, cosine 0.7, three names of its own, none shared: another event
    b = store_article(
        engine,
        _site(
            "x-b",
            _text(28),
            _mix({70: 0.7, 71: 0.714}),
            "two.example",
            "Pemex",
            "Mexico",
            "Hacienda",
        ),
        settings,
    )
    assert b.story_id != a.story_id
    # one name shared in another script (دونالد ترامب, Donald Trump): the content match stands
    c = store_article(
        engine,
        _site(
            "x-c",
            _text(29),
            _mix({70: 0.7, 72: 0.714}),
            "three.example",
            "دونالد ترامب",
            "بغداد",
            "طهران",
        ),
        settings,
    )
    d = store_article(
        engine,
        _site(
            "x-d", _text(30), _mix({72: 1.0}), "four.example", "Donald Trump", "Pentagon", "Tehran"
        ),
        settings,
    )
    assert d.story_id == c.story_id


def test_other_sites_with_few_names_are_judged_on_cosine(
    engine: Engine, settings: StoreSettings
) -> None:
    a = store_article(
        engine,
        _site("y-a", _text(31), _mix({80: 1.0}), "one.example", "Brent", "London", "Ankara"),
        settings,
    )
    b = store_article(
        engine,
        _site("y-b", _text(32), _mix({80: 0.7, 81: 0.714}), "two.example", "Pemex", "Mexico"),
        settings,
    )
    assert b.story_id == a.story_id


def test_one_site_above_confirm_needs_no_names(engine: Engine, settings: StoreSettings) -> None:
    a = store_article(engine, _site("t-a", _text(25), _mix({60: 1.0}), "one.example"), settings)
    b = store_article(
        engine, _site("t-b", _text(26), _mix({60: 0.85, 61: 0.527}), "one.example"), settings
    )
    assert b.story_id == a.story_id


def test_site_of() -> None:
    assert site_of(None, "https://www.Example.com/a?b=1") == "example.com"
    assert site_of("http://news.example.org/x", "https://other.example/") == "news.example.org"
    assert site_of(None, "/data/in/article.html") is None
