"""DATE mentions normalised to ISO dates with dateparser, against a reference date.

The reference is the publication date; without one it is the latest date the text itself
makes certain (a date with an explicit year). A yearless "January 12" takes the year that
puts it nearest the reference. Deictic dates ("tomorrow", "last October") are resolved only
against a real publication date; durations ("two years") and anything unresolvable keep
their text with ``value=None``. Precision is kept: "2014" -> "2014", "December 2021" ->
"2021-12", "January 12" -> "2022-01-12". A yearless day with no reference at all keeps its
month and day as ISO 8601's truncated form (XML Schema's gMonthDay): "January 12" ->
"--01-12", so the store can still match it against a story's dated articles.
"""

from __future__ import annotations

import calendar
import logging
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from tasks.models import NormalizedDate, Provenance

__all__ = ["Reference", "normalize_dates", "pattern_date_mentions", "reference_date"]

log = logging.getLogger(__name__)

_YEAR = re.compile(r"\b(1[5-9]\d{2}|20\d{2})\b")
_DEICTIC = re.compile(
    r"\b(ago|last|next|this|yesterday|today|tomorrow|tonight|earlier|later|previous|coming|"
    r"past|recent|monday|tuesday|wednesday|thursday|friday|saturday|sunday|hier|aujourd'hui|"
    r"demain|dernier|dernière|prochain|prochaine|il y a|lundi|mardi|mercredi|jeudi|vendredi|"
    r"samedi|dimanche)\b",
    re.IGNORECASE,
)
# qualifiers that shift within a period but do not change which period is meant
_QUALIFIERS = re.compile(
    r"^(?:(?:on|in|at|by|since|until|from|the|le|la|en|de|début|fin|early|late|"
    r"(?:end|beginning|start|middle|turn)\s+of)\b|mid-|mi-)\s*",
    re.IGNORECASE,
)
_DAY_RANGE = re.compile(r"(\d{1,2})\s*[-–]\s*\d{1,2}\b")
_YEAR_RANGE = re.compile(r"\b(\d{4})\s*[-–]\s*\d{2,4}\b")

Reference = tuple[date, str]  # the date and where it came from


@lru_cache(maxsize=64)
def _parser(language: str, base: date | None) -> Any:
    # dateparser takes its settings per parser, so one parser per (language, reference)
    from dateparser.date import DateDataParser

    settings: dict[str, object] = {"PREFER_DAY_OF_MONTH": "first"}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime.combine(base, datetime.min.time())
    return DateDataParser(languages=[language], settings=settings)


def _core(text: str) -> str:
    core = " ".join(text.split())
    while True:
        stripped = _QUALIFIERS.sub("", core, count=1)
        if stripped == core:
            break
        core = stripped
    core = _YEAR_RANGE.sub(r"\1", core)
    return _DAY_RANGE.sub(r"\1", core)


def _parse(text: str, language: str, base: date | None) -> tuple[date, str] | None:
    """(date, period) with period in day|week|month|year, or None."""
    parsed = _parse_parts(text, language, base)
    return parsed[:2] if parsed else None


def _parse_parts(
    text: str, language: str, base: date | None
) -> tuple[date, str, tuple[str, ...]] | None:
    """(date, period, parts found in the text) or None."""
    try:
        data = _parser(language, base).get_date_data(text)
    except (ValueError, TypeError, OverflowError) as exc:  # dateparser's own failures
        log.debug("dateparser failed on %r: %s", text, exc)
        return None
    if data is None or data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day", tuple(data.parts or ())


def _iso(d: date, period: str) -> str:
    if period == "year":
        return f"{d.year:04d}"
    if period == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def _period_end(d: date, period: str) -> date:
    if period == "year":
        return date(d.year, 12, 31)
    if period == "month":
        return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    return d


def reference_date(published: str | None, texts: list[str], language: str) -> Reference | None:
    """Publication date, else the latest certain (explicit-year) date in ``texts``."""
    if published:
        try:
            return date.fromisoformat(published[:10]), "publication date"
        except ValueError:
            log.warning("published %r is not an ISO date; inferring the reference", published)
    latest: date | None = None
    for text in texts:
        if not _YEAR.search(text) or _DEICTIC.search(text):
            continue
        parsed = _parse(_core(text), language, None)
        if parsed:
            end = _period_end(*parsed)
            latest = end if latest is None or end > latest else latest
    return (latest, "latest explicit date in text") if latest else None


def _nearest_year(d: date, ref: date) -> date:
    options = []
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            options.append(d.replace(year=year))
        except ValueError:  # 29 February
            continue
    return min(options, key=lambda o: abs((o - ref).days))


_SHIFT = re.compile(
    r"^(?:(?P<pre>last|next|this|ce|cet)\s+(?P<m1>[^\W\d]+)|(?P<m2>[^\W\d]+)\s+(?P<post>dernier|prochain))$",
    re.IGNORECASE,
)


def _month_shift(core: str, language: str, ref: date) -> str | None:
    """ "last October" / "octobre dernier": the named month before/after the reference."""
    m = _SHIFT.match(core)
    if not m:
        return None
    month_word = m.group("m1") or m.group("m2")
    parsed = _parse_parts(month_word, language, ref)
    if parsed is None or parsed[2] != ("month",):
        return None
    month = parsed[0].month
    direction = (m.group("pre") or m.group("post")).casefold()
    year = ref.year
    if direction in {"last", "dernier"} and month >= ref.month:
        year -= 1
    elif direction in {"next", "prochain"} and month <= ref.month:
        year += 1
    return f"{year:04d}-{month:02d}"


def _normalize(text: str, language: str, ref: Reference | None) -> tuple[str | None, str]:
    core = _core(text)
    if _YEAR.search(core) and not _DEICTIC.search(core):
        parsed = _parse(core, language, None)
        return (_iso(*parsed), "explicit date") if parsed else (None, "unparsed")
    if _DEICTIC.search(core):
        if ref is None or ref[1] != "publication date":
            return None, "relative date without publication date"
        shifted = _month_shift(core, language, ref[0])
        if shifted:
            return shifted, "relative to publication date"
        parsed = _parse(core, language, ref[0])
        return (_iso(*parsed), "relative to publication date") if parsed else (None, "unparsed")
    if not re.search(r"[^\W\d]{3,}", core) or re.search(r"\b\d+\s+\w+s\b", core):
        return None, "duration or vague"
    with_parts = _parse_parts(core, language, ref[0] if ref else None)
    if with_parts is None or "month" not in with_parts[2]:
        return None, "duration or vague"
    d, period, _ = with_parts
    if ref is None:
        if period == "day":
            return f"--{d.month:02d}-{d.day:02d}", "month and day only: no year, no reference date"
        return None, "no year and no reference date"
    return _iso(_nearest_year(d, ref[0]), period), f"year nearest to {ref[1]}"


def normalize_dates(
    mentions: list[tuple[str, int, int]], published: str | None, language: str
) -> tuple[list[NormalizedDate], Reference | None]:
    """Normalise (text, start, end) DATE mentions; also return the reference used."""
    ref = reference_date(published, [t for t, _, _ in mentions], language)
    out: list[NormalizedDate] = []
    for text, start, end in sorted(mentions, key=lambda m: m[1]):
        value, how = _normalize(text, language, ref)
        out.append(
            NormalizedDate(
                text=text,
                value=value,
                start=start,
                end=end,
                provenance=Provenance(source=f"dateparser: {how}"),
            )
        )
    return out, ref


@lru_cache(maxsize=16)
def _month_pattern(language: str) -> re.Pattern[str] | None:
    from dateparser.languages.loader import default_loader

    try:
        info = default_loader.get_locale(language).info
    except (KeyError, ValueError):  # no dateparser locale for this language
        return None
    months = calendar.month_name[1:]
    names = {n for m in months for n in info.get(m.lower(), []) if len(n) >= 3 and "." not in n}
    alt = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    # a month name counts only with a day or a year beside it ("mars" alone is a planet)
    return re.compile(
        rf"\b(?:\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:{alt})(?:\s+\d{{4}})?|(?:{alt})\s+\d{{4}})\b",
        re.IGNORECASE,
    )


def pattern_date_mentions(text: str, language: str) -> list[tuple[str, int, int]]:
    """Day-month(-year) and month-year dates by pattern, for models whose NER has no DATE."""
    pattern = _month_pattern(language)
    if pattern is None:
        return []
    return [(m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]
