"""The gazetteer's table held as arrays (``tasks.nlp.compact_keys``) instead of a dict.

A ``dict[str, Place]`` of the gazetteer's 340,000 keys cost ~60 MB in every extract worker
process; here ~8 MB. The arrays are saved to and loaded from one ``.npz`` file, so a worker
can load a table built by another process and never holds the garbage of building it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks.nlp.compact_keys import KeyIndex, utf8

__all__ = ["CompactPlaces", "Place", "as_mapping"]

_LABELS = ("GPE", "LOC")


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # English name: the canonical one
    label: str  # GPE for countries and cities, LOC for continents


class CompactPlaces(Mapping[str, Place]):
    """A read-only mapping key -> ``Place``: a ``KeyIndex`` and a place id per key."""

    __slots__ = ("_index", "_place_ids", "_places", "max_words")

    def __init__(self, index: KeyIndex, place_ids: np.ndarray, places: tuple[Place, ...],
                 max_words: int) -> None:
        self._index = index
        self._place_ids = place_ids  # into places, in the index's order
        self._places = places
        self.max_words = max_words

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> CompactPlaces:
        """From ``(key, English name, label)`` rows; the first row of a key wins, as
        ``dict.setdefault`` did."""
        ids: dict[str, int] = {}
        place_index: dict[tuple[str, str], int] = {}
        for key, name, label in rows:
            if key in ids:
                continue
            if label not in _LABELS:
                raise ValueError(f"unknown place label {label!r} for {key!r}")
            ids[key] = place_index.setdefault((name, label), len(place_index))
        keys = list(ids)
        index, order = KeyIndex.build(keys)
        max_words = max((k.count(" ") + 1 for k in keys), default=1)
        id_type = np.uint16 if len(place_index) <= 1 << 16 else np.uint32
        place_ids = np.fromiter(ids.values(), dtype=id_type, count=len(ids))[order]
        places = tuple(Place(name, label) for name, label in place_index)
        return cls(index, place_ids, places, max_words)

    def get(self, key: str, default: Place | None = None) -> Place | None:  # type: ignore[override]
        i = self._index.find(key)
        return default if i < 0 else self._places[int(self._place_ids[i])]

    def __getitem__(self, key: str) -> Place:
        i = self._index.find(key)
        if i < 0:
            raise KeyError(key)
        return self._places[int(self._place_ids[i])]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._index.find(key) >= 0

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def save(self, path: Path) -> None:
        """Write the table to ``path`` (an uncompressed ``.npz``)."""
        names = "\n".join(p.name for p in self._places)
        labels = bytes(_LABELS.index(p.label) for p in self._places)
        with path.open("wb") as out:
            np.savez(out, hashes=self._index.hashes, offsets=self._index.offsets,
                     blob=np.frombuffer(self._index.blob, dtype=np.uint8),
                     place_ids=self._place_ids,
                     names=np.frombuffer(utf8(names), dtype=np.uint8),
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
            index = KeyIndex(data["hashes"], data["offsets"], data["blob"].tobytes())
            return cls(index, data["place_ids"], places, int(data["max_words"][0]))

    def nbytes(self) -> int:
        """Bytes of the arrays and the blob (the place objects aside)."""
        return self._index.nbytes() + self._place_ids.nbytes


def as_mapping(places: Mapping[str, Place]) -> CompactPlaces:
    """``places`` as a ``CompactPlaces`` (a plain dict is converted, in its order)."""
    return places if isinstance(places, CompactPlaces) else CompactPlaces.build(
        (key, place.name, place.label) for key, place in places.items())
