from __future__ import annotations

from tasks.language.profiles import profile_language

PAP = (
    "Hopi hende ta bebe nan koffie den disposable cup y nos mester cambia esaki awor, "
    "segun Prome Minister cu a bishita e scol aki riba e isla."
)
ES = (
    "El presidente del gobierno anunció este martes que la reforma de las pensiones se "
    "aprobará antes del verano, tras meses de negociaciones con los sindicatos."
)
DE = (
    "Den Bayern ist in der Verfassung von Freitagabend auch ein Kantersieg gegen den "
    "Rivalen zuzutrauen."
)


def test_papiamento_matches_its_profile() -> None:
    found = profile_language(PAP, ("en", "pap"))
    assert found is not None and found[0] == "pap" and 0.5 <= found[1] <= 1.0


def test_neighbours_and_disabled_profiles_do_not_match() -> None:
    assert profile_language(ES, ("es", "pap")) is None
    assert profile_language(DE, ("de", "pap")) is None
    assert profile_language(PAP, ("en", "es")) is None  # "pap" not among the candidates
    assert profile_language("ta cu nan aki", ("pap",)) is None  # too few words to judge
