"""The producer's decisions, on a SQLite ledger, with the broker send recorded in memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from config.settings import Settings, load_settings
from tasks.codec import decode, encode, encode_source
from tasks.models import Article, SourceHints
from tasks.sources import SourceItem, SourceProblem
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
from workers.producer import enqueue as producer
from workers.producer.backpressure import wait_for_room
from workers.producer.publish import Publisher


class Sent:
    """Stands in for the broker: what Publisher.send was given, or a failure to raise."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.texts: list[str] = []
        self.fail: Exception | None = None


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    record = Sent()

    def send(self: Publisher, payloads: list[dict[str, Any]],
             texts: list[str] | None = None) -> None:
        if record.fail is not None:
            raise record.fail
        record.payloads.extend(payloads)
        record.texts.extend(texts or [])

    monkeypatch.setattr(Publisher, "send", send)
    return record


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(broker_url="memory://", database_url=f"sqlite:///{tmp_path}/l.db")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    url = settings.database_url.get_secret_value()
    migrate(url)
    engine = get_engine(url)
    yield engine
    engine.dispose()


def _items(*names: str) -> list[SourceItem | SourceProblem]:
    return [SourceItem(source=f"in#{n}", source_kind="inline", item_key=f"k:{n}",
                       hints=SourceHints(title=f"title {n}"), inline_content=f"text {n}",
                       inline_content_type="text") for n in names]


def _enqueue(settings: Settings, engine: Engine, items: list[SourceItem | SourceProblem],
             **options: Any) -> producer.EnqueueReport:
    from workers.app import make_app

    return producer.enqueue(make_app(settings), settings, engine, items, **options)


def test_payload_from_reads_back_as_the_article_it_stands_for() -> None:
    item = _items("a")[0]
    assert isinstance(item, SourceItem)
    payload = encode_source(item, "b1", "id-1", "2024-05-01T10:00:00+00:00")
    article = decode(payload)
    expected = Article(id="id-1", batch_id="b1", source="in#a", source_kind="inline",
                       hints=SourceHints(title="title a"), inline_content="text a",
                       inline_content_type="text", enqueued_at=article.enqueued_at)
    assert article == expected
    dumped = encode(expected)
    assert set(payload) == set(dumped)  # nothing more, nothing less than pydantic writes
    assert {k: v for k, v in payload.items() if k != "enqueued_at"} == {
        k: v for k, v in dumped.items() if k != "enqueued_at"}


def test_rows_are_written_then_sent_in_chunks(settings: Settings, engine: Engine,
                                              sent: Sent) -> None:
    seen: list[int] = []
    report = _enqueue(settings, engine, _items(*"abcde"), chunk_size=2,
                      on_progress=lambda r: seen.append(r.read))
    assert (report.sent, report.read) == (5, 5)
    assert [p["source"] for p in sent.payloads] == [f"in#{n}" for n in "abcde"]
    assert seen[:3] == [2, 4, 5]
    rows = ledger.list_items(engine, batch_id=report.batch_id)
    assert {r.id for r in rows} == {p["id"] for p in sent.payloads}
    assert all(r.state == "queued" and r.payload is not None for r in rows)


def test_the_ledger_row_stores_the_json_text_the_message_carries(
    settings: Settings, engine: Engine, sent: Sent
) -> None:
    items = _items("a", "b")
    items.append(SourceItem(source="in#odd", source_kind="inline", item_key="k:odd",
                            inline_content="caf\u00e9 \ud800 \u2028 \"q\" \\",
                            inline_content_type="text"))
    report = _enqueue(settings, engine, items)
    assert report.sent == 3 and len(sent.texts) == 3
    from sqlalchemy import text

    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, payload FROM items")).all())
    for payload, sent_text in zip(sent.payloads, sent.texts, strict=True):
        assert stored[payload["id"]] == sent_text  # one serialisation for both
        assert json.loads(sent_text) == payload
    odd = next(p for p in sent.payloads if p["source"] == "in#odd")
    assert odd["inline_content"] == "caf\u00e9 \ud800 \u2028 \"q\" \\"


def test_rerun_skips_stored_and_queued_and_resends_failures_under_their_ids(
    settings: Settings, engine: Engine, sent: Sent
) -> None:
    first = _enqueue(settings, engine, _items("stored", "queued", "dead", "rejected"))
    ids = {p["source"]: p["id"] for p in sent.payloads}
    ledger.record_started(engine, ids["in#stored"], "store")
    from sqlalchemy import update

    from tasks.storage.schema import items as items_table

    with engine.begin() as conn:  # what the store stage does on success
        conn.execute(update(items_table).where(items_table.c.id == ids["in#stored"])
                     .values(state="stored"))
    ledger.record_dead(engine, ids["in#dead"], "fetch", "boom")
    ledger.record_rejected(engine, ids["in#rejected"], "fetch", "empty", "nothing")
    sent.payloads.clear()

    again = _enqueue(settings, engine, _items("stored", "queued", "dead", "rejected", "new",
                                              "new"))
    assert (again.skipped_known, again.skipped_queued, again.resent, again.sent) == (1, 2, 2, 1)
    resent = {p["source"]: p["id"] for p in sent.payloads}
    assert resent["in#dead"] == ids["in#dead"] and resent["in#rejected"] == ids["in#rejected"]
    assert resent["in#new"] not in ids.values()
    dead = ledger.get_item(engine, ids["in#dead"])
    assert dead is not None and (dead.state, dead.batch_id) == ("queued", again.batch_id)
    assert first.batch_id != again.batch_id


def test_embedded_rerun_resends_rows_left_in_flight(settings: Settings, engine: Engine,
                                                    sent: Sent) -> None:
    _enqueue(settings, engine, _items("a"))
    first_id = sent.payloads[0]["id"]
    report = _enqueue(settings, engine, _items("a"), in_flight="resend")
    assert report.resent == 1 and sent.payloads[-1]["id"] == first_id


def test_a_refused_send_marks_rows_not_sent_and_a_rerun_sends_them(
    settings: Settings, engine: Engine, sent: Sent
) -> None:
    sent.fail = ConnectionError("broker down")
    with pytest.raises(ConnectionError):
        _enqueue(settings, engine, _items("a", "b"))
    rows = ledger.list_items(engine)
    assert len(rows) == 2 and all((r.error or "").startswith("not sent") for r in rows)
    sent.fail = None
    report = _enqueue(settings, engine, _items("a", "b"))
    assert (report.resent, report.sent) == (2, 0)
    assert {p["id"] for p in sent.payloads} == {r.id for r in rows}
    assert len(ledger.list_items(engine)) == 2


def test_problems_are_rejected_rows_and_only_the_first_are_kept(
    settings: Settings, engine: Engine, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(producer, "MAX_PROBLEMS_KEPT", 2)
    problems: list[SourceItem | SourceProblem] = [
        SourceProblem(f"bad#{i}", "invalid_json", "not JSON") for i in range(5)]
    report = _enqueue(settings, engine, problems + _items("a"))
    assert (report.rejected, len(report.problems), report.sent) == (5, 2, 1)
    assert ledger.batch_counts(engine, report.batch_id)["rejected"] == 5


def test_backpressure_waits_until_the_queues_drain(settings: Settings, engine: Engine,
                                                   sent: Sent) -> None:
    depths = iter([7, 6, 5, 2])  # messages waiting, as a probe would report them
    limited = settings.model_copy(update={"pipeline": settings.pipeline.model_copy(
        update={"max_queue_depth": 5})})
    waits: list[int | None] = []
    report = _enqueue(limited, engine, _items("a"), probe=lambda: next(depths),
                      on_progress=lambda r: waits.append(r.queue_depth))
    assert report.sent == 1 and report.waited_s > 0
    assert waits[:3] == [7, 6, 5]


def test_wait_for_room_does_not_poll_without_a_limit() -> None:
    calls: list[float] = []
    assert wait_for_room(lambda: 10**6, 0, sleep=calls.append) == 0.0
    assert calls == []


def test_inline_items_are_bounded_by_the_fetch_max_bytes_setting(
    settings: Settings, engine: Engine, sent: Sent
) -> None:
    # NEWSFLOW_FETCH__MAX_BYTES bounds inline content (JSONL, WARC, feed entries) as it
    # bounds files and downloads: an oversized item is rejected before it is sent.
    limited = settings.model_copy(update={"fetch": settings.fetch.model_copy(
        update={"max_bytes": 1000})})
    big = SourceItem(source="in#big", source_kind="inline", item_key="k:big",
                     inline_content="é" * 501, inline_content_type="text")  # 1002 bytes
    report = _enqueue(limited, engine, [big, *_items("a")])
    assert (report.sent, report.rejected) == (1, 1)
    assert [p["source"] for p in sent.payloads] == ["in#a"]
    (problem,) = report.problems
    assert problem.reason == "too_large"
    assert "1002 bytes" in problem.message and "1000-byte limit" in problem.message
    assert "NEWSFLOW_FETCH__MAX_BYTES" in problem.message
    (row,) = ledger.list_items(engine, states=["rejected"])
    assert (row.source, row.reason, row.error) == ("in#big", "too_large", problem.message)


def test_the_setting_also_lifts_the_readers_bound(tmp_path: Path) -> None:
    from tasks.sources import iter_sources

    path = tmp_path / "one.jsonl"
    path.write_text('{"text": "' + "x" * 2000 + '"}\n')
    (small,) = iter_sources([str(path)], max_inline_bytes=1000)
    assert isinstance(small, SourceProblem) and "NEWSFLOW_FETCH__MAX_BYTES" in small.message
    (item,) = iter_sources([str(path)], max_inline_bytes=4000)
    assert isinstance(item, SourceItem)
