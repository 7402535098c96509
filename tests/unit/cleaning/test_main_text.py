"""The per-page choice between trafilatura's precision and recall passes, and the tree fixes."""

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


def test_short_precision_text_runs_recall_and_keeps_it_when_much_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    texts = {"precision": "short", "recall": PROSE * 3, "default": ""}
    monkeypatch.setattr(mt, "_extract", _fake(texts, calls))
    result = mt.main_text(_page(4), None)
    assert calls == ["precision", "recall"]
    assert (result.mode, result.passes, result.text) == ("recall", 2, PROSE * 3)


def test_short_precision_text_is_kept_when_recall_is_not_much_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    texts = {"precision": PROSE[:300], "recall": PROSE[:400], "default": ""}
    monkeypatch.setattr(mt, "_extract", _fake(texts, calls))
    result = mt.main_text(_page(4), None)
    assert calls == ["precision", "recall"]
    assert (result.mode, result.text) == ("precision", PROSE[:300])


def test_precision_covering_the_page_skips_the_recall_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    texts = {"precision": PROSE * 3, "recall": PROSE * 9, "default": ""}
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


def _article_page(paragraph: str) -> Any:
    body = "".join(f"<p>{PROSE} ({i})</p>" for i in range(3))
    return load_html(f"<html><body><article>{body}<p>{paragraph}</p></article></body></html>")


def test_text_after_an_empty_inline_tag_survives_the_precision_pass() -> None:
    # trafilatura's precision mode deletes an empty <strong> together with its tail
    sentence = (
        "Called the guru of the majority <strong></strong>by a party leader in a portrait "
        "published on Sunday, he keeps his friends close."
    )
    result = mt.main_text(_article_page(sentence), None, "precision")
    assert "by a party leader in a portrait published on Sunday" in result.text


def test_keep_tails_unwraps_only_empty_tags_followed_by_text() -> None:
    tree = load_html(
        "<html><body><p>a <em></em>tail <b>bold</b> <span></span> <i></i></p>"
        "<div><div></div>Menu entry</div></body></html>"
    )
    assert mt.keep_tails(tree) == 1
    assert tree.find(".//em") is None
    assert len(tree.findall(".//div")) == 2  # an empty block element is trafilatura's call
    assert tree.find(".//b") is not None and len(tree.findall(".//span")) == 1
    assert " ".join(tree.find(".//p").text_content().split()) == "a tail bold"


def test_a_contact_address_alone_in_its_paragraph_is_kept() -> None:
    # a paragraph that is one link counts as boilerplate for trafilatura's precision mode;
    # a mailto link is an address in the text, not navigation
    link = '<a href="mailto:tips@example.test">tips@example.test</a>'
    result = mt.main_text(_article_page(link), None, "precision")
    assert "tips@example.test" in result.text


@pytest.mark.parametrize(
    ("mode", "fast"), [("balanced", [True, True]), ("precision", [False]), ("recall", [False])]
)
def test_only_the_gated_mode_skips_trafilaturas_own_rescue(
    monkeypatch: pytest.MonkeyPatch, mode: str, fast: list[bool]
) -> None:
    # balanced mode has its own rescue (the gate and the recall pass); a fixed mode has not
    seen: list[bool] = []

    def extract(tree: Any, url: str | None, **kwargs: Any) -> str:
        seen.append(bool(kwargs.get("fast")))
        return "short"

    monkeypatch.setattr(mt, "_extract", extract)
    mt.main_text(_page(2), None, mode)
    assert seen == fast
