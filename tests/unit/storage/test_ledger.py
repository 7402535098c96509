"""The item ledger: states, attempts, guards against undoing a stored result."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

from sqlalchemy import Engine, update

from config.settings import StoreSettings
from tasks.common import utc_now
from tasks.storage import ledger
from tasks.storage.db import write_tx
from tasks.storage.repository import store_article
from tasks.storage.schema import items
from tests.unit.storage.factories import article


def _enqueue(engine: Engine, *ids: str, batch: str = "b1") -> None:
    ledger.record_enqueued(
        engine,
        [article(i, f"text of {i}", batch_id=batch) for i in ids],
        item_keys=[f"key-{i}" for i in ids],
    )


def test_enqueued_rows_are_queued_with_payload(engine: Engine) -> None:
    _enqueue(engine, "a", "b")
    row = ledger.get_item(engine, "a")
    assert row is not None
    assert (row.state, row.attempts, row.batch_id, row.item_key) == ("queued", 0, "b1", "key-a")
    assert row.payload is not None and row.payload["text"] == "text of a"
    assert row.created_at.tzinfo is not None
    assert ledger.batch_counts(engine, "b1")["queued"] == 2
    assert ledger.get_item(engine, "missing") is None


def test_one_call_with_an_id_twice_keeps_the_last_payload(engine: Engine) -> None:
    ledger.record_enqueued(
        engine,
        [article("a", "first text", batch_id="b1"), article("b", "other", batch_id="b1"),
         article("a", "second text", batch_id="b2")],
        item_keys=["key-1", "key-b", None],
    )
    row = ledger.get_item(engine, "a")
    assert row is not None and row.payload is not None
    assert (row.batch_id, row.payload["text"]) == ("b2", "second text")
    assert row.item_key == "key-1"  # a later enqueue without a key keeps the earlier one
    assert ledger.batch_counts(engine, "b1")["queued"] == 1


def test_a_new_row_keeps_null_fields_and_unicode_payloads(engine: Engine) -> None:
    ledger.record_enqueued(engine, [article("u", "Гpушко «сказал» \u00e9t\u00e9 \U0001f600")],
                           item_keys=[None])
    row = ledger.get_item(engine, "u")
    assert row is not None and row.payload is not None
    assert row.item_key is None
    assert row.payload["text"] == "Гpушко «сказал» \u00e9t\u00e9 \U0001f600"


def test_new_ids_write_the_same_rows_as_the_upsert(engine: Engine) -> None:
    # On PostgreSQL new_ids=True takes COPY; the rows must not tell which form wrote them.
    ledger.record_enqueued(engine, [article("c", "Гpушко «сказал»\t\\ \n x", batch_id="b1")],
                           item_keys=["key-c"], new_ids=True)
    _enqueue(engine, "u")
    copied, upserted = ledger.get_item(engine, "c"), ledger.get_item(engine, "u")
    assert copied is not None and upserted is not None and copied.payload is not None
    assert copied.payload["text"] == "Гpушко «сказал»\t\\ \n x"
    for field in ("state", "attempts", "sweeps", "batch_id", "source_kind", "stage", "error"):
        assert getattr(copied, field) == getattr(upserted, field), field
    assert copied.item_key == "key-c" and copied.created_at.tzinfo is not None


def test_new_ids_that_exist_after_all_are_upserted(engine: Engine) -> None:
    _enqueue(engine, "a")
    ledger.record_started(engine, "a", "clean")
    ledger.record_enqueued(engine, [article("a", "again", batch_id="b2"),
                                    article("n", "new", batch_id="b2")],
                           item_keys=["key-a", "key-n"], new_ids=True)
    again, new = ledger.get_item(engine, "a"), ledger.get_item(engine, "n")
    assert again is not None and again.payload is not None and new is not None
    assert (again.state, again.batch_id, again.payload["text"]) == ("queued", "b2", "again")
    assert new.state == "queued"


def test_batch_counts_lists_every_state(engine: Engine) -> None:
    counts = ledger.batch_counts(engine)
    assert set(counts) == set(ledger.ALL_STATES)
    assert sum(counts.values()) == 0


def test_one_set_of_states() -> None:
    assert set(get_args(ledger.ItemState)) == set(ledger.ALL_STATES)
    assert (*ledger.DONE_STATES, *ledger.FAILED_STATES) == ledger.TERMINAL_STATES
    assert (*ledger.IN_FLIGHT_STATES, *ledger.TERMINAL_STATES) == ledger.ALL_STATES
    assert set(get_args(ledger.DoneState)) == set(ledger.DONE_STATES)


def test_started_counts_attempts_and_sets_stage(engine: Engine) -> None:
    _enqueue(engine, "a")
    assert ledger.record_started(engine, "a", "fetch") == 1
    assert ledger.record_started(engine, "a", "fetch") == 2  # a redelivery of the same stage
    assert ledger.record_started(engine, "a", "clean") == 1  # the counter is per stage
    assert ledger.record_started(engine, "a", "clean") == 2
    row = ledger.get_item(engine, "a")
    assert row is not None and (row.state, row.stage, row.attempts) == ("processing", "clean", 2)
    # An item processed without having been enqueued gets its row.
    assert ledger.record_started(engine, "unknown", "fetch") == 1
    unknown = ledger.get_item(engine, "unknown")
    assert unknown is not None and unknown.state == "processing"


def test_rejected_and_dead_record_reason(engine: Engine) -> None:
    _enqueue(engine, "a", "b")
    ledger.record_rejected(engine, "a", "clean", "not_an_article", "no text")
    ledger.record_dead(engine, "b", "fetch", "NetworkError: timeout")
    a, b = ledger.get_item(engine, "a"), ledger.get_item(engine, "b")
    assert a is not None and (a.state, a.stage, a.reason, a.error) == (
        "rejected",
        "clean",
        "not_an_article",
        "no text",
    )
    assert b is not None and (b.state, b.reason) == ("dead", "dead")
    assert {r.id for r in ledger.items_for_replay(engine)} == {"a", "b"}
    assert [r.id for r in ledger.items_for_replay(engine, reason="not_an_article")] == ["a"]
    assert [r.id for r in ledger.list_items(engine, states=["dead"])] == ["b"]


def test_started_does_not_reopen_a_terminal_row(engine: Engine) -> None:
    _enqueue(engine, "a")
    ledger.record_started(engine, "a", "clean")
    ledger.record_rejected(engine, "a", "clean", "empty", "empty")
    assert ledger.record_started(engine, "a", "clean") == 0  # stale redelivery: drop it
    row = ledger.get_item(engine, "a")
    assert row is not None and (row.state, row.attempts) == ("rejected", 1)


def test_stored_row_is_never_undone(engine: Engine, settings: StoreSettings) -> None:
    _enqueue(engine, "a")
    store_article(engine, article("a", "some stored text here", batch_id="b1"), settings)
    ledger.record_dead(engine, "a", "store", "late failure of a redelivery")
    ledger.record_rejected(engine, "a", "store", "x", "y")
    _enqueue(engine, "a")  # a re-run of the producer
    row = ledger.get_item(engine, "a")
    assert row is not None and (row.state, row.article_id) == ("stored", "a")
    assert ledger.known_item_keys(engine, ["key-a", "key-zz"]) == {"key-a"}


def test_reenqueue_resets_a_failed_row(engine: Engine) -> None:
    _enqueue(engine, "a")
    ledger.record_started(engine, "a", "fetch")
    ledger.record_dead(engine, "a", "fetch", "boom")
    _enqueue(engine, "a", batch="b2")
    row = ledger.get_item(engine, "a")
    assert row is not None
    assert (row.state, row.attempts, row.error, row.batch_id) == ("queued", 0, None, "b2")


def test_sweeper_resend_counts_sweeps_and_keeps_key(engine: Engine) -> None:
    _enqueue(engine, "a")
    ledger.record_started(engine, "a", "fetch")
    ledger.record_started(engine, "a", "fetch")
    for _ in range(2):
        ledger.record_enqueued(engine, [article("a", "text of a")], swept=True)
    row = ledger.get_item(engine, "a")
    assert row is not None
    assert (row.state, row.attempts, row.sweeps, row.item_key) == ("queued", 2, 2, "key-a")
    _enqueue(engine, "a")  # a replay starts afresh
    row = ledger.get_item(engine, "a")
    assert row is not None and (row.attempts, row.sweeps) == (0, 0)


def test_sent_failure_keeps_row_queued_with_error(engine: Engine) -> None:
    _enqueue(engine, "a", "b")
    ledger.record_sent_failure(engine, ["a"], "broker down")
    ledger.record_sent_failure(engine, ["b"], "not sent: refused")
    a, b = ledger.get_item(engine, "a"), ledger.get_item(engine, "b")
    assert a is not None and (a.state, a.error) == ("queued", "not sent: broker down")
    assert b is not None and (b.state, b.error) == ("queued", "not sent: refused")


def test_rejected_source_creates_a_row(engine: Engine) -> None:
    item_id = ledger.record_rejected_source(engine, "b1", "/etc/passwd", "forbidden", "outside")
    row = ledger.get_item(engine, item_id)
    assert row is not None and (row.state, row.reason, row.source) == (
        "rejected",
        "forbidden",
        "/etc/passwd",
    )


def test_stuck_items_are_old_unfinished_rows(engine: Engine) -> None:
    _enqueue(engine, "old", "new", "done")
    ledger.record_started(engine, "old", "extract")
    ledger.record_dead(engine, "done", "fetch", "x")
    long_ago = utc_now() - timedelta(hours=2)
    with engine.begin() as conn:
        conn.execute(
            update(items).where(items.c.id.in_(["old", "done"])).values(updated_at=long_ago)
        )
    stuck = ledger.stuck_items(engine, older_than=timedelta(hours=1))
    assert [r.id for r in stuck] == ["old"]
    assert ledger.stuck_items(engine, older_than=timedelta(hours=3)) == []


def test_item_ids_with_prefix_finds_unique_prefixes(engine: Engine) -> None:
    _enqueue(engine, "13617e60aa", "13617e61bb", "2f00cc", "ab_c", "abxc", "a%z", "aQz")
    assert ledger.item_ids_with_prefix(engine, "13617e60") == ["13617e60aa"]
    assert ledger.item_ids_with_prefix(engine, "13617e6") == ["13617e60aa", "13617e61bb"]
    assert ledger.item_ids_with_prefix(engine, "13617e6", limit=1) == ["13617e60aa"]
    assert ledger.item_ids_with_prefix(engine, "ffff") == []
    # LIKE wildcards in the prefix are matched literally ...
    assert ledger.item_ids_with_prefix(engine, "ab_") == ["ab_c"]
    assert ledger.item_ids_with_prefix(engine, "a%") == ["a%z"]
    # ... and case matters on both backends (SQLite's LIKE alone would not care).
    assert ledger.item_ids_with_prefix(engine, "AB") == []
    assert ledger.item_ids_with_prefix(engine, "aq") == []
    assert ledger.item_ids_with_prefix(engine, "aQ") == ["aQz"]
    # A rejected source's row (an id the producer made) is found like any other.
    rejected = ledger.record_rejected_source(engine, "b1", "/nope", "not_found", "gone")
    assert ledger.item_ids_with_prefix(engine, rejected[:12]) == [rejected]


def test_counts_by_stage_and_batch_pace(engine: Engine) -> None:
    _enqueue(engine, "a", "b", "c")
    _enqueue(engine, "other", batch="b2")
    ledger.record_started_many(engine, ["a", "b"], "clean")
    ledger.record_rejected(engine, "b", "clean", "empty", "no text")
    assert ledger.counts_by_stage(engine, "b1") == {
        ("", "queued"): 1, ("clean", "processing"): 1, ("clean", "rejected"): 1}
    assert sum(ledger.counts_by_stage(engine).values()) == 4
    counts = ledger.batch_counts(engine, "b1")
    assert ledger.terminal_count(counts) == 1
    pace = ledger.batch_pace(engine, "b1", counts)
    assert (pace.done, pace.total) == (1, 3)
    assert pace.rate_per_s is not None and pace.rate_per_s > 0
    assert pace.eta_s is not None and pace.eta_s > 0
    # Nothing terminal yet: no rate to speak of.
    assert ledger.batch_pace(engine, "b2", ledger.batch_counts(engine, "b2")).rate_per_s is None
    for item_id in ("a", "c"):
        ledger.record_dead(engine, item_id, "clean", "boom")
    done = ledger.batch_pace(engine, "b1", ledger.batch_counts(engine, "b1"))
    assert (done.done, done.total, done.eta_s) == (3, 3, 0.0)


def test_done_is_written_on_the_callers_transaction(engine: Engine) -> None:
    _enqueue(engine, "a")
    stamp = utc_now()
    try:
        with write_tx(engine, "test") as conn:
            ledger.record_done(conn, article("a", "text of a", batch_id="b1"), "stored", stamp)
            raise RuntimeError("the store failed after the ledger write")
    except RuntimeError:
        pass
    row = ledger.get_item(engine, "a")
    assert row is not None and row.state == "queued"  # rolled back with the store
    with write_tx(engine, "test") as conn:
        ledger.record_done(conn, article("a", "text of a", batch_id="b1"), "duplicate", stamp)
        ledger.record_done(conn, article("new", "text", batch_id="b1"), "stored", stamp)
    row, new = ledger.get_item(engine, "a"), ledger.get_item(engine, "new")
    assert row is not None and (row.state, row.stage, row.article_id) == ("duplicate", "store", "a")
    assert new is not None and (new.state, new.batch_id) == ("stored", "b1")  # upserted
    assert ledger.batch_counts(engine, "b1")["duplicate"] == 1
