from __future__ import annotations

import gzip
import json
from pathlib import Path

from tasks.sources import iter_sources
from tasks.sources.estimate import estimate_items

FEEDS = Path("/work/shared/corpus/feeds")


def test_estimate_counts_what_iter_sources_yields(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"article {i}"}) for i in range(250)] + ["not json"]
    (tmp_path / "dump.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines)).encode()))
    (tmp_path / "one.html").write_text("<p>x</p>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "two.txt").write_text("text")
    (tmp_path / "sub" / "sidecar.json").write_text('{"gold": 1}')  # skipped by both
    specs = [str(tmp_path), "https://example.com/a", str(FEEDS / "guardian-us.rss"),
             str(FEEDS / "sitemaps.org.sitemap.xml"), str(tmp_path / "missing.txt")]
    assert estimate_items(specs) == sum(1 for _ in iter_sources(specs))


def test_inputs_that_cannot_be_counted_cheaply_give_no_estimate(tmp_path: Path) -> None:
    assert estimate_items(["-"]) is None
    assert estimate_items([str(FEEDS / "npr-technology.feed.json")]) is None
    (tmp_path / "big.jsonl").write_text("{}\n" * 10)
    assert estimate_items([str(tmp_path / "big.jsonl")], budget_s=-1) is None
