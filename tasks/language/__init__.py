"""Language identification, machine-translation evidence and the translate decision.

Used by ``tasks.translate_check``; see that module for the stage contract.
"""

from __future__ import annotations

__all__: list[str] = []
