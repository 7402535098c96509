"""The payload of every message: one ``Article`` and the records the stages attach to it.

Each stage fills its own fields and leaves the others alone, so the model doubles as the
contract between stages. It travels as JSON (``tasks.codec``), never pickle; transport
state (a message's stages, its retry count) travels beside it, in the message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field

__all__ = [
    "Article",
    "Decision",
    "Entity",
    "ForeignParagraph",
    "Keyword",
    "LanguageCheck",
    "Mention",
    "NormalizedDate",
    "Provenance",
    "Quote",
    "RawDocument",
    "RemovedLine",
    "SourceHints",
    "SourceKind",
]

SourceKind = Literal["file", "url", "inline"]
Decision = Literal["pass", "route", "needs_translation", "reject"]


class SourceHints(BaseModel):
    """What the producer already knows (feed entry, JSONL fields); the page may override."""

    title: str | None = None
    published: str | None = None
    url: str | None = None
    publisher: str | None = None
    language: str | None = None


class RawDocument(BaseModel):
    """What fetch read: decoded text plus how it was decoded. Dropped after clean."""

    content: str
    content_type: Literal["html", "text"]
    encoding: str
    encoding_source: str = Field(description="bom, header, detected, utf-8 ...")
    byte_size: int
    final_url: str | None = None
    html_lang: str | None = None


class RemovedLine(BaseModel):
    text: str
    reason: str


class Provenance(BaseModel):
    """Where a field came from: the component or rule, and a confidence where there is one."""

    source: str
    confidence: float | None = None


class ForeignParagraph(BaseModel):
    index: int = Field(description="paragraph index in text, or -1 if removed by clean")
    language: str
    confidence: float
    start: int | None = None
    end: int | None = None
    text: str
    in_text: bool = Field(True, description="False when clean removed it (e.g. a disclaimer)")


class LanguageCheck(BaseModel):
    """What translate_check found: languages, foreign paragraphs, machine-translation evidence
    and the decision; filled for every article, translated or not."""

    language: str | None = Field(description="ISO 639-1 document language, None if unknown")
    confidence: float = 0.0
    paragraph_languages: list[str | None] = Field(
        default_factory=list, description="per paragraph of text; None = too short to decide"
    )
    foreign_paragraphs: list[ForeignParagraph] = Field(default_factory=list)
    machine_translated: bool = False
    machine_translation_evidence: list[str] = Field(default_factory=list)
    source_language: str | None = Field(None, description="language it was translated from")
    decision: Decision = "pass"
    reason: str = ""
    model_language: str | None = Field(None, description="language whose NLP model to use")
    translated_by: str | None = Field(None, description="registered translator that was used")
    original_text: str | None = Field(
        None, description="text before translation; offsets above refer to it when set"
    )


class Mention(BaseModel):
    text: str
    start: int
    end: int


class Entity(BaseModel):
    name: str = Field(description="canonical name within the article")
    label: str = Field(description="PERSON, ORG, GPE, LOC, DATE, EVENT, NORP, ...")
    mentions: list[Mention] = Field(default_factory=list)
    count: int = 0
    provenance: Provenance = Field(default_factory=lambda: Provenance(source="spacy"))


class Quote(BaseModel):
    text: str
    speaker: str | None = None
    start: int
    end: int
    kind: Literal["direct", "reported"] = "direct"
    provenance: Provenance = Field(default_factory=lambda: Provenance(source="quotes"))


class Keyword(BaseModel):
    text: str
    score: float


class NormalizedDate(BaseModel):
    text: str
    value: str | None = Field(
        description="ISO date (YYYY, YYYY-MM, YYYY-MM-DD), --MM-DD for a day with no year and "
        "no reference, None when it cannot be resolved"
    )
    start: int
    end: int
    provenance: Provenance = Field(default_factory=lambda: Provenance(source="dates"))


class Article(BaseModel):
    """One news article on its way through fetch -> clean -> translate_check -> extract -> store."""

    # identity, set by the producer
    id: str = Field(description="item id: the ledger row of this enqueued item")
    batch_id: str | None = None
    source: str = Field(description="path, URL, or a label for inline content")
    source_kind: SourceKind = "file"
    hints: SourceHints = Field(default_factory=SourceHints)
    inline_content: str | None = Field(None, description="content given by the producer")
    inline_content_type: Literal["html", "text"] | None = None
    enqueued_at: datetime | None = None

    # fetch
    raw: RawDocument | None = None

    # clean
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = Field(None, description="ISO date or datetime")
    canonical_url: str | None = None
    text: str | None = None
    removed: list[RemovedLine] = Field(default_factory=list)
    html_lang: str | None = Field(None, description="the page's <html lang>: a hint only")
    metadata_provenance: dict[str, Provenance] = Field(default_factory=dict)

    # translate-check
    # Read as "translation" from payloads written before the rename.
    language_check: LanguageCheck | None = Field(
        None, validation_alias=AliasChoices("language_check", "translation"))

    # extract
    entities: list[Entity] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    keywords: list[Keyword] = Field(default_factory=list)
    dates: list[NormalizedDate] = Field(default_factory=list)
    summary: str | None = None
    extract_provenance: dict[str, Provenance] = Field(default_factory=dict)
    lead_vector: str | None = Field(
        None, description="multilingual vector of title + lead, base64 float16 (stories)"
    )

    # store
    content_hash: str | None = None
    # Hash of the raw document (``tasks.storage.dedup.raw_hash``), taken before clean: an
    # original's is indexed, so a later byte-identical copy skips clean, check and extract.
    raw_hash: str | None = None
    # The store's verdict on this article; read as "outcome" from rows stored before.
    verdict: Literal["stored", "duplicate"] | None = Field(
        None, validation_alias=AliasChoices("verdict", "outcome"))
    # Set before store when an earlier stage recognised a stored original
    # (``tasks.storage.recognise``); the later stages then pass the article through.
    duplicate_of: str | None = None
    story_id: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        """The cleaned text's paragraphs (clean joins them with one blank line)."""
        if not self.text:
            return []
        return [p for p in self.text.split("\n\n") if p.strip()]
