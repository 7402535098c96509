"""WARC files: one inline HTML item per successful HTML ``response`` record, streamed.

warcio reads plain and gzipped WARCs record by record and undoes the HTTP content and
transfer encodings; each payload is decoded with the fetch stage's charset logic (HTTP
header first, then the bytes), so the worker receives text. Redirects, errors, non-HTML
responses, requests and metadata records are skipped: they are not articles.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tasks.errors import PermanentError
from tasks.fetching.decode import decode_bytes
from tasks.models import SourceHints
from tasks.sources.items import SourceItem, SourceProblem, too_large

__all__ = ["iter_warc"]

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def iter_warc(path: Path, max_inline: int) -> Iterator[SourceItem | SourceProblem]:
    """Inline items for the HTML pages archived in the WARC at ``path``."""
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or str(path)
            status = record.http_headers.get_statuscode()
            content_type = record.http_headers.get_header("Content-Type") or ""
            if status != "200" or not content_type.lower().startswith(_HTML_TYPES):
                logger.debug("skipping %s in %s: %s %s", url, path, status, content_type)
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID") or url
            payload = record.content_stream().read(max_inline + 1)
            if len(payload) > max_inline:
                yield too_large(url, f"the record in {path}", None, max_inline)
                continue
            try:
                text, _encoding, _how = decode_bytes(payload, _charset(content_type))
            except PermanentError as exc:
                yield SourceProblem(url, exc.reason, f"{url} in {path}: {exc.message}")
                continue
            yield SourceItem(
                source=url,
                source_kind="inline",
                item_key=f"warc:{record_id}",
                hints=SourceHints(url=url),
                inline_content=text,
                inline_content_type="html",
            )
