"""What are these bytes? Known binary formats by magic number, and HTML vs plain text.

Cheap checks on the first bytes only, so a 10 MB PDF is refused without decoding it.
"""

from __future__ import annotations

import re

from tasks.errors import BinaryInput

__all__ = ["binary_kind", "check_not_binary", "html_lang", "looks_like_html"]

# Magic numbers of the binary formats people feed to a text pipeline by mistake. Only
# signatures long or odd enough that no real text starts with them; anything else binary
# is caught by its NUL bytes or by failing every charset (tasks.fetching.decode).
_MAGIC: tuple[tuple[re.Pattern[bytes], str], ...] = tuple(
    (re.compile(pattern, re.S), name)
    for pattern, name in (
        (rb"%PDF-", "PDF document"),
        (rb"\x89PNG\r\n\x1a\n", "PNG image"),
        (rb"\xff\xd8\xff", "JPEG image"),
        (rb"GIF8[79]a", "GIF image"),
        (rb"PK\x03\x04|PK\x05\x06", "ZIP archive (or DOCX/XLSX/EPUB)"),
        (rb"\x1f\x8b", "gzip archive"),
        (rb"BZh[1-9]1AY&SY", "bzip2 archive"),
        (rb"\xfd7zXZ\x00", "xz archive"),
        (rb"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
        (rb"\x28\xb5\x2f\xfd", "zstd archive"),
        (rb"Rar!\x1a\x07", "RAR archive"),
        (rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office (OLE) document"),
        (rb"\x7fELF", "ELF executable"),
        (rb"SQLite format 3\x00", "SQLite database"),
        (rb"RIFF....(?:WAVE|AVI |WEBP)", "RIFF media (WAV/AVI/WEBP)"),
        (rb"OggS\x00", "Ogg media"),
    )
)
_MARKUP_RE = re.compile(
    r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s|<title>|<p[\s>]|<div[\s>]"
    r"|<article[\s>]|<br\s*/?>",
    re.I,
)
_HTML_LANG_RE = re.compile(
    r"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)",
    re.I,
)
_SNIFF_CHARS = 4096


def binary_kind(data: bytes) -> str | None:
    """The name of a known binary format ``data`` starts with, or None."""
    head = data[:16]
    for magic, name in _MAGIC:
        if magic.match(head):
            return name
    return None


def check_not_binary(data: bytes, source: str) -> None:
    """Raise BinaryInput naming the format when ``data`` is a known binary file."""
    kind = binary_kind(data)
    if kind is not None:
        raise BinaryInput(f"{source} is a {kind}, not an HTML or text article")


def looks_like_html(text: str) -> bool:
    """Markup in the first few KB: a doctype, <html>, <head>, <body> or common block tags."""
    return _MARKUP_RE.search(text[:_SNIFF_CHARS]) is not None


def html_lang(text: str) -> str | None:
    """The ``<html lang>`` attribute (a hint only: wrong on 9 corpus pages), regex-cheap."""
    match = _HTML_LANG_RE.search(text[:_SNIFF_CHARS])
    return match.group(1).replace("_", "-") if match else None
