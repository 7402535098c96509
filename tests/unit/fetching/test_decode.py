from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tasks.errors import BinaryInput
from tasks.fetching.decode import declared_charsets, decode_bytes, normalise_charset

CORPUS = Path("/work/shared/corpus/dev")
PAGES = sorted(CORPUS.glob("*.html"))


def _expected(page: Path) -> str:
    meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    encoding: str = meta["encoding"]
    # "utf-8 (1 invalid byte sequence)": the page with a truncated multibyte character
    errors = "replace" if "invalid" in encoding else "strict"
    text = page.read_bytes().decode(encoding.split()[0], errors)
    return text.removeprefix("\ufeff")  # a BOM is an encoding mark, not content


@pytest.mark.skipif(not PAGES, reason="corpus not present")
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_decodes_every_corpus_page_like_its_gold_encoding(page: Path) -> None:
    text, encoding, source = decode_bytes(page.read_bytes())
    assert text == _expected(page)
    assert normalise_charset(encoding) == encoding
    assert source in {"utf-8", "bom", "utf-8-lenient", "meta", "detected"}


@pytest.mark.skipif(not PAGES, reason="corpus not present")
def test_corpus_non_utf8_pages_are_not_decoded_as_their_first_meta() -> None:
    page = CORPUS / "tf-ziemniaki-na-szostej-surowka-na-dziesiatej-.-jak-pomagac-zeb.html"
    _, encoding, source = decode_bytes(page.read_bytes())
    assert (encoding, source) == ("iso8859-2", "meta")


def test_meta_that_lies_about_utf8_is_overruled_by_the_bytes() -> None:
    # A Wayback-style wrapper declares UTF-8 first; the archived page is Latin-2.
    body = "<p>Zażółć gęślą jaźń — święto</p>".replace("—", "-")
    data = (
        b'<html><head><meta charset="utf-8"><meta http-equiv="Content-Type" '
        b'content="text/html; charset=ISO-8859-2"></head><body>'
        + body.encode("iso-8859-2")
        + b"</body></html>"
    )
    text, encoding, source = decode_bytes(data)
    assert body in text
    assert (encoding, source) == ("iso8859-2", "meta")


def test_header_charset_wins_when_it_decodes() -> None:
    data = "naïve café".encode("cp1252")
    assert decode_bytes(data, "windows-1252") == ("naïve café", "cp1252", "header")


def test_header_charset_that_fails_falls_back_to_bytes() -> None:
    data = "日本語のテキスト".encode()
    text, encoding, source = decode_bytes(data, "ascii")
    assert (text, encoding, source) == ("日本語のテキスト", "utf-8", "utf-8")


def test_latin1_with_c1_bytes_is_read_as_windows_1252() -> None:
    data = b'<meta charset="iso-8859-1"><p>\x93quoted\x94 caf\xe9</p>'
    text, encoding, _ = decode_bytes(data)
    assert "\u201cquoted\u201d café" in text
    assert encoding == "cp1252"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffhello wörld".encode("utf-16-le"), "utf-16-le"),
        (b"\xef\xbb\xbfhello w\xc3\xb6rld", "utf-8"),
    ],
)
def test_bom_decides_and_is_stripped(data: bytes, encoding: str) -> None:
    assert decode_bytes(data, "iso-8859-1") == ("hello wörld", encoding, "bom")


def test_one_truncated_character_among_many_is_lenient_utf8() -> None:
    good = "Zdanie z polskimi znakami: ąęśćżźółń. " * 5
    data = good.encode() + b"\xc5" + b" koniec"
    text, encoding, source = decode_bytes(data)
    assert (encoding, source) == ("utf-8", "utf-8-lenient")
    assert text == data.decode("utf-8", "replace")


def test_nul_bytes_are_binary() -> None:
    with pytest.raises(BinaryInput, match="NUL"):
        decode_bytes(b"abc\x00def")


def test_random_bytes_are_binary() -> None:
    data = bytes(b for b in os.urandom(4000) if b) + bytes(range(0x80, 0x100)) * 4
    with pytest.raises(BinaryInput):
        decode_bytes(data)


def test_declared_charsets_lists_every_declaration_once() -> None:
    data = (
        b'<?xml version="1.0" encoding="windows-1250"?><meta charset=UTF-8>'
        b"<meta http-equiv=content-type content='text/html; charset=utf-8'>"
    )
    assert declared_charsets(data) == ["cp1250", "utf-8"]
