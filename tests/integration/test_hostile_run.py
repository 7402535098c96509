"""Hostile inputs through `newsflow run`, the README's first command (issue 16).

One run on the embedded default (filesystem broker, worker processes, SQLite) over real
articles mixed with inputs found by trying the CLI as an attacker would. Each hostile input
must end with a rejection naming the input and the limit, and everything else must be
stored: a 9 MB JSONL line (under the 10 MiB limit; it killed the embedded worker), nested
JSON in a JSONL line, a JSON Feed and a ``.json`` article (they aborted the producer or
ended ``dead``), a gzip JSONL bomb (one 1.1 GB line in a 1.1 MB file), HTML of one element
(rejected as unparseable), and a named symlink to a file outside the named folders.

Stopping `newsflow run` itself (SIGTERM, SIGKILL) is tested in test_embedded_stop.py.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS_DEV, SEEDS

pytestmark = pytest.mark.integration

WAIT_S = 300  # generous: two shared cores; a stalled run must fail here, not hang
NESTED = "[" * 100_000 + "]" * 100_000
ONE_P = ("<p>The lighthouse keepers of the northern coast voted on Friday to accept the new "
         "rota, ending a dispute that had lasted most of the winter and closed two harbours."
         "</p>")
ONE_P_FILE = ("<p>Volunteers planted four hundred oak saplings along the river bank on Sunday, "
              "the first stage of a plan to restore the flood meadow by the end of the decade."
              "</p>")


def _pages(count: int) -> list[str]:
    pages = sorted(CORPUS_DEV.glob("*.html"), key=lambda p: (p.stat().st_size, p.name))
    return [p.read_text(encoding="utf-8", errors="replace") for p in pages[10:10 + count]]


def _nine_mb_page(article: str) -> str:
    """A real page carrying a 9 MB inline image, as pages with embedded photos do."""
    image = base64.b64encode(os.urandom(6_700_000)).decode()
    return article.replace("</body>", f'<img src="data:image/png;base64,{image}"></body>', 1)


def _gzip_bomb(path: Path, line_bytes: int, after: str) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"a" * (1 << 20)
    with path.open("wb") as handle:
        handle.write(compressor.compress(b'{"text": "'))
        for _ in range(line_bytes // len(chunk)):
            handle.write(compressor.compress(chunk))
        handle.write(compressor.compress(b'"}\n' + after.encode() + b"\n"))
        handle.write(compressor.flush())


def _env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["NEWSFLOW_DATABASE_URL"] = f"sqlite:///{workdir / 'newsflow.db'}"
    return env


def _rows(workdir: Path) -> dict[str, tuple[str, str | None, str | None]]:
    with sqlite3.connect(workdir / "newsflow.db") as db:
        return {source: (state, reason, error) for source, state, reason, error in
                db.execute("SELECT source, state, reason, error FROM items")}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("hostile")
    inputs, outside = workdir / "inputs", workdir / "outside"
    inputs.mkdir()
    outside.mkdir()
    pages = _pages(4)
    line = json.dumps
    (inputs / "big.jsonl").write_text(
        line({"url": "https://big.example/a", "html": _nine_mb_page(pages[0])}) + "\n"
        + line({"html": pages[1]}) + "\n")
    assert 8_500_000 < (inputs / "big.jsonl").stat().st_size < 10 * 1024 * 1024
    (inputs / "nested.jsonl").write_text('{"html": ' + NESTED + "}\n"
                                         + line({"html": pages[2]}) + "\n")
    (inputs / "nested-article.json").write_text('{"title": "t", "html": ' + NESTED + "}")
    (inputs / "nested-feed.json").write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "items": ' + NESTED + "}")
    _gzip_bomb(inputs / "bomb.jsonl.gz", 1100 << 20, line({"html": pages[3]}))
    assert (inputs / "bomb.jsonl.gz").stat().st_size < 2 << 20
    (inputs / "one-p.jsonl").write_text(line({"html": ONE_P}) + "\n")
    (inputs / "one-p.html").write_text(ONE_P_FILE)
    (outside / "secret.html").write_text(f"<html><body>{ONE_P_FILE}</body></html>")
    (inputs / "link.html").symlink_to(outside / "secret.html")

    env = _env(workdir)
    # A folder skips a .json without an article field; named, it is an article.
    done = subprocess.run([sys.executable, "-m", "workers", "run", str(SEEDS), str(inputs),
                           str(inputs / "nested-article.json")],
                          env=env, cwd=workdir, capture_output=True, text=True,
                          timeout=WAIT_S * 2, check=False)
    return {"run": done, "rows": _rows(workdir), "inputs": inputs, "outside": outside}


def _row(run: dict[str, Any], source: str) -> tuple[str, str | None, str | None]:
    rows = run["rows"]
    assert source in rows, (source, sorted(rows))
    return rows[source]  # type: ignore[no-any-return]


def test_the_run_ends_and_stores_every_good_item(hostile_run: dict[str, Any]) -> None:
    done = hostile_run["run"]
    assert done.returncode == 0, done.stderr[-4000:]
    inputs = hostile_run["inputs"]
    good = [str(p) for p in sorted(SEEDS.glob("*.txt"))] + [
        f"{inputs / 'big.jsonl'}#1", f"{inputs / 'big.jsonl'}#2", f"{inputs / 'nested.jsonl'}#2",
        f"{inputs / 'bomb.jsonl.gz'}#2", f"{inputs / 'one-p.jsonl'}#1",
        str(inputs / "one-p.html")]
    states = {s: _row(hostile_run, s)[0] for s in good}
    assert all(state in ("stored", "duplicate") for state in states.values()), states
    assert not [r for r in hostile_run["rows"].values() if r[0] in ("queued", "processing",
                                                                     "dead")]


def test_the_nine_megabyte_line_is_stored(hostile_run: dict[str, Any]) -> None:
    assert _row(hostile_run, f"{hostile_run['inputs'] / 'big.jsonl'}#1")[0] == "stored"


@pytest.mark.parametrize("name", ["nested.jsonl#1", "nested-article.json", "nested-feed.json"])
def test_nested_json_is_rejected_naming_the_limit(hostile_run: dict[str, Any],
                                                   name: str) -> None:
    state, reason, error = _row(hostile_run, str(hostile_run["inputs"] / name))
    assert (state, reason) == ("rejected", "too_deep")
    assert "levels" in (error or "") and name in (error or "")
    assert name in hostile_run["run"].stderr or name == "nested-article.json"


def test_the_gzip_bomb_line_is_rejected_naming_the_limit(hostile_run: dict[str, Any]) -> None:
    state, reason, error = _row(hostile_run, f"{hostile_run['inputs'] / 'bomb.jsonl.gz'}#1")
    assert (state, reason) == ("rejected", "too_large")
    assert "NEWSFLOW_FETCH__MAX_BYTES" in (error or "")


def test_html_of_one_element_is_stored(hostile_run: dict[str, Any]) -> None:
    inputs = hostile_run["inputs"]
    assert _row(hostile_run, f"{inputs / 'one-p.jsonl'}#1")[0] == "stored"
    assert _row(hostile_run, str(inputs / "one-p.html"))[0] == "stored"


def test_a_named_symlink_out_of_the_named_folders_is_not_read(
        hostile_run: dict[str, Any]) -> None:
    secret = str(hostile_run["outside"] / "secret.html")
    state, reason, error = _row(hostile_run, secret)
    assert (state, reason) == ("rejected", "forbidden"), (state, reason, error)
    assert secret in (error or "") and "allowed roots" in (error or "")
