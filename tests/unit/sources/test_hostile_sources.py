"""Hostile inputs to the producer (issue 16): each ends as one problem naming the input and
the limit, and the items around it are still read."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
import zlib
from pathlib import Path

from tasks.sources import SourceItem, SourceProblem, iter_sources

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
GOOD = {"text": "The harbour council met on Tuesday to discuss its budget for next year."}
DEPTH = 100_000


def _nested(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


def test_a_deeply_nested_jsonl_line_is_one_problem_and_the_next_line_is_read(
        tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + '{"html": ' + _nested() + "}\n"
                    + json.dumps(GOOD | {"text": GOOD["text"] + " Again."}) + "\n")
    results = list(iter_sources([str(path)]))
    assert [type(r).__name__ for r in results] == ["SourceItem", "SourceProblem", "SourceItem"]
    problem = results[1]
    assert isinstance(problem, SourceProblem) and problem.reason == "too_deep"
    assert f"{path}#2" in problem.message and "levels" in problem.message


def test_a_deeply_nested_json_feed_is_one_problem(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": '
                    + _nested() + "}")
    other = tmp_path / "page.html"
    other.write_text("<html><body><p>" + GOOD["text"] + "</p></body></html>")
    results = list(iter_sources([str(feed), str(other)]))
    assert isinstance(results[0], SourceProblem) and results[0].reason == "too_deep"
    assert str(feed) in results[0].message and "levels" in results[0].message
    assert isinstance(results[1], SourceItem)


def _gzip_bomb(path: Path, line_bytes: int, after: list[dict[str, str]]) -> None:
    """One line of ``line_bytes`` bytes (a JSON string of 'a'), then ``after``, gzipped by
    streaming so the test itself never holds the line."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    chunk = b"a" * (1 << 20)
    with path.open("wb") as handle:
        handle.write(compressor.compress(b'{"text": "'))
        for _ in range(line_bytes // len(chunk)):
            handle.write(compressor.compress(chunk))
        handle.write(compressor.compress(b'"}\n'))
        for line in after:
            handle.write(compressor.compress(json.dumps(line).encode() + b"\n"))
        handle.write(compressor.flush())


def test_a_gzip_jsonl_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    _gzip_bomb(path, 64 << 20, [GOOD])
    assert path.stat().st_size < 1 << 20  # a small file ...
    limit = 1 << 20
    tracemalloc.start()
    try:
        results = list(iter_sources([str(path)], max_inline_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [type(r).__name__ for r in results] == ["SourceProblem", "SourceItem"]
    problem = results[0]
    assert isinstance(problem, SourceProblem) and problem.reason == "too_large"
    assert f"{path}#1" in problem.message and "NEWSFLOW_FETCH__MAX_BYTES" in problem.message
    # ... whose 64 MB line is never held: the old reader peaked above the line's size.
    assert peak < 16 << 20, f"peak {peak} bytes"


def test_a_long_line_under_the_bound_is_still_read(tmp_path: Path) -> None:
    # JSON escaping may make a line longer than its content: a line of escaped text whose
    # content is under the limit is an item, not a problem.
    path = tmp_path / "escaped.jsonl.gz"
    content = "é\"" * 3000  # 9,000 bytes of UTF-8, 6,000 chars; the line has 24,000+ bytes
    path.write_bytes(gzip.compress((json.dumps({"text": content}) + "\n").encode()))
    (result,) = list(iter_sources([str(path)], max_inline_bytes=10_000))
    assert isinstance(result, SourceItem) and result.inline_content == content


def _urlset(urls: list[str]) -> str:
    body = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{body}</urlset>'


def _index(path: Path, locs: list[str]) -> None:
    body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    path.write_text(f'<?xml version="1.0"?><sitemapindex {NS}>{body}</sitemapindex>')


def test_a_malformed_child_sitemap_does_not_drop_the_rest_of_the_index(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(_urlset(["https://n.example/1"]))
    (tmp_path / "broken.xml").write_text("<urlset><url><loc>https://n.example/x</loc>")
    (tmp_path / "c.xml").write_text(_urlset(["https://n.example/3"]))
    index = tmp_path / "index.xml"
    _index(index, ["a.xml", "broken.xml", "c.xml"])
    results = list(iter_sources([str(index)]))
    urls = [r.source for r in results if isinstance(r, SourceItem)]
    problems = [r for r in results if isinstance(r, SourceProblem)]
    assert urls == ["https://n.example/1", "https://n.example/3"]
    assert len(problems) == 1 and problems[0].reason == "invalid_sitemap"
    assert "broken.xml" in problems[0].message


def test_sitemap_children_outside_the_index_folder_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.xml").write_text(_urlset(["https://n.example/secret"]))
    site = tmp_path / "site"
    site.mkdir()
    (site / "ok.xml").write_text(_urlset(["https://n.example/ok"]))
    (site / "link.xml").symlink_to(outside / "secret.xml")
    index = site / "index.xml"
    _index(index, [f"file://{outside / 'secret.xml'}", "../private/secret.xml", "link.xml",
                   "ok.xml"])
    results = list(iter_sources([str(index)]))
    urls = [r.source for r in results if isinstance(r, SourceItem)]
    problems = [r for r in results if isinstance(r, SourceProblem)]
    assert urls == ["https://n.example/ok"]
    assert [p.reason for p in problems] == ["forbidden"] * 3
    assert all(str(site) in p.message for p in problems)


def test_a_gzip_feed_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with feed.open("wb") as handle:
        handle.write(compressor.compress(b'<?xml version="1.0"?><rss version="2.0"><channel>'
                                         b"<title>"))
        for _ in range(64):
            handle.write(compressor.compress(b"a" * (1 << 20)))
        handle.write(compressor.compress(b"</title></channel></rss>") + compressor.flush())
    tracemalloc.start()
    try:
        results = list(iter_sources([str(feed)], max_inline_bytes=1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(results) == 1 and isinstance(results[0], SourceProblem)
    assert results[0].reason == "too_large" and str(feed) in results[0].message
    assert "NEWSFLOW_FETCH__MAX_BYTES" in results[0].message
    assert peak < 32 << 20, f"peak {peak} bytes"


class _CountingStdin(io.StringIO):
    """stdin that remembers the longest string a single read handed out."""

    longest = 0

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        line = super().readline(-1 if size is None else size)
        self.longest = max(self.longest, len(line))
        return line

    def __next__(self) -> str:
        line = super().__next__()
        self.longest = max(self.longest, len(line))
        return line


def test_an_overlong_jsonl_line_on_stdin_is_refused_in_bounded_pieces() -> None:
    limit = 10_000
    long_line = json.dumps({"text": "a" * (40 * limit)})
    stdin = _CountingStdin(json.dumps(GOOD) + "\n" + long_line + "\n" + json.dumps(
        {"text": GOOD["text"] + " Once more."}) + "\n")
    results = list(iter_sources(["-"], stdin=stdin, max_inline_bytes=limit))
    assert [type(r).__name__ for r in results] == ["SourceItem", "SourceProblem", "SourceItem"]
    problem = results[1]
    assert isinstance(problem, SourceProblem) and problem.reason == "too_large"
    assert "stdin#2" in problem.message and "NEWSFLOW_FETCH__MAX_BYTES" in problem.message
    assert stdin.longest < len(long_line)


def test_a_gzip_sitemap_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    sitemap = tmp_path / "sitemap.xml.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with sitemap.open("wb") as handle:
        handle.write(compressor.compress(
            f'<?xml version="1.0"?><urlset {NS}><url><loc>https://n.example/1</loc></url>'
            "<url><loc>https://n.example/".encode()))
        for _ in range(64):
            handle.write(compressor.compress(b"a" * (1 << 20)))
        handle.write(compressor.compress(b"</loc></url></urlset>") + compressor.flush())
    tracemalloc.start()
    try:
        results = list(iter_sources([str(sitemap)], max_inline_bytes=1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [type(r).__name__ for r in results] == ["SourceItem", "SourceProblem"]
    problem = results[1]
    assert isinstance(problem, SourceProblem) and problem.reason == "too_large"
    assert str(sitemap) in problem.message and "NEWSFLOW_FETCH__MAX_BYTES" in problem.message
    assert peak < 32 << 20, f"peak {peak} bytes"


def test_the_progress_estimate_counts_a_gzip_feed_bomb_in_bounded_memory(
        tmp_path: Path) -> None:
    from tasks.sources.estimate import estimate_items

    feed = tmp_path / "feed.rss.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with feed.open("wb") as handle:
        handle.write(compressor.compress(b'<?xml version="1.0"?><rss version="2.0"><channel>'
                                         b"<item><title>one</title></item><title>"))
        for _ in range(64):
            handle.write(compressor.compress(b"a" * (1 << 20)))
        handle.write(compressor.compress(b"</title><item><title>two</title></item>"
                                         b"</channel></rss>") + compressor.flush())
    tracemalloc.start()
    try:
        estimate = estimate_items([str(feed)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert estimate in (2, None)
    assert peak < 16 << 20, f"peak {peak} bytes"
