"""Key words skip a costly regex only where it cannot match: proved from the parsed patterns.

For each keyed pattern, the parse tree gives the literal runs one of which every match must
contain (a run outside optional parts, or one per branch of a required alternation); each
such run must contain one of the rule's keys. Then a paragraph without any key cannot match.
"""

from __future__ import annotations

import re
import re._parser as sre  # the stdlib's own parser: the proof reads what re will run
from re._constants import BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN
from typing import Any

import pytest

from tasks.cleaning.keys import fold, has_key
from tasks.cleaning.line_rules import RULE_KEYS, RULES
from tasks.cleaning.text_rules import match_rule
from tasks.language import mt_rules
from tasks.language.machine_translation import is_disclaimer


def _covered(items: Any, keys: tuple[str, ...]) -> bool:
    """Whether every match of the parsed ``items`` contains a literal run holding a key."""
    run = ""
    for op, av in items:
        if op is LITERAL:
            run += chr(av)
            continue
        if has_key(fold(run), keys):
            return True
        run = ""
        if op is SUBPATTERN and _covered(av[3], keys):
            return True
        if op is BRANCH and all(_covered(branch, keys) for branch in av[1]):
            return True
        if op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1 and _covered(av[2], keys):
            return True
    return has_key(fold(run), keys)


def _keyed() -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    rules = [(reason, p, RULE_KEYS[p]) for reason, p in RULES if p in RULE_KEYS]
    return [*rules, ("DISCLAIMER_ANY", mt_rules.DISCLAIMER_ANY, mt_rules.DISCLAIMER_KEYS)]


def test_the_costly_rules_have_keys() -> None:
    assert {reason for reason, _, _ in _keyed()} == {
        "machine_translation_disclaimer", "cookie_notice", "DISCLAIMER_ANY"
    }


@pytest.mark.parametrize(("name", "pattern", "keys"), _keyed(), ids=lambda x: str(x)[:30])
def test_every_match_contains_a_key(
    name: str, pattern: re.Pattern[str], keys: tuple[str, ...]
) -> None:
    assert all(key == fold(key) for key in keys), "keys are written folded"
    assert _covered(sre.parse(pattern.pattern, pattern.flags), keys), name


def test_the_proof_fails_where_a_match_may_lack_the_key() -> None:
    assert _covered(sre.parse(r"(?:this|the) (?:x|y) translation"), ("translat",))
    assert not _covered(sre.parse(r"(?:translated)? by machine"), ("translat",))
    assert not _covered(sre.parse(r"translat|automat"), ("translat",))
    assert not _covered(sre.parse(r"transl\w+"), ("translat",))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("This article was translated by machine translation.", "machine_translation_disclaimer"),
        ("Dieser Text wurde MASCHINELL ÜBERSETZT.", "machine_translation_disclaimer"),
        ("MACHİNE-TRANSLATED by our partners", "machine_translation_disclaimer"),
        ("We use COOKIES to improve your experience.", "cookie_notice"),
        ("Our chef used cookie dough in the recipe, she said on Monday.", None),
        ("The trade talks resumed on Monday in Geneva.", None),
    ],
)
def test_keyed_rules_still_match(text: str, reason: str | None) -> None:
    assert match_rule(text) == reason


def test_disclaimer_check_keeps_its_verdicts() -> None:
    assert is_disclaimer("Переведено автоматически: машинный перевод")
    assert is_disclaimer("本文由机器翻译")
    # re.IGNORECASE equates the Turkish capital dotted I with "i"; so must the keys
    assert is_disclaimer("Traduit, NON À PARTİR D'UN ÉDITEUR HUMAIN")
    assert not is_disclaimer("The trade talks resumed on Monday in Geneva.")
