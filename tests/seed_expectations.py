"""What issue 2 says the two seeds must look like after the whole chain, checked field by
field on export records. Used by the embedded-runner test and the Redis+PostgreSQL test, so
both deployments are held to the same standard."""

from __future__ import annotations

from typing import Any

__all__ = ["assert_ria_record", "assert_rt_record", "by_seed"]

RT_TITLE = "Russian representative takes stock of negotiations with NATO"


def by_seed(records: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(RIA record, RT record) among export records, found by their source file names."""
    ria = [r for r in records if r["source"].endswith("000_dd7157ff7ca190b8.txt")]
    rt = [r for r in records if r["source"].endswith("002_7f261bbe20e88e81.txt")]
    assert len(ria) == 1 and len(rt) == 1, [r["source"] for r in records]
    return ria[0], rt[0]


def _persons(record: dict[str, Any]) -> set[str]:
    return {e["name"] for e in record["entities"] if e["label"] == "PERSON"}


def assert_rt_record(record: dict[str, Any]) -> None:
    assert record["title"] == RT_TITLE
    assert "Skip to content" not in record["text"]
    assert "Toutes les actualités" not in record["text"]
    removed = {r["reason"]: r["text"] for r in record["removed"]}
    assert removed["machine_translation_disclaimer"].startswith("Toutes les actualités")
    foreign = record["translation"]["foreign_paragraphs"]
    disclaimer = [p for p in foreign if p["text"].startswith("Toutes les actualités")]
    assert disclaimer and disclaimer[0]["language"] == "fr", foreign
    assert record["translation"]["machine_translated"] is True
    assert record["language"] == "en"
    assert {"Alexander Grushko", "Sergei Riabkov", "Wendy Sherman"} <= _persons(record)
    for field in ("id", "source", "publisher", "published", "keywords", "quotes"):
        assert field in record


def assert_ria_record(record: dict[str, Any]) -> None:
    assert record["publisher"] == "RIA Novosti"
    assert "Photo: EPA" not in record["text"]
    assert "Based on materials from" not in record["text"]
    removed_texts = [r["text"] for r in record["removed"]]
    assert any(t.startswith("Photo: EPA") for t in removed_texts), removed_texts
    assert "Based on materials from RIA Novosti" in removed_texts
    assert {"Alexander Grushko", "Jens Stoltenberg"} <= _persons(record)
    grushko = next(e for e in record["entities"] if e["name"] == "Alexander Grushko")
    assert any(m["text"] == "Grushko" for m in grushko["mentions"])
    assert record["language"] == "en"
