"""Word profiles for languages lingua has no model for (Papiamento now).

A profile is data: function words frequent in the language and rare in its neighbours
(Spanish, Portuguese, Italian, Dutch), plus the share of the text's words they must reach.
Words shared with those neighbours ("e", "na", "pa", "di", "den", "nos") are left out on
purpose, so a Spanish or German text cannot reach the threshold by accident. Papiamento
appears in both orthographies (Aruba "cu/con", Curaçao "ku/kon").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PROFILES", "WordProfile", "profile_language"]

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class WordProfile:
    language: str
    markers: frozenset[str]
    min_share: float  # share of the text's words that must be markers
    min_distinct: int  # distinct markers that must occur (guards against one repeated word)
    min_words: int  # fewer words than this: too little evidence, no verdict


PROFILES: tuple[WordProfile, ...] = (
    WordProfile(
        language="pap",
        markers=frozenset(
            {
                "ta",
                "tabata",
                "tabatin",
                "cu",
                "ku",
                "nan",
                "aki",
                "esaki",
                "hopi",
                "riba",
                "awor",
                "tambe",
                "mester",
                "kaba",
                "caba",
                "hende",
                "pasobra",
                "bou",
                "kua",
                "unda",
                "wordo",
                "bai",
                "siman",
                "djaweps",
                "djadumingu",
            }
        ),
        min_share=0.06,
        min_distinct=4,
        min_words=8,
    ),
)


def profile_language(text: str, enabled: tuple[str, ...]) -> tuple[str, float] | None:
    """The profiled language ``text`` matches, with a confidence, or None.

    Confidence grows with the marker share and saturates at twice the threshold; it is a
    rule's confidence, not a probability.
    """
    words = [w.lower() for w in _WORD.findall(text)]
    for profile in PROFILES:
        if profile.language not in enabled or len(words) < profile.min_words:
            continue
        hits = [w for w in words if w in profile.markers]
        share = len(hits) / len(words)
        if share >= profile.min_share and len(set(hits)) >= profile.min_distinct:
            return profile.language, min(1.0, 0.5 + share / (4 * profile.min_share))
    return None
