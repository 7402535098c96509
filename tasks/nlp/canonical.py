"""Group an article's entity mentions under one canonical name each.

Rules, all generic (nothing is keyed to a particular article):

* same name key (``tasks.nlp.name_key``: any case, script or transliteration: "Gruschko",
  "Грушко"), any label -> one entity (the majority label wins, so a stray ORG
  "Washington" joins the GPE "Washington");
* a surname or other trailing part of exactly one full PERSON name -> that person, whatever
  label NER gave it ("Grushko" tagged ORG belongs to "Alexander Grushko");
* an acronym in parentheses after a name ("Organization for ... Europe (OSCE)"), or an
  acronym equal to a name's initials -> that name; the acronym's later, untagged
  occurrences in the text are added as mentions;
* a one-word ORG equal to the head word of exactly one longer ORG ("Alliance");
* the configured alias table (``ExtractSettings.aliases``) for well-known variants that the
  text cannot tie ("the North Atlantic Alliance" -> "NATO").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from tasks.models import Entity, Mention, Provenance
from tasks.nlp.entities import RawMention
from tasks.nlp.name_key import name_key

__all__ = ["group_mentions"]

_TIME_LABELS = frozenset({"DATE", "TIME"})
_NAME_LABELS_FOR_SURNAME = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "MISC", "FAC"})
_MINOR_WORDS = frozenset(
    {"of", "for", "and", "the", "in", "on", "de", "du", "des", "la", "le", "et"}
)
_ACRONYM = re.compile(r"[A-Z][A-Z&.]{1,8}")

Key = tuple[str, str]  # (kind, casefolded name)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _key(m: RawMention) -> Key:
    if m.label in _TIME_LABELS:
        return ("time", _norm(m.text).casefold())
    # spellings of one name in other scripts or transliterations share it (Gruschko, Грушко)
    return ("name", name_key(m.text) or _norm(m.text).casefold())


class _Groups:
    """Union-find over name keys, remembering which rule joined what."""

    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}
        self.rules: dict[Key, set[str]] = defaultdict(set)

    def find(self, k: Key) -> Key:
        self.parent.setdefault(k, k)
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: Key, b: Key, rule: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.rules[ra] |= self.rules.pop(rb, set())
        self.rules[ra].add(rule)


def _initials(name: str) -> str:
    return "".join(
        w[0] for w in re.split(r"[\s-]+", name) if w and w.casefold() not in _MINOR_WORDS
    )


def _add_parenthesised_acronyms(mentions: list[RawMention], text: str) -> list[tuple[Key, Key]]:
    """Find "Long Name (ACR)", add the acronym's occurrences as mentions, return the links."""
    links: list[tuple[Key, Key]] = []
    taken = [(m.start, m.end) for m in mentions]
    for m in list(mentions):
        if m.label in _TIME_LABELS or len(m.text.split()) < 2:
            continue
        paren = re.compile(r"\s*\((" + _ACRONYM.pattern + r")\)").match(text, m.end)
        if not paren:
            continue
        acronym = paren.group(1)
        for hit in re.finditer(r"\b" + re.escape(acronym) + r"\b", text):
            if not any(s < hit.end() and hit.start() < e for s, e in taken):
                mentions.append(RawMention(acronym, hit.start(), hit.end(), m.label))
                taken.append((hit.start(), hit.end()))
        links.append((_key(m), ("name", name_key(acronym))))
    return links


def group_mentions(
    mentions: list[RawMention], text: str, aliases: dict[str, list[str]], source: str
) -> list[Entity]:
    """Entities with canonical names, all their mentions (sorted) and counts."""
    mentions = list(mentions)
    groups = _Groups()
    for a, b in _add_parenthesised_acronyms(mentions, text):
        groups.union(a, b, "parenthesised-acronym")
    by_key: dict[Key, list[RawMention]] = defaultdict(list)
    for m in mentions:
        by_key[_key(m)].append(m)
        groups.find(_key(m))
    names = [k for k in by_key if k[0] == "name"]

    alias_of: dict[str, str] = {}
    for canonical, variants in aliases.items():
        for variant in [canonical, *variants]:
            alias_of[name_key(variant) or _norm(variant).casefold()] = canonical
    canonical_override: dict[Key, str] = {}
    for k in names:
        if k[1] in alias_of:
            anchor: Key = ("alias", alias_of[k[1]])
            groups.union(anchor, k, "alias-table")

    full_persons = [
        k for k in names if len(k[1].split()) > 1 and any(m.label == "PERSON" for m in by_key[k])
    ]
    orgs = [k for k in names if len(k[1].split()) > 1 and any(m.label == "ORG" for m in by_key[k])]
    for k in names:
        tokens = k[1].split()
        if not any(m.label in _NAME_LABELS_FOR_SURNAME for m in by_key[k]):
            continue
        owners = [p for p in full_persons if p != k and p[1].split()[-len(tokens) :] == tokens]
        if len(owners) == 1:
            groups.union(owners[0], k, "surname")
            continue
        if len(tokens) == 1 and any(m.label == "ORG" for m in by_key[k]):
            heads = [o for o in orgs if o[1].split()[-1] == tokens[0]]
            if len(heads) == 1:
                groups.union(heads[0], k, "head-word")
                continue
        original = by_key[k][0].text
        if _ACRONYM.fullmatch(original):
            expansions = [o for o in names if o != k and _initials(by_key[o][0].text) == original]
            if len(expansions) == 1:
                groups.union(expansions[0], k, "acronym-initials")

    members: dict[Key, list[Key]] = defaultdict(list)
    for k in by_key:
        members[groups.find(k)].append(k)
    for k in list(groups.parent):
        if k[0] == "alias":
            canonical_override[groups.find(k)] = k[1]

    entities = [
        _build(root, keys, by_key, canonical_override.get(root), groups.rules.get(root), source)
        for root, keys in members.items()
    ]
    entities.sort(key=lambda e: (-e.count, e.mentions[0].start))
    return entities


def _build(
    root: Key,
    keys: list[Key],
    by_key: dict[Key, list[RawMention]],
    alias: str | None,
    rules: set[str] | None,
    source: str,
) -> Entity:
    raw = sorted(
        {(m.start, m.end): m for k in keys for m in by_key[k]}.values(), key=lambda m: m.start
    )
    labels = Counter(m.label for m in raw)
    has_full_person = any(m.label == "PERSON" and len(m.text.split()) > 1 for m in raw)
    label = (
        "PERSON" if has_full_person else max(labels, key=lambda lb: (labels[lb], -_first(raw, lb)))
    )

    def display(k: Key) -> str:
        return Counter(_norm(m.text) for m in by_key[k]).most_common(1)[0][0]

    if alias is not None:
        name = alias
    else:
        pool = [k for k in keys if any(m.label == label for m in by_key[k])] or keys
        best = max(pool, key=lambda k: (len(k[1].split()), len(by_key[k]), -by_key[k][0].start))
        name = display(best)
    prov = source if not rules else f"{source}; grouped by {'+'.join(sorted(rules))}"
    evidence = sorted({m.rule for m in raw if m.rule})
    if evidence:  # the fallback NER's rules (tasks.nlp.fallback_ner)
        prov = f"{prov}; evidence: {'+'.join(evidence)}"
    return Entity(
        name=name,
        label=label,
        mentions=[Mention(text=m.text, start=m.start, end=m.end) for m in raw],
        count=len(raw),
        provenance=Provenance(source=prov),
    )


def _first(raw: list[RawMention], label: str) -> int:
    return min(m.start for m in raw if m.label == label)
