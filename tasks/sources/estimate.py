"""A cheap estimate of how many items ``iter_sources`` will yield, for a progress bar's ETA.

Counting must cost far less than reading: JSONL lines are counted as newlines in raw byte
blocks, folder members by name, feeds and sitemaps by their entry tags in the raw bytes.
Inputs that cannot be counted cheaply (stdin, WARC records, sitemap indexes) make the whole
estimate None, and so does running past ``budget_s``: an unknown total beats a wrong one.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from tasks.sources.local import InputKind, classify, has_glob, iter_folder, iter_glob

__all__ = ["estimate_items"]

logger = logging.getLogger(__name__)

_BLOCK = 1 << 20
_TAG_OVERLAP = 64  # longer than any entry tag the patterns match
_ENTRY_TAGS = {
    "feed": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>]"),
    "sitemap": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?url[\s>]"),
}
_INDEX_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sitemapindex[\s>]")


class _Unknown(Exception):
    """This input cannot be counted cheaply."""


def _open(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _count_lines(path: Path, deadline: float) -> int:
    lines, last = 0, b"\n"
    with _open(path) as handle:
        while block := handle.read(_BLOCK):
            lines += block.count(b"\n")
            last = block[-1:]
            if time.monotonic() > deadline:
                raise TimeoutError
    return lines + (last != b"\n")


def _count_entries(path: Path, kind: InputKind, deadline: float) -> int:
    """Entry tags counted block by block: a gzip feed bomb is never held whole."""
    if path.suffix.lower() == ".json":
        raise _Unknown(f"{path}: a JSON feed")
    tag = _ENTRY_TAGS[kind]
    count, tail, first = 0, b"", True
    with _open(path) as handle:
        while block := handle.read(_BLOCK):
            if first and _INDEX_TAG.search(block[:65536]):
                raise _Unknown(f"{path}: a sitemap index")
            first = False
            data = tail + block
            # A tag cut by the block boundary is counted in the next round, with the tail.
            cut = max(len(data) - _TAG_OVERLAP, 0)
            count += sum(1 for m in tag.finditer(data) if m.start() < cut)
            tail = data[cut:]
            if time.monotonic() > deadline:
                raise TimeoutError
    return count + len(tag.findall(tail))


def _count_file(path: Path, kind: InputKind | None, deadline: float) -> int:
    if kind is None:
        return 0
    if kind == "article":
        return 1
    if kind == "jsonl":
        return _count_lines(path, deadline)
    if kind in ("feed", "sitemap"):
        return _count_entries(path, kind, deadline)
    raise _Unknown(f"{path}: {kind} records are not counted")


def _count_path(spec: str, deadline: float) -> int:
    path = Path(os.path.abspath(os.path.expanduser(spec)))
    if path.is_dir():
        total = 0
        for member, kind in iter_folder(path):
            total += _count_file(member, kind, deadline)
            if time.monotonic() > deadline:
                raise TimeoutError
        return total
    if path.exists():
        return _count_file(path, classify(path, explicit=True), deadline)
    return 1  # becomes one SourceProblem


def _count_spec(spec: str, deadline: float) -> int:
    if spec == "-" or spec.startswith("@"):
        raise _Unknown(f"{spec}: read once, not counted")
    if "://" in spec:
        return 1
    if has_glob(spec):
        return sum(_count_path(str(p), deadline) for p in iter_glob(spec)) or 1
    return _count_path(spec, deadline)


def estimate_items(specs: Iterable[str], budget_s: float = 10.0) -> int | None:
    """About how many items and problems ``iter_sources(specs)`` yields, or None."""
    deadline = time.monotonic() + budget_s
    total = 0
    try:
        for spec in specs:
            total += _count_spec(spec, deadline)
    except _Unknown as why:
        logger.debug("no item estimate: %s", why)
        return None
    except (TimeoutError, OSError, EOFError) as exc:
        logger.debug("no item estimate: %r", exc)
        return None
    return total
