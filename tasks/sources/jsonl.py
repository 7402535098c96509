"""JSONL dumps: one article per line, gzip read transparently, streamed line by line.

A line with an html or text field becomes an inline item; a line with only a URL becomes a
URL item (fetched by a worker). Field names are configurable (``JsonlFields``). A line that
is not a JSON object, or has no usable field, is a SourceProblem naming the line number.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from tasks.models import SourceHints
from tasks.sources.items import (
    JsonlFields,
    SourceItem,
    SourceProblem,
    content_digest,
    inline_item,
    url_key,
)

__all__ = ["iter_jsonl_file", "iter_jsonl_lines"]

logger = logging.getLogger(__name__)


def _text(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None


def _line_result(
    line: str, where: str, label: str, number: int, fields: JsonlFields, max_inline: int
) -> SourceItem | SourceProblem:
    try:
        obj = json.loads(line)
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


def iter_jsonl_file(
    path: Path, fields: JsonlFields, max_inline: int
) -> Iterator[SourceItem | SourceProblem]:
    """Items from a ``.jsonl``/``.ndjson`` file, gzipped or not, read one line at a time."""
    resolved = path.resolve()
    opener = gzip.open if resolved.name.lower().endswith(".gz") else open
    with opener(resolved, "rt", encoding="utf-8", errors="replace") as handle:
        yield from iter_jsonl_lines(handle, str(resolved), fields, max_inline)
