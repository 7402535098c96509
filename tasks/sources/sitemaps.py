"""XML sitemaps, sitemap indexes and Google News sitemaps: one URL item per ``<url>``.

Streamed with ``iterparse`` (elements cleared as they are read), gzip read transparently.
A news sitemap's ``<news:title>``, publication date, name and language become hints;
otherwise ``<lastmod>`` is the date hint. A sitemap index lists child sitemaps; the producer
does not download, so a child is read only when it is local: a ``file://`` URL, a relative
path, or an http(s) URL whose file name sits next to the index (a mirrored site). Other
children are reported as SourceProblems.

An index is input like any other, so its children are confined: a child must resolve
(symlinks followed) below the folder of the top index the user named; ``file:///etc/...``,
``../`` and a symlink leading out are refused as ``forbidden`` (issue 16: the producer read
them anywhere on disk). Each child is parsed on its own: a malformed child is one problem,
and the index's other children are still read.

Each sitemap is bounded in bytes after decompression (``FILE_FACTOR`` times
``NEWSFLOW_FETCH__MAX_BYTES``; the sitemap protocol itself caps a file at 50 MB): the XML
parser holds one element's text whole, so one endless ``<loc>`` in a small gzip file would
otherwise be held whole.
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
from tasks.sources.items import MAX_BYTES_SETTING, SourceItem, SourceProblem, url_key

__all__ = ["FILE_FACTOR", "MAX_INDEX_DEPTH", "iter_sitemap", "sitemap_url_item"]

logger = logging.getLogger(__name__)

MAX_INDEX_DEPTH = 3
FILE_FACTOR = 10
Result = SourceItem | SourceProblem


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, path: tuple[str, ...]) -> str | None:
    node: ET.Element | None = element
    for step in path:
        node = next((c for c in node if _local(c.tag) == step), None) if node is not None else None
    text = node.text.strip() if node is not None and node.text else ""
    return text or None


class _TooLarge(Exception):
    pass


class _Bounded(io.RawIOBase):
    """A read-only stream that raises ``_TooLarge`` past ``limit`` bytes."""

    def __init__(self, inner: io.BufferedIOBase, limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.seen = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(min(size, 1 << 16) if size >= 0 else 1 << 16)
        self.seen += len(data)
        if self.seen > self.limit:
            raise _TooLarge
        return data

    def close(self) -> None:
        self.inner.close()
        super().close()


def _open(path: Path, limit: int) -> _Bounded:
    inner: io.BufferedIOBase = (gzip.GzipFile(path, "rb") if path.name.lower().endswith(".gz")
                                else path.open("rb"))
    return _Bounded(inner, limit)


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
        return index.parent / loc
    candidate = index.parent / Path(unquote(parts.path)).name
    return candidate if candidate.is_file() else None


def _child(loc: str, index: Path, root: Path) -> Path | SourceProblem:
    """The local file of child ``loc``, or why it is not read."""
    child = _child_path(loc, index)
    if child is None or not child.is_file():
        return SourceProblem(
            loc, "not_found", f"{loc}: child sitemap not found locally (not downloaded)"
        )
    resolved = child.resolve()
    if not resolved.is_relative_to(root):
        return SourceProblem(
            loc, "forbidden",
            f"{loc}: child sitemap outside {root}, the folder of the index named ({resolved})")
    return resolved


def _walk(path: Path, depth: int, seen: set[Path], root: Path, limit: int) -> Iterator[Result]:
    resolved = path.resolve()
    if resolved in seen:
        yield SourceProblem(str(path), "cycle", f"{path}: sitemap index refers to itself")
        return
    seen.add(resolved)
    children: list[str] = []
    count = 0
    try:
        with _open(resolved, limit) as handle:
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
    except ET.ParseError as exc:
        # The <url>s read so far stay items; the children listed so far are still read.
        yield SourceProblem(str(path), "invalid_sitemap", f"{path}: malformed XML ({exc})")
    except _TooLarge:
        yield SourceProblem(str(path), "too_large",
                            f"{path}: the sitemap has more than {limit} bytes (decompressed), "
                            f"over its limit ({FILE_FACTOR} x {MAX_BYTES_SETTING})")
    for loc in children:
        child = _child(loc, resolved, root)
        if isinstance(child, SourceProblem):
            yield child
        elif depth >= MAX_INDEX_DEPTH:
            yield SourceProblem(loc, "too_deep", f"{loc}: sitemap indexes nested too deep")
        else:
            yield from _walk(child, depth + 1, seen, root, limit)


def iter_sitemap(path: Path, max_inline: int) -> Iterator[Result]:
    """One URL item per ``<url>`` in the sitemap (or, through an index, its local children);
    each file at most ``FILE_FACTOR * max_inline`` bytes once decompressed."""
    yield from _walk(path, 0, set(), path.resolve().parent, FILE_FACTOR * max_inline)
