"""The soft time limit, live: a real `newsflow worker` whose limit a batch outruns.

A micro-batch of one long article and three short ones reaches extract together. spaCy's NER
needs more than twice the soft limit for the long one, so the limit fires inside the batch's
``nlp.pipe``: the runtime re-sends every article of the batch alone (the ledger counts a
second delivery of extract for the long one), the short ones are stored, and the long one,
out of time again on its own, is dead-lettered with ``SoftTimeLimitExceeded``. Before the fix
the extract stage swallowed the limit, redid the batch one by one past it and stored the long
article.

No test-only setting slows the stage: the input does. The long article (~600 KB of plain
sentences, no dates or quotes, so NER is most of extract's time) takes ~2.5 s in
translate_check and ~15 s in NER, the short pages well under a second each; the soft limit
of 6 s sits between them, ~2.4x from each (2-CPU VM, 2026-12-04). Re-measure with
``python -m tests.integration.test_soft_time_limit``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import CORPUS_DEV, SEEDS
from tests.integration.services import require_redis, temporary_database
from workers.cli.embedded import stop_worker

pytestmark = pytest.mark.integration

SHORT = {"000_dd7157ff7ca190b8.txt": SEEDS, "002_7f261bbe20e88e81.txt": SEEDS,
         "sh-042bb7b5fedab6ea.html": CORPUS_DEV}
LONG_PARAGRAPHS = 900
_WORDS = ["committee", "reviewed", "proposal", "members", "discussed", "budget", "regional",
          "council", "plan", "road", "school", "water", "park", "library", "hospital",
          "transport", "housing"]


def long_text(paragraphs: int = LONG_PARAGRAPHS) -> str:
    """Plain sentences: many tokens for NER, no dates, quotes or names for the rest."""
    out = []
    for i in range(paragraphs):
        sentences = []
        for j in range(6):
            w = [_WORDS[(i * 7 + j * 3 + k) % len(_WORDS)] for k in range(8)]
            sentences.append(f"The {' and the '.join(w[:4])} were {' then '.join(w[4:])}.")
        out.append(" ".join(sentences))
    return "\n\n".join(out)


@pytest.fixture
def limited_stack(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    redis_url = require_redis()
    with temporary_database("newsflow_softlimit") as database_url:
        inputs = tmp_path / "inputs"
        inputs.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env.update({
            "NEWSFLOW_BROKER_URL": redis_url,
            "NEWSFLOW_DATABASE_URL": database_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": f"nf-soft-{uuid.uuid4().hex[:8]}",
            "NEWSFLOW_PIPELINE__BATCH_SIZE": "4",
            "NEWSFLOW_FETCH__ALLOWED_ROOTS": json.dumps([str(inputs)]),
            "NEWSFLOW_CELERY__SOFT_TIME_LIMIT_S": "6",
            "NEWSFLOW_CELERY__HARD_TIME_LIMIT_S": "120",
            "NEWSFLOW_LOG_LEVEL": "INFO",
        })
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers", "worker", "--concurrency", "1",
             "--loglevel", "WARNING"],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "worker.log").open("wb"),
        )
        try:
            yield env, inputs
        finally:
            stop_worker(worker)
            print((tmp_path / "worker.log").read_text(errors="replace")[-4000:])


def test_a_batch_past_the_soft_limit_is_resent_alone_and_the_slow_article_dies(
    limited_stack: tuple[dict[str, str], Path],
) -> None:
    env, inputs = limited_stack
    for name, folder in SHORT.items():
        shutil.copy(folder / name, inputs / name)
    (inputs / "long.txt").write_text(long_text(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "workers", "enqueue", "--no-progress",
                           str(inputs)], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr

    engine = create_engine(env["NEWSFLOW_DATABASE_URL"])
    query = text("SELECT source, state, stage, attempts, reason FROM items")
    deadline = time.monotonic() + 400
    while True:
        with engine.connect() as conn:
            rows = {Path(r.source).name: r for r in conn.execute(query)}
        terminal = [r for r in rows.values()
                    if r.state in ("stored", "duplicate", "rejected", "dead")]
        if len(rows) == 4 and len(terminal) == 4:
            break
        assert time.monotonic() < deadline, f"not terminal in time: {rows}"
        time.sleep(1)
    engine.dispose()

    long = rows["long.txt"]
    assert (long.state, long.stage, long.reason) == ("dead", "extract", "SoftTimeLimitExceeded")
    assert long.attempts == 2  # delivered to extract in the batch, then alone
    assert {name: rows[name].state for name in SHORT} == dict.fromkeys(SHORT, "stored")


def _measure() -> None:
    """Seconds per stage for the long article, run in this process."""
    from config.settings import Settings
    from tasks.models import Article
    from tasks.pipeline import InlineResources, run_stage

    settings = InlineResources(Settings(database_url="sqlite://"))
    article = Article(id="long", source="long", source_kind="inline", inline_content=long_text(),
                      inline_content_type="text")
    run_stage("extract", article.model_copy(update={"text": "warm up"}), settings)
    for stage in ("fetch", "clean", "translate_check", "extract"):
        started = time.perf_counter()
        article = run_stage(stage, article, settings)
        print(f"{stage}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    _measure()
