from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.errors import ForbiddenSource, InputTooLarge, SourceNotFound
from tasks.fetching.files import check_allowed, read_local_file


def test_inside_root_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    path = f"{tmp_path}/a/../a/x.txt"  # '..' that stays inside is fine
    assert check_allowed(path, [tmp_path / "a"]) == (tmp_path / "a" / "x.txt").resolve()


def test_outside_root(tmp_path: Path) -> None:
    with pytest.raises(ForbiddenSource, match="outside the allowed roots"):
        check_allowed("/etc/passwd", [tmp_path])


def test_relative_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ForbiddenSource, match="absolute"):
        check_allowed("x.txt", [])


def test_symlinked_root_itself_is_fine(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "x.txt").write_text("hello")
    link = tmp_path / "link"
    link.symlink_to(real)
    assert read_local_file(str(link / "x.txt"), [link], 100) == b"hello"


def test_symlinked_directory_escape(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "x.txt").write_text("x")
    os.symlink(outside, root / "sub")
    with pytest.raises(ForbiddenSource, match="symlink"):
        read_local_file(str(root / "sub" / "x.txt"), [root], 100)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="directory"):
        read_local_file(str(tmp_path), [], 100)


def test_read_returns_the_whole_file_and_stops_past_the_limit(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>" + b"x" * 200_000 + b"</p>")
    assert read_local_file(str(page), [tmp_path], 1_000_000) == page.read_bytes()
    with pytest.raises(InputTooLarge):
        read_local_file(str(page), [tmp_path], 100_000)


def test_read_is_bounded_when_the_file_is_larger_than_stat_said() -> None:
    # /proc files report size 0 and hold more: the read goes on in chunks up to the limit.
    data = read_local_file("/proc/self/status", [Path("/proc")], 1_000_000)
    assert data.startswith(b"Name:") and len(data) > 200
    with pytest.raises(InputTooLarge):
        read_local_file("/proc/self/status", [Path("/proc")], 100)
