"""Watches in the database: matches recorded in the store's transaction, at most once per
(watch, article), and the delivery rows' lease and outcomes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select

from config.settings import StoreSettings
from tasks.storage.repository import store_article
from tasks.watches import deliveries, repository
from tasks.watches.spec import WatchSpec
from tasks.watches.tables import watch_deliveries
from tests.unit.storage.factories import article, english, seed_articles


def add(engine: Engine, name: str = "nato", **fields: object) -> str:
    fields.setdefault("query", "NATO")
    spec = WatchSpec(name=name, webhook_url="http://127.0.0.1:9/hook", secret="key",
                     **fields)
    return repository.create_watch(engine, spec).id


def rows_of(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(watch_deliveries.c.watch_id, watch_deliveries.c.article_id)
                            .order_by(watch_deliveries.c.id))
        return [(str(w), str(a)) for w, a in rows]


def test_a_stored_match_records_one_pending_delivery(engine: Engine,
                                                     settings: StoreSettings) -> None:
    nato = add(engine)
    ria, _ = seed_articles()
    store_article(engine, ria, settings)
    store_article(engine, article("w", "Heavy rain is expected in the north on Sunday.",
                                  language_check=english()), settings)
    assert rows_of(engine) == [(nato, "seed-ria")]
    [pending] = deliveries.deliveries_of(engine, nato)
    assert pending.status == deliveries.PENDING and pending.attempts == 0
    assert deliveries.new_pending(engine, ["seed-ria", "w"]) == [(pending.id, "nato", "seed-ria")]


def test_storing_again_or_a_copy_records_nothing_new(engine: Engine,
                                                     settings: StoreSettings) -> None:
    nato = add(engine)
    ria, _ = seed_articles()
    store_article(engine, ria, settings)
    store_article(engine, ria, settings)  # a redelivered message, a replay
    copy = ria.model_copy(update={"id": "seed-ria-copy"})
    assert store_article(engine, copy, settings).duplicate_of == "seed-ria"
    assert rows_of(engine) == [(nato, "seed-ria")]


def test_record_matches_is_idempotent_in_itself(engine: Engine, settings: StoreSettings) -> None:
    add(engine)
    ria = store_article(engine, seed_articles()[0], settings)
    with engine.begin() as conn:
        assert deliveries.record_matches(conn, ria) == 0  # the store already recorded it
    assert len(rows_of(engine)) == 1


def test_a_watch_on_stories_fires_once_per_story(engine: Engine,
                                                 settings: StoreSettings) -> None:
    per_article = add(engine, "articles")
    per_story = add(engine, "stories", scope="stories")
    ria, rt = (store_article(engine, a, settings) for a in seed_articles())
    assert ria.story_id is not None and ria.story_id == rt.story_id  # one event, two outlets
    assert sorted(rows_of(engine)) == sorted([
        (per_article, "seed-ria"), (per_article, "seed-rt"), (per_story, "seed-ria"),
    ])


def test_a_watch_made_later_does_not_fire_for_what_was_stored_before(
    engine: Engine, settings: StoreSettings,
) -> None:
    store_article(engine, seed_articles()[0], settings)
    add(engine)
    assert rows_of(engine) == []


def test_the_lease_lets_one_task_at_a_time_send(engine: Engine, settings: StoreSettings) -> None:
    add(engine)
    store_article(engine, seed_articles()[0], settings)
    [pending] = deliveries.stale_pending(engine, timedelta(0))
    lease = timedelta(minutes=5)
    first = deliveries.claim(engine, pending, lease)
    assert first is not None and first[0].attempts == 1 and first[1].secret == "key"
    assert deliveries.claim(engine, pending, lease) is None  # leased
    deliveries.finish(engine, pending, deliveries.PENDING, error="down",
                      retry_in=timedelta(minutes=1))
    assert deliveries.claim(engine, pending, lease) is None  # not due yet
    deliveries.finish(engine, pending, deliveries.PENDING, retry_in=timedelta(0))
    second = deliveries.claim(engine, pending, lease)
    assert second is not None and second[0].attempts == 2
    deliveries.finish(engine, pending, deliveries.DELIVERED, http_status=204)
    assert deliveries.claim(engine, pending, lease) is None
    [done] = deliveries.deliveries_of(engine, first[1].id)
    assert (done.status, done.last_status, done.attempts) == ("delivered", 204, 2)
    assert done.delivered_at is not None


def test_a_lease_that_ran_out_is_stale_and_can_be_taken_again(
    engine: Engine, settings: StoreSettings,
) -> None:
    add(engine)
    store_article(engine, seed_articles()[0], settings)
    [pending] = deliveries.stale_pending(engine, timedelta(0))
    assert deliveries.claim(engine, pending, timedelta(0)) is not None  # its task died
    assert deliveries.stale_pending(engine, timedelta(hours=1)) == [pending]
    assert deliveries.claim(engine, pending, timedelta(minutes=5)) is not None


def test_removing_a_watch_removes_its_deliveries(engine: Engine, settings: StoreSettings) -> None:
    nato = add(engine)
    keep = add(engine, "other", query=None, entities=["Grushko"])
    store_article(engine, seed_articles()[0], settings)
    assert repository.delete_watch(engine, nato)
    assert not repository.delete_watch(engine, nato)
    assert rows_of(engine) == [(keep, "seed-ria")]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(watch_deliveries)).scalar() == 1


def test_a_paused_watch_records_nothing_until_resumed(engine: Engine,
                                                      settings: StoreSettings) -> None:
    nato = add(engine)
    ria, rt = seed_articles()
    assert repository.set_active(engine, nato, False)
    store_article(engine, ria, settings)
    assert repository.set_active(engine, nato, True)
    store_article(engine, rt, settings)
    assert rows_of(engine) == [(nato, "seed-rt")]
    assert not repository.set_active(engine, "nosuchwatch", True)
