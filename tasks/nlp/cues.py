"""Word lists that give the fallback NER its evidence for a label, per language.

Six kinds, all ordinary vocabulary of news writing (no name of anyone or anything):

* ``PERSON_BEFORE``: titles and honorifics written before a name ("Präsident", "Sr.",
  "Cumhurbaşkanı", "الرئيس"); the capitalised span right after one is a PERSON;
* ``PERSON_AFTER``: honorifics written after a name (Turkish "Bey", "Hanım");
* ``SPEECH_VERBS``: a capitalised span right before or after one is a PERSON;
* ``ORG_HEADS``: words that make a capitalised span an organisation when they are its first
  or last word ("Partido Popular", "Deutsche Bank", "Dışişleri Bakanlığı"), plus company
  suffixes; ``ORG_SUFFIXES_DE`` does the same for German compounds ("Bundesverfassungsgericht"),
  as the first or last word of a longer span too ("Polizeipräsidium Recklinghausen");
* ``ORG_HEADS_IN_NAME``: institution words that make an organisation only as the first or
  last word of a longer span ("Centro Sismológico Nacional"; "la Policía" alone is none);
* ``PLACE_HEADS``: administrative words that make a capitalised span a place when they are
  its first word ("Landkreis Trier-Saarburg", "provincia de Cádiz") or, in Turkish, its last
  ("Topçular Mahallesi", "Bafra İlçesi"); written in lower case before "de"/"di" they make
  the name after them a place ("la provincia de Misiones").

Lists are casefolded. "*" holds the words every language uses (English titles, company forms).
In uncased scripts (Arabic) a cue is followed by the name itself: see ``tasks.nlp.fallback_ner``.
"""

from __future__ import annotations

__all__ = [
    "ARABIC_FUNCTION_WORDS",
    "ORG_HEADS",
    "ORG_HEADS_IN_NAME",
    "ORG_SUFFIXES_DE",
    "PERSON_AFTER",
    "PERSON_BEFORE",
    "PLACE_HEADS",
    "PLACE_TAILS",
    "SPEECH_VERBS",
    "cue_words",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.casefold().split())


PERSON_BEFORE: dict[str, frozenset[str]] = {
    "*": _words("mr mrs ms dr prof president minister premier senator general"),
    "de": _words(
        "präsident präsidentin kanzler kanzlerin bundeskanzler bundeskanzlerin minister "
        "ministerin ministerpräsident ministerpräsidentin außenminister außenministerin "
        "innenminister innenministerin finanzminister finanzministerin herr frau herrn "
        "bürgermeister bürgermeisterin trainer sprecher sprecherin chef chefin papst könig "
        "königin prinz prinzessin abgeordnete abgeordneter senator senatorin staatschef "
        "regierungschef regierungschefin kremlchef parteichef vorsitzende vorsitzender"
    ),
    "es": _words(
        "presidente presidenta ministro ministra señor señora sr sra don doña alcalde "
        "alcaldesa secretario secretaria portavoz entrenador rey reina príncipe princesa "
        "papa canciller diputado diputada senador senadora vicepresidente vicepresidenta "
        "líder consejero consejera gobernador gobernadora"
    ),
    "tr": _words(
        "cumhurbaşkanı başbakan bakan bakanı başkan başkanı başkanımız sayın bay bayan "
        "milletvekili vali valisi müdürü sözcüsü teknik direktör antrenör genel kral "
        "kraliçe prens papa belediye lideri yardımcısı kaymakam savcı "
        # military ranks: "Jandarma Komutanı Albay Mustafa Çekiç"
        "yüzbaşı binbaşı yarbay albay tuğgeneral tümgeneral korgeneral orgeneral"
    ),
    "pt": _words(
        "presidente presidenta ministro ministra senhor senhora sr sra deputado deputada "
        "senador senadora governador governadora prefeito prefeita"
    ),
    "it": _words(
        "presidente ministro ministra signor signora premier sindaco senatore senatrice "
        "deputato deputata papa re regina"
    ),
    "pl": _words("prezydent premier minister pan pani poseł posłanka senator marszałek"),
    "hr": _words(
        "predsjednik predsjednica premijer premijerka ministar ministrica gospodin gospođa "
        "gradonačelnik"
    ),
    "id": _words("presiden menteri bapak pak ibu gubernur wali bupati jenderal"),
    "nl": _words("president minister premier meneer mevrouw burgemeester koning koningin"),
    "fi": _words("presidentti ministeri pääministeri"),
    "no": _words("president statsminister minister ordfører"),
    "ru": _words(
        "президент премьер министр глава господин госпожа губернатор мэр спикер генсек "
        "доктор тренер"
    ),
    "ar": _words(
        "الرئيس رئيس الوزير وزير السيد السيدة الملك الأمير الشيخ الدكتور المتحدث "
        "النائب السفير المدرب الفنان اللاعب"
    ),
}

PERSON_AFTER: dict[str, frozenset[str]] = {"tr": _words("bey hanım paşa hoca")}

ORG_HEADS: dict[str, frozenset[str]] = {
    "*": _words(
        "inc inc. ltd ltd. corp corp. corporation company group ag gmbh sa s.a. nv llc plc "
        "university bank party ministry council commission agency union association "
        "federation fc club institute foundation organization organisation "
        # English company words that brand names keep in every language ("Toei Animation",
        # "Turkish Airlines", "Warner Bros. Pictures")
        "studios entertainment pictures records airlines airways motors animation"
    ),
    "de": _words(
        "partei bank ag gmbh verein verband ministerium universität gruppe konzern rat "
        "bundestag landtag kommission gericht stiftung institut agentur polizei"
    ),
    "es": _words(
        "partido banco ministerio universidad gobierno comisión consejo tribunal congreso "
        "senado fundación instituto agencia asociación federación club real sociedad"
    ),
    "tr": _words(
        "partisi bakanlığı üniversitesi bankası meclisi belediyesi derneği vakfı kurumu "
        "başkanlığı komisyonu mahkemesi kulübü federasyonu ajansı a.ş. holding "
        # base forms: the fallback NER compares Turkish cues by stem ("Müdürlüğünden")
        "parti bakanlık belediye müdürlük başsavcılık savcılık baro komutanlık kaymakamlık "
        "valilik emniyet jandarma meclis"
    ),
    "pt": _words(
        "partido banco ministério universidade governo secretaria tribunal instituto "
        "fundação agência associação senado congresso câmara assembleia"
    ),
    "it": _words(
        "partito banca ministero università governo tribunale istituto fondazione senato "
        "camera"
    ),
    "pl": _words("partia bank ministerstwo uniwersytet sejm rząd instytut fundacja"),
    "hr": _words("stranka banka ministarstvo sveučilište vlada sabor institut zaklada"),
    "id": _words("partai bank kementerian universitas dewan lembaga badan komisi"),
    "nl": _words("partij bank ministerie universiteit regering stichting"),
    # with and without the article: "البنك الدولي" as well as "بنك إنجلترا"
    "ar": _words(
        "حزب وزارة جامعة بنك شركة منظمة مجلس حركة هيئة اتحاد نادي صندوق مؤسسة محكمة "
        "وكالة مصرف جمعية لجنة "
        # not "الهيئة", "اللجنة", "المؤسسة", "الجمعية": "the national committee" goes on
        # with whose committee it is ("اللجنة الوطنية للانتخابات"), cut short it names nothing
        "الحزب الوزارة الجامعة البنك الشركة المنظمة المجلس الحركة الاتحاد النادي "
        "الصندوق المحكمة الوكالة المصرف النيابة"
    ),
}

# Institution words that make an organisation only with more words of a name ("Policía de
# la Provincia", "Centro Sismológico Nacional", "Avrupa Birliği"): alone ("la Policía",
# "el Centro") they name a kind of thing, not one organisation.
ORG_HEADS_IN_NAME: dict[str, frozenset[str]] = {
    "es": _words(
        "centro oficina dirección escuela secretaría servicio hospital policía fiscalía "
        "juzgado ejército cuerpo colegio cámara empresa grupo organización"
    ),
    "pt": _words("serviço polícia hospital escola centro prefeitura empresa grupo"),
    "it": _words("polizia ospedale scuola centro ufficio azienda gruppo"),
    "tr": _words(
        "birliği birlik kurulu kurul gazetesi gazete müftülüğü müftülük hastanesi hastane "
        "odası oda"
    ),
}

# Verbs of saying right before or after a name make it a person ("sagte Gruschko",
# "Sánchez dijo", "Erdoğan dedi"); past and present forms of the commonest ones.
SPEECH_VERBS: dict[str, frozenset[str]] = {
    "*": _words("said says told"),
    "de": _words("sagte sagt erklärte erklärt betonte betont meinte sagten warnte"),
    "es": _words("dijo dice afirmó afirma señaló explicó aseguró declaró indicó"),
    "tr": _words("dedi söyledi açıkladı belirtti kaydetti ifade vurguladı"),
    "pt": _words("disse diz afirmou afirma declarou explicou"),
    "it": _words("detto dice dichiarato affermato spiegato"),
    "pl": _words("powiedział powiedziała stwierdził stwierdziła"),
    "hr": _words("rekao rekla izjavio izjavila kazao"),
    "id": _words("mengatakan kata ujar menurut"),
    "nl": _words("zei zegt verklaarde"),
    "ru": _words("сказал сказала заявил заявила сообщил сообщила"),
    "fi": _words("sanoi kertoi"),
    "no": _words("sa sier"),
}

ORG_SUFFIXES_DE = ("ministerium", "partei", "bank", "gericht", "verband", "konzern", "behörde",
                   "präsidium", "amt", "klinikum", "werke", "verwaltung", "feuerwehr",
                   "anwaltschaft", "gewerkschaft")

PLACE_HEADS: dict[str, frozenset[str]] = {
    "de": _words(
        "land landkreis kreis stadt gemeinde bezirk region bundesland kanton bundesstaat provinz "
        "ortsteil stadtteil"
    ),
    "es": _words("provincia municipio región departamento comunidad estado ciudad"),
    "pt": _words("município estado região cidade distrito"),
    "it": _words("provincia comune regione"),
    "fr": _words("département région commune"),
}
PLACE_TAILS: dict[str, frozenset[str]] = {
    # Turkish: stems compared, as for its other cues ("Mahallesinde")
    "tr": _words("ili ilçesi mahallesi köyü beldesi il ilçe mahalle köy belde"),
}


# Arabic prepositions and adverbs that spaCy's stop list lacks, and Egyptian spellings of
# listed ones with a final ى ("فى" for "في"): closed-class words, never the name after a
# title ("الرئيس خلال اللقاء", "الرئيس عبر حسابه").
ARABIC_FUNCTION_WORDS = _words(
    "خلال عبر بشأن إثر اثر عقب وسط وفق أمس امس أيضا ايضا معا فى"
)


def cue_words(table: dict[str, frozenset[str]], language: str) -> frozenset[str]:
    """The words of ``language`` plus the ones every language uses."""
    return table.get("*", frozenset()) | table.get(language, frozenset())
