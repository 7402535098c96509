"""Source lists: OPML (what feed readers export) and CSV, read into ``SourceSpec``s.

OPML: every ``<outline>`` with an ``xmlUrl`` is a source; its ``title``/``text`` is the
name, its ``category`` (comma or slash separated) and the titles of the outlines around it
are tags. CSV: a header row naming at least ``url``; optional ``name``, ``tags`` (``;``
separated), ``every`` (a duration), ``language``, ``country``, ``publisher``.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from tasks.errors import BadSourceList
from tasks.monitor.durations import parse_duration
from tasks.monitor.registry import SourceSpec

__all__ = ["read_source_list"]


def _opml(data: bytes, where: str) -> Iterator[SourceSpec]:
    try:
        # Python's expat expands no external entities, and the list is the user's own file.
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BadSourceList(f"{where}: not OPML ({exc})") from exc

    def walk(node: ET.Element, folders: tuple[str, ...]) -> Iterator[SourceSpec]:
        for outline in node.findall("outline"):
            title = outline.get("title") or outline.get("text")
            url = outline.get("xmlUrl")
            if url:
                categories = (outline.get("category") or "").replace("/", ",").split(",")
                tags = tuple(dict.fromkeys(t.strip() for t in (*folders, *categories)
                                           if t.strip()))
                yield SourceSpec(url=url, name=title, tags=tags,
                                 language=outline.get("language") or None)
            else:
                yield from walk(outline, (*folders, title) if title else folders)

    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise BadSourceList(f"{where}: not OPML (no <opml><body>)")
    yield from walk(body, ())


def _csv(text: str, where: str) -> Iterator[SourceSpec]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    if "url" not in fields:
        raise BadSourceList(f"{where}: a CSV source list needs a header row with a 'url' column")
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not row.get("url"):
            continue
        try:
            every = parse_duration(row["every"]) if row.get("every") else None
        except ValueError as exc:
            raise BadSourceList(f"{where}:{line}: {exc}") from exc
        yield SourceSpec(
            url=row["url"], name=row.get("name") or None,
            tags=tuple(t.strip() for t in row.get("tags", "").split(";") if t.strip()),
            every_s=every, language=row.get("language") or None,
            country=row.get("country") or None, publisher=row.get("publisher") or None,
        )


def read_source_list(path: Path) -> list[SourceSpec]:
    """The sources listed in ``path`` (OPML by content, else CSV)."""
    data = path.read_bytes()
    head = data.lstrip()[:200].lower()
    if head.startswith(b"<?xml") or head.startswith(b"<opml"):
        return list(_opml(data, str(path)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadSourceList(f"{path}: neither OPML nor UTF-8 CSV ({exc})") from exc
    return list(_csv(text, str(path)))
