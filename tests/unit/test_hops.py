"""Which messages a micro-batch takes: local reads fused into clean, URLs through fetch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, get_settings, load_settings
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
from workers.app import make_app
from workers.publish import Hop, chain_from, plan_hops
from workers.runtime import _leading_stages

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _app(**pipeline: Any) -> Any:
    return make_app(load_settings(broker_url="memory://", pipeline=pipeline))


FILE = {"id": "a", "source": "/data/in/a.html", "source_kind": "file"}
DEFAULT_KIND = {"id": "b", "source": "/data/in/b.html"}  # source_kind left out: "file"
INLINE = {"id": "c", "source": "dump.jsonl#3", "source_kind": "inline", "inline_content": "x"}
URL = {"id": "d", "source": "https://example.org/a", "source_kind": "url"}
LATER = [Hop("translate_check"), Hop("extract"), Hop("store")]


def test_a_batch_of_local_items_reads_them_in_its_clean_message() -> None:
    assert plan_hops(_app(), "fetch", [FILE, DEFAULT_KIND, INLINE]) == [
        Hop("clean", ("fetch",)), *LATER]


def test_one_url_keeps_the_whole_batch_on_the_fetch_queue() -> None:
    assert plan_hops(_app(), "fetch", [FILE, URL]) == [Hop("fetch"), Hop("clean"), *LATER]


def test_the_setting_turns_fusion_off() -> None:
    app = _app(local_fetch_in_clean=False)
    assert plan_hops(app, "fetch", [FILE]) == [Hop("fetch"), Hop("clean"), *LATER]


def test_a_resend_from_a_later_stage_is_never_fused() -> None:
    assert plan_hops(_app(), "clean", [FILE]) == [Hop("clean"), *LATER]
    assert plan_hops(_app(), "store", [FILE]) == [Hop("store")]


def test_the_chain_carries_the_leading_stage_in_its_first_signature() -> None:
    first, *rest = chain_from(_app(), "fetch", [FILE]).tasks
    assert (first.task, first.args, first.kwargs) == ("newsflow.clean", ([FILE],),
                                                      {"leading": ["fetch"]})
    assert [(s.task, s.kwargs) for s in rest] == [
        ("newsflow.translate_check", {}), ("newsflow.extract", {}), ("newsflow.store", {})]


def test_a_message_can_only_lead_with_earlier_known_stages() -> None:
    assert _leading_stages(["fetch"], "clean") == ("fetch",)
    assert _leading_stages(["store", "fetch", "nope"], "clean") == ("fetch",)
    assert _leading_stages(["extract"], "clean") == ()
    assert _leading_stages("fetch", "clean") == ()  # not a list: ignored
    assert _leading_stages(None, "clean") == ()


@pytest.fixture
def sqlite_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path}/fused.db"
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", url)
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", "memory://")
    monkeypatch.setenv("NEWSFLOW_FETCH__ALLOWED_ROOTS", f'["{SEEDS}"]')
    get_settings.cache_clear()
    migrate(url)
    yield get_settings()
    get_settings.cache_clear()
    get_engine(url).dispose()


def test_the_clean_task_reads_a_local_file_and_cleans_it_in_one_message(
    sqlite_settings: Settings,
) -> None:
    from workers.stage_tasks import STAGE_TASKS

    engine = get_engine(sqlite_settings.database_url.get_secret_value())
    seed = sorted(SEEDS.glob("*"))[0]
    missing = SEEDS / "no-such-file.txt"
    payloads: list[dict[str, Any]] = [
        {"id": "seed", "batch_id": "b1", "source": str(seed), "source_kind": "file"},
        {"id": "gone", "batch_id": "b1", "source": str(missing), "source_kind": "file"}]
    ledger.record_enqueued(engine, payloads)

    out = STAGE_TASKS["clean"].run_stage("clean", payloads, ["fetch"])

    assert [p["id"] for p in out] == ["seed"]
    assert out[0]["raw"] is None and out[0]["text"]  # read, cleaned, raw page dropped
    seed_row, gone_row = ledger.get_item(engine, "seed"), ledger.get_item(engine, "gone")
    assert seed_row is not None and gone_row is not None
    assert (seed_row.state, seed_row.stage) == ("processing", "clean")
    assert (gone_row.state, gone_row.stage) == ("rejected", "fetch")  # its fate, at its stage
