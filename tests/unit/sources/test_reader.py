from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from tasks.sources import SourceItem, SourceProblem, iter_sources
from tasks.sources.items import normalise_url

CORPUS = Path("/work/shared/corpus/dev")


def _tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "b.html").write_text("<p>b</p>")
    (root / "a.txt").write_text("a")
    (root / ".secret.html").write_text("<p>hidden</p>")
    (root / ".hidden" / "c.html").write_text("<p>hidden dir</p>")
    (root / "sub" / "d.htm").write_text("<p>d</p>")
    (root / "sub" / "deeper" / "e.json").write_text(json.dumps({"content": "<p>e</p>"}))
    (root / "sub" / "gold.json").write_text(json.dumps({"gold_text": "x", "url": "u"}))
    (root / "sub" / "config.xml").write_text("<config><a/></config>")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "notes.md").write_text("# not collected from a folder")


def _sources(results: list[SourceItem | SourceProblem]) -> list[str]:
    return [r.source for r in results]


def test_folder_is_recursive_sorted_and_skips_hidden_and_non_articles(tmp_path: Path) -> None:
    _tree(tmp_path)
    results = list(iter_sources([str(tmp_path)]))
    assert _sources(results) == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.html"),
        str(tmp_path / "sub" / "d.htm"),
        str(tmp_path / "sub" / "deeper" / "e.json"),
    ]
    assert all(isinstance(r, SourceItem) and r.source_kind == "file" for r in results)


def test_file_keys_change_when_the_file_changes(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<p>1</p>")
    (first,) = list(iter_sources([str(page)]))
    (again,) = list(iter_sources([str(page)]))
    assert isinstance(first, SourceItem) and isinstance(again, SourceItem)
    assert first.item_key == again.item_key
    info = page.stat()
    assert first.item_key == f"file:{page.resolve()}:{info.st_size}:{info.st_mtime_ns}"
    page.write_text("<p>22</p>")
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
    (changed,) = list(iter_sources([str(page)]))
    assert isinstance(changed, SourceItem) and changed.item_key != first.item_key


def test_explicit_files_are_used_whatever_their_suffix(tmp_path: Path) -> None:
    _tree(tmp_path)
    specs = [str(tmp_path / "notes.md"), str(tmp_path / "sub" / "gold.json")]
    results = list(iter_sources(specs))
    assert _sources(results) == specs  # fetch will judge them (text; NotAnArticle)


def test_glob(tmp_path: Path) -> None:
    _tree(tmp_path)
    results = list(iter_sources([f"{tmp_path}/**/*.htm*"]))
    assert _sources(results) == [str(tmp_path / "b.html"), str(tmp_path / "sub" / "d.htm")]
    (problem,) = list(iter_sources([f"{tmp_path}/*.nothing"]))
    assert isinstance(problem, SourceProblem) and problem.reason == "not_found"


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    (problem,) = list(iter_sources([str(tmp_path / "missing.html")]))
    assert isinstance(problem, SourceProblem)
    assert problem.reason == "not_found" and "no such file or folder" in problem.message


def test_relative_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.html").write_text("<p>r</p>")
    monkeypatch.chdir(tmp_path)
    (item,) = list(iter_sources(["r.html"]))
    assert item.source == str((tmp_path / "r.html").resolve())


def test_urls_and_unsupported_schemes() -> None:
    results = list(
        iter_sources(["https://News.Example:443/a?utm_source=x&id=1#top", "ftp://x.example/f"])
    )
    url, bad = results
    assert isinstance(url, SourceItem) and url.source_kind == "url"
    assert url.source == "https://News.Example:443/a?utm_source=x&id=1#top"
    assert url.item_key == "url:https://news.example/a?id=1"
    assert isinstance(bad, SourceProblem) and bad.reason == "unsupported"


def test_list_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    listing = tmp_path / "list.txt"
    listing.write_text("# my inputs\nb.html\n\nhttps://l.example/x\nsub\nmissing.html\n@other\n")
    results = list(iter_sources([f"@{listing}"]))
    assert _sources(results) == [
        str(tmp_path / "b.html"),
        "https://l.example/x",
        str(tmp_path / "sub" / "d.htm"),
        str(tmp_path / "sub" / "deeper" / "e.json"),
        str(tmp_path / "missing.html"),
        "@other",
    ]
    assert [r.reason for r in results if isinstance(r, SourceProblem)] == [
        "not_found",
        "unsupported",
    ]
    (problem,) = list(iter_sources([f"@{tmp_path}/nope.txt"]))
    assert isinstance(problem, SourceProblem) and problem.reason == "not_found"


def test_stdin_of_paths_and_urls(tmp_path: Path) -> None:
    _tree(tmp_path)
    stdin = io.StringIO(f"{tmp_path / 'a.txt'}\nhttps://s.example/1\n")
    results = list(iter_sources(["-"], stdin=stdin))
    assert _sources(results) == [str(tmp_path / "a.txt"), "https://s.example/1"]


def test_normalise_url() -> None:
    assert normalise_url("HTTP://Example.COM:80") == "http://example.com/"
    assert (
        normalise_url("https://e.com:8443/p?b=2&utm_medium=x&a=1#f")
        == "https://e.com:8443/p?b=2&a=1"
    )


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_corpus_folder_yields_its_199_pages_not_its_sidecars() -> None:
    results = list(iter_sources([str(CORPUS)]))
    assert len(results) == len(list(CORPUS.glob("*.html"))) == 199
    assert all(isinstance(r, SourceItem) and r.source.endswith(".html") for r in results)


def test_a_file_name_that_is_not_utf8_is_refused_and_the_others_read(tmp_path: Path) -> None:
    # The producer crashed on it ("surrogates not allowed") and stored nothing.
    folder = os.fsencode(tmp_path / "in")
    os.mkdir(folder)
    with open(os.path.join(folder, b"bad\xffname.txt"), "w") as handle:
        handle.write("text")
    (tmp_path / "in" / "good.txt").write_text("text")
    results = list(iter_sources([str(tmp_path / "in")]))
    problems = [r for r in results if isinstance(r, SourceProblem)]
    items = [r for r in results if isinstance(r, SourceItem)]
    assert [i.source for i in items] == [str(tmp_path / "in" / "good.txt")]
    assert [p.reason for p in problems] == ["bad_name"]
    assert "not valid UTF-8" in problems[0].message and "\\xff" in problems[0].source
    problems[0].source.encode("utf-8")  # storable and printable as it is


def test_a_named_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    # Sniffing a FIFO named .json waited forever for a writer: the producer hung.
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "ok.html").write_text("<p>ok</p>")
    results = list(iter_sources([str(tmp_path / "pipe.json"), str(tmp_path / "*.html"),
                                 str(tmp_path / "*.json")]))
    assert [(type(r).__name__, r.source) for r in results] == [
        ("SourceProblem", str(tmp_path / "pipe.json")),
        ("SourceItem", str(tmp_path / "ok.html")),
        ("SourceProblem", str(tmp_path / "pipe.json")),
    ]
    assert all(r.reason == "not_a_file" for r in results if isinstance(r, SourceProblem))
