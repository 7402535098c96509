"""The pluggable machine-translation interface: a Protocol and a process-wide registry.

None is installed by default. A deployment that has a translator (an API client, a local
Marian/NLLB model...) registers it once at worker start-up under a name and selects it with
``NEWSFLOW_TRANSLATE__TRANSLATOR=<name>``; translate_check then translates texts in other
languages into the target language and lets them pass.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

__all__ = [
    "Translator",
    "available_translators",
    "get_translator",
    "register_translator",
    "unregister_translator",
]

logger = logging.getLogger(__name__)


@runtime_checkable
class Translator(Protocol):
    def translate(self, text: str, source: str, target: str) -> str:
        """Translate ``text`` from ``source`` to ``target`` (ISO 639-1 codes).

        Raise ``tasks.errors.RetryableError`` for a temporary failure (service down) and
        ``PermanentError`` for a text it cannot translate (unsupported language pair).
        """
        ...


_REGISTRY: dict[str, Translator] = {}


def register_translator(name: str, translator: Translator) -> None:
    """Make ``translator`` selectable under ``name`` in this process (replaces any)."""
    if not isinstance(translator, Translator):
        raise TypeError(f"{translator!r} has no translate(text, source, target) method")
    _REGISTRY[name] = translator
    logger.info("translator %r registered", name)


def unregister_translator(name: str) -> None:
    _REGISTRY.pop(name, None)


def get_translator(name: str | None) -> Translator | None:
    """The translator registered under ``name``; None when unnamed or not registered."""
    if name is None:
        return None
    translator = _REGISTRY.get(name)
    if translator is None:
        logger.warning("translator %r is configured but not registered", name)
    return translator


def available_translators() -> list[str]:
    return sorted(_REGISTRY)
