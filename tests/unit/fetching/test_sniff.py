from __future__ import annotations

import pytest

from tasks.errors import BinaryInput
from tasks.fetching.sniff import binary_kind, check_not_binary, html_lang, looks_like_html


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.4", "PDF document"),
        (b"\x1f\x8b\x08\x00", "gzip archive"),
        (b"GIF89a\x01\x00", "GIF image"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "RIFF media (WAV/AVI/WEBP)"),
    ],
)
def test_magic_numbers(head: bytes, kind: str) -> None:
    assert binary_kind(head) == kind
    with pytest.raises(BinaryInput, match=kind.split(" (")[0]):
        check_not_binary(head, "f")


@pytest.mark.parametrize("text", [b"RIFF raids continue", b"BZh, said the bee", b"PK fire"])
def test_text_that_starts_like_a_magic_is_not_binary(text: bytes) -> None:
    assert binary_kind(text) is None


def test_markup_and_lang() -> None:
    assert looks_like_html("<!DOCTYPE html><title>x</title>")
    assert not looks_like_html("a < b and c > d")
    assert html_lang("<html xml:lang='en_GB' class=x>") == "en-GB"
    assert html_lang("<html class=x lang=de>") == "de"
    assert html_lang("<html><body lang=de>") is None
