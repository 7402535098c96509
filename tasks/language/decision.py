"""What happens to an article given its language: pass, route, needs_translation, reject.

Plain data in, plain data out, so the policy is testable without any detector:
* the target language passes, and extract uses that language's model;
* a routed language (one with its own spaCy pipeline, ``settings.routed_languages``) goes
  to that model;
* any other detected language goes to extract's fallback NER when ``fallback`` is on
  (gazetteer + capitalised spans: it works in every script), else needs translation (a
  registered translator may do it, see ``tasks.translate_check``);
* no language at all is rejected: the stage then raises ``NotAnArticle``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.models import Decision

__all__ = ["Outcome", "decide"]


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    reason: str
    model_language: str | None


def decide(
    language: str | None,
    *,
    target: str,
    routed: list[str],
    why_unknown: str = "",
    fallback: bool = False,
) -> Outcome:
    """The decision for a document in ``language`` (None: undetermined)."""
    if language is None:
        return Outcome(
            "reject", f"no language could be determined: {why_unknown}".rstrip(": "), None
        )
    if language == target:
        return Outcome("pass", f"document is in the target language {target}", language)
    if language in routed:
        return Outcome("route", f"{language} has its own NLP model", language)
    if fallback:
        return Outcome(
            "route", f"{language} goes to the fallback NER (no model of its own)", language
        )
    return Outcome(
        "needs_translation",
        f"{language} is neither the target language {target} "
        f"nor routed ({', '.join(routed) or 'none'})",
        None,
    )
