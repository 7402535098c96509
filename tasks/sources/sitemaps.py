"""XML sitemaps, sitemap indexes and Google News sitemaps: one URL item per ``<url>``.

Streamed with ``iterparse`` (elements cleared as they are read), gzip read transparently.
A news sitemap's ``<news:title>``, publication date, name and language become hints;
otherwise ``<lastmod>`` is the date hint. A sitemap index lists child sitemaps; the producer
does not download, so a child is read only when it is local: a ``file://`` URL, a relative
path, or an http(s) URL whose file name sits next to the index (a mirrored site). Other
children are reported as SourceProblems.
"""

from __future__ import annotations

import gzip
import io
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tasks.models import SourceHints
from tasks.sources.items import SourceItem, SourceProblem, url_key

__all__ = ["MAX_INDEX_DEPTH", "iter_sitemap", "sitemap_url_item"]

logger = logging.getLogger(__name__)

MAX_INDEX_DEPTH = 3
Result = SourceItem | SourceProblem


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, path: tuple[str, ...]) -> str | None:
    node: ET.Element | None = element
    for step in path:
        node = next((c for c in node if _local(c.tag) == step), None) if node is not None else None
    text = node.text.strip() if node is not None and node.text else ""
    return text or None


def _open(path: Path) -> io.BufferedIOBase:
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


def sitemap_url_item(element: ET.Element, where: str) -> Result:
    loc = _child_text(element, ("loc",))
    if not loc or not loc.lower().startswith(("http://", "https://")):
        return SourceProblem(where, "no_link", f"{where}: <url> without an http(s) <loc>")
    hints = SourceHints(
        title=_child_text(element, ("news", "title")),
        published=_child_text(element, ("news", "publication_date"))
        or _child_text(element, ("lastmod",)),
        url=loc,
        publisher=_child_text(element, ("news", "publication", "name")),
        language=_child_text(element, ("news", "publication", "language")),
    )
    return SourceItem(source=loc, source_kind="url", item_key=url_key(loc), hints=hints)


def _child_path(loc: str, index: Path) -> Path | None:
    parts = urlsplit(loc)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if not parts.scheme:
        return (index.parent / loc).resolve()
    candidate = index.parent / Path(unquote(parts.path)).name
    return candidate if candidate.is_file() else None


def _walk(path: Path, depth: int, seen: set[Path]) -> Iterator[Result]:
    resolved = path.resolve()
    if resolved in seen:
        yield SourceProblem(str(path), "cycle", f"{path}: sitemap index refers to itself")
        return
    seen.add(resolved)
    children: list[str] = []
    count = 0
    with _open(resolved) as handle:
        for _event, element in ET.iterparse(handle, events=("end",)):
            tag = _local(element.tag)
            if tag == "url":
                count += 1
                yield sitemap_url_item(element, f"{path}#url{count}")
                element.clear()
            elif tag == "sitemap":
                loc = _child_text(element, ("loc",))
                if loc:
                    children.append(loc)  # only locations: small even for big indexes
                element.clear()
    for loc in children:
        child = _child_path(loc, resolved)
        if child is None or not child.is_file():
            yield SourceProblem(
                loc, "not_found", f"{loc}: child sitemap not found locally (not downloaded)"
            )
        elif depth >= MAX_INDEX_DEPTH:
            yield SourceProblem(loc, "too_deep", f"{loc}: sitemap indexes nested too deep")
        else:
            yield from _walk(child, depth + 1, seen)


def iter_sitemap(path: Path) -> Iterator[Result]:
    """One URL item per ``<url>`` in the sitemap (or, through an index, its local children)."""
    try:
        yield from _walk(path, 0, set())
    except ET.ParseError as exc:
        yield SourceProblem(str(path), "invalid_sitemap", f"{path}: malformed XML ({exc})")
