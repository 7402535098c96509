"""NLP helpers of the extract stage: model loading, entities, quotes, dates, keywords, summary.

Each module is pure code over a spaCy ``Doc`` and plain records, so ``tasks.extract`` only
wires them together and the tests can exercise each part on its own.
"""

from __future__ import annotations

__all__: list[str] = []
