"""tasks.codec: the producer's plain-dict payload is the model's, and both forms read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tasks.codec import decode, encode, encode_record, encode_source
from tasks.models import Article, SourceHints
from tasks.sources import SourceItem

STAMP = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)

ITEMS = [
    SourceItem(source="/in/a.html", source_kind="file", item_key="file:a"),
    SourceItem(source="https://example.org/a", source_kind="url", item_key="url:a",
               hints=SourceHints(title="A", published="2024-05-01")),
    SourceItem(source="dump.jsonl#3", source_kind="inline", item_key="jsonl:3",
               hints=SourceHints(publisher="P"), inline_content="text",
               inline_content_type="text"),
    SourceItem(source="https://example.org/b", source_kind="url", item_key="url:b",
               hints=SourceHints(title="B", published="2024-05-01", url="https://example.org/b",
                                 publisher="P", language="fr")),
]


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.source_kind)
def test_the_fast_path_writes_what_the_model_path_writes(item: SourceItem) -> None:
    fast = encode_source(item, "b1", "id-1", STAMP.isoformat())
    model = encode(Article(id="id-1", batch_id="b1", source=item.source,
                           source_kind=item.source_kind, hints=item.hints,
                           inline_content=item.inline_content,
                           inline_content_type=item.inline_content_type, enqueued_at=STAMP))
    assert set(fast) == set(model)
    assert {k: v for k, v in fast.items() if k != "enqueued_at"} == {
        k: v for k, v in model.items() if k != "enqueued_at"}
    assert decode(fast) == decode(model)  # the stamp's spelling differs, not its value


def test_both_forms_read_back_as_the_same_article() -> None:
    article = Article(id="a", source="s", source_kind="inline", text="body", title="T")
    assert decode(encode(article)) == article == decode(encode_record(article))
    assert "removed" not in encode(article) and encode_record(article)["removed"] == []
