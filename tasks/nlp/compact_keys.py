"""String keys held as arrays, for the big lookup tables models keep in every worker process.

A dict of a few hundred thousand short strings costs ~100-170 bytes a key (a str object and
a dict entry). ``KeyIndex`` keeps the keys as one UTF-8 blob with offsets, found by their
CRC-32 in a sorted uint32 array (``numpy.searchsorted``, ~1 microsecond a lookup) and checked
byte for byte, so a lookup answers exactly what the dict answered: keys sharing a CRC sit
side by side and are told apart by their bytes. About 17 bytes a key plus its UTF-8.
CRC-32 rather than ``hash()``: it is the same in every process, so an index can be saved.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["KeyIndex", "utf8"]


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class KeyIndex:
    """Position of a key among ``len(self)`` keys, or -1."""

    __slots__ = ("blob", "hashes", "offsets")

    def __init__(self, hashes: np.ndarray, offsets: np.ndarray, blob: bytes) -> None:
        self.hashes = hashes  # uint32 CRCs of the keys' UTF-8, ascending
        self.offsets = offsets  # key i is blob[offsets[i]:offsets[i + 1]]
        self.blob = blob

    @classmethod
    def build(cls, keys: Sequence[str]) -> tuple[KeyIndex, np.ndarray]:
        """The index of distinct ``keys`` and ``order``: position i holds ``keys[order[i]]``."""
        encoded = [utf8(k) for k in keys]
        hashes = np.fromiter((zlib.crc32(k) for k in encoded), dtype=np.uint32,
                             count=len(encoded))
        order = np.argsort(hashes, kind="stable")
        encoded = [encoded[i] for i in order]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        blob = b"".join(encoded)
        narrow = offsets.astype(np.uint32) if len(blob) < 1 << 32 else offsets
        return cls(hashes[order], narrow, blob), order

    def find(self, key: str) -> int:
        wanted = utf8(key)
        h = np.uint32(zlib.crc32(wanted))  # a Python int would make numpy copy the array
        hashes = self.hashes
        i = int(hashes.searchsorted(h))
        n = len(hashes)
        offsets, blob = self.offsets, self.blob
        while i < n and hashes[i] == h:  # equal CRCs of different keys are adjacent
            if blob[offsets[i] : offsets[i + 1]] == wanted:
                return i
            i += 1
        return -1

    def __len__(self) -> int:
        return len(self.hashes)

    def __iter__(self) -> Iterator[str]:
        blob, offsets = self.blob, self.offsets
        for i in range(len(self.hashes)):
            yield blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogatepass")

    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.offsets.nbytes) + len(self.blob)
