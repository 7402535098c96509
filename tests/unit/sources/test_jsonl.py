from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from pathlib import Path

from tasks.sources import JsonlFields, SourceItem, SourceProblem, iter_sources

LINES = [
    {"url": "https://j.example/1", "html": "<p>one</p>", "title": "One", "published": "2024-01-01"},
    {"text": "Plain two.", "publisher": "Pub", "published": 20240102},
    {"url": "https://j.example/3", "title": "Only a URL"},
    "not json at all",
    [1, 2, 3],
    {"title": "no usable field"},
    {"url": "ftp://j.example/6"},
]


def _write(path: Path, lines: list[object]) -> None:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


def test_gzip_jsonl_items_and_problems_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl.gz"
    _write(path, LINES)
    results = list(iter_sources([str(path)]))
    assert len(results) == len(LINES)
    one, two, three = results[:3]
    assert isinstance(one, SourceItem) and one.source_kind == "inline"
    assert (one.inline_content, one.inline_content_type) == ("<p>one</p>", "html")
    assert (one.hints.url, one.hints.title, one.hints.published) == (
        "https://j.example/1",
        "One",
        "2024-01-01",
    )
    assert one.item_key.startswith(f"jsonl:{path}#1:")
    assert isinstance(two, SourceItem) and two.inline_content_type == "text"
    assert (two.hints.publisher, two.hints.published) == ("Pub", "20240102")
    assert isinstance(three, SourceItem) and three.source_kind == "url"
    assert three.item_key == "url:https://j.example/3"
    problems = results[3:]
    assert all(isinstance(p, SourceProblem) for p in problems)
    assert [(p.source, p.reason) for p in problems if isinstance(p, SourceProblem)] == [
        (f"{path}#4", "invalid_json"),
        (f"{path}#5", "not_an_article"),
        (f"{path}#6", "not_an_article"),
        (f"{path}#7", "not_an_article"),
    ]


def test_configurable_field_names(tmp_path: Path) -> None:
    path = tmp_path / "custom.jsonl"
    _write(path, [{"link": "https://j.example/x", "body_html": "<p>x</p>", "headline": "H"}])
    fields = JsonlFields(url="link", html="body_html", title="headline")
    (item,) = list(iter_sources([str(path)], jsonl_fields=fields))
    assert isinstance(item, SourceItem)
    assert (item.inline_content, item.hints.title, item.hints.url) == (
        "<p>x</p>",
        "H",
        "https://j.example/x",
    )


def test_inline_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    _write(path, [{"html": "x" * 200}, {"html": "y"}])
    results = list(iter_sources([str(path)], max_inline_bytes=100))
    assert isinstance(results[0], SourceProblem) and results[0].reason == "too_large"
    assert isinstance(results[1], SourceItem)


def test_keys_are_stable_and_follow_content(tmp_path: Path) -> None:
    path = tmp_path / "k.jsonl"
    _write(path, [{"html": "<p>a</p>"}, {"html": "<p>b</p>"}])
    first = [r.item_key for r in iter_sources([str(path)]) if isinstance(r, SourceItem)]
    assert first == [r.item_key for r in iter_sources([str(path)]) if isinstance(r, SourceItem)]
    _write(path, [{"html": "<p>a</p>"}, {"html": "<p>B changed</p>"}])
    second = [r.item_key for r in iter_sources([str(path)]) if isinstance(r, SourceItem)]
    assert second[0] == first[0] and second[1] != first[1]


def test_stdin_jsonl() -> None:
    stdin = io.StringIO('\n{"text": "from a pipe"}\n{"html": "<p>2</p>"}\n')
    results = list(iter_sources(["-"], stdin=stdin))
    assert [r.source for r in results] == ["stdin#2", "stdin#3"]
    assert all(isinstance(r, SourceItem) and r.source_kind == "inline" for r in results)


def test_memory_stays_flat_on_a_long_dump(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    line = json.dumps({"url": "https://j.example/a", "html": "<p>" + "z" * 400 + "</p>"})
    with path.open("w") as handle:
        for _ in range(50_000):
            handle.write(line + "\n")  # about 21 MB
    tracemalloc.start()
    count = sum(1 for _ in iter_sources([str(path)]))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 50_000
    assert peak < 2 * 1024 * 1024  # a list of items or the whole file would be > 20 MB
