"""The fetch stage: turn an article's source (file, URL or inline content) into a RawDocument.

``fetch(article, settings)`` fills ``article.raw`` and returns the article, or raises one of
the typed errors of ``tasks.errors``: SourceNotFound, ForbiddenSource, RobotsDisallowed
(the site's robots.txt, ``tasks.fetching.robots``), EmptyInput,
BinaryInput, InputTooLarge, NotAnArticle, UnsupportedContent (permanent) or NetworkError
(retryable, with ``retry_after_s``). The charset is decided by ``tasks.fetching.decode``.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

from config.settings import FetchSettings
from tasks.errors import BinaryInput, EmptyInput, InputTooLarge
from tasks.fetching.document import BuiltDocument, FormatHint, build_document, document_from_text
from tasks.fetching.files import read_local_file
from tasks.models import Article, SourceHints

__all__ = ["fetch", "format_for_path"]

logger = logging.getLogger(__name__)

_SUFFIX_FORMATS: dict[str, FormatHint] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".txt": "text",
    ".text": "text",
    ".json": "json",
}


def format_for_path(path: str) -> FormatHint:
    """html/text/json by file suffix; anything else is sniffed (markup -> html)."""
    return _SUFFIX_FORMATS.get(PurePath(path).suffix.lower(), "sniff")


def _fetch_file(article: Article, settings: FetchSettings) -> BuiltDocument:
    data = read_local_file(article.source, settings.allowed_roots, settings.max_bytes)
    return build_document(data, source=article.source, fmt=format_for_path(article.source))


def _fetch_inline(article: Article, settings: FetchSettings) -> BuiltDocument:
    content = article.inline_content or ""
    size = len(content.encode("utf-8", errors="surrogatepass"))
    if size > settings.max_bytes:
        raise InputTooLarge(f"inline content of {article.source} has {size} bytes, over the limit")
    if not content.strip():
        raise EmptyInput(f"inline content of {article.source} is empty")
    if "\x00" in content:
        raise BinaryInput(f"inline content of {article.source} contains NUL characters")
    fmt: FormatHint = article.inline_content_type or "sniff"
    return document_from_text(
        content,
        source=article.source,
        fmt=fmt,
        encoding="utf-8",
        encoding_source="inline",
        byte_size=size,
        final_url=article.hints.url,
    )


def _fetch_url(article: Article, settings: FetchSettings) -> BuiltDocument:
    # Imported here so the CLI (which only needs the file path) does not pay for httpx.
    from tasks.fetching.http import fetch_url
    from tasks.fetching.politeness import domain_gate, redis_client

    gate = domain_gate(settings)
    if settings.obey_robots:
        from tasks.fetching.robots import check_robots

        client = redis_client(settings.politeness_redis_url) if settings.politeness_redis_url \
            else None
        check_robots(article.source, settings, gate=gate, client=client)
    response = fetch_url(article.source, settings, gate=gate)
    return build_document(
        response.content,
        source=article.source,
        fmt=response.format,
        declared_charset=response.charset,
        final_url=response.final_url,
    )


def _merge_hints(hints: SourceHints, found: dict[str, str]) -> SourceHints:
    # The producer's hints win: they came from a feed or the user; the file only fills gaps.
    missing = {k: v for k, v in found.items() if getattr(hints, k, None) is None}
    return hints.model_copy(update=missing) if missing else hints


def fetch(article: Article, settings: FetchSettings) -> Article:
    """Read the article's source into ``article.raw``; raise a typed error on bad input."""
    if article.source_kind == "file":
        built = _fetch_file(article, settings)
    elif article.source_kind == "url":
        built = _fetch_url(article, settings)
    else:
        built = _fetch_inline(article, settings)
    article.raw = built.raw
    article.hints = _merge_hints(article.hints, built.hints)
    logger.info(
        "article %s fetched: %s, %d bytes, %s (%s)",
        article.id,
        built.raw.content_type,
        built.raw.byte_size,
        built.raw.encoding,
        built.raw.encoding_source,
    )
    return article
