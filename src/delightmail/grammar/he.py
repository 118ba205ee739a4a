"""Hebrew: the article ה־, "שלך" after the noun, numbers that agree with the noun's
gender (construct forms with the article), and the prefix ו for "and".

Hebrew has no cases, but a definite object takes "את": ``items.acc`` says it
("את התקליט שלך"), ``items`` is the subject ("התקליט שלך"), and ``items.dat``
is the phrase after a preposition written as its own word (על, עם, בשביל).
The customer's gender is unknown, and "שלך" is spelled the same for both.

>>> from decimal import Decimal
>>> from delightmail.models import LineItem, Money
>>> def line(kind, quantity):
...     price = Money(amount=Decimal(1), currency="ILS")
...     return LineItem(name="Blue Train", kind=kind, quantity=Decimal(quantity), unit_price=price)
>>> phrase = GRAMMAR.items([line("record", "3"), line("T-shirt", "1")], False)
>>> phrase.full["nom"]
'שלושת התקליטים וחולצת הטי שלך'
>>> phrase.full["acc"]
'את שלושת התקליטים וחולצת הטי שלך'
>>> phrase.bare["nom"]
'שלושה תקליטים וחולצת טי אחת'
>>> phrase.plural, phrase.gender
(True, 'm')
>>> GRAMMAR.items([line("candle", "2")], False).full["nom"]
'שני הנרות שלך'
>>> GRAMMAR.join(["ספל", "Blue Train"])
'ספל ו-Blue Train'
>>> GRAMMAR.finish("קיבלנו את הזמנה #1001 מ-Sam.")
'קיבלנו את הזמנה \\u2068#1001\\u2069 מ-\\u2068Sam\\u2069.'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..i18n import FSI, isolate_runs
from ..models import LineItem
from ._base import SHORT_NAME, Grammar, NounPhrase, count, nouns_data, same_in_every_case
from .en import singular_en

__all__ = ["GRAMMAR", "isolate"]

#: The numbers before a noun without the article ("שלושה תקליטים", "שלוש חולצות").
_ABSOLUTE = {
    "m": ("", "אחד", "שני", "שלושה", "ארבעה", "חמישה", "שישה", "שבעה", "שמונה", "תשעה",
          "עשרה", "אחד עשר", "שנים עשר"),
    "f": ("", "אחת", "שתי", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע", "עשר",
          "אחת עשרה", "שתים עשרה"),
}  # fmt: skip
#: The construct numbers before a noun with the article ("שלושת התקליטים", "שלוש החולצות").
_CONSTRUCT = {
    "m": ("", "", "שני", "שלושת", "ארבעת", "חמשת", "ששת", "שבעת", "שמונת", "תשעת", "עשרת",
          "אחד עשר", "שנים עשר"),
    "f": ("", "", "שתי", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע", "עשר",
          "אחת עשרה", "שתים עשרה"),
}  # fmt: skip
_PRONOUN = {
    ("m", False): ("הוא", "אותו"),
    ("f", False): ("היא", "אותה"),
    ("m", True): ("הם", "אותם"),
    ("f", True): ("הן", "אותן"),
}
_MINE = "שלך"
_HEBREW = "\u05d0-\u05ea\ufb1d-\ufb4f"


def _digits(n: int) -> str:
    return f"{n:,}"


def _absolute(n: int, gender: str) -> str:
    return _ABSOLUTE[gender][n] if 0 < n < len(_ABSOLUTE[gender]) else _digits(n)


def _construct(n: int, gender: str) -> str:
    return _CONSTRUCT[gender][n] if 1 < n < len(_CONSTRUCT[gender]) else _digits(n)


def _and(word: str) -> str:
    """The prefix ו on *word*: joined to a Hebrew word, "ו-" before a Latin word or a digit."""
    head = word.lstrip(FSI + '"')
    return f"ו{word}" if re.match(f"[{_HEBREW}]", head) else f"ו-{word}"


def _join(items: Sequence[str]) -> str:
    """``א, ב וג``: the last joined by the prefix ו."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_and(items[-1])}"


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    gender: str  # "m" or "f"
    definite: str
    definite_other: str


@cache
def _nouns_he() -> Mapping[str, _Noun]:
    """Hebrew words for the kinds of things, by kind as orders write it (English or Hebrew)."""
    nouns: dict[str, _Noun] = {}
    for kind, entry in nouns_data("he").items():
        one, other = entry["one"], entry["other"]
        noun = _Noun(
            one,
            other,
            entry.get("gender", "m"),
            entry.get("definite") or f"ה{one}",
            entry.get("definite_other") or f"ה{other}",
        )
        nouns[kind] = noun
        nouns.setdefault(one.lower(), noun)  # a Hebrew shop writes "תקליט"
        nouns.setdefault(other.lower(), noun)
    return nouns


def _phrase(
    full: str, bare: str, short: str, again: str, *, plural: bool, gender: str
) -> NounPhrase:
    """A Hebrew phrase: the object takes "את" where it is definite, a pronoun agrees."""
    nom, acc = _PRONOUN[(gender, plural)]

    def obj(words: str) -> str:
        return f"את {words}"

    phrase = same_in_every_case(
        full, bare, short, again, {"nom": nom, "acc": acc, "dat": again},
        plural=plural, gender=gender,
    )  # fmt: skip
    return NounPhrase(
        full={**phrase.full, "acc": obj(full)},
        bare=phrase.bare,
        short={**phrase.short, "acc": obj(short)},
        again={**phrase.again, "acc": obj(again)},
        pronoun=phrase.pronoun,
        plural=plural,
        gender=gender,
    )


def _quoted(name: str) -> str:
    return f'"{name}"'


def _items_he(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    """Hebrew: "התקליט שלך", "שלושת התקליטים וחולצת הטי שלך"."""
    nouns = _nouns_he()
    c = count(lines, lambda kind: kind if kind.lower() in nouns else singular_en(kind))
    order = f"ההזמנה {_MINE}"
    items = f"הפריטים {_MINE}"

    def titled(name: str) -> NounPhrase:
        # A product of no kind the grammar knows, called by its name, as a
        # title: masculine, as Hebrew treats a name from another language.
        words = _quoted(name)
        short = words if len(name) <= SHORT_NAME else f"הפריט {_MINE}"
        phrase = _phrase(words, words, short, short, plural=False, gender="m")
        # A title is definite: the object takes "את" in every form.
        return NounPhrase(
            phrase.full, {**phrase.bare, "acc": f"את {words}"}, phrase.short, phrase.again,
            phrase.pronoun, plural=False, gender="m",
        )  # fmt: skip

    known = all(kind in nouns and kind != "thing" for kind in c.counts)
    if c.fractional:
        if c.lines > 1:
            return _phrase(order, "הזמנה", order, order, plural=False, gender="f")
        return titled(c.first_name)
    if c.total == 1:
        if not known:
            return titled(c.first_name)
        noun = nouns[next(iter(c.counts))]
        mine = f"{noun.definite} {_MINE}"
        return _phrase(mine, noun.one, mine, mine, plural=False, gender=noun.gender)
    counted = f"{_construct(c.total, 'm')} {items}"
    if c.lines == 1 and not known:
        words = f"{_quoted(c.first_name)} ({_absolute(c.total, 'f')} יחידות)"
        phrase = _phrase(words, words, counted, items, plural=True, gender="m")
        return NounPhrase(
            phrase.full, {**phrase.bare, "acc": f"את {words}"}, phrase.short, phrase.again,
            phrase.pronoun, plural=True, gender="m",
        )  # fmt: skip
    if not known or len(c.counts) > 3:
        among = f" (וביניהם {_quoted(c.first_name)})"
        return _phrase(
            counted + among,
            f"{_absolute(c.total, 'm')} פריטים{among}",
            counted,
            items,
            plural=True,
            gender="m",
        )
    kinds = [(nouns[kind], n) for kind, n in c.counts.items()]
    # A mixed plural is masculine unless every noun in it is feminine.
    gender = "f" if all(noun.gender == "f" for noun, _ in kinds) else "m"
    definite = [
        noun.definite if n == 1 else f"{_construct(n, noun.gender)} {noun.definite_other}"
        for noun, n in kinds
    ]
    full = f"{_join(definite)} {_MINE}"
    several = len(kinds) > 1
    bare = _join(
        [
            (f"{noun.one} {_absolute(1, noun.gender)}" if several else noun.one)
            if n == 1
            else f"{_absolute(n, noun.gender)} {noun.other}"
            for noun, n in kinds
        ]
    )
    if not several:
        noun = kinds[0][0]
        return _phrase(
            full, bare, full, f"{noun.definite_other} {_MINE}", plural=True, gender=noun.gender
        )
    if gender == "m":
        return _phrase(full, bare, counted, items, plural=True, gender="m")
    # Every one feminine: "הקניות שלך" (your purchases) is feminine too.
    purchases = f"הקניות {_MINE}"
    return _phrase(full, bare, purchases, purchases, plural=True, gender="f")


# -- mixed direction ------------------------------------------------------------------------

# A prefix (ו, ב, ל, מ, ה, ש, כ) standing before a word of another script is
# written with a hyphen: "ו-Sam", "ב-UPS".
_PREFIX = re.compile(f'(?<![{_HEBREW}\\w-])([ובלמהשכ]{{1,3}})(?=[A-Za-z0-9#{FSI}"])')

#: Each left-to-right run of a line (a Latin name, a number) in an isolate: see
#: :func:`delightmail.i18n.isolate_runs`.
isolate = isolate_runs


def _finish_he(text: str) -> str:
    """A Hebrew line made right: a prefix before a Latin word takes a hyphen, and
    every left-to-right run is isolated."""
    return isolate(_PREFIX.sub(r"\1-", text))


GRAMMAR = Grammar(
    language="he",
    items=_items_he,
    numbers=(),
    join=_join,
    lint_locale="he_IL",
    finish=_finish_he,
    capitalize=False,
)
