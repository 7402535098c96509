"""workers.cli.status_view: progress per stage from the ledger, rates, ETA, the rendered view."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from config.settings import Settings
from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import dispose_engines, get_engine, migrate
from workers.cli.status_view import Snapshot, items_passed, render, run_live, take_snapshot


def _snapshot(at: float, at_stage: dict[tuple[str, str], int]) -> Snapshot:
    states: dict[str, int] = {}
    for (_, state), n in at_stage.items():
        states[state] = states.get(state, 0) + n
    depths = {"fetch": 0, "clean": 0, "translate_check": 0, "extract": 3, "store": 0}
    return Snapshot(at, depths, states, at_stage)  # type: ignore[arg-type]


def test_items_passed_counts_later_stages_and_failures_after_the_stage() -> None:
    snap = _snapshot(0, {("clean", "processing"): 2, ("extract", "processing"): 4,
                         ("extract", "rejected"): 1, ("store", "stored"): 5,
                         ("fetch", "rejected"): 3})
    assert items_passed(snap, "fetch") == 12  # all but the 3 rejected at fetch
    assert items_passed(snap, "clean") == 10
    assert items_passed(snap, "extract") == 5
    assert items_passed(snap, "store") == 5
    assert snap.in_flight == 6 and snap.terminal == 9


def test_render_shows_rates_and_eta_between_two_snapshots() -> None:
    before = _snapshot(10.0, {("extract", "processing"): 8, ("store", "stored"): 2})
    after = _snapshot(12.0, {("extract", "processing"): 4, ("store", "stored"): 6})
    console = Console(file=io.StringIO(), width=140)
    console.print(render(before, after, "b1"))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "batch b1" in text
    assert "done/s 2.0" in text  # 4 more terminal items in 2 s
    assert "ETA 2 s" in text  # 4 in flight at 2 per second
    assert "extract" in text and " 3 " in text  # the extract queue's depth


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/status.db"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


def test_snapshot_reads_the_ledger_by_stage(engine) -> None:  # type: ignore[no-untyped-def]
    articles = [Article(id=f"i{n}", batch_id="b1", source=f"s{n}") for n in range(3)]
    ledger.record_enqueued(engine, articles)
    ledger.record_started_many(engine, ["i0", "i1"], "clean")
    ledger.record_rejected(engine, "i1", "clean", "empty", "no text")
    snap = take_snapshot(Settings(), engine, "b1")  # no app: the broker is not asked
    assert snap.states == {"queued": 1, "processing": 1, "rejected": 1}
    assert snap.at_stage[("clean", "rejected")] == 1
    assert items_passed(snap, "fetch") == 2
    assert take_snapshot(Settings(), engine, "other").total == 0


def test_live_view_stops_when_nothing_is_in_flight(engine) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(broker_url="memory://")
    ledger.record_enqueued(engine, [Article(id="i0", batch_id="b2", source="s")])
    ledger.record_rejected(engine, "i0", "fetch", "not_found", "gone")
    console = Console(file=io.StringIO(), width=140)
    final = run_live(settings, engine, "b2", console, interval_s=0.01, max_updates=50)
    assert final.in_flight == 0 and final.states == {"rejected": 1}
    assert "rejected 1" in console.file.getvalue()  # type: ignore[attr-defined]
