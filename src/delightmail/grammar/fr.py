"""French: gender, possessives by register (``ton``/``ta``/``tes``, ``votre``/``vos``),
the pronoun that agrees, and the finishing of a line (elision, contraction, typography).

A phrase's every form has the gender and number of the things it names, so that a
line's ``agree('prêt', 'prête', 'prêts', 'prêtes')`` holds whichever form is said; a
plural of mixed genders is masculine.

>>> from decimal import Decimal
>>> from delightmail.models import LineItem, Money
>>> def line(kind, n=1):
...     price = Money(amount=Decimal(1), currency="EUR")
...     return LineItem(name="x", kind=kind, quantity=Decimal(n), unit_price=price)
>>> phrase = _items_fr([line("record", 3), line("T-shirt")], False)
>>> phrase.full["nom"], phrase.gender
('tes trois disques et un t-shirt', 'm')
>>> _items_fr([line("poster")], False).full["nom"]
'ton affiche'
>>> _items_fr([line("candle", 2)], True).full["acc"]
'vos deux bougies'
>>> finish("Nous savons que il a besoin de un ruban, à le comptoir : voilà!")
'Nous savons qu’il a besoin d’un ruban, au comptoir\\u202f: voilà\\u202f!'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..models import LineItem
from ._base import SHORT_NAME, Grammar, NounPhrase, count, join_with, nouns_data
from .en import singular_en

__all__ = ["GRAMMAR", "NNBSP", "finish", "starts_with_vowel"]

_NUMBERS = (
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze",
)  # fmt: skip
_join = join_with("et", "fr")

#: Narrow no-break space: French puts it before ; : ! ? and inside « ».
NNBSP = "\u202f"

_VOWELS = frozenset("aeiouàâäéèêëîïôöûùüœæ")
# Words spelled with a vowel (or a mute h) that take no elision, and mute-h words that do.
_NO_ELISION = frozenset({"onze", "onzième", "huit", "huitième", "ouate", "oui", "yaourt"})
_MUTE_H = frozenset(
    {"habit", "habitude", "habitudes", "heure", "heures", "heureux", "heureuse", "histoire",
     "hiver", "homme", "honneur", "horloge", "hôtel", "huile", "humeur", "hier", "hommage",
     "hésitation", "herbe", "herbes", "hippopotame", "humour", "hôte", "hôtes", "hélice"}
)  # fmt: skip


def starts_with_vowel(word: str) -> bool:
    """Whether *word* takes elision before it ("l'affiche", "d'un", "ton écharpe"):
    a vowel or a mute h, but not "onze" or "huit"."""
    lower = word.lower()
    first = re.sub(r"[^\w].*", "", lower)  # "affiche," → "affiche"
    if first in _NO_ELISION:
        return False
    if lower[:1] in _VOWELS:
        return True
    return lower[:1] == "h" and first in _MUTE_H


def _word(n: int, gender: str = "m") -> str:
    if n == 1:
        return "une" if gender == "f" else "un"
    if 0 <= n < len(_NUMBERS):
        return _NUMBERS[n]
    # French groups thousands with a narrow no-break space: "1 000".
    return f"{n:,}".replace(",", NNBSP)


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    gender: str  # "m" or "f"
    vowel: bool  # whether it takes elision ("ton affiche", "l'écharpe")


@cache
def _nouns_fr() -> Mapping[str, _Noun]:
    """French words for the kinds of things, by kind as orders write it (in English, or
    in French in the singular or the plural: "record", "disque", "disques")."""
    nouns: dict[str, _Noun] = {}
    for kind, entry in nouns_data("fr").items():
        one, vowel = entry["one"], entry.get("vowel")
        nouns[kind] = _Noun(
            one, entry["other"], entry.get("gender", "m"),
            starts_with_vowel(one) if vowel is None else bool(vowel),
        )  # fmt: skip
    return nouns


@cache
def _kinds_fr() -> Mapping[str, str]:
    """Each way an order may write a kind, lower-cased, to the one kind it counts as: a
    French shop's "disques" and an English "record" are the same things, and so are
    "ebook" and "e-book" (one French word, one count)."""
    by_word: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for kind, noun in _nouns_fr().items():
        same = by_word.setdefault(noun.one.lower(), kind)
        kinds[kind] = same
    for kind, noun in _nouns_fr().items():
        kinds.setdefault(noun.one.lower(), kinds[kind])
        kinds.setdefault(noun.other.lower(), kinds[kind])
    return kinds


def _lookup(kind: str) -> str:
    kinds = _kinds_fr()
    found = kinds.get(kind.lower()) or kinds.get(singular_en(kind).lower())
    return found or singular_en(kind)


_PRONOUN = {"m": "il", "f": "elle", "mpl": "ils", "fpl": "elles"}


def _phrase(
    full: str,
    bare: str,
    short: str,
    again: str,
    *,
    plural: bool,
    gender: str,
    parts: Sequence[str] = (),
    bare_parts: Sequence[str] = (),
) -> NounPhrase:
    """A French phrase. ``nom`` and ``acc`` are the same words; ``dat`` is the phrase
    with "à", which French says again before each thing of a list ("à ton disque et à
    deux mugs"). An object pronoun stands before the verb in French ("on les emballe"),
    so a later object mention says the ``again`` words instead; only the subject is a
    pronoun (il, elle, ils, elles)."""

    def cases(words: str, listed: Sequence[str] = ()) -> dict[str, str]:
        dat = _join([f"à {part}" for part in listed]) if listed else f"à {words}"
        return {"nom": words, "acc": words, "dat": dat}

    again_cases = cases(again)
    nom = _PRONOUN[gender + ("pl" if plural else "")]
    return NounPhrase(
        full=cases(full, parts),
        bare=cases(bare, bare_parts),
        short=cases(short),
        again=again_cases,
        pronoun={**again_cases, "nom": nom},
        plural=plural,
        gender=gender,
    )


@dataclass(frozen=True)
class _Possessive:
    formal: bool

    def one(self, gender: str, vowel: bool) -> str:
        if self.formal:
            return "votre"
        return "ton" if gender == "m" or vowel else "ta"

    @property
    def many(self) -> str:
        return "vos" if self.formal else "tes"


def _quoted(name: str) -> str:
    return f"«{NNBSP}{name}{NNBSP}»"


def _items_fr(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    """French: "tes trois disques et un t-shirt", "ton affiche", "vos deux bougies"."""
    nouns = _nouns_fr()
    mine = _Possessive(formal)
    c = count(lines, _lookup)
    known = all(kind in nouns and kind != "thing" for kind in c.counts)

    def titled(name: str) -> NounPhrase:
        # One product of no kind the grammar knows, called by its name: masculine,
        # as French calls a title it has no noun for ("ton « Kind of Blue »").
        words = _quoted(name)
        full = f"{mine.one('m', False)} {words}"
        short = full if len(name) <= SHORT_NAME else f"{mine.one('m', True)} achat"
        return _phrase(full, words, short, short, plural=False, gender="m")

    if c.fractional:
        # No count to say (1.5 kg): the name of the one line, or "tes achats", not
        # "ta commande", which the lines say of the order itself.
        if c.lines > 1:
            bought = f"{mine.many} achats"
            return _phrase(bought, "des achats", bought, bought, plural=True, gender="m")
        return titled(c.first_name)
    if c.total == 1:
        if not known:
            return titled(c.first_name)
        noun = nouns[next(iter(c.counts))]
        full = f"{mine.one(noun.gender, noun.vowel)} {noun.one}"
        article = "une" if noun.gender == "f" else "un"
        return _phrase(full, f"{article} {noun.one}", full, full, plural=False, gender=noun.gender)
    things = _word(c.total)
    articles = f"{mine.many} articles"
    counted = f"{mine.many} {things} articles"
    if c.lines == 1 and not known:  # 42 of one product of no kind
        words = f"{things} exemplaires de {_quoted(c.first_name)}"
        return _phrase(f"{mine.many} {words}", words, counted, articles, plural=True, gender="m")
    if not known or len(c.counts) > 3:
        # Too many kinds to list: count them, and still name one.
        among = f" (dont {_quoted(c.first_name)})"
        return _phrase(
            counted + among, f"{things} articles{among}", counted, articles,
            plural=True, gender="m",
        )  # fmt: skip
    parts: list[tuple[_Noun, int]] = [(nouns[kind], n) for kind, n in c.counts.items()]
    gender = "f" if all(noun.gender == "f" for noun, _ in parts) else "m"

    def part(noun: _Noun, n: int) -> str:
        if n == 1:
            return f"{'une' if noun.gender == 'f' else 'un'} {noun.one}"
        return f"{_word(n, noun.gender)} {noun.other}"

    bare_parts = [part(noun, n) for noun, n in parts]
    first_noun, first_n = parts[0]
    first = (
        f"{mine.one(first_noun.gender, first_noun.vowel)} {first_noun.one}"
        if first_n == 1
        else f"{mine.many} {part(first_noun, first_n)}"
    )
    full_parts = [first, *bare_parts[1:]]
    full, bare = _join(full_parts), _join(bare_parts)

    def listed(short: str, again: str) -> NounPhrase:
        return _phrase(
            full, bare, short, again,
            plural=True, gender=gender, parts=full_parts, bare_parts=bare_parts,
        )  # fmt: skip

    if len(parts) == 1:
        return listed(full, f"{mine.many} {first_noun.other}")
    # A subject says the list when it is short ("ton disque et un livre"), else counts.
    if gender == "f":  # all feminine: words that agree as they do
        counted, articles = f"{mine.many} {things} emplettes", f"{mine.many} emplettes"
    return listed(full if len(full) <= SHORT_NAME else counted, articles)


# -- finishing a line ---------------------------------------------------------------------

_V = "aeiouàâäéèêëîïôöûùüœæhAEIOUÀÂÄÉÈÊËÎÏÔÖÛÙÜŒÆH"
# A small word, a space, and a word that may take elision after it.
_ELIDE = re.compile(
    r"(?<![\w'’\-])(que|Que|lorsque|puisque|jusque|de|je|Je|me|te|se|ne|le|la)"
    rf"\s+(?=([{_V}][\w\-]*))"
)
_SI = re.compile(r"(?<![\w'’\-])([Ss])i\s+(?=ils?\b)")
_TA = re.compile(rf"(?<![\w'’\-])([Tt])a\s+(?=([{_V}][\w\-]*))")
# "de le", "à les": contracted, unless the pronoun belongs to a verb ("de les emballer").
_CONTRACT = re.compile(r"(?<![\w'’\-])(de|à|De|À)\s+(les?)\s+(?=(\w[\w\-]*))")
_CONTRACTED = {"de le": "du", "de les": "des", "à le": "au", "à les": "aux"}
_VERBS = frozenset(
    {"faire", "prendre", "mettre", "rendre", "attendre", "lire", "dire", "voir", "recevoir",
     "avoir", "savoir", "pouvoir", "vouloir", "devoir", "emballer", "envoyer", "ouvrir", "offrir",
     "garder", "remettre", "poster", "confier", "ranger", "admirer"}
)  # fmt: skip
# Nouns and adjectives that end like an infinitive: an article stands before them.
_NOT_VERBS = frozenset(
    {"premier", "dernier", "papier", "quartier", "panier", "atelier", "cahier", "clavier",
     "escalier", "courrier", "fer", "hiver", "comptoir", "soir", "tiroir", "miroir", "trottoir",
     "plaisir", "souvenir", "loisir", "désir", "avenir", "cuir", "super"}
)  # fmt: skip
_MARKS = ";:!?"
_SPACES = (" ", "\t", "\u00a0", NNBSP)
_OPEN = re.compile(r"«[ \t\u00a0\u202f]*")
_CLOSE = re.compile(r"[ \t\u00a0\u202f]*»")


def _is_verb(word: str) -> bool:
    lower = word.lower()
    if lower in _VERBS:
        return True
    if lower in _NOT_VERBS or not word[:1].islower():
        return False
    return lower.endswith("er") or (lower.endswith("ir") and not lower.endswith("oir"))


def _elide(match: re.Match[str]) -> str:
    if not starts_with_vowel(match.group(2)):
        return match.group(0)
    return match.group(1)[:-1] + "’"


def _contract(match: re.Match[str]) -> str:
    prep, article, following = match.group(1), match.group(2), match.group(3)
    if _is_verb(following):
        return match.group(0)  # "de les emballer": a pronoun, not an article
    if article == "le" and starts_with_vowel(following):
        return match.group(0)  # "de l’affiche": elision, not contraction
    word = _CONTRACTED[f"{prep.lower()} {article}"]
    return (word.capitalize() if prep[0].isupper() else word) + " "


def _ta(match: re.Match[str]) -> str:
    return match.group(1) + "on " if starts_with_vowel(match.group(2)) else match.group(0)


def _spaced(text: str, at: int) -> bool:
    """Whether the mark at *at* takes a space before it: not the second of "?!", not in
    "10:30" or "https://", not at the start."""
    before = text[at - 1] if at > 0 else ""
    after = text[at + 1] if at + 1 < len(text) else ""
    if not before or before in _MARKS:
        return False
    return not (text[at] == ":" and ((before.isdigit() and after.isdigit()) or after == "/"))


def _typography(text: str) -> str:
    text = _CLOSE.sub(NNBSP + "»", _OPEN.sub("«" + NNBSP, text))
    if not any(mark in text for mark in _MARKS):
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _MARKS and _spaced(text, i):
            while out and out[-1] in _SPACES:
                out.pop()
            out.append(NNBSP)
        out.append(ch)
    return "".join(out)


def finish(text: str) -> str:
    """A rendered French line made right: elision ("que il" → "qu’il", "de un" → "d’un",
    "le affiche" → "l’affiche", "si il" → "s’il", "je ai" → "j’ai"), contraction ("de le"
    → "du", "à les" → "aux"), "ta" before a vowel made "ton", and French spacing (a
    narrow no-break space before ; : ! ? and inside « »). Doing it twice changes nothing."""
    text = _CONTRACT.sub(_contract, text)
    text = _SI.sub(lambda m: m.group(1) + "’", text)
    text = _TA.sub(_ta, text)
    text = _ELIDE.sub(_elide, text)
    return _typography(text)


GRAMMAR = Grammar(
    language="fr",
    items=_items_fr,
    numbers=_NUMBERS,
    join=_join,
    lint_locale="fr_FR",
    finish=finish,
)
