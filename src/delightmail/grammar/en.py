"""English: articles (a record, an LP, a pair of headphones), plurals and "your"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache

from ..models import LineItem
from ._base import SHORT_NAME, Grammar, NounPhrase, count, join_with, nouns_data, number_word

__all__ = ["GRAMMAR", "plural_en", "singular_en"]

_NUMBERS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
)  # fmt: skip
_join = join_with("and", "en")


def _word(n: int) -> str:
    return number_word(_NUMBERS, n)


def _en(full: str, bare: str, short: str, again: str, plural: bool) -> NounPhrase:
    """An English phrase: its words do not change with case, only its pronoun does."""
    return NounPhrase(
        full=dict.fromkeys(_CASES, full),
        bare=dict.fromkeys(_CASES, bare),
        short=dict.fromkeys(_CASES, short),
        again=dict.fromkeys(_CASES, again),
        pronoun=_EN_THEY if plural else _EN_IT,
        plural=plural,
    )


_CASES = ("nom", "acc", "dat")
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
    return {kind: entry["other"] for kind, entry in nouns_data("en").items()}


@cache
def _pairs_en() -> frozenset[str]:
    """Kinds that come in pairs (``pair = true``): one is "a pair of headphones"."""
    return frozenset(kind for kind, entry in nouns_data("en").items() if entry.get("pair"))


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
    short = full if len(name) <= SHORT_NAME else "your order"
    lower = name.lower()
    plural = lower.endswith("s") and not lower.endswith(("ss", "us", "is"))
    return _en(full, name, short, short, plural=plural)


def _items_en(lines: Sequence[LineItem], formal: bool) -> NounPhrase:
    c = count(lines, singular_en)
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
    things = f"{_word(c.total)} things"
    if c.lines == 1 and not lines[0].kind:  # 42 of one product of no kind
        words = f"{lines[0].name} ({_word(c.total)} of them)"
        return _en(f"your {words}", words, f"your {things}", "your things", plural=True)
    if len(c.counts) > 3 or "thing" in c.counts:
        # Too many kinds to list: count them, and still name one.
        words = f"{things} ({c.first_name} among them)"
        return _en(f"your {words}", words, f"your {things}", "your things", plural=True)
    parts: list[str] = []
    for key, n in c.counts.items():
        noun = c.spelling[key]
        if key in _pairs_en():
            parts.append(f"{'a pair' if n == 1 else _word(n) + ' pairs'} of {noun}")
        elif n == 1:
            parts.append(f"{_article_en(noun)} {noun}")
        else:
            parts.append(f"{_word(n)} {plural_en(noun)}")
    bare = _join(parts)
    # "your a record and a book" → "your record and a book" (but "your pair of socks")
    first = parts[0].removeprefix("a ").removeprefix("an ")
    full = "your " + _join([first, *parts[1:]])
    if len(c.counts) == 1:
        noun = plural_en(c.spelling[next(iter(c.counts))])
        return _en(full, bare, full, f"your {noun}", plural=True)
    return _en(full, bare, f"your {things}", "your things", plural=True)


GRAMMAR = Grammar(
    language="en",
    items=_items_en,
    numbers=_NUMBERS,
    join=_join,
    lint_locale="en_US",
)
