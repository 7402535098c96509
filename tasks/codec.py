"""One codec: an ``Article`` to and from the JSON payload every message carries.

Messages and ledger rows carry the compact form (``encode``: fields at their default are
left out, so both are about half the size, and ``decode`` restores them). The stored article
row keeps every field (``encode_record``): what ``newsflow show`` prints and the export
reads. ``encode_source`` is the producer's hot path: the same payload as
``encode(Article(...))`` for a fresh source item, built as a plain dict (building and
dumping a model per item cost as much as the ledger write); a unit test checks the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tasks.models import Article

if TYPE_CHECKING:
    from tasks.sources import SourceItem

__all__ = [
    "Payload",
    "decode",
    "encode",
    "encode_record",
    "encode_source",
    "payload_json",
    "source_kind_of",
]

Payload = dict[str, Any]
_DEFAULT_SOURCE_KIND = Article.model_fields["source_kind"].default


def encode(article: Article) -> Payload:
    """The message form: JSON types, defaults left out."""
    return article.model_dump(mode="json", exclude_defaults=True)


def payload_json(payload: Mapping[str, Any]) -> str:
    """A payload's JSON text: what its ledger row stores and its message carries, made once
    by the producer for both."""
    return json.dumps(payload)


def encode_record(article: Article) -> Payload:
    """The stored form: every field, defaults included."""
    return article.model_dump(mode="json")


def decode(payload: object) -> Article:
    """An ``Article`` from either form; pydantic's ``ValidationError`` when it is none."""
    return Article.model_validate(payload)


def source_kind_of(payload: Mapping[str, Any]) -> str:
    """The ``source_kind`` of an encoded article, without decoding it."""
    return str(payload.get("source_kind", _DEFAULT_SOURCE_KIND))


def encode_source(item: SourceItem, batch_id: str, item_id: str, enqueued_at: str) -> Payload:
    """``encode`` of the fresh ``Article`` of a source item, without building the model."""
    payload: Payload = {"id": item_id, "batch_id": batch_id, "source": item.source}
    if item.source_kind != _DEFAULT_SOURCE_KIND:
        payload["source_kind"] = item.source_kind
    # The hints' fields are plain strings: their __dict__ is what model_dump would give, at
    # a tenth of its cost (checked against encode(Article(...)) by the codec's unit test).
    hints = {k: v for k, v in item.hints.__dict__.items() if v is not None}
    if hints:
        payload["hints"] = hints
    if item.inline_content is not None:
        payload["inline_content"] = item.inline_content
    if item.inline_content_type is not None:
        payload["inline_content_type"] = item.inline_content_type
    payload["enqueued_at"] = enqueued_at
    return payload
