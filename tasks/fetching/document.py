"""Bytes (or text) -> RawDocument: decide the charset, the content type and the html lang.

Shared by local files, downloads and inline content, so all three refuse empty, binary and
non-article input the same way.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Literal

from tasks.errors import BinaryInput, EmptyInput, NotAnArticle
from tasks.fetching.decode import decode_bytes
from tasks.fetching.sniff import check_not_binary, html_lang, looks_like_html
from tasks.json_input import JsonTooDeep, loads_untrusted
from tasks.models import RawDocument

__all__ = [
    "ARTICLE_TEXT_FIELDS",
    "BuiltDocument",
    "FormatHint",
    "build_document",
    "document_from_text",
]

logger = logging.getLogger(__name__)

FormatHint = Literal["html", "text", "json", "sniff"]
# The field that holds the article in a JSON file, in order of preference.
ARTICLE_TEXT_FIELDS: tuple[str, ...] = ("html", "content", "text", "body")
_HINT_FIELDS: dict[str, str] = {
    "title": "title",
    "url": "url",
    "published": "published",
    "date": "published",
    "publisher": "publisher",
    "language": "language",
}


@dataclass
class BuiltDocument:
    raw: RawDocument
    # hints found in the input itself (a JSON article's title/url/date), for the stage to merge
    hints: dict[str, str] = field(default_factory=dict)


def _content_type(text: str, fmt: FormatHint) -> Literal["html", "text"]:
    if fmt == "html":
        return "html"
    if fmt == "text":
        return "text"
    return "html" if looks_like_html(text) else "text"


def _from_json(text: str, source: str) -> tuple[str, Literal["html", "text"], dict[str, str]]:
    try:
        obj = loads_untrusted(text)
    except JsonTooDeep as exc:
        raise NotAnArticle(f"{source}: {exc}", reason="too_deep") from None
    except json.JSONDecodeError as exc:
        raise NotAnArticle(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(obj, dict):
        raise NotAnArticle(f"{source}: JSON {type(obj).__name__}, expected one article object")
    for name in ARTICLE_TEXT_FIELDS:
        value = obj.get(name)
        if isinstance(value, str) and value.strip():
            kind: Literal["html", "text"] = (
                "html" if name == "html" or looks_like_html(value) else "text"
            )
            hints = {
                target: str(obj[key]).strip()
                for key, target in _HINT_FIELDS.items()
                if isinstance(obj.get(key), (str, int, float)) and str(obj[key]).strip()
            }
            return value, kind, hints
    raise NotAnArticle(
        f"{source}: JSON object without an article field "
        f"(one of {', '.join(ARTICLE_TEXT_FIELDS)} holding non-empty text)"
    )


def document_from_text(
    text: str,
    *,
    source: str,
    fmt: FormatHint,
    encoding: str,
    encoding_source: str,
    byte_size: int,
    final_url: str | None = None,
) -> BuiltDocument:
    """Build the RawDocument from already-decoded text."""
    hints: dict[str, str] = {}
    if fmt == "json":
        text, kind, hints = _from_json(text, source)
    else:
        kind = _content_type(text, fmt)
    if not text.strip():
        raise EmptyInput(f"{source} holds only whitespace")
    raw = RawDocument(
        content=text,
        content_type=kind,
        encoding=encoding,
        encoding_source=encoding_source,
        byte_size=byte_size,
        final_url=final_url,
        html_lang=html_lang(text) if kind == "html" else None,
    )
    return BuiltDocument(raw=raw, hints=hints)


def build_document(
    data: bytes,
    *,
    source: str,
    fmt: FormatHint,
    declared_charset: str | None = None,
    final_url: str | None = None,
) -> BuiltDocument:
    """Decode ``data`` and build the RawDocument; refuse empty, binary and non-article input."""
    if not data.strip():
        raise EmptyInput(f"{source} is empty" if not data else f"{source} holds only whitespace")
    check_not_binary(data, source)
    text, encoding, encoding_source = decode_bytes(data, declared_charset)
    logger.debug("%s decoded as %s (%s)", source, encoding, encoding_source)
    if "\x00" in text:
        # UTF-16/32 (with a BOM) hides NUL bytes from the byte check; NUL text is binary.
        raise BinaryInput(f"{source} decodes to text with NUL characters: binary data")
    return document_from_text(
        text,
        source=source,
        fmt=fmt,
        encoding=encoding,
        encoding_source=encoding_source,
        byte_size=len(data),
        final_url=final_url,
    )
