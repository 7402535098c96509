"""Line rules on multilingual variants: each removal has the expected reason."""

from __future__ import annotations

import pytest

from tasks.cleaning.line_rules import MT_DISCLAIMER
from tasks.cleaning.plain import clean_plain, split_paragraphs
from tasks.cleaning.text_rules import apply_rules, match_rule, split_title_line

BODY = (
    "The ministers met on Tuesday and agreed on a timetable for the next round of talks, "
    "officials said after the meeting."
)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Skip to content", "navigation"),
        ("Aller au contenu principal", "navigation"),
        ("Zum Inhalt springen", "navigation"),
        ("Saltar al contenido", "navigation"),
        ("Перейти к содержанию", "navigation"),
        ("Vai al contenuto", "navigation"),
        ("Pular para o conteúdo", "navigation"),
        ("Menu", "navigation"),
        ("Read more »", "navigation"),
        ("Share", "share_prompt"),
        ("Partager", "share_prompt"),
        ("Поделиться", "share_prompt"),
        ("Facebook | Twitter | WhatsApp", "share_prompt"),
        ("Subscribe", "subscribe_prompt"),
        ("Related", "related_links"),
        ("Lire aussi : La réforme des retraites en cinq questions", "related_links"),
        ("Lesen Sie auch: Die Bahn streikt wieder", "related_links"),
        ("Читайте также", "related_links"),
        ("Leggi anche", "related_links"),
        ("Photo: EPA / OLIVIER HOSLET / POOL / TASS", "photo_credit"),
        ("Фото: РИА Новости / Алексей Никольский", "photo_credit"),
        ("Crédit photo : AFP", "photo_credit"),
        ("Foto: dpa", "photo_credit"),
        ("Based on materials from RIA Novosti", "agency_credit"),
        ("По материалам ТАСС", "agency_credit"),
        ("D'après l'AFP", "agency_credit"),
        ("We use cookies to improve your experience. Accept all", "cookie_notice"),
        ("Diese Website verwendet Cookies.", "cookie_notice"),
        ("Este sitio utiliza cookies para mejorar la experiencia.", "cookie_notice"),
        ("This article was machine translated.", MT_DISCLAIMER),
        ("Dieser Artikel wurde automatisch übersetzt.", MT_DISCLAIMER),
        ("Este artículo fue traducido automáticamente.", MT_DISCLAIMER),
        ("Эта статья переведена автоматически.", MT_DISCLAIMER),
        ("Articolo tradotto automaticamente.", MT_DISCLAIMER),
        ("Texto traduzido automaticamente.", MT_DISCLAIMER),
        ("Cet article a été traduit automatiquement.", MT_DISCLAIMER),
        ("Pour lire la suite", "paywall_prompt"),
        ("Pour accéder en illimité aux articles :", "paywall_prompt"),
        ("To continue reading, subscribe now.", "paywall_prompt"),
        ("Already a subscriber? Sign in", "paywall_prompt"),
        ("Um den Artikel weiter zu lesen, melden Sie sich an.", "paywall_prompt"),
        ("Para seguir leyendo, hazte suscriptor", "paywall_prompt"),
        ("Contenuto riservato agli abbonati", "paywall_prompt"),
    ],
)
def test_rule_reasons(line: str, reason: str) -> None:
    assert match_rule(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        BODY,
        "Share prices fell sharply on Monday after the announcement.",
        "D'après le ministre, la situation reste grave et appelle des mesures rapides.",
        "The photo shows the minister leaving the building.",
        "Menus in the city's restaurants have become more expensive this year.",
        # a sentence that starts like a paywall prompt but goes on as prose is too long
        "Pour lire la suite de son roman, elle attendit le retour de sa soeur, partie depuis "
        "trois semaines dans le sud du pays.",
        "Only available to members of the union, the fund paid out 2 million last year.",
    ],
)
def test_prose_is_kept(line: str) -> None:
    assert match_rule(line) is None


def test_long_paragraph_is_never_removed() -> None:
    assert match_rule("Share " + BODY * 8) is None


def test_rubric_only_at_the_end_next_to_boilerplate() -> None:
    kept, removed = apply_rules([BODY, "Economy", BODY, "World news", "Photo: Reuters"])
    assert kept == [BODY, "Economy", BODY]
    assert [(r.text, r.reason) for r in removed] == [
        ("World news", "rubric"),
        ("Photo: Reuters", "photo_credit"),
    ]


def test_rubric_needs_removed_boilerplate_after_it() -> None:
    kept, removed = apply_rules([BODY, "World news"])
    assert kept == [BODY, "World news"]
    assert removed == []


def test_html_text_keeps_a_short_last_line_before_boilerplate() -> None:
    # a tweet's attribution or a cited source at the end of an extracted article
    lines = [BODY, "— The Senate (@Senate) October 9, 2018", "© Reuters"]
    kept, removed = apply_rules(lines, rubrics=False)
    assert kept == lines[:2]
    assert [(r.text, r.reason) for r in removed] == [("© Reuters", "copyright")]


def test_split_title_line() -> None:
    assert split_title_line("Strikes spread across the country – Le Monde") == (
        "Strikes spread across the country",
        "Le Monde",
    )
    assert split_title_line("A headline without a site name") == (
        "A headline without a site name",
        None,
    )


def test_french_variant_title_and_disclaimer() -> None:
    text = (
        "Aller au contenu\n"
        "La grève continue dans les transports – France Info\n\n"
        f"{BODY}\n\n{BODY}\n\n"
        "Cet article a été traduit automatiquement.\n"
    )
    result = clean_plain(text)
    assert result.title == "La grève continue dans les transports"
    assert result.publisher == "France Info"
    assert [r.reason for r in result.removed] == ["navigation", "title_line", MT_DISCLAIMER]
    assert result.paragraphs == [BODY, BODY]


def test_hard_wrapped_block_is_joined() -> None:
    wrapped = (
        "The ministers met on Tuesday and agreed on a timetable for the\n"
        "next round of talks, officials said after the long meeting in\n"
        "Brussels."
    )
    assert split_paragraphs(wrapped) == [" ".join(wrapped.split())]
