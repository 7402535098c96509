"""Building blocks of the clean stage: normalisation, line rules, plain text, HTML, metadata.

``tasks.clean.clean`` is the stage entry; the modules here are pure functions it composes.
"""

from __future__ import annotations

__all__: list[str] = []
