"""Read a local file safely: only below the allowed roots, never more than ``max_bytes``.

The path is checked twice: lexically (so ``/data/../etc/passwd`` is refused with a reason
that names the ``..``) and after resolving symlinks (so a link inside a root that points
outside is refused too). The resolved path is then opened with ``O_NOFOLLOW`` and the
opened file is compared with the checked one (device and inode), so swapping the last
component for a symlink between the check and the open is caught.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from tasks.errors import EmptyInput, ForbiddenSource, InputTooLarge, SourceNotFound

__all__ = ["check_allowed", "read_local_file"]

logger = logging.getLogger(__name__)


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def check_allowed(source: str, allowed_roots: Sequence[Path]) -> Path:
    """The resolved path of ``source``; ForbiddenSource if it escapes ``allowed_roots``.

    An empty ``allowed_roots`` means no restriction. Relative paths are refused: the
    producer always sends absolute ones, so a relative path means a confused caller.
    """
    raw = Path(source)
    if not raw.is_absolute():
        raise ForbiddenSource(f"{source!r}: file sources must be absolute paths")
    resolved = Path(os.path.realpath(raw))
    if not allowed_roots:
        return resolved
    lexical_roots = [Path(os.path.normpath(os.path.abspath(r))) for r in allowed_roots]
    real_roots = [Path(os.path.realpath(r)) for r in allowed_roots]
    lexical = Path(os.path.normpath(raw))
    if not _under(lexical, lexical_roots) and not _under(lexical, real_roots):
        if ".." in raw.parts:
            raise ForbiddenSource(
                f"{source!r}: '..' escapes the allowed roots "
                f"({', '.join(map(str, allowed_roots))}); it points to {lexical}"
            )
        raise ForbiddenSource(
            f"{source!r} is outside the allowed roots ({', '.join(map(str, allowed_roots))})"
        )
    if not _under(resolved, real_roots):
        raise ForbiddenSource(
            f"{source!r}: a symlink leads outside the allowed roots, to {resolved}"
        )
    return resolved


def read_local_file(source: str, allowed_roots: Sequence[Path], max_bytes: int) -> bytes:
    """The bytes of the file at ``source``, at most ``max_bytes`` of them.

    Raises SourceNotFound, ForbiddenSource, InputTooLarge or EmptyInput (0 bytes).
    Reads at most ``max_bytes + 1`` bytes, so a huge file costs no more than the limit.
    """
    path = check_allowed(source, allowed_roots)
    try:
        checked = path.stat()
    except FileNotFoundError as exc:
        raise SourceNotFound(f"{source}: no such file") from exc
    except (NotADirectoryError, PermissionError) as exc:
        raise SourceNotFound(f"{source}: cannot be read ({exc.strerror})") from exc
    if not stat.S_ISREG(checked.st_mode):
        kind = "a directory" if stat.S_ISDIR(checked.st_mode) else "not a regular file"
        raise SourceNotFound(f"{source} is {kind}; name a file (the producer expands folders)")
    if checked.st_size > max_bytes:
        raise InputTooLarge(f"{source} has {checked.st_size} bytes, over the {max_bytes} limit")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise SourceNotFound(f"{source}: no such file") from exc
    except OSError as exc:
        raise ForbiddenSource(f"{source}: refused to open ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if (opened.st_dev, opened.st_ino) != (checked.st_dev, checked.st_ino):
            raise ForbiddenSource(f"{source} changed between the check and the open")
        data = _read_bounded(handle, opened.st_size, max_bytes)
    if len(data) > max_bytes:
        raise InputTooLarge(f"{source} is over the {max_bytes}-byte limit")
    if not data:
        raise EmptyInput(f"{source} is empty (0 bytes)")
    logger.debug("read %d bytes from %s", len(data), path)
    return data


def _read_bounded(handle: BinaryIO, expected: int, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes. The size can grow after stat (or lie, as in /proc),
    so the read is bounded; it asks for what stat promised, not for the whole limit (one
    ``read(max_bytes + 1)`` allocates a 10 MiB buffer for every 5 KB page)."""
    chunks = [handle.read(min(expected, max_bytes) + 1)]
    size = len(chunks[0])
    while size <= max_bytes and chunks[-1]:
        chunks.append(handle.read(min(1 << 16, max_bytes + 1 - size)))
        size += len(chunks[-1])
    return b"".join(chunks)
