from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from config.settings import FetchSettings
from tasks.errors import (
    BinaryInput,
    EmptyInput,
    ForbiddenSource,
    InputTooLarge,
    NotAnArticle,
    PermanentError,
    SourceNotFound,
)
from tasks.fetch import fetch, format_for_path
from tasks.models import Article, SourceHints
from tests.unit.fetching.server import Answer, local_server

CORPUS = Path("/work/shared/corpus/dev")


def _file(path: Path) -> Article:
    return Article(id="a1", source=str(path), source_kind="file")


def test_html_file_becomes_raw_html_with_lang(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes('<!doctype html><html lang="fr-FR"><p>Élysée</p></html>'.encode())
    raw = fetch(_file(page), FetchSettings()).raw
    assert raw is not None
    assert raw.content_type == "html"
    assert raw.html_lang == "fr-FR"
    assert "Élysée" in raw.content
    assert (raw.encoding, raw.encoding_source) == ("utf-8", "utf-8")
    assert raw.byte_size == page.stat().st_size
    assert raw.final_url is None


def test_txt_file_is_text_even_with_angle_brackets(tmp_path: Path) -> None:
    page = tmp_path / "note.txt"
    page.write_text("Plain text about <p> tags.\n", encoding="utf-8")
    raw = fetch(_file(page), FetchSettings()).raw
    assert raw is not None and raw.content_type == "text" and raw.html_lang is None


def test_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    markup, plain = tmp_path / "a.page", tmp_path / "b.md"
    markup.write_text("<html><body><p>x</p></body></html>")
    plain.write_text("# Title\n\nJust prose.")
    assert format_for_path(str(markup)) == "sniff"
    assert fetch(_file(markup), FetchSettings()).raw.content_type == "html"  # type: ignore[union-attr]
    assert fetch(_file(plain), FetchSettings()).raw.content_type == "text"  # type: ignore[union-attr]


def test_json_article_takes_its_text_field_and_fills_hints(tmp_path: Path) -> None:
    page = tmp_path / "a.json"
    page.write_text(
        json.dumps(
            {"title": "T", "url": "https://x.example/a", "date": "2020-01-02", "body": "Hi there."}
        )
    )
    article = _file(page)
    article.hints = SourceHints(title="from the producer")
    out = fetch(article, FetchSettings())
    assert out.raw is not None and out.raw.content == "Hi there." and out.raw.content_type == "text"
    assert out.hints.title == "from the producer"  # the producer's hint wins
    assert (out.hints.url, out.hints.published) == ("https://x.example/a", "2020-01-02")


def test_json_html_field_is_html(tmp_path: Path) -> None:
    page = tmp_path / "a.json"
    page.write_text(json.dumps({"html": "<html lang='de'><p>Hallo</p></html>", "text": "x"}))
    raw = fetch(_file(page), FetchSettings()).raw
    assert raw is not None and raw.content_type == "html" and raw.html_lang == "de"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_corpus_page_and_its_sidecar() -> None:
    page = next(iter(sorted(CORPUS.glob("*.html"))))
    raw = fetch(_file(page), FetchSettings(allowed_roots=[CORPUS])).raw
    assert raw is not None and raw.byte_size == page.stat().st_size
    with pytest.raises(NotAnArticle, match="without an article field"):
        fetch(_file(page.with_suffix(".json")), FetchSettings())


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (json.dumps([{"text": "a"}]), NotAnArticle, "expected one article object"),
        ("{not json", NotAnArticle, "not valid JSON"),
        (json.dumps({"text": "   "}), NotAnArticle, "without an article field"),
    ],
)
def test_json_that_is_not_an_article(
    tmp_path: Path, body: str, error: type[PermanentError], message: str
) -> None:
    page = tmp_path / "x.json"
    page.write_text(body)
    with pytest.raises(error, match=message):
        fetch(_file(page), FetchSettings())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="no such file"):
        fetch(_file(tmp_path / "nope.html"), FetchSettings())


@pytest.mark.parametrize("content", [b"", b"  \n\t \r\n"])
def test_empty_and_whitespace_files(tmp_path: Path, content: bytes) -> None:
    page = tmp_path / "e.html"
    page.write_bytes(content)
    with pytest.raises(EmptyInput):
        fetch(_file(page), FetchSettings())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive"),
        (gzip.compress(b"<html></html>"), "gzip archive"),
        (b"<html>\x00\x01\x02</html>", "NUL bytes"),
    ],
)
def test_binary_files_are_refused_with_a_clear_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    page = tmp_path / "b.html"
    page.write_bytes(content)
    with pytest.raises(BinaryInput, match=message):
        fetch(_file(page), FetchSettings())


def test_too_large_file(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    page.write_bytes(b"<p>" + b"x" * 2000 + b"</p>")
    with pytest.raises(InputTooLarge):
        fetch(_file(page), FetchSettings(max_bytes=1000))
    assert fetch(_file(page), FetchSettings(max_bytes=3000)).raw is not None


def test_huge_sparse_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    page = tmp_path / "huge.txt"
    with page.open("wb") as handle:
        handle.truncate(8 * 1024**3)  # 8 GiB, sparse: reading it whole would exhaust memory
    with pytest.raises(InputTooLarge, match="over the"):
        fetch(_file(page), FetchSettings())


def test_dotdot_escape_is_forbidden(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    with pytest.raises(ForbiddenSource, match=r"'\.\.' escapes the allowed roots"):
        fetch(_file(Path(f"{root}/../secret.txt")), FetchSettings(allowed_roots=[root]))


def test_symlink_escape_is_forbidden(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ForbiddenSource, match="symlink leads outside"):
        fetch(_file(root / "link.txt"), FetchSettings(allowed_roots=[root]))
    # without roots, the same link is readable: the refusal above came from the roots
    assert fetch(_file(root / "link.txt"), FetchSettings()).raw is not None


def test_inline_content(tmp_path: Path) -> None:
    article = Article(
        id="i1",
        source="feed#1",
        source_kind="inline",
        inline_content="<p>Inline ünïcode</p>",
        hints=SourceHints(url="https://x.example/1"),
    )
    raw = fetch(article, FetchSettings()).raw
    assert raw is not None and raw.content_type == "html" and raw.encoding_source == "inline"
    assert raw.byte_size == len("<p>Inline ünïcode</p>".encode())
    assert raw.final_url == "https://x.example/1"


def test_inline_errors() -> None:
    empty = Article(id="i2", source="x", source_kind="inline", inline_content=" ")
    with pytest.raises(EmptyInput):
        fetch(empty, FetchSettings())
    big = Article(id="i3", source="x", source_kind="inline", inline_content="x" * 50)
    with pytest.raises(InputTooLarge):
        fetch(big, FetchSettings(max_bytes=10))


def test_url_article_through_the_stage() -> None:
    body = '<html lang="pl"><p>Zażółć</p></html>'.encode("iso-8859-2")
    routes: dict[str, object] = {
        "/a": Answer(200, body, {"Content-Type": "text/html; charset=ISO-8859-2"})
    }
    with local_server(routes) as server:  # type: ignore[arg-type]
        article = Article(id="u1", source=server.url("/a"), source_kind="url")
        raw = fetch(article, FetchSettings(allow_private_hosts=["127.0.0.1"])).raw
    assert raw is not None
    assert "Zażółć" in raw.content
    assert (raw.encoding, raw.encoding_source, raw.html_lang) == ("iso8859-2", "header", "pl")
    assert raw.final_url == server.url("/a")
