"""JSONL dumps: one article per line, gzip read transparently, streamed line by line.

A line with an html or text field becomes an inline item; a line with only a URL becomes a
URL item (fetched by a worker). Field names are configurable (``JsonlFields``). A line that
is not a JSON object, nests too deep, or has no usable field, is a SourceProblem naming the
line number.

Lines are read as bytes with a bound (``line_limit``): a 1 MB gzip file can hold one 1 GB
line, and reading it as one string made the producer grow to 3.4 GB before the content
limit refused it (issue 16). A longer line is refused as ``too_large`` and the rest of it
is skipped while it is decompressed, a chunk at a time.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Literal, cast

from tasks.json_input import JsonTooDeep, loads_untrusted
from tasks.models import SourceHints
from tasks.sources.items import (
    MAX_BYTES_SETTING,
    JsonlFields,
    SourceItem,
    SourceProblem,
    content_digest,
    inline_item,
    url_key,
)

__all__ = ["ESCAPE_FACTOR", "iter_jsonl_file", "iter_jsonl_lines", "line_limit"]

logger = logging.getLogger(__name__)

# JSON escaping makes a line longer than the content it carries: up to six bytes for one
# (``\u0001``; ``é`` is two bytes of UTF-8 and six escaped). A line may be this many times
# the content limit, so no content under the limit is refused for its escaping.
ESCAPE_FACTOR = 6
_SKIP_CHUNK = 1 << 20


def line_limit(max_inline: int) -> int:
    """The longest JSONL line read, in bytes (newline excluded)."""
    return ESCAPE_FACTOR * max_inline + 64 * 1024  # + room for the other fields


class _LongLine:
    """A line over the bound: only its size (at least) is kept."""

    def __init__(self, size: int) -> None:
        self.size = size


def _bounded_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | _LongLine]:
    """Each line's bytes, or a ``_LongLine`` for a line over ``limit`` bytes, whose rest is
    read and dropped a chunk at a time: memory never holds more than ``limit`` bytes."""
    while line := handle.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while chunk := handle.readline(_SKIP_CHUNK):
            size += len(chunk)
            if chunk.endswith(b"\n"):
                break
        yield _LongLine(size)


def _text(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _line_result(
    line: str, where: str, label: str, number: int, fields: JsonlFields, max_inline: int
) -> SourceItem | SourceProblem:
    try:
        obj = loads_untrusted(line)
    except JsonTooDeep as exc:
        return SourceProblem(where, "too_deep", f"{where}: {exc}")
    except json.JSONDecodeError as exc:
        return SourceProblem(where, "invalid_json", f"{where}: not JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return SourceProblem(where, "not_an_article", f"{where}: a JSON {type(obj).__name__}")
    url = _text(obj, fields.url)
    hints = SourceHints(
        title=_text(obj, fields.title),
        published=_text(obj, fields.published),
        url=url,
        publisher=_text(obj, fields.publisher),
    )
    kind: Literal["html", "text"]
    for key, kind in ((fields.html, "html"), (fields.text, "text")):
        content = obj.get(key)
        if isinstance(content, str) and content.strip():
            return inline_item(
                where=where,
                source=where,
                item_key=f"jsonl:{label}#{number}:{content_digest(line)}",
                content=content,
                content_type=kind,
                hints=hints,
                max_inline=max_inline,
                what=f"field {key!r}",
            )
    if url and url.lower().startswith(("http://", "https://")):
        return SourceItem(source=url, source_kind="url", item_key=url_key(url), hints=hints)
    return SourceProblem(
        where,
        "not_an_article",
        f"{where}: no usable field ({fields.html!r}, {fields.text!r} or an http(s) {fields.url!r})",
    )


def iter_jsonl_lines(
    lines: Iterable[str], label: str, fields: JsonlFields, max_inline: int, *, first_line: int = 1
) -> Iterator[SourceItem | SourceProblem]:
    """Items from JSONL ``lines``; ``label`` names the input in sources, keys and messages."""
    for number, line in enumerate(lines, start=first_line):
        if line.strip():
            yield _line_result(line, f"{label}#{number}", label, number, fields, max_inline)


def _decoded(
    lines: Iterator[bytes | _LongLine], label: str, limit: int
) -> Iterator[str | SourceProblem]:
    for number, line in enumerate(lines, start=1):
        if isinstance(line, _LongLine):
            where = f"{label}#{number}"
            yield SourceProblem(
                where, "too_large",
                f"{where}: a line of {line.size} bytes or more, over the {limit}-byte line "
                f"limit ({ESCAPE_FACTOR} x {MAX_BYTES_SETTING}, room for JSON escaping)")
        else:
            yield line.decode("utf-8", errors="replace")


def iter_jsonl_file(
    path: Path, fields: JsonlFields, max_inline: int
) -> Iterator[SourceItem | SourceProblem]:
    """Items from a ``.jsonl``/``.ndjson`` file, gzipped or not, read one line at a time."""
    resolved = path.resolve()
    label = str(resolved)
    limit = line_limit(max_inline)
    handle: BinaryIO = (
        cast(BinaryIO, gzip.GzipFile(resolved, "rb")) if resolved.name.lower().endswith(".gz")
        else resolved.open("rb"))
    with handle:
        for number, line in enumerate(_decoded(_bounded_lines(handle, limit), label, limit),
                                      start=1):
            if isinstance(line, SourceProblem):
                yield line
            elif line.strip():
                yield _line_result(line, f"{label}#{number}", label, number, fields,
                                   max_inline)
