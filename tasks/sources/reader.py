"""``iter_sources``: every spec the user gave, turned lazily into items and problems.

A spec is one of: ``-`` (stdin: one spec per line, or JSONL when its first line is a JSON
object), ``@list.txt`` (a file of specs, one per line, ``#`` comments), an http(s) URL (a
URL item fetched later by a worker), a glob, a folder, or a file (see ``tasks.sources.local``
for what each file kind yields). Everything is a generator, so memory stays flat whatever
the size of the input; a bad spec or a bad line is a SourceProblem, never an exception.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from config.settings import FetchSettings
from tasks.sources.items import JsonlFields, SourceItem, SourceProblem, file_key, url_key
from tasks.sources.local import InputKind, classify, has_glob, iter_folder, iter_glob

__all__ = ["Result", "iter_sources"]

logger = logging.getLogger(__name__)

Result = SourceItem | SourceProblem
# The setting's own default (NEWSFLOW_FETCH__MAX_BYTES); callers pass settings.fetch.max_bytes.
_DEFAULT_MAX_BYTES: int = FetchSettings.model_fields["max_bytes"].default


def _name_problem(name: str) -> SourceProblem | None:
    """A path whose name is not valid UTF-8 cannot be stored, sent or shown as it is (the OS
    hands Python its bytes as lone surrogates): refused by name, with the bytes escaped."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return SourceProblem(shown, "bad_name",
                             f"{shown}: the file name is not valid UTF-8; rename the file")
    return None


def _file_item(path: Path) -> Result:
    try:
        resolved = path.resolve(strict=True)
        info = resolved.stat()
    except OSError as exc:
        return SourceProblem(str(path), "not_found", f"{path}: cannot read ({exc.strerror})")
    return SourceItem(
        source=str(resolved),
        source_kind="file",
        item_key=file_key(str(resolved), info.st_size, info.st_mtime_ns),
    )


def _container(
    path: Path, kind: InputKind, fields: JsonlFields, max_inline: int
) -> Iterator[Result]:
    # Readers are imported on use: feedparser and warcio cost start-up time the CLI
    # should not pay for a folder of HTML files.
    if kind == "jsonl":
        from tasks.sources.jsonl import iter_jsonl_file

        yield from iter_jsonl_file(path, fields, max_inline)
    elif kind == "warc":
        from tasks.sources.warc import iter_warc

        yield from iter_warc(path, max_inline)
    elif kind == "feed":
        from tasks.sources.feeds import iter_feed

        yield from iter_feed(path, max_inline)
    else:
        from tasks.sources.sitemaps import iter_sitemap

        yield from iter_sitemap(path, max_inline)


def _from_path(
    path: Path, fields: JsonlFields, max_inline: int, *, explicit: bool
) -> Iterator[Result]:
    kind = classify(path, explicit=explicit)
    if kind is None:
        return
    if kind == "article":
        yield _file_item(path)
        return
    try:
        yield from _container(path, kind, fields, max_inline)
    except (OSError, EOFError, ValueError) as exc:
        # A truncated gzip or a corrupt archive: keep the items read so far, report the rest.
        yield SourceProblem(str(path), "unreadable", f"{path}: stopped reading: {exc}")


def _expand_path(spec: str, fields: JsonlFields, max_inline: int) -> Iterator[Result]:
    if problem := _name_problem(spec):
        yield problem
        return
    path = Path(os.path.abspath(os.path.expanduser(spec)))
    if path.is_dir():
        for member, kind in iter_folder(path):
            if problem := _name_problem(str(member)):
                yield problem
            elif kind == "article":
                yield _file_item(member)
            else:
                yield from _from_path(member, fields, max_inline, explicit=False)
    elif path.exists() and not path.is_file():
        # Reading a FIFO (even to sniff its kind) waits forever for a writer; a device or a
        # socket is no article either.
        yield SourceProblem(spec, "not_a_file",
                            f"{spec}: not a regular file (a FIFO, socket or device)")
    elif path.exists():
        yield from _from_path(path, fields, max_inline, explicit=True)
    else:
        yield SourceProblem(spec, "not_found", f"{spec}: no such file or folder")


def _one_spec(spec: str, fields: JsonlFields, max_inline: int) -> Iterator[Result]:
    scheme = urlsplit(spec).scheme.lower() if "://" in spec else ""
    if scheme in {"http", "https"}:
        if not urlsplit(spec).hostname:
            yield SourceProblem(spec, "invalid_url", f"{spec}: URL without a host")
        else:
            yield SourceItem(source=spec, source_kind="url", item_key=url_key(spec))
    elif scheme:
        yield SourceProblem(spec, "unsupported", f"{spec}: only http(s) URLs can be fetched")
    elif has_glob(spec):
        matched = False
        for path in iter_glob(spec):
            matched = True
            yield from _expand_path(str(path), fields, max_inline)
        if not matched:
            yield SourceProblem(spec, "not_found", f"{spec}: the pattern matches no file")
    else:
        yield from _expand_path(spec, fields, max_inline)


def _spec_lines(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        spec = line.strip()
        if spec and not spec.startswith("#"):
            yield spec


def _list_file(spec: str, fields: JsonlFields, max_inline: int) -> Iterator[Result]:
    path = Path(os.path.abspath(os.path.expanduser(spec[1:])))
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        yield SourceProblem(spec, "not_found", f"{spec}: cannot open the list ({exc.strerror})")
        return
    with handle:
        for inner in _spec_lines(handle):
            if inner == "-" or inner.startswith("@"):
                yield SourceProblem(inner, "unsupported", f"{inner}: lists cannot nest")
                continue
            # Relative entries are relative to the list file, not to the current directory.
            if "://" not in inner and not os.path.isabs(os.path.expanduser(inner)):
                inner = str(path.parent / inner)
            yield from _one_spec(inner, fields, max_inline)


def _stdin(stream: TextIO, fields: JsonlFields, max_inline: int) -> Iterator[Result]:
    # Read with a bound: one endless line on stdin must not be held whole (issue 16).
    from tasks.sources.jsonl import LongLine, bounded_lines, iter_jsonl_lines, line_limit

    lines = bounded_lines(stream.readline, line_limit(max_inline))
    first: str | LongLine = ""
    number = 0
    for line in lines:
        number += 1
        if isinstance(line, LongLine) or line.strip():
            first = line
            break
    if not first:
        return
    if isinstance(first, LongLine) or first.lstrip().startswith("{"):
        yield from iter_jsonl_lines(itertools.chain([first], lines), "stdin", fields,
                                    max_inline, first_line=number)
        return
    specs = (line for line in itertools.chain([first], lines) if isinstance(line, str))
    for spec in _spec_lines(specs):
        if spec == "-":
            yield SourceProblem(spec, "unsupported", "'-' inside stdin means nothing")
        elif spec.startswith("@"):
            yield from _list_file(spec, fields, max_inline)
        else:
            yield from _one_spec(spec, fields, max_inline)


def iter_sources(
    specs: Iterable[str],
    *,
    jsonl_fields: JsonlFields | None = None,
    stdin: TextIO | None = None,
    max_inline_bytes: int = _DEFAULT_MAX_BYTES,
) -> Iterator[SourceItem | SourceProblem]:
    """Yield one SourceItem per article found in ``specs`` and a SourceProblem per failure.

    ``max_inline_bytes`` bounds inline content (JSONL fields, feed entries, WARC records):
    pass ``settings.fetch.max_bytes``, the limit files and downloads have.
    """
    fields = jsonl_fields or JsonlFields()
    for spec in specs:
        if spec == "-":
            yield from _stdin(stdin if stdin is not None else sys.stdin, fields, max_inline_bytes)
        elif spec.startswith("@"):
            yield from _list_file(spec, fields, max_inline_bytes)
        else:
            yield from _one_spec(spec, fields, max_inline_bytes)
