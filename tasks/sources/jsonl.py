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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import AnyStr, BinaryIO, Literal, cast

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

__all__ = [
    "ESCAPE_FACTOR",
    "LongLine",
    "bounded_lines",
    "iter_jsonl_file",
    "iter_jsonl_lines",
    "line_limit",
]

logger = logging.getLogger(__name__)

# JSON escaping makes a line longer than the content it carries: up to six bytes for one
# (``\u0001``; ``é`` is two bytes of UTF-8 and six escaped). A line may be this many times
# the content limit, so no content under the limit is refused for its escaping.
ESCAPE_FACTOR = 6
_SKIP_CHUNK = 1 << 20
_READ_BUFFER = 1 << 20


def line_limit(max_inline: int) -> int:
    """The longest JSONL line read, in bytes (newline excluded)."""
    return ESCAPE_FACTOR * max_inline + 64 * 1024  # + room for the other fields


class LongLine:
    """A line over the bound: only its size (at least) is kept."""

    def __init__(self, size: int) -> None:
        self.size = size


def bounded_lines(readline: Callable[[int], AnyStr], limit: int) -> Iterator[AnyStr | LongLine]:
    """Each line from ``readline`` (a binary or text stream's), or a ``LongLine`` for a line
    over ``limit`` bytes (characters for text), whose rest is read and dropped a chunk at a
    time: memory never holds more than ``limit`` of it."""
    while line := readline(limit + 1):
        newline = "\n" if isinstance(line, str) else b"\n"
        if len(line) <= limit or line.endswith(newline):
            yield line
            continue
        size = len(line)
        while chunk := readline(_SKIP_CHUNK):
            size += len(chunk)
            if chunk.endswith(newline):
                break
        yield LongLine(size)


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


def _too_long(where: str, line: LongLine, limit: int) -> SourceProblem:
    return SourceProblem(
        where, "too_large",
        f"{where}: a line of {line.size} bytes or more, over the {limit}-byte line limit "
        f"({ESCAPE_FACTOR} x {MAX_BYTES_SETTING}, room for JSON escaping)")


def iter_jsonl_lines(
    lines: Iterable[str | LongLine], label: str, fields: JsonlFields, max_inline: int, *,
    first_line: int = 1,
) -> Iterator[SourceItem | SourceProblem]:
    """Items from JSONL ``lines`` (read with ``bounded_lines``: a ``LongLine`` is refused);
    ``label`` names the input in sources, keys and messages."""
    for number, line in enumerate(lines, start=first_line):
        if isinstance(line, LongLine):
            yield _too_long(f"{label}#{number}", line, line_limit(max_inline))
        elif line.strip():
            yield _line_result(line, f"{label}#{number}", label, number, fields, max_inline)


def _decoded(lines: Iterator[bytes | LongLine]) -> Iterator[str | LongLine]:
    for line in lines:
        yield line if isinstance(line, LongLine) else line.decode("utf-8", errors="replace")


def iter_jsonl_file(
    path: Path, fields: JsonlFields, max_inline: int
) -> Iterator[SourceItem | SourceProblem]:
    """Items from a ``.jsonl``/``.ndjson`` file, gzipped or not, read one line at a time."""
    resolved = path.resolve()
    # A 1 MiB buffer, not io's 8 KiB: one read a thousand lines instead of one a dozen. Each
    # read releases the GIL, and the producer's sender thread then kept it up to the switch
    # interval (5 ms): readline was a sixth of a PostgreSQL enqueue's wall time (cProfile).
    raw = resolved.open("rb", buffering=_READ_BUFFER)
    handle: BinaryIO = (
        cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
        if resolved.name.lower().endswith(".gz") else raw)
    with raw, handle:
        lines = _decoded(bounded_lines(handle.readline, line_limit(max_inline)))
        yield from iter_jsonl_lines(lines, str(resolved), fields, max_inline)
