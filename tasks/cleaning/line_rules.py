"""The boilerplate line rules, as data: ``(reason, compiled regex)`` in evaluation order.

A rule matches a whole line/paragraph with ``regex.search``; most patterns are anchored so
that a word like "Share" inside a sentence never triggers. Every rule is language-generic
boilerplate (navigation, credits, prompts) seen across many sites; no rule names a site.
``AGENCY_SOURCES`` are the patterns whose ``name`` group is also a publisher candidate.
"""

from __future__ import annotations

import re

__all__ = ["AGENCY_SOURCES", "MAX_BOILERPLATE_CHARS", "MT_DISCLAIMER", "RULES", "RULE_KEYS", "Rule"]

Rule = tuple[str, re.Pattern[str]]

# Longer paragraphs are article prose whatever words they contain: a rule never removes them.
MAX_BOILERPLATE_CHARS = 600
MT_DISCLAIMER = "machine_translation_disclaimer"

_F = re.IGNORECASE | re.UNICODE


def _line(*alternatives: str) -> re.Pattern[str]:
    """A line made only of one of the alternatives, optional trailing punctuation/arrows."""
    body = "|".join(alternatives)
    return re.compile(rf"^\W{{0,3}}(?:{body})\s*[.:!…»›>→\-–—|]*\s*(?:\(\d+\))?$", _F)


def _prefix(*alternatives: str, max_chars: int = 250) -> re.Pattern[str]:
    """A short line that starts with one of the alternatives (a label then free text)."""
    body = "|".join(alternatives)
    return re.compile(rf"^(?=.{{0,{max_chars}}}$)\W{{0,3}}(?:{body})", _F)


# Key words of the rules that scan every position (see ``tasks.cleaning.keys``): a paragraph
# holding none of a rule's keys cannot match it, so the regex is not run.
RULE_KEYS: dict[re.Pattern[str], tuple[str, ...]] = {}


def _anywhere(
    *alternatives: str, max_chars: int = MAX_BOILERPLATE_CHARS, keys: tuple[str, ...] = ()
) -> re.Pattern[str]:
    """Alternatives anywhere in a short paragraph; ``keys``: one is in every match (lower-case)."""
    body = "|".join(alternatives)
    pattern = re.compile(rf"^(?=.{{0,{max_chars}}}$).*(?:{body})", _F | re.DOTALL)
    if keys:
        RULE_KEYS[pattern] = keys
    return pattern


RULES: list[Rule] = [
    (
        MT_DISCLAIMER,
        _anywhere(
            # en
            r"\b(?:machine|automatically)[- ]translated\b",
            r"\btranslated (?:automatically|by (?:a )?machine|(?:using|with) (?:machine|automatic)"
            r" translation)",
            r"\b(?:this|the) (?:article|text|content|page|news|story|post) (?:was|has been|is)"
            r" (?:translated )?(?:by|using|with) (?:machine|automatic) translation",
            # fr (seed 002: "la traduisons grâce à une technologie programmatique")
            r"\btradui\w* (?:automatiquement|grâce à une technologie|par une technologie"
            r"|par (?:un|une) (?:logiciel|outil|programme|machine|traduction automatique))",
            r"\btraduction automatique\b",
            r"\btechnologie programmatique\b",
            r"\bnon à partir d.un (?:éditeur|traducteur) humain",
            # de
            r"\b(?:automatisch|maschinell) übersetzt",
            r"\bmaschinelle[nr]? Übersetzung",
            # es
            r"\btraducid[oa]s? (?:automáticamente|por (?:una )?máquina)",
            r"\btraducción automática",
            # it
            r"\btradott[oaie] automaticamente",
            r"\btraduzione automatica",
            # pt
            r"\btraduzid[oa]s? automaticamente",
            r"\btradução automática",
            # ru
            r"машинн\w+ перевод",
            r"переведен\w* автоматически",
            r"автоматическ\w+ перевод",
            keys=(
                "translat", "trad", "programmatique", "partir d", "übersetz", "перевод",
                "переведен",
            ),
        ),
    ),
    (
        "photo_credit",
        _prefix(
            r"(?:photo|photos|photograph|picture|image|images|foto|fotos|fotografía|fotografia"
            r"|immagine|imagen|imagem|bild|bilder|фото|фотография|снимок|credit|credits"
            r"|crédits?(?: photo)?|photo credit|bildquelle|quelle foto|titelbild)\s*(?:\([^)]*\))?"
            r"\s*(?::|©|/|by\b|von\b|de\b|di\b|-|–)",
            r"\(?\s*(?:photo|foto|фото)\s*:",
            max_chars=160,
        ),
    ),
    ("copyright", _prefix(r"©\s*\S", r"(?:copyright|\(c\))\s+(?:©\s*)?\d{4}", max_chars=160)),
    (
        "agency_credit",
        _prefix(
            r"based on materials (?:from|of)\b",
            r"according to materials (?:from|of)\b",
            r"по материалам\b",
            r"d.après (?:l.|le |la |les )?(?:afp|ap|reuters|agence|ria|tass)\b",
            r"(?:avec|with|mit|con|com) (?:l.)?(?:afp|ap|dpa|reuters|efe|ansa|lusa|tass|ria)\b",
            r"(?:source|sources|quelle|quellen|fuente|fonte|источник)\s*:",
            r"mit material (?:von|der)\b",
            r"con (?:información|informaci[oó]n) de\b",
            r"com informações d[aoe]s?\b",
            r"\((?:afp|ap|dpa|reuters|efe|ansa|lusa|tass)\)$",
            r"(?:additional )?reporting by\b",
            r"\(reporting by\b",
            r"\w+ contributed reporting\b",
            max_chars=200,
        ),
    ),
    (
        "navigation",
        _line(
            r"skip to (?:main )?(?:content|navigation|search)",
            r"jump to (?:main )?content",
            r"menu",
            r"main menu",
            r"navigation",
            r"home",
            r"search",
            r"close",
            r"back to top",
            r"print",
            r"email",
            r"read more",
            r"continue reading",
            r"show more",
            r"load more",
            r"sign in",
            r"log ?in",
            r"register",
            r"next article",
            r"previous article",
            r"aller au contenu(?: principal)?",
            r"passer au contenu",
            r"accueil",
            r"rechercher",
            r"fermer",
            r"lire la suite",
            r"imprimer",
            r"se connecter",
            r"retour en haut",
            r"zum inhalt springen",
            r"direkt zum inhalt",
            r"startseite",
            r"suche",
            r"schließen",
            r"weiterlesen",
            r"mehr lesen",
            r"drucken",
            r"anmelden",
            r"nach oben",
            r"saltar al contenido",
            r"ir al contenido",
            r"inicio",
            r"buscar",
            r"cerrar",
            r"leer más",
            r"seguir leyendo",
            r"imprimir",
            r"iniciar sesión",
            r"перейти к содержанию",
            r"меню",
            r"главная",
            r"поиск",
            r"закрыть",
            r"читать далее",
            r"подробнее",
            r"войти",
            r"наверх",
            r"vai al contenuto",
            r"salta al contenuto",
            r"cerca",
            r"chiudi",
            r"leggi (?:di più|tutto)",
            r"stampa",
            r"accedi",
            r"pular para o conteúdo",
            r"ir para o conteúdo",
            r"início",
            r"pesquisar",
            r"fechar",
            r"leia mais",
            r"continue lendo",
            r"entrar",
        ),
    ),
    (
        "share_prompt",
        _line(
            r"share",
            r"share (?:this|the) (?:article|story|page|post)",
            r"tweet",
            r"pin",
            r"share (?:on|via) (?:facebook|twitter|x|whatsapp|linkedin|email|telegram|vk)",
            r"(?:facebook|twitter|whatsapp|linkedin|telegram|pinterest|reddit|vk|email)"
            r"(?:\s*[|/·,]\s*(?:facebook|twitter|whatsapp|linkedin|telegram|pinterest|reddit|vk"
            r"|email))*",
            r"partager",
            r"partager (?:cet article|sur \w+)",
            r"teilen",
            r"artikel teilen",
            r"compartir",
            r"compartir en \w+",
            r"поделиться",
            r"condividi",
            r"compartilhar",
            r"partilhar",
        ),
    ),
    (
        "share_prompt",
        _prefix(
            r"(?:like|liked|enjoyed) this (?:story|article)\?",
            r"share (?:this|it) with\b",
            r"teilen sie (?:diesen|den) artikel",
            r"partagez (?:cet|l.)article",
        ),
    ),
    (
        "subscribe_prompt",
        _line(
            r"subscribe",
            r"subscribe now",
            r"newsletter",
            r"sign up",
            r"s.abonner",
            r"abonnez-vous",
            r"abonnieren",
            r"jetzt abonnieren",
            r"suscríbete",
            r"suscribirse",
            r"подписаться",
            r"iscriviti",
            r"abbonati",
            r"assine",
            r"inscreva-se",
        ),
    ),
    (
        "subscribe_prompt",
        _prefix(
            r"(?:subscribe|sign up|register) (?:to|for) .{0,80}(?:newsletter|updates|alerts)",
            r"get the .{0,60}(?:delivered|in your inbox|right in your inbox|newsletter)",
            r"abonnez-vous à\b",
            r"inscrivez-vous à (?:la|notre) newsletter",
            r"(?:jetzt )?(?:den )?newsletter abonnieren",
            r"suscríbete a\b",
            r"подпишитесь на\b",
            r"iscriviti alla newsletter",
            r"assine (?:a|nossa) newsletter",
        ),
    ),
    (
        # The paywall box under a truncated article: what a reader must do to read on.
        # Extractors keep it on pages where the article itself is short.
        "paywall_prompt",
        _prefix(
            # a call to act: read on, log in, take the offer
            r"(?:to|subscribe to) (?:continue|keep) reading\b",
            r"(?:already a (?:subscriber|member)|get unlimited access|unlock (?:this|the full)"
            r" (?:article|story))\b",
            r"pour (?:lire la suite|continuer (?:à|a) lire|accéder (?:en illimité|à (?:la suite"
            r"|l.intégralité)))",
            r"déjà abonné",
            r"(?:um (?:den|diesen) artikel (?:weiter|ganz) zu lesen|jetzt weiterlesen"
            r"|bereits abonnent)\b",
            r"(?:para (?:seguir|continuar) leyendo|ya eres suscriptor)\b",
            r"(?:para continuar lendo|já é assinante)\b",
            r"(?:per continuare a leggere|sei già abbonato)\b",
            r"чтобы (?:продолжить чтение|дочитать (?:статью|материал))",
            # a label alone on its line ("Article réservé aux abonnés"); inside a sentence
            # the same words are prose
            r"(?:(?:this )?(?:article|story|content) (?:is )?)?(?:only )?(?:available|reserved)"
            r" (?:to|for) (?:subscribers|members)(?: only)?\W*$",
            r"(?:article |contenu )?réservé aux abonnés\W*$",
            r"(?:nur für abonnenten|(?:contenido )?exclusivo para suscriptores"
            r"|(?:conteúdo )?exclusivo para assinantes|(?:contenuto )?riservato agli abbonati"
            r"|(?:доступно )?только (?:для )?подписчик\w*)\W*$",
            max_chars=100,
        ),
    ),
    (
        "social_prompt",
        _prefix(
            r"follow (?:us|him|her|me|them|\w+(?: \w+){0,3}) on (?:twitter|facebook|instagram"
            r"|youtube|telegram|linkedin)",
            r"(?:email|reach|contact) .{0,60}\b(?:at \S+@\S+|on twitter)",
            r"suivez-nous sur\b",
            r"folgen sie uns auf\b",
            r"síguenos en\b",
            r"подписывайтесь на нас\b",
            r"seguici su\b",
            r"siga-nos n[oa]\b",
        ),
    ),
    (
        "related_links",
        _line(
            r"related",
            r"related (?:articles|stories|posts|news|content|coverage|topics)",
            r"you (?:may|might) also like",
            r"more (?:stories|news|articles)",
            r"most (?:read|popular|viewed|shared)(?: in [\w ]{1,40})?",
            r"trending(?: now)?",
            r"top stories",
            r"recommended(?: for you)?",
            r"sur le même sujet",
            r"à lire aussi",
            r"lire aussi",
            r"les plus lus",
            r"articles liés",
            r"mehr zum thema",
            r"lesen sie auch",
            r"auch interessant",
            r"verwandte artikel",
            r"meistgelesen",
            r"noticias relacionadas",
            r"te puede interesar",
            r"lo más leído",
            r"lee también",
            r"читайте также",
            r"по теме",
            r"похожие новости",
            r"самое читаемое",
            r"leggi anche",
            r"articoli correlati",
            r"i più letti",
            r"leia também",
            r"veja também",
            r"notícias relacionadas",
            r"mais lidas",
        ),
    ),
    (
        "related_links",
        _prefix(
            r"(?:related(?: post| article| story)?|see also|read also|also read|also on \S+"
            r"|lire aussi|à lire aussi|voir aussi|lesen sie auch|mehr zum thema|lee también"
            r"|ver también|читайте также|leggi anche|leia também|veja também)\s*[:\-–]",
            r"also on [\w-]+\.\w{2,}\b",
            max_chars=200,
        ),
    ),
    (
        "cookie_notice",
        _anywhere(
            r"\b(?:we|this (?:site|website)|our (?:site|website)) (?:uses?|utilises?) cookies",
            r"\b(?:accept|allow|manage) (?:all )?cookies",
            r"\bcookie (?:policy|settings|consent)",
            r"\butilise des cookies",
            r"\bverwendet cookies",
            r"\bcookies (?:akzeptieren|zulassen)",
            r"\butiliza(?:mos)? cookies",
            r"\busamos cookies",
            r"используе\w* (?:файлы )?cookie",
            r"\butilizza(?:mo)? (?:i )?cookie",
            r"\baceitar cookies",
            max_chars=400,
            keys=("cookie",),
        ),
    ),
    (
        "comments_prompt",
        _line(
            r"\d* ?comments?",
            r"leave a (?:comment|reply)",
            r"post a comment",
            r"tell us what you think",
            r"show comments",
            r"commentaires?",
            r"kommentare?",
            r"comentarios?",
            r"комментарии",
            r"commenti",
            r"comentários",
        ),
    ),
    (
        "advertisement",
        _line(
            r"advertisement",
            r"sponsored(?: content)?",
            r"anzeige",
            r"werbung",
            r"publicité",
            r"publicidad",
            r"pubblicità",
            r"publicidade",
            r"реклама",
        ),
    ),
    (
        "tags",
        _prefix(
            r"(?:filed under|tags|tagged|topics|schlagworte|schlagwörter|mots-clés|etiquetas"
            r"|теги|тэги|argomenti)\s*:",
            max_chars=200,
        ),
    ),
    ("promo", _anywhere(r"\b(?:click|tap) here (?:for|to)\b.{0,80}$", max_chars=200)),
]

# Credit lines that also name the source: the captured name is a publisher candidate.
AGENCY_SOURCES: list[re.Pattern[str]] = [
    re.compile(
        r"^(?:based on materials (?:from|of)|according to materials (?:from|of)|по материалам"
        r"|mit material (?:von|der)|con información de|com informações d[aoe]s?)\s+"
        r"(?P<name>[^.,;:!?]{2,60}?)\s*\.?$",
        _F,
    ),
    re.compile(r"\b[aA]n? (?P<name>[A-Z][\w-]*(?: [A-Z][\w-]*){0,3}) correspondent reports\b"),
]
