"""A read-only table of fixed-size rows, kept in a file and read a few rows at a time.

A large lookup table that each process holds in its own memory is counted whole in the RSS
of every pool process that inherits it by fork, although a message reads a few hundred of
its rows. Kept in a file, the rows a lookup needs are read with ``pread`` into a fresh
array: the file's pages sit once in the kernel's page cache, shared by every process, and no
process maps them, so none counts them in its RSS.

Not ``np.load(mmap_mode="r")``: the kernel maps a file page together with its neighbours
(fault-around, and the whole large folio that ext4 now caches a file in), so a mapped table
was resident whole after ten encoded texts (measured on the sentence encoder's 62.5 MB
table, ``MADV_RANDOM`` or not).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FileRows", "write_rows"]

# Compared a block at a time when a file is checked against the table it should hold.
_CHECK_ROWS = 8192


def write_rows(path: Path, table: np.ndarray) -> None:
    """Write ``table`` as ``.npy`` to ``path`` atomically (concurrent writers are fine)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as handle:  # a handle: np.save would add ".npy" to a name
        np.save(handle, np.ascontiguousarray(table), allow_pickle=False)
    os.replace(partial, path)


class FileRows:
    """``table[ids]`` for a 2-D ``.npy`` file, reading only the rows asked for.

    Indexing takes an integer array (or list) of row numbers and returns a new array of
    those rows, as fancy indexing of the in-memory table would. The file is opened once per
    process (a pool process opens its own after the fork).
    """

    def __init__(self, path: Path, shape: tuple[int, int], dtype: np.dtype[Any]) -> None:
        self.path = path
        self.shape = shape
        self.dtype = dtype
        self._row_bytes = shape[1] * dtype.itemsize
        self._offset = _data_offset(path, shape, dtype)
        self._fd = -1
        self._pid = -1

    @classmethod
    def holding(cls, path: Path, table: np.ndarray) -> FileRows | None:
        """The rows of ``path`` when the file holds exactly ``table``, else None."""
        if table.ndim != 2:
            return None
        try:
            rows = cls(path, (table.shape[0], table.shape[1]), table.dtype)
            same = rows._equals(table)
        except (OSError, ValueError):
            return None
        return rows if same else None

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, ids: Any) -> np.ndarray:
        wanted = np.asarray(ids, dtype=np.int64)
        if wanted.ndim != 1:
            raise IndexError("FileRows takes a 1-D array of row numbers")
        if wanted.size and (int(wanted.min()) < 0 or int(wanted.max()) >= self.shape[0]):
            raise IndexError(f"row out of range 0..{self.shape[0] - 1}")
        # Each distinct row is read once, in file order; repeats are copied from it.
        distinct, where = np.unique(wanted, return_inverse=True)
        rows = np.empty((distinct.size, self.shape[1]), dtype=self.dtype)
        if not distinct.size:
            return rows
        view = rows.data.cast("B")
        fd, size, offset = self._file(), self._row_bytes, self._offset
        for k, row in enumerate(distinct.tolist()):
            if os.preadv(fd, [view[k * size : (k + 1) * size]], offset + row * size) != size:
                raise OSError(f"{self.path}: short read at row {row}")
        return rows[where.reshape(-1)]

    def _file(self) -> int:
        pid = os.getpid()
        if self._pid != pid:  # the parent's descriptor is not relied on after a fork
            self._fd, self._pid = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC), pid
        return self._fd

    def _equals(self, table: np.ndarray) -> bool:
        block = np.empty((_CHECK_ROWS, self.shape[1]), dtype=self.dtype)
        with self.path.open("rb", buffering=0) as handle:
            handle.seek(self._offset)
            for start in range(0, self.shape[0], _CHECK_ROWS):
                part = block[: min(_CHECK_ROWS, self.shape[0] - start)]
                if handle.readinto(part.data.cast("B")) != part.nbytes:
                    return False
                if not np.array_equal(part, table[start : start + len(part)]):
                    return False
        return True


def _data_offset(path: Path, shape: tuple[int, int], dtype: np.dtype[Any]) -> int:
    """Where the rows start in the ``.npy`` file; ValueError when it holds another table."""
    with path.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        header = read_header(handle)
        offset = handle.tell()
    file_shape, fortran, file_dtype = header
    if tuple(file_shape) != shape or fortran or np.dtype(file_dtype) != dtype:
        raise ValueError(f"{path}: {file_shape} {file_dtype}, not {shape} {dtype}")
    if path.stat().st_size != offset + shape[0] * shape[1] * dtype.itemsize:
        raise ValueError(f"{path}: truncated")
    return offset
