"""Where tables derived from the pinned data packages are kept between process starts.

Some models are stored by their package in a form that costs memory or time to turn into
what a worker uses (the gazetteer's JSON, py3langid's LZMA archive). The derived table is
written once to a file named by a digest of everything it depends on (our code, the
packages' versions), so a change to either makes a new file and a stale one is never read.
Nothing is downloaded: the files are built from what is installed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["cached_file"]


def _folders() -> list[Path]:
    # beside the installed packages first (one per virtualenv), else the user's cache
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [Path(sys.prefix) / "var" / "cache" / "newsflow", Path(xdg) / "newsflow"]


def cached_file(stem: str, suffix: str, *, sources: tuple[str, ...],
                packages: tuple[str, ...], extra: str = "") -> Path | None:
    """The path for a table called ``stem`` derived from the files ``sources`` and the
    installed ``packages`` (and ``extra``); None when no cache folder is writable."""
    digest = hashlib.sha256(extra.encode())
    for source in sources:
        digest.update(Path(source).read_bytes())
    for package in packages:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    name = f"{stem}-{digest.hexdigest()[:16]}{suffix}"
    for folder in _folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder / name
    return None
