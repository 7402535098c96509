"""Unicode normalisation: the ftfy pre-check never changes what ftfy would give."""

from __future__ import annotations

import unicodedata

import ftfy
import pytest

from tasks.cleaning import normalize as nz


def _reference(text: str) -> str:
    """normalize_text without the pre-check: ftfy on everything."""
    fixed = unicodedata.normalize("NFC", ftfy.fix_text(text, config=nz._FTFY))
    return nz._INVISIBLE.sub("", fixed.replace("\r\n", "\n").replace("\r", "\n"))


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii text",
        "Ünïcödé, “quotes” and 全角，标点 stay",
        "sÃ³ voilÃ le travail",  # mojibake
        "Ã©tÃ© Ã  Paris",
        "a &amp; b",  # an entity left in text
        "line\r\nbreaks\rand\u2028separators\x85",
        "the \ufb01nal ligature",
        "\x1b[31mred\x1b[0m",
        "control\x07char",
        "C1 \x93quoted\x94",
        "zero\u200bwidth\u00adsoft",
        "e\u0301 decomposed",
    ],
)
def test_same_as_ftfy_on_everything(text: str) -> None:
    assert nz.normalize_text(text) == _reference(text)


def test_mojibake_is_repaired() -> None:
    assert nz.normalize_text("Ã©tÃ©") == "été"


def test_clean_text_skips_ftfy(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> str:
        raise AssertionError("ftfy called")

    monkeypatch.setattr(nz.ftfy, "fix_text", fail)
    assert nz.normalize_text("Déjà “vu”, 全角") == "Déjà “vu”, 全角"
