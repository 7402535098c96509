"""Local inputs: what kind of input a file is, and folders and globs expanded lazily.

What a folder contributes (recursively, names sorted per directory, hidden files and
folders skipped, symlinked folders not followed so a link loop cannot hang the producer):

* ``*.html *.htm *.xhtml *.txt`` - one article each;
* ``*.json`` - one article when it looks like one (an ``html``/``content``/``text``/``body``
  string field), a JSON Feed when it says so; anything else (e.g. the corpus's gold
  sidecars) is skipped;
* ``*.jsonl *.ndjson`` (optionally ``.gz``) - one article per line;
* ``*.warc *.warc.gz`` - one article per HTML response record;
* ``*.rss *.atom`` and ``*.xml`` (optionally ``.gz``) whose root is ``rss``/``feed``/
  ``RDF`` (feeds) or ``urlset``/``sitemapindex`` (sitemaps); other XML is skipped.

A file named explicitly is always used: when its kind is unknown it becomes an article
item and the fetch stage decides (sniffing markup, or refusing binary input).
"""

from __future__ import annotations

import glob
import gzip
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

__all__ = ["InputKind", "classify", "has_glob", "iter_folder", "iter_glob"]

logger = logging.getLogger(__name__)

InputKind = Literal["article", "jsonl", "warc", "feed", "sitemap"]

_ARTICLE_SUFFIXES = {".html", ".htm", ".xhtml", ".txt"}
_SNIFF_BYTES = 64 * 1024
_ROOT_RE = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_JSON_FEED_RE = re.compile(rb'"version"\s*:\s*"https?:(?:\\?/){2}jsonfeed\.org', re.I)
_JSON_ARTICLE_RE = re.compile(rb'"(?:html|content|text|body)"\s*:\s*"')
_FEED_ROOTS = {"rss", "feed", "rdf"}
_SITEMAP_ROOTS = {"urlset", "sitemapindex"}


def has_glob(spec: str) -> bool:
    return glob.has_magic(spec)


def _head(path: Path, gzipped: bool) -> bytes:
    try:
        if gzipped:
            with gzip.open(path, "rb") as handle:
                return handle.read(_SNIFF_BYTES)
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        logger.info("cannot sniff %s: %s", path, exc)
        return b""


def _xml_kind(head: bytes) -> InputKind | None:
    # Skip the XML declaration, comments and doctype: the first element names the format.
    body = re.sub(rb"<!--.*?-->", b"", head, flags=re.S)
    match = _ROOT_RE.search(body)
    if match is None:
        return None
    root = match.group(1).decode("ascii", "ignore").lower()
    if root in _FEED_ROOTS:
        return "feed"
    if root in _SITEMAP_ROOTS:
        return "sitemap"
    return None


def _suffixes(path: Path) -> tuple[str, bool]:
    """The meaningful suffix (lower case) and whether the file is gzipped."""
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    return (os.path.splitext(name)[1], gzipped)


def classify(path: Path, *, explicit: bool) -> InputKind | None:
    """The kind of input ``path`` is, or None (skip) for a folder member of no known kind."""
    suffix, gzipped = _suffixes(path)
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix in {".warc", ".arc"}:
        return "warc"
    if suffix in {".rss", ".atom"}:
        return "feed"
    if suffix == ".xml":
        kind = _xml_kind(_head(path, gzipped))
        return kind if kind is not None or not explicit else "article"
    if gzipped:
        return None if not explicit else "article"  # fetch refuses it as a gzip archive
    if suffix in _ARTICLE_SUFFIXES:
        return "article"
    if suffix == ".json":
        head = _head(path, False)
        if _JSON_FEED_RE.search(head):
            return "feed"
        if _JSON_ARTICLE_RE.search(head) or explicit:
            return "article"
        logger.debug("skipping %s: JSON without an article field", path)
        return None
    return "article" if explicit else None


def iter_folder(root: Path) -> Iterator[tuple[Path, InputKind]]:
    """Every input file below ``root`` with its kind, in a stable (sorted) order."""
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(current, name)
            if not path.is_file():
                continue  # broken symlinks, sockets
            kind = classify(path, explicit=False)
            if kind is not None:
                yield path, kind


def iter_glob(pattern: str) -> Iterator[Path]:
    """Paths matching ``pattern`` (``**`` recursive), sorted; hidden names need a literal dot."""
    yield from (Path(p) for p in sorted(glob.iglob(os.path.expanduser(pattern), recursive=True)))
