from __future__ import annotations

import pytest

from tasks.language.translator import (
    available_translators,
    get_translator,
    register_translator,
    unregister_translator,
)


class Echo:
    def translate(self, text: str, source: str, target: str) -> str:
        return text


def test_registry_round_trip() -> None:
    register_translator("echo", Echo())
    try:
        assert "echo" in available_translators()
        translator = get_translator("echo")
        assert translator is not None and translator.translate("x", "de", "en") == "x"
    finally:
        unregister_translator("echo")
    assert get_translator("echo") is None and get_translator(None) is None


def test_objects_without_translate_are_refused() -> None:
    with pytest.raises(TypeError):
        register_translator("bad", object())  # type: ignore[arg-type]
