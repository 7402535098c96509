"""Bytes -> text, with the charset decided by the bytes rather than by the first ``<meta>``.

Archived pages lie: a Wayback wrapper can declare UTF-8 around a Latin-2 page, and many
sites declare one charset while serving another. So the order of trust is:

1. a byte-order mark (unambiguous);
2. the charset given from outside (HTTP ``Content-Type``), if the bytes decode with it;
3. strict UTF-8, if it succeeds (random legacy bytes almost never form valid UTF-8);
4. "nearly UTF-8": a handful of broken sequences among many valid multibyte characters (a
   truncated character) decodes as UTF-8 with U+FFFD for the broken bytes;
5. charsets the document declares (every ``<meta>`` and the XML declaration, not just the
   first), skipping UTF-8 which step 3 already disproved, first one that decodes;
6. charset-normalizer's statistical guess.

Step 5 comes before charset-normalizer on purpose: single-byte Central European charsets
(ISO-8859-2 vs windows-1250) are statistically near-identical, and on the corpus
charset-normalizer picks the wrong one for 3 of the 4 non-UTF-8 pages, whereas a declaration
that survives the UTF-8 test is right on all of them.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

from tasks.errors import BinaryInput

__all__ = ["declared_charsets", "decode_bytes", "normalise_charset"]

logger = logging.getLogger(__name__)

# UTF-32 LE must be tested before UTF-16 LE: its BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_RE = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.I)
# Declarations live in <head>; a Wayback wrapper can push the real one a few KB down.
_DECLARATION_WINDOW = 64 * 1024
_C1_RE = re.compile(rb"[\x80-\x9f]")
# "nearly UTF-8": at most this many broken sequences, and at least this many valid
# multibyte characters per broken one.
_MAX_BROKEN = 8
_MIN_VALID_PER_BROKEN = 20


def normalise_charset(label: str | None) -> str | None:
    """Python's canonical codec name for a charset label, or None if unknown."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def declared_charsets(data: bytes) -> list[str]:
    """Every charset the document declares (XML declaration, then each <meta>), deduplicated."""
    head = data[:_DECLARATION_WINDOW]
    labels: list[bytes] = []
    xml = _XML_DECL_RE.match(head)
    if xml:
        labels.append(xml.group(1))
    labels.extend(m.group(1) for m in _META_RE.finditer(head))
    found: list[str] = []
    for label in labels:
        name = normalise_charset(label.decode("ascii", "ignore"))
        if name and name not in found:
            found.append(name)
    return found


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _web_alias(data: bytes, encoding: str) -> str:
    # Browsers (WHATWG) read latin-1 as windows-1252; C1 control bytes in a "latin-1"
    # page are always meant as cp1252 punctuation (curly quotes, dashes).
    if encoding == "iso8859-1" and _C1_RE.search(data):
        return "cp1252"
    return encoding


def _nearly_utf8(data: bytes) -> str | None:
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    valid_multibyte = sum(1 for ch in text if ord(ch) > 127) - text.count("\ufffd")
    if 0 < broken <= _MAX_BROKEN and valid_multibyte >= broken * _MIN_VALID_PER_BROKEN:
        return text
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """Decode ``data``; return (text, encoding, source).

    ``declared`` is a charset given from outside the bytes (an HTTP header). ``source`` is
    one of ``bom``, ``header``, ``utf-8``, ``utf-8-lenient``, ``meta``, ``detected``.
    A leading BOM is not part of the text. NUL bytes (outside UTF-16/32) raise BinaryInput;
    bytes that no charset decodes raise BinaryInput too.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="replace")
            return text, encoding, "bom"
    if b"\x00" in data:
        raise BinaryInput("input contains NUL bytes: binary data, not text")

    header = normalise_charset(declared)
    if header is not None:
        header = _web_alias(data, header)
        from_header = _try(data, header)
        if from_header is not None:
            return from_header, header, "header"
        logger.info("declared charset %s does not decode the bytes; detecting", header)

    strict = _try(data, "utf-8")
    if strict is not None:
        return strict, "utf-8", "utf-8"
    lenient = _nearly_utf8(data)
    if lenient is not None:
        return lenient, "utf-8", "utf-8-lenient"

    for candidate in declared_charsets(data):
        if candidate in {"utf-8", "utf-16", "utf-32"}:
            continue  # UTF-8 was disproved above; UTF-16/32 without a BOM is a lie in HTML
        candidate = _web_alias(data, candidate)
        decoded = _try(data, candidate)
        if decoded is not None:
            return decoded, candidate, "meta"

    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        encoding = normalise_charset(best.encoding) or best.encoding
        return str(best), encoding, "detected"
    raise BinaryInput(
        "undecodable bytes: neither UTF-8, a declared charset nor a detected one fits; "
        "this looks like binary data, not text"
    )
