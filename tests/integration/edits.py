"""Light, realistic edits of a text: what a re-publisher does to a wire story."""

from __future__ import annotations

import random

BOILERPLATE_TOP = "Advertisement - scroll to continue reading"
BOILERPLATE_END = (
    "Sign up for our newsletter to get the day's top headlines delivered to your inbox "
    "every morning. © 2024 All rights reserved. Follow us on social media."
)
REPLACEMENTS = ("reportedly", "indeed", "officials", "however", "notably", "several", "recent")
CHANGED_SHARE = 0.03


def light_edit(text: str, rng: random.Random) -> str:
    """Boilerplate added, one paragraph dropped, ~3 % of the words changed."""
    paragraphs = [p for p in text.splitlines() if p.strip()]
    if len(paragraphs) >= 3:
        total = sum(len(p) for p in paragraphs)
        # A light edit drops a minor paragraph, not half of the article.
        minor = [i for i, p in enumerate(paragraphs) if len(p) <= 0.2 * total]
        drop = (
            rng.choice(minor)
            if minor
            else min(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
        )
        del paragraphs[drop]
    edited = []
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        for i in range(len(words)):
            if rng.random() < CHANGED_SHARE:
                words[i] = rng.choice(REPLACEMENTS)
        edited.append(" ".join(words))
    return "\n\n".join([BOILERPLATE_TOP, *edited, BOILERPLATE_END])
