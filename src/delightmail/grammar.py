"""Grammar as code: naming what was bought, in each language, in every case a line needs.

Copy never patches grammar by hand. A story line says ``{{ items }}`` where
the things bought are the subject, ``{{ items.acc }}`` where they are the
object and ``{{ items.dat }}`` for the dative (German "mit deinen Platten");
this module decides the words: English articles and plurals, German
gender, case and possessives (``dein``/``Ihr`` by register), and the
pronoun that agrees.

The first mention in an email names the things in full ("your three records
and a T-shirt"); a later one in the same paragraph is a pronoun ("them"), and
one in a later paragraph a short phrase with no count to say twice ("your
things"), so that no phrase is said twice and no pronoun reaches back over a
paragraph.

>>> phrase = items_phrase(order.lines, "de")  # doctest: +SKIP
>>> phrase.full["dat"]  # doctest: +SKIP
'deinen drei Platten und deinem T-Shirt'
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from .models import LineItem, goods

__all__ = [
    "CASES",
    "LANGUAGES",
    "ItemsRef",
    "Mentions",
    "NounPhrase",
    "count_word",
    "items_phrase",
    "join_words",
]

PACK_DIR = Path(__file__).resolve().parent / "packs"

#: The grammatical cases a line can ask for. English uses ``acc`` for every object.
CASES = ("nom", "acc", "dat")
#: The languages with a grammar here; any other is told in English.
LANGUAGES = ("en", "de")

_NUMBER_WORDS = {
    "en": [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ],
    "de": [
        "null",
        "eins",
        "zwei",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
    ],
}
_AND = {"en": "and", "de": "und"}


def count_word(n: int, language: str) -> str:
    """*n* as a word up to twelve ("seven", "sieben"), in digits beyond."""
    words = _NUMBER_WORDS.get(language, _NUMBER_WORDS["en"])
    return words[n] if 0 <= n < len(words) else str(n)


def join_words(items: Sequence[str], language: str) -> str:
    """``a, b and c`` (``a, b und c``)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_AND.get(language, 'and')} {items[-1]}"


@dataclass(frozen=True)
class NounPhrase:
    """The things bought, named in one language: each form by case (``nom``, ``acc``, ``dat``).

    :param full: the first mention, with the possessive ("your three records and a T-shirt").
    :param bare: the same without the possessive ("three records and a T-shirt").
    :param short: short, for a subject line ("your four things").
    :param again: a later mention in another paragraph, with no count to say
        twice ("your things", "your records").
    :param pronoun: a later mention in the same paragraph ("they", "them").
    :param plural: whether verbs agree in the plural.
    """

    full: Mapping[str, str]
    bare: Mapping[str, str]
    short: Mapping[str, str]
    again: Mapping[str, str]
    pronoun: Mapping[str, str]
    plural: bool


def _en(full: str, bare: str, short: str, again: str, plural: bool) -> NounPhrase:
    """An English phrase: its words do not change with case, only its pronoun does."""
    return NounPhrase(
        full=dict.fromkeys(CASES, full),
        bare=dict.fromkeys(CASES, bare),
        short=dict.fromkeys(CASES, short),
        again=dict.fromkeys(CASES, again),
        pronoun=_EN_THEY if plural else _EN_IT,
        plural=plural,
    )


# -- counting what was bought ---------------------------------------------------------


@dataclass(frozen=True)
class _Count:
    """The lines, counted by kind (lower-cased), in the order first seen."""

    counts: dict[str, int]
    spelling: dict[str, str]
    total: int
    fractional: bool
    first_name: str
    lines: int


def _count(lines: Sequence[LineItem], one: Callable[[str], str]) -> _Count:
    """Count *lines* by kind, each kind as *one* writes it in the singular."""
    # One pass: an order may have 1,000 lines.
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    fractional = False
    for line in lines:
        kind = one(line.kind) if line.kind else "thing"
        key = kind.lower()
        whole = line.whole_quantity
        if whole is None:
            fractional, whole = True, 1
        if key in counts:
            counts[key] += whole
        else:
            counts[key] = whole
            spelling[key] = kind
    return _Count(counts, spelling, sum(counts.values()), fractional, lines[0].name, len(lines))


#: How long a product's name may be to stand for it in a subject.
_SHORT_NAME = 28


# -- English ---------------------------------------------------------------------------

_EN_IT = {"nom": "it", "acc": "it", "dat": "it"}
_EN_THEY = {"nom": "they", "acc": "them", "dat": "them"}
# Words spelled with a vowel that sound like a consonant, and the reverse.
_EN_A = re.compile(r"^(?:uni|use|usu|eu|one|once|ur[aeiou])", re.IGNORECASE)
_EN_AN = re.compile(r"^(?:hour|honest|honou?r|heir|[aeiou])", re.IGNORECASE)


# An acronym is read letter by letter: "an LP", "an EP", "a CD", "a USB stick".
_ACRONYM = re.compile(r"^[A-Z]{2,}\b")
_LETTER_AN = frozenset("AEFHILMNORSX")


def _article_en(noun: str) -> str:
    if _ACRONYM.match(noun):
        return "an" if noun[0] in _LETTER_AN else "a"
    if noun[:1] == "8" or noun[:2] in ("11", "18"):
        return "an"
    return "a" if _EN_A.match(noun) or not _EN_AN.match(noun) else "an"


@cache
def _plurals_en() -> Mapping[str, str]:
    """Plurals English spells its own way (``nouns.en.toml``), by the singular."""
    path = PACK_DIR / "nouns.en.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {kind.lower(): entry["other"] for kind, entry in data.items()}


@cache
def _pairs_en() -> frozenset[str]:
    """Kinds that come in pairs (``pair = true``): one is "a pair of headphones"."""
    path = PACK_DIR / "nouns.en.toml"
    if not path.is_file():
        return frozenset()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return frozenset(kind.lower() for kind, entry in data.items() if entry.get("pair"))


@cache
def _singulars_en() -> Mapping[str, str]:
    return {other.lower(): kind for kind, other in _plurals_en().items()}


@lru_cache(maxsize=4096)
def singular_en(noun: str) -> str:
    """A kind written in the plural ("records", "T-shirts"), as one: "record", "T-shirt"."""
    head, sep, tail = noun.partition(" of ")
    if sep:  # "packs of sleeves" → "pack of sleeves"
        return singular_en(head) + sep + tail
    lower = noun.lower()
    known = _singulars_en().get(lower)
    if known is not None:
        return known
    if lower in _plurals_en() or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return noun
    if lower.endswith("ies"):
        return noun[:-3] + "y"
    if lower.endswith(("ches", "shes", "xes", "zes", "sses")):
        return noun[:-2]
    return noun[:-1]


def plural_en(noun: str) -> str:
    """An English plural: record → records, box → boxes, candy → candies, pack of x → packs of x."""
    known = _plurals_en().get(noun.lower())
    if known is not None:
        return known
    head, sep, tail = noun.partition(" of ")
    if sep:
        return plural_en(head) + sep + tail
    lower = noun.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if lower.endswith("y") and len(noun) > 1 and lower[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


_TITLE = re.compile(r"^(?:the|a|an)\s", re.IGNORECASE)


def _named_en(name: str) -> NounPhrase:
    """One product of no kind, or a fraction of one (1.5 kg): called by its name.

    A title with its own article stands without "your" ("The Hobbit"); a name
    that ends like a plural ("Wool Socks") takes a plural verb.
    """
    full = name if _TITLE.match(name) else f"your {name}"
    short = full if len(name) <= _SHORT_NAME else "your order"
    lower = name.lower()
    plural = lower.endswith("s") and not lower.endswith(("ss", "us", "is"))
    return _en(full, name, short, short, plural=plural)


def _items_en(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    c = _count(lines, singular_en)
    if c.fractional:
        if c.lines > 1:
            return _en("your order", "your order", "your order", "your order", plural=False)
        return _named_en(c.first_name)
    if c.total == 1:
        if not lines[0].kind:
            return _named_en(lines[0].name)
        noun = c.spelling[next(iter(c.counts))]
        mine = f"your {noun}"
        if noun.lower() in _pairs_en():  # "your headphones are", "a pair of headphones"
            return _en(mine, f"a pair of {noun}", mine, mine, plural=True)
        return _en(mine, f"{_article_en(noun)} {noun}", mine, mine, plural=False)
    things = f"{count_word(c.total, 'en')} things"
    if c.lines == 1 and not lines[0].kind:  # 42 of one product of no kind
        words = f"{lines[0].name} ({count_word(c.total, 'en')} of them)"
        return _en(f"your {words}", words, f"your {things}", "your things", plural=True)
    if len(c.counts) > 3 or "thing" in c.counts:
        # Too many kinds to list: count them, and still name one.
        words = f"{things} ({c.first_name} among them)"
        return _en(f"your {words}", words, f"your {things}", "your things", plural=True)
    parts: list[str] = []
    for key, n in c.counts.items():
        noun = c.spelling[key]
        if key in _pairs_en():
            parts.append(f"{'a pair' if n == 1 else count_word(n, 'en') + ' pairs'} of {noun}")
        elif n == 1:
            parts.append(f"{_article_en(noun)} {noun}")
        else:
            parts.append(f"{count_word(n, 'en')} {plural_en(noun)}")
    bare = join_words(parts, "en")
    # "your a record and a book" → "your record and a book" (but "your pair of socks")
    first = parts[0].removeprefix("a ").removeprefix("an ")
    full = "your " + join_words([first, *parts[1:]], "en")
    if len(c.counts) == 1:
        noun = plural_en(c.spelling[next(iter(c.counts))])
        return _en(full, bare, full, f"your {noun}", plural=True)
    return _en(full, bare, f"your {things}", "your things", plural=True)


# -- German ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    gender: str  # "m", "f" or "n"
    dative_plural: str


@cache
def _nouns_de() -> Mapping[str, _Noun]:
    """German words for the kinds of things, by kind as orders write it (English or German)."""
    data = tomllib.loads((PACK_DIR / "nouns.de.toml").read_text(encoding="utf-8"))
    nouns: dict[str, _Noun] = {}
    for kind, entry in data.items():
        other = entry["other"]
        dative = entry.get("dative_plural") or (
            other if other.endswith(("n", "s")) else other + "n"
        )
        noun = _Noun(entry["one"], other, entry.get("gender", "n"), dative)
        nouns[kind.lower()] = noun
        nouns.setdefault(noun.one.lower(), noun)  # a German shop writes "Platte"
    return nouns


# Endings of the possessive (dein-, Ihr-) and the indefinite article, by case and gender.
_DE_ENDING = {
    "nom": {"m": "", "f": "e", "n": "", "pl": "e"},
    "acc": {"m": "en", "f": "e", "n": "", "pl": "e"},
    "dat": {"m": "em", "f": "er", "n": "em", "pl": "en"},
}
_DE_PRONOUN = {
    "m": {"nom": "er", "acc": "ihn", "dat": "ihm"},
    "f": {"nom": "sie", "acc": "sie", "dat": "ihr"},
    "n": {"nom": "es", "acc": "es", "dat": "ihm"},
    "pl": {"nom": "sie", "acc": "sie", "dat": "ihnen"},
}


def _items_de(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    """German: "deine Platte und dein T-Shirt", dative "deiner Platte und deinem T-Shirt"."""
    nouns = _nouns_de()
    stem = "Ihr" if formal else "dein"
    # A kind is looked up as written ("Platte", "record"), or as an English plural's singular.
    c = _count(lines, lambda kind: kind if kind.lower() in nouns else singular_en(kind))

    def poss(case: str, gender: str) -> str:
        return stem + _DE_ENDING[case][gender]

    def article(case: str, gender: str) -> str:
        return "ein" + _DE_ENDING[case][gender]

    def by_case(make: Callable[[str], str]) -> dict[str, str]:
        return {case: make(case) for case in CASES}

    order = by_case(lambda case: f"{poss(case, 'f')} Bestellung")
    sachen = by_case(lambda case: f"{poss(case, 'pl')} Sachen")

    def titled(name: str) -> NounPhrase:
        # A product of no kind the grammar knows, called by its name: neuter,
        # as German treats a title ("das Album").
        words = dict.fromkeys(CASES, f"„{name}“")
        short = words if len(name) <= _SHORT_NAME else order
        return NounPhrase(words, words, short, short, _DE_PRONOUN["n"], plural=False)

    # A line of no kind is called by its name, never "deine Sache".
    known = all(kind in nouns and kind != "thing" for kind in c.counts)
    if c.fractional:
        if c.lines > 1:
            return NounPhrase(order, order, order, order, _DE_PRONOUN["f"], plural=False)
        return titled(c.first_name)
    if c.total == 1:
        if not known:
            return titled(c.first_name)
        noun = nouns[next(iter(c.counts))]
        mine = by_case(lambda case: f"{poss(case, noun.gender)} {noun.one}")
        bare = by_case(lambda case: f"{article(case, noun.gender)} {noun.one}")
        return NounPhrase(mine, bare, mine, mine, _DE_PRONOUN[noun.gender], plural=False)
    things = count_word(c.total, "de")
    counted = by_case(lambda case: f"{poss(case, 'pl')} {things} Sachen")
    if c.lines == 1 and not known:
        words = dict.fromkeys(CASES, f"„{c.first_name}“ ({things} Stück)")
        return NounPhrase(words, words, counted, sachen, _DE_PRONOUN["pl"], plural=True)
    if not known or len(c.counts) > 3:
        among = f" (darunter „{c.first_name}“)"
        return NounPhrase(
            full={case: counted[case] + among for case in CASES},
            bare=dict.fromkeys(CASES, f"{things} Sachen{among}"),
            short=counted,
            again=sachen,
            pronoun=_DE_PRONOUN["pl"],
            plural=True,
        )

    def listed(case: str, possessive: bool) -> str:
        parts = []
        for kind, n in c.counts.items():
            noun = nouns[kind]
            if n == 1:
                det = poss(case, noun.gender) if possessive else article(case, noun.gender)
                parts.append(f"{det} {noun.one}")
            else:
                plural = noun.dative_plural if case == "dat" else noun.other
                words = f"{count_word(n, 'de')} {plural}"
                parts.append(f"{poss(case, 'pl')} {words}" if possessive else words)
        return join_words(parts, "de")

    full = by_case(lambda case: listed(case, True))
    if len(c.counts) == 1:
        noun = nouns[next(iter(c.counts))]
        again = by_case(
            lambda case: f"{poss(case, 'pl')} {noun.dative_plural if case == 'dat' else noun.other}"
        )
        short = full
    else:
        again, short = sachen, counted
    return NounPhrase(
        full=full,
        bare=by_case(lambda case: listed(case, False)),
        short=short,
        again=again,
        pronoun=_DE_PRONOUN["pl"],
        plural=True,
    )


_GRAMMARS: Mapping[str, Callable[[Sequence[LineItem], bool], NounPhrase]] = {
    "en": _items_en,
    "de": _items_de,
}


def items_phrase(
    lines: Sequence[LineItem], language: str = "en", *, formal: bool = False
) -> NounPhrase:
    """Name what was bought in *language* (English for a language without a grammar here).

    :param formal: the formal register where the language has one (German "Ihr" for "dein").
    """
    return _GRAMMARS.get(language, _items_en)(goods(lines), formal)


# -- mentions: the long phrase once, then a pronoun or a short phrase --------------------

# Every mention is left in the text as a mark until the sentence it starts
# (or not) is known, so that it can be capitalised there: private-use
# characters, which facts never carry. "p" marks a pronoun, "n" a phrase.
_MARK = re.compile("\ue000([pn])(nom|acc|dat)\ue001([^\ue002]*)\ue002")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)[\"„“‚‘(]*$")
#: Pronouns that, capitalised at the start of a sentence, read as something
#: else (German "Sie reist..." reads as the formal "you").
_AMBIGUOUS_CAPITAL = {"de": frozenset({"sie"})}


def _mark(kind: str, case: str, text: str) -> str:
    return f"\ue000{kind}{case}\ue001{text}\ue002"


@dataclass
class Mentions:
    """What has been said so far in one part of an email (the subject, the body...)."""

    language: str
    phrase: NounPhrase
    #: How often the things were mentioned, and in which paragraph last.
    times: int = 0
    paragraph: int = 0
    said_in: int = -1

    def name(self, case: str, *, bare: bool = False) -> str:
        self.times += 1
        last, self.said_in = self.said_in, self.paragraph
        if self.times == 1:
            return _mark("n", case, (self.phrase.bare if bare else self.phrase.full)[case])
        if last != self.paragraph:
            return _mark("n", case, self.phrase.again[case])
        return _mark("p", case, self.phrase.pronoun[case])

    def short(self, case: str) -> str:
        return _mark("n", case, self.phrase.short[case])

    def finish(self, text: str) -> str:
        """Resolve the mentions in a rendered line: capitalised at a sentence's start,
        and a short phrase where a capital would change what a pronoun means."""
        if "\ue000" not in text:
            return text
        ambiguous = _AMBIGUOUS_CAPITAL.get(self.language, frozenset())

        def resolve(match: re.Match[str]) -> str:
            kind, case, words = match.group(1), match.group(2), match.group(3)
            if not _SENTENCE_START.search(_MARK.sub(r"\3", text[: match.start()])):
                return words
            if kind == "p" and words in ambiguous:
                words = self.phrase.again[case]
            return words[:1].upper() + words[1:]

        return _MARK.sub(resolve, text)


class ItemsRef:
    """What a line sees as ``items``: the words for the things bought, by case.

    ``{{ items }}`` is the subject, ``{{ items.acc }}`` the object,
    ``{{ items.dat }}`` the dative; ``{{ items.bare }}`` (and ``bare_acc``,
    ``bare_dat``) leave out the possessive; ``{{ items.short }}`` is the
    short phrase a subject line uses. Every one of them but ``short`` counts
    as a mention.
    """

    __slots__ = ("_mentions",)

    def __init__(self, mentions: Mentions) -> None:
        self._mentions = mentions

    def __str__(self) -> str:
        return self._mentions.name("nom")

    @property
    def nom(self) -> str:
        return self._mentions.name("nom")

    @property
    def acc(self) -> str:
        return self._mentions.name("acc")

    @property
    def dat(self) -> str:
        return self._mentions.name("dat")

    @property
    def bare(self) -> str:
        return self._mentions.name("nom", bare=True)

    @property
    def bare_acc(self) -> str:
        return self._mentions.name("acc", bare=True)

    @property
    def bare_dat(self) -> str:
        return self._mentions.name("dat", bare=True)

    @property
    def short(self) -> str:
        return self._mentions.short("nom")

    @property
    def short_acc(self) -> str:
        return self._mentions.short("acc")


#: The attributes a line may read from ``items``.
ITEMS_ATTRIBUTES = frozenset(
    {"nom", "acc", "dat", "bare", "bare_acc", "bare_dat", "short", "short_acc"}
)
