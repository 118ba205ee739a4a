"""Spanish: gender and number, articles, possessives by register (``tu``/``su``), and the
small changes a line needs once it is said ("de el" → "del", "y" → "e", "o" → "u").

A phrase keeps one gender and number in every form, so that a line's
``agree('listo', 'lista', 'listos', 'listas')`` holds whichever form is said;
a plural of mixed genders is masculine. Spanish puts its object pronouns
before the verb ("los envolvimos"), so a later mention in the same paragraph
is the short phrase again ("tus discos"), never a pronoun left after the verb.

>>> from decimal import Decimal
>>> from delightmail.models import LineItem, Money
>>> price = Money(amount=Decimal(1), currency="EUR")
>>> lines = [LineItem(name="Blue Train", kind="record", quantity=Decimal(3), unit_price=price),
...          LineItem(name="Band tee", kind="T-shirt", quantity=Decimal(1), unit_price=price)]
>>> phrase = GRAMMAR.items(lines, False)
>>> phrase.full["nom"], phrase.gender, phrase.plural
('tus tres discos y una camiseta', 'm', True)
>>> GRAMMAR.items(lines[1:], True).full["acc"]
'su camiseta'
>>> GRAMMAR.finish("Un saludo de el equipo y Inés, siete o ocho veces.")
'Un saludo del equipo e Inés, siete u ocho veces.'
>>> GRAMMAR.join(["una calcomanía", "imanes"])
'una calcomanía e imanes'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..models import LineItem
from ._base import (
    SHORT_NAME,
    Grammar,
    NounPhrase,
    count,
    nouns_data,
    number_word,
    same_in_every_case,
)
from .en import singular_en

__all__ = ["GRAMMAR", "finish_es", "join_es"]

_NUMBERS = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
    "once", "doce",
)  # fmt: skip


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    gender: str  # "m" or "f"
    #: The words of a later mention ("tarjeta" for "tarjeta de regalo").
    again: str
    again_other: str
    #: Plural even for one ("auriculares"): then ``other`` counts pairs.
    pair: bool = False

    def words(self, n: int) -> str:
        """*n* of it, counted: "un disco", "tres discos", "unos auriculares"."""
        if self.pair and n == 1:
            return f"{'unas' if self.gender == 'f' else 'unos'} {self.one}"
        return f"{_number(n, self.gender)} {self.one if n == 1 else self.other}"

    def plural(self, n: int) -> bool:
        return n != 1 or self.pair


@cache
def _nouns_es() -> Mapping[str, _Noun]:
    """Spanish words for the kinds of things, by kind as orders write it: the English
    kind, or a Spanish shop's own word in the singular or the plural."""
    nouns: dict[str, _Noun] = {}
    for kind, entry in nouns_data("es").items():
        pair = bool(entry.get("pair", False))
        again = entry.get("again", entry["one"])
        noun = _Noun(
            entry["one"], entry["other"], entry.get("gender", "m"), again,
            entry.get("again_other", entry["one"] if pair else entry["other"]), pair,
        )  # fmt: skip
        nouns[kind] = noun
    for noun in list(nouns.values()):
        nouns.setdefault(noun.one.lower(), noun)
        nouns.setdefault(noun.other.lower(), noun)
    return nouns


def _canonical(kind: str) -> str:
    """The kind as the count keys it: its Spanish singular when known ("records",
    "Discos" → "disco"), else as written."""
    nouns = _nouns_es()
    noun = nouns.get(kind.lower()) or nouns.get(singular_en(kind).lower())
    return noun.one if noun is not None else kind


def _number(n: int, gender: str) -> str:
    """*n* before a noun of *gender*: "un", "una", "tres"; digits past twelve."""
    if n == 1:
        return "una" if gender == "f" else "un"
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def _word(n: int) -> str:
    return number_word(_NUMBERS, n)


# -- the words a line is finished with ----------------------------------------------------

# A name in quotes is left as written; around it, "de el" → "del", "a el" → "al"
# (never "El" of a proper name, never the pronoun "él"), "y" → "e" before an /i/
# sound (i-, hi-, but not the diphthong of "hielo" or "hiato"), "o" → "u" before
# an /o/ sound (o-, ho-, 8, 11).
_OPEN = '«“"('
_FIX = re.compile(
    r"(?P<quoted>«[^»]*»)"
    r"|(?<!\w)(?P<prep>de|De|DE|a|A) el\b"
    rf"|(?<!\w)(?P<y>[yY]) (?=[{_OPEN}]?[hH]?[iIíÍ](?![aeouáéóúAEOUÁÉÓÚ]))"
    rf"|(?<!\w)(?P<o>[oO]) (?=[{_OPEN}]?(?:[hH]?[oOóÓ]|8|11(?![\d])))"
    rf"|(?P<start>(?:^|[.!?…]\s+)[¡¿]+[{_OPEN}]*)(?P<letter>[^\W\d_])"
)
_CONTRACTED = {"de": "del", "De": "Del", "DE": "DEL", "a": "al", "A": "Al"}


def _fix(match: re.Match[str]) -> str:
    if match.group("quoted") is not None:
        return match.group(0)
    prep = match.group("prep")
    if prep is not None:
        return _CONTRACTED[prep]
    y = match.group("y")
    if y is not None:
        return ("e" if y == "y" else "E") + " "
    o = match.group("o")
    if o is not None:
        return ("u" if o == "o" else "U") + " "
    return match.group("start") + match.group("letter").upper()


def finish_es(text: str) -> str:
    """A rendered Spanish line made right: "de el" → "del", "a el" → "al", "y" → "e"
    before an /i/ sound, "o" → "u" before an /o/ sound, and a capital after the ¡ or ¿
    that opens a sentence. Idempotent; a name in «quotes» is left as written."""
    return _FIX.sub(_fix, text)


def join_es(items: Sequence[str]) -> str:
    """``a, b y c``, with "e" before an /i/ sound: "calcomanías e imanes"."""
    if len(items) <= 1:
        return "".join(items)
    return finish_es(f"{', '.join(items[:-1])} y {items[-1]}")


# -- naming what was bought ---------------------------------------------------------------


def _phrase(
    full: str, bare: str, short: str, again: str, *, plural: bool, gender: str
) -> NounPhrase:
    # The same words in every case; a later mention in the same paragraph is the
    # short phrase again, for a Spanish object pronoun stands before its verb.
    return same_in_every_case(full, bare, short, again, again, plural=plural, gender=gender)


def _items_es(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    """Spanish: "tus tres discos y una camiseta", formal "sus tres discos y una camiseta"."""
    nouns = _nouns_es()
    one, many = ("su", "sus") if formal else ("tu", "tus")
    c = count(lines, _canonical)
    order = f"{one} pedido"

    def titled(name: str) -> NounPhrase:
        # A product of no kind the grammar knows, called by its name: masculine, as
        # Spanish names a title ("el «Kind of Blue»").
        words = f"«{name}»"
        short = words if len(name) <= SHORT_NAME else order
        return _phrase(words, words, short, short, plural=False, gender="m")

    # A line of no kind is called by its name, never "tu cosa".
    vague = nouns.get("thing")
    known = all(kind in nouns and nouns[kind] is not vague for kind in c.counts)
    if c.fractional:
        if c.lines > 1:
            return _phrase(order, order, order, order, plural=False, gender="m")
        return titled(c.first_name)
    if c.total == 1:
        if not known:
            return titled(c.first_name)
        noun = nouns[next(iter(c.counts))]
        if noun.pair:  # "tus auriculares": one pair, told in the plural
            mine, again = f"{many} {noun.one}", f"{many} {noun.again_other}"
        else:
            mine, again = f"{one} {noun.one}", f"{one} {noun.again}"
        return _phrase(mine, noun.words(1), mine, again, plural=noun.pair, gender=noun.gender)
    things = _word(c.total)
    if c.lines == 1 and not known:  # 42 of one product of no kind
        words = f"{things} unidades de «{c.first_name}»"
        return _phrase(
            f"{many} {words}", words, f"{many} {things} cosas", f"{many} cosas",
            plural=True, gender="f",
        )  # fmt: skip
    if not known or len(c.counts) > 3:
        # Too many kinds to list: count them, and still name one.
        among = f" (entre ellos «{c.first_name}»)"
        return _phrase(
            f"{many} {things} artículos{among}", f"{things} artículos{among}",
            f"{many} {things} artículos", f"{many} artículos", plural=True, gender="m",
        )  # fmt: skip
    kinds = [(nouns[kind], n) for kind, n in c.counts.items()]
    gender = "f" if all(noun.gender == "f" for noun, _ in kinds) else "m"
    parts = [noun.words(n) for noun, n in kinds]
    first_noun, first_n = kinds[0]
    # "tu disco y dos camisetas", "tus tres discos y una camiseta", "tus auriculares y..."
    if first_n == 1:
        first = f"{many if first_noun.pair else one} {first_noun.one}"
    else:
        first = f"{many} {_word(first_n)} {first_noun.other}"
    full = join_es([first, *parts[1:]])
    bare = join_es(parts)
    if len(kinds) == 1:
        again = f"{many} {first_noun.again_other}"
        return _phrase(full, bare, full, again, plural=True, gender=gender)
    generic = "cosas" if gender == "f" else "artículos"
    return _phrase(
        full, bare, f"{many} {things} {generic}", f"{many} {generic}", plural=True, gender=gender
    )


GRAMMAR = Grammar(
    language="es",
    items=_items_es,
    numbers=_NUMBERS,
    join=join_es,
    lint_locale="es_ES",
    finish=finish_es,
)
