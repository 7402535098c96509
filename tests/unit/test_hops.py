"""Which messages a micro-batch takes: local reads fused into clean, URLs through fetch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, get_settings, load_settings
from tasks.codec import decode
from tasks.hops import Hop, plan_hops, stages_of_message
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
from tests.conftest import SHARED
from workers.app import make_app
from workers.producer.publish import chain_from

SEEDS = SHARED / "seeds"


def _app() -> Any:
    return make_app(load_settings(broker_url="memory://"))


def _plan(stage: str, payloads: list[dict[str, Any]], fuse: bool = True) -> list[Hop]:
    return plan_hops(stage, payloads, local_fetch_in_clean=fuse)


FILE = {"id": "a", "source": "/data/in/a.html", "source_kind": "file"}
DEFAULT_KIND = {"id": "b", "source": "/data/in/b.html"}  # source_kind left out: "file"
INLINE = {"id": "c", "source": "dump.jsonl#3", "source_kind": "inline", "inline_content": "x"}
URL = {"id": "d", "source": "https://example.org/a", "source_kind": "url"}
LATER = [Hop(("translate_check",)), Hop(("extract",)), Hop(("store",))]


def test_a_batch_of_local_items_reads_them_in_its_clean_message() -> None:
    assert _plan("fetch", [FILE, DEFAULT_KIND, INLINE]) == [
        Hop(("fetch", "clean")), *LATER]


def test_one_url_keeps_the_whole_batch_on_the_fetch_queue() -> None:
    assert _plan("fetch", [FILE, URL]) == [Hop(("fetch",)), Hop(("clean",)), *LATER]


def test_the_setting_turns_fusion_off() -> None:
    assert _plan("fetch", [FILE], fuse=False) == [Hop(("fetch",)), Hop(("clean",)), *LATER]


def test_a_resend_from_a_later_stage_is_never_fused() -> None:
    assert _plan("clean", [FILE]) == [Hop(("clean",)), *LATER]
    assert _plan("store", [FILE]) == [Hop(("store",))]


def test_every_message_names_its_stages() -> None:
    first, *rest = chain_from(_app(), "fetch", [FILE], local_fetch_in_clean=True).tasks
    assert (first.task, first.args, first.kwargs) == ("newsflow.clean", ([FILE],),
                                                      {"stages": ["fetch", "clean"]})
    assert [(s.task, s.kwargs) for s in rest] == [
        ("newsflow.translate_check", {"stages": ["translate_check"]}),
        ("newsflow.extract", {"stages": ["extract"]}), ("newsflow.store", {"stages": ["store"]})]


def test_a_retry_carries_its_count_in_the_first_message_only() -> None:
    first, *rest = chain_from(_app(), "extract", [FILE], local_fetch_in_clean=True,
                              retries=2).tasks
    assert first.kwargs == {"stages": ["extract"], "retries": 2}
    assert [s.kwargs for s in rest] == [{"stages": ["store"]}]


def test_a_message_can_only_name_the_stages_its_task_ends() -> None:
    assert stages_of_message(["fetch", "clean"], "clean") == ("fetch", "clean")
    assert stages_of_message(["clean"], "clean") == ("clean",)
    assert stages_of_message(None, "clean") == ("clean",)  # an old message: its own stage
    # Refused: unknown or later names, a gap, not ending at the task's stage, not a list.
    assert stages_of_message(["store", "fetch", "nope"], "clean") is None
    assert stages_of_message(["fetch"], "clean") is None
    assert stages_of_message(["extract"], "clean") is None
    assert stages_of_message(["fetch", "translate_check"], "translate_check") is None
    assert stages_of_message(["clean", "fetch"], "clean") is None
    assert stages_of_message("fetch", "clean") is None
    assert stages_of_message([], "clean") is None
    assert stages_of_message([1], "clean") is None


@pytest.fixture
def sqlite_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path}/fused.db"
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", url)
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", "memory://")
    monkeypatch.setenv("NEWSFLOW_FETCH__ALLOWED_ROOTS", f'["{SEEDS}"]')
    get_settings.cache_clear()
    migrate(url)
    from workers.runtime.tasks import STAGE_TASKS

    STAGE_TASKS["clean"].forget_resources()  # the task caches them per process
    yield get_settings()
    STAGE_TASKS["clean"].forget_resources()
    get_settings.cache_clear()
    get_engine(url).dispose()


def test_the_clean_task_reads_a_local_file_and_cleans_it_in_one_message(
    sqlite_settings: Settings,
) -> None:
    from workers.runtime.tasks import STAGE_TASKS

    engine = get_engine(sqlite_settings.database_url.get_secret_value())
    seed = sorted(SEEDS.glob("*"))[0]
    missing = SEEDS / "no-such-file.txt"
    payloads: list[dict[str, Any]] = [
        {"id": "seed", "batch_id": "b1", "source": str(seed), "source_kind": "file"},
        {"id": "gone", "batch_id": "b1", "source": str(missing), "source_kind": "file"}]
    ledger.record_enqueued(engine, payloads)

    out = STAGE_TASKS["clean"].run_stages("clean", payloads, ["fetch", "clean"])

    assert out is not None and [p["id"] for p in out] == ["seed"]
    cleaned = decode(out[0])
    assert cleaned.raw is None and cleaned.text  # read, cleaned, raw page dropped
    seed_row, gone_row = ledger.get_item(engine, "seed"), ledger.get_item(engine, "gone")
    assert seed_row is not None and gone_row is not None
    assert (seed_row.state, seed_row.stage) == ("processing", "clean")
    assert (gone_row.state, gone_row.stage) == ("rejected", "fetch")  # its fate, at its stage


@pytest.mark.parametrize("stages, retries", [
    (["store"], 0), (["fetch", "extract"], 0), ("clean", 0), (["clean"], -1), (["clean"], "2"),
])
def test_a_hostile_message_is_refused_before_anything_runs(
    sqlite_settings: Settings, stages: Any, retries: Any,
) -> None:
    from celery.exceptions import Ignore

    from workers.runtime.tasks import STAGE_TASKS

    engine = get_engine(sqlite_settings.database_url.get_secret_value())
    payloads = [{"id": "a", "batch_id": "b1", "source": "x", "source_kind": "inline",
                 "inline_content": "text", "inline_content_type": "text"}]
    ledger.record_enqueued(engine, payloads)
    with pytest.raises(Ignore):
        STAGE_TASKS["clean"].run_stages("clean", payloads, stages, retries)
    row = ledger.get_item(engine, "a")
    assert row is not None and (row.state, row.attempts) == ("queued", 0)  # never started
