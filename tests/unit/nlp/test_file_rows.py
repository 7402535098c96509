"""tasks.nlp.file_rows: rows read from a file are those of the table, in any process."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tasks.nlp.file_rows import FileRows, write_rows


@pytest.fixture
def table() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, size=(1000, 64), dtype=np.uint8)


def test_rows_are_the_tables_fancy_indexing(tmp_path: Path, table: np.ndarray) -> None:
    path = tmp_path / "t.npy"
    write_rows(path, table)
    rows = FileRows.holding(path, table)
    assert rows is not None and len(rows) == 1000
    ids = np.array([5, 999, 0, 5, 17, 17, 3], dtype=np.int64)  # repeats and any order
    assert np.array_equal(rows[ids], table[ids])
    assert rows[ids].dtype == np.uint8
    assert rows[np.array([], dtype=np.int64)].shape == (0, 64)


def test_out_of_range_rows_raise(tmp_path: Path, table: np.ndarray) -> None:
    path = tmp_path / "t.npy"
    write_rows(path, table)
    rows = FileRows.holding(path, table)
    assert rows is not None
    with pytest.raises(IndexError):
        rows[np.array([1000])]
    with pytest.raises(IndexError):
        rows[np.array([-1])]


def test_a_file_holding_another_table_is_refused(tmp_path: Path, table: np.ndarray) -> None:
    path = tmp_path / "t.npy"
    write_rows(path, table)
    changed = table.copy()
    changed[900, 3] ^= 1
    assert FileRows.holding(path, changed) is None
    assert FileRows.holding(path, table[:999]) is None
    path.write_bytes(path.read_bytes()[:-10])  # truncated
    assert FileRows.holding(path, table) is None
    assert FileRows.holding(tmp_path / "missing.npy", table) is None


def test_a_forked_child_reads_through_its_own_descriptor(tmp_path: Path,
                                                         table: np.ndarray) -> None:
    path = tmp_path / "t.npy"
    write_rows(path, table)
    rows = FileRows.holding(path, table)
    assert rows is not None
    ids = np.arange(0, 1000, 7)
    assert np.array_equal(rows[ids], table[ids])  # the parent's descriptor is open now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read)
        ok = np.array_equal(rows[ids], table[ids]) and rows._pid == os.getpid()
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
