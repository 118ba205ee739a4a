"""Dutch: de- and het-words, plurals and possessives by register (``je``/``uw``),
and the pronoun that agrees.

Dutch has no case to speak of, so every case says the same words; only the
pronoun changes between subject and object ("hij", "hem"). A de-word is
referred to as "hij"/"hem" (the usual written Dutch of the Netherlands for
any de-word), a het-word as "het", several things as "ze". Lines agree with
the things by number only (``agree('is', 'zijn')``): no line depends on
de or het, so the phrase carries no gender.

>>> from decimal import Decimal
>>> from delightmail.models import LineItem, Money
>>> def line(kind, n=1, name="Kind of Blue"):
...     price = Money(amount=Decimal("10"), currency="EUR")
...     return LineItem(name=name, kind=kind, quantity=n, unit_price=price)
>>> _items_nl([line("record", 3), line("t-shirt")], False).full["nom"]
'je drie platen en een T-shirt'
>>> _items_nl([line("record"), line("book")], True).full["acc"]
'uw plaat en een boek'
>>> _items_nl([line("book")], False).pronoun["acc"]
'het'
>>> _items_nl([line("record", 2)], False).again["nom"]
'je platen'
>>> _items_nl([line(None)], False).full["nom"]
'‘Kind of Blue’'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..models import LineItem
from ._base import CASES, SHORT_NAME, Grammar, NounPhrase, count, join_with, nouns_data, number_word
from .en import singular_en

__all__ = ["GRAMMAR"]

# "één" stands alone, stressed ("nummer één"); as an article, one thing is "een".
_NUMBERS = (
    "nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien",
    "elf", "twaalf",
)  # fmt: skip
_join = join_with("en", "nl")

#: What a counted mix of things is called ("je vijf artikelen"), and a later mention of it.
_THINGS = "artikelen"
_STUFF = "spullen"
#: Kinds that say nothing of what a thing is: the story counts instead.
_VAGUE = frozenset({"thing", "ding", "dingen"})

_PRONOUN = {
    "de": {"nom": "hij", "acc": "hem", "dat": "hem"},
    "het": {"nom": "het", "acc": "het", "dat": "het"},
    "pl": {"nom": "ze", "acc": "ze", "dat": "ze"},
}


def _word(n: int) -> str:
    return number_word(_NUMBERS, n)


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    article: str  # "de" or "het"


@cache
def _nouns_nl() -> Mapping[str, _Noun]:
    """Dutch words for the kinds of things, by kind as orders write it (English or Dutch)."""
    nouns: dict[str, _Noun] = {}
    for kind, entry in nouns_data("nl").items():
        noun = _Noun(entry["one"], entry["other"], entry.get("article", "de"))
        nouns[kind] = noun
    for noun in list(nouns.values()):
        # A Dutch shop writes "plaat" or "platen".
        nouns.setdefault(noun.one.lower(), noun)
        nouns.setdefault(noun.other.lower(), noun)
    return nouns


def _same(text: str) -> dict[str, str]:
    return dict.fromkeys(CASES, text)


def _phrase(
    full: str, bare: str, short: str, again: str, pronoun: Mapping[str, str], plural: bool
) -> NounPhrase:
    return NounPhrase(
        full=_same(full),
        bare=_same(bare),
        short=_same(short),
        again=_same(again),
        pronoun=dict(pronoun),
        plural=plural,
    )


def _quoted(name: str) -> str:
    return f"‘{name}’"


def _items_nl(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    """Dutch: "je drie platen en een T-shirt", formal "uw drie platen en een T-shirt"."""
    nouns = _nouns_nl()
    mine = "uw" if formal else "je"

    def dutch(kind: str) -> str:
        # A kind as written ("record", "plaat", "platen"), or an English plural's
        # singular ("records"), named by its Dutch singular, so that "record" and
        # "vinyl" count as one kind.
        noun = nouns.get(kind.lower()) or nouns.get(singular_en(kind).lower())
        return noun.one if noun is not None and kind.lower() not in _VAGUE else kind

    c = count(lines, dutch)
    order = f"{mine} bestelling"
    counted = f"{mine} {_word(c.total)} {_THINGS}"
    stuff = f"{mine} {_STUFF}"

    def titled(name: str) -> NounPhrase:
        # A product of no kind the grammar knows, called by its name, as Dutch
        # treats a title: "het" ("‘Kind of Blue’ is ... we hebben het ingepakt").
        words = _quoted(name)
        short = words if len(name) <= SHORT_NAME else order
        return _phrase(words, words, short, short, _PRONOUN["het"], plural=False)

    known = all(kind in nouns and kind not in _VAGUE for kind in c.counts)
    if c.fractional:
        if c.lines > 1:
            return _phrase(order, order, order, order, _PRONOUN["de"], plural=False)
        return titled(c.first_name)
    if c.total == 1:
        if not known:
            return titled(c.first_name)
        noun = nouns[next(iter(c.counts))]
        own = f"{mine} {noun.one}"
        return _phrase(own, f"een {noun.one}", own, own, _PRONOUN[noun.article], plural=False)
    if c.lines == 1 and not known:
        words = f"{_quoted(c.first_name)} ({_word(c.total)} stuks)"
        return _phrase(words, words, counted, stuff, _PRONOUN["pl"], plural=True)
    if not known or len(c.counts) > 3:
        among = f" (waaronder {_quoted(c.first_name)})"
        bare = f"{_word(c.total)} {_THINGS}{among}"
        return _phrase(counted + among, bare, counted, stuff, _PRONOUN["pl"], plural=True)

    parts = []
    for kind, n in c.counts.items():
        noun = nouns[kind]
        parts.append(f"een {noun.one}" if n == 1 else f"{_word(n)} {noun.other}")
    bare = _join(parts)
    # "je een plaat en een boek" → "je plaat en een boek"
    first = parts[0].removeprefix("een ")
    full = f"{mine} " + _join([first, *parts[1:]])
    if len(c.counts) == 1:
        noun = nouns[next(iter(c.counts))]
        return _phrase(full, bare, full, f"{mine} {noun.other}", _PRONOUN["pl"], plural=True)
    return _phrase(full, bare, counted, stuff, _PRONOUN["pl"], plural=True)


GRAMMAR = Grammar(
    language="nl",
    items=_items_nl,
    numbers=_NUMBERS,
    join=_join,
    lint_locale="nl_NL",
)
