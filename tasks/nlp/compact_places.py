"""The gazetteer's table held as a few arrays instead of a dict of 340,000 strings.

A ``dict[str, Place]`` of the gazetteer's keys cost ~60 MB in every extract worker process
(a str object and a dict entry per key, ~170 bytes each). Here the keys are one UTF-8 blob
with offsets, found by their CRC-32 in a sorted uint32 array (``numpy.searchsorted``, ~1
microsecond a lookup) and checked byte for byte, so a lookup answers exactly what the dict
answered (keys sharing a CRC sit side by side and are told apart by their bytes); ~8 MB in
all. The arrays are saved to and loaded from one ``.npz`` file, so a worker can load a table
built by another process and never holds the garbage of building it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CompactPlaces", "Place", "as_mapping"]

_LABELS = ("GPE", "LOC")


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # English name: the canonical one
    label: str  # GPE for countries and cities, LOC for continents


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _hash(key: bytes) -> int:
    return zlib.crc32(key)  # stable across processes, unlike hash(), so the table can be saved


class CompactPlaces(Mapping[str, Place]):
    """A read-only mapping key -> ``Place`` over sorted hashes, a key blob and place ids."""

    __slots__ = ("_blob", "_hashes", "_offsets", "_place_ids", "_places", "max_words")

    def __init__(self, hashes: np.ndarray, offsets: np.ndarray, blob: bytes,
                 place_ids: np.ndarray, places: tuple[Place, ...], max_words: int) -> None:
        self._hashes = hashes  # uint32 CRCs of the keys' UTF-8, ascending
        self._offsets = offsets  # key i is blob[offsets[i]:offsets[i + 1]]
        self._blob = blob
        self._place_ids = place_ids  # index into places
        self._places = places
        self.max_words = max_words

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> CompactPlaces:
        """From ``(key, English name, label)`` rows; the first row of a key wins, as
        ``dict.setdefault`` did."""
        seen: set[str] = set()
        keys: list[str] = []
        ids: list[int] = []
        place_index: dict[tuple[str, str], int] = {}
        for key, name, label in rows:
            if key in seen:
                continue
            if label not in _LABELS:
                raise ValueError(f"unknown place label {label!r} for {key!r}")
            seen.add(key)
            keys.append(key)
            ids.append(place_index.setdefault((name, label), len(place_index)))
        del seen
        encoded = [_utf8(k) for k in keys]
        del keys
        hashes = np.fromiter((_hash(k) for k in encoded), dtype=np.uint32, count=len(encoded))
        order = np.argsort(hashes, kind="stable")
        encoded = [encoded[i] for i in order]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        blob = b"".join(encoded)
        max_words = max((b.count(b" ") + 1 for b in encoded), default=1)
        del encoded
        id_type = np.uint16 if len(place_index) <= 1 << 16 else np.uint32
        places = tuple(Place(name, label) for name, label in place_index)
        return cls(hashes[order], offsets.astype(np.uint32 if len(blob) < 1 << 32 else np.int64),
                   blob, np.asarray(ids, dtype=id_type)[order], places, max_words)

    def _find(self, key: str) -> int:
        wanted = _utf8(key)
        h = _hash(wanted)
        hashes = self._hashes
        i = int(hashes.searchsorted(h))
        n = len(hashes)
        if i == n or hashes[i] != h:
            return -1
        offsets, blob = self._offsets, self._blob
        while i < n and hashes[i] == h:  # equal hashes of different keys are adjacent
            if blob[offsets[i] : offsets[i + 1]] == wanted:
                return i
            i += 1
        return -1

    def get(self, key: str, default: Place | None = None) -> Place | None:  # type: ignore[override]
        i = self._find(key)
        return default if i < 0 else self._places[int(self._place_ids[i])]

    def __getitem__(self, key: str) -> Place:
        i = self._find(key)
        if i < 0:
            raise KeyError(key)
        return self._places[int(self._place_ids[i])]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) >= 0

    def __len__(self) -> int:
        return len(self._hashes)

    def __iter__(self) -> Iterator[str]:
        blob, offsets = self._blob, self._offsets
        for i in range(len(self._hashes)):
            yield blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogatepass")

    def save(self, path: Path) -> None:
        """Write the table to ``path`` (an uncompressed ``.npz``)."""
        names = "\n".join(p.name for p in self._places)
        labels = bytes(_LABELS.index(p.label) for p in self._places)
        with path.open("wb") as out:
            np.savez(out, hashes=self._hashes, offsets=self._offsets, place_ids=self._place_ids,
                     blob=np.frombuffer(self._blob, dtype=np.uint8),
                     names=np.frombuffer(_utf8(names), dtype=np.uint8),
                     labels=np.frombuffer(labels, dtype=np.uint8),
                     max_words=np.array([self.max_words]))

    @classmethod
    def load(cls, path: Path) -> CompactPlaces:
        """A table written by ``save``."""
        with np.load(path, allow_pickle=False) as data:
            names = data["names"].tobytes().decode("utf-8", "surrogatepass").split("\n")
            labels = data["labels"].tobytes()
            if len(names) != len(labels):
                raise ValueError(f"{path}: {len(names)} place names, {len(labels)} labels")
            places = tuple(Place(n, _LABELS[b]) for n, b in zip(names, labels, strict=True))
            return cls(data["hashes"], data["offsets"], data["blob"].tobytes(),
                       data["place_ids"], places, int(data["max_words"][0]))

    def nbytes(self) -> int:
        """Bytes of the arrays and the blob (the place objects aside)."""
        return (self._hashes.nbytes + self._offsets.nbytes + self._place_ids.nbytes
                + len(self._blob))


def as_mapping(places: Mapping[str, Place]) -> CompactPlaces:
    """``places`` as a ``CompactPlaces`` (a plain dict is converted, in its order)."""
    return places if isinstance(places, CompactPlaces) else CompactPlaces.build(
        (key, place.name, place.label) for key, place in places.items())
