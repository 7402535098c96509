from __future__ import annotations

from datetime import date

from tasks.nlp.dates import normalize_dates, pattern_date_mentions, reference_date


def _values(texts: list[str], published: str | None, language: str = "en") -> dict[str, str | None]:
    dates, _ = normalize_dates([(t, i, i + 1) for i, t in enumerate(texts)], published, language)
    return {d.text: d.value for d in dates}


def test_reference_is_publication_date_else_latest_explicit_date() -> None:
    assert reference_date("2022-01-13T10:00:00", ["2014"], "en") == (
        date(2022, 1, 13),
        "publication date",
    )
    ref = reference_date(None, ["2002", "the end of 2021", "last October"], "en")
    assert ref is not None and ref[0].isoformat() == "2021-12-31"
    assert reference_date(None, ["January 12"], "en") is None


def test_yearless_day_takes_the_nearest_year() -> None:
    assert _values(["January 12", "2021"], None)["January 12"] == "2022-01-12"
    assert _values(["December 30"], "2022-01-02")["December 30"] == "2021-12-30"


def test_yearless_day_without_any_reference_keeps_month_and_day() -> None:
    # The RT seed: no publication date and no explicit year in the text.
    dates, ref = normalize_dates([("January 12", 3, 13), ("mid-December", 20, 32)], None, "en")
    assert ref is None
    values = {d.text: d.value for d in dates}
    assert values == {"January 12": "--01-12", "mid-December": None}
    assert "no year" in dates[0].provenance.source


def test_precision_is_kept_and_ranges_take_their_start() -> None:
    values = _values(["2014", "March 2020", "January 9-10", "the end of 2021"], "2022-01-13")
    assert values == {
        "2014": "2014",
        "March 2020": "2020-03",
        "January 9-10": "2022-01-09",
        "the end of 2021": "2021",
    }


def test_relative_dates_need_a_publication_date() -> None:
    with_pub = _values(["last October", "Tomorrow", "next March"], "2022-01-13")
    assert with_pub == {
        "last October": "2021-10",
        "Tomorrow": "2022-01-14",
        "next March": "2022-03",
    }
    without = _values(["last October", "Tomorrow", "2021"], None)
    assert without["last October"] is None and without["Tomorrow"] is None


def test_durations_are_not_dates() -> None:
    assert _values(["two years", "more than seven hours"], "2022-01-13") == {
        "two years": None,
        "more than seven hours": None,
    }


def test_french_month_pattern() -> None:
    text = "Réunion le 21 janvier 2022, puis en mars 2023 ; la planète Mars attendra."
    found = pattern_date_mentions(text, "fr")
    assert [t for t, _, _ in found] == ["21 janvier 2022", "mars 2023"]
    assert all(text[s:e] == t for t, s, e in found)
