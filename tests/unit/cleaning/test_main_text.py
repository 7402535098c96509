"""The per-page choice between trafilatura's precision and default passes."""

from __future__ import annotations

from typing import Any

import pytest
from trafilatura import load_html

from tasks.cleaning import main_text as mt

PROSE = "The council met on Tuesday to vote on the new budget for the city's schools. " * 4


def _page(paragraphs: int) -> Any:
    body = "".join(f"<p>{PROSE} ({i})</p>" for i in range(paragraphs))
    nav = "<nav><ul><li><a href='/a'>Home</a></li><li><a href='/b'>World</a></li></ul></nav>"
    return load_html(
        f"<html><head><title>T</title></head><body>{nav}<article>{body}</article></body></html>"
    )


def _fake(texts: dict[str, str], calls: list[str]) -> Any:
    def extract(tree: Any, url: str | None, **kwargs: Any) -> str:
        name = (
            "precision"
            if kwargs.get("favor_precision")
            else "recall"
            if kwargs.get("favor_recall")
            else "default"
        )
        calls.append(name)
        return texts[name]

    return extract


def test_paragraph_chars_counts_collapsed_p_text() -> None:
    tree = load_html("<html><body><p>a  b</p><div>not counted</div><p>\n cd </p></body></html>")
    assert mt.paragraph_chars(tree) == len("a b") + len("cd")


def test_real_page_keeps_precision_in_one_pass() -> None:
    result = mt.main_text(_page(6), "https://example.test/a")
    assert result.mode == "precision"
    assert result.passes == 1
    assert "vote on the new budget" in result.text
    assert "World" not in result.text


def test_short_precision_text_runs_default_and_keeps_it_when_much_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    texts = {"precision": "short", "default": PROSE * 3, "recall": ""}
    monkeypatch.setattr(mt, "_extract", _fake(texts, calls))
    result = mt.main_text(_page(4), None)
    assert calls == ["precision", "default"]
    assert (result.mode, result.passes, result.text) == ("default", 2, PROSE * 3)


def test_short_precision_text_is_kept_when_default_is_not_much_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    texts = {"precision": PROSE[:300], "default": PROSE[:400], "recall": ""}
    monkeypatch.setattr(mt, "_extract", _fake(texts, calls))
    result = mt.main_text(_page(4), None)
    assert calls == ["precision", "default"]
    assert (result.mode, result.text) == ("precision", PROSE[:300])


def test_precision_covering_the_page_skips_the_default_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    texts = {"precision": PROSE * 3, "default": PROSE * 9, "recall": ""}
    monkeypatch.setattr(mt, "_extract", _fake(texts, calls))
    result = mt.main_text(_page(4), None)
    assert calls == ["precision"]
    assert result.passes == 1


@pytest.mark.parametrize(
    ("mode", "expected"), [("precision", ["precision"]), ("recall", ["recall"])]
)
def test_fixed_modes_run_one_pass(
    monkeypatch: pytest.MonkeyPatch, mode: str, expected: list[str]
) -> None:
    calls: list[str] = []
    texts = {"precision": "p", "default": PROSE, "recall": "r"}
    monkeypatch.setattr(mt, "_extract", _fake(texts, calls))
    result = mt.main_text(_page(2), None, mode)
    assert calls == expected
    assert result.mode == mode
