"""German: gender, case and possessives (``dein``/``Ihr`` by register), and the pronoun
that agrees: "deine drei Platten und dein T-Shirt", dative "deinen drei Platten..."."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ..models import LineItem
from ._base import CASES, SHORT_NAME, Grammar, NounPhrase, count, join_with, nouns_data, number_word
from .en import singular_en

__all__ = ["GRAMMAR"]

_NUMBERS = (
    "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
    "elf", "zwölf",
)  # fmt: skip
_join = join_with("und", "de")


def _word(n: int) -> str:
    return number_word(_NUMBERS, n)


@dataclass(frozen=True)
class _Noun:
    one: str
    other: str
    gender: str  # "m", "f" or "n"
    dative_plural: str


@cache
def _nouns_de() -> Mapping[str, _Noun]:
    """German words for the kinds of things, by kind as orders write it (English or German)."""
    nouns: dict[str, _Noun] = {}
    for kind, entry in nouns_data("de").items():
        other = entry["other"]
        dative = entry.get("dative_plural") or (
            other if other.endswith(("n", "s")) else other + "n"
        )
        noun = _Noun(entry["one"], other, entry.get("gender", "n"), dative)
        nouns[kind] = noun
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
    c = count(lines, lambda kind: kind if kind.lower() in nouns else singular_en(kind))

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
        short = words if len(name) <= SHORT_NAME else order
        return NounPhrase(words, words, short, short, _DE_PRONOUN["n"], plural=False, gender="n")

    # A line of no kind is called by its name, never "deine Sache".
    known = all(kind in nouns and kind != "thing" for kind in c.counts)
    if c.fractional:
        if c.lines > 1:
            return NounPhrase(
                order, order, order, order, _DE_PRONOUN["f"], plural=False, gender="f"
            )
        return titled(c.first_name)
    if c.total == 1:
        if not known:
            return titled(c.first_name)
        noun = nouns[next(iter(c.counts))]
        mine = by_case(lambda case: f"{poss(case, noun.gender)} {noun.one}")
        bare = by_case(lambda case: f"{article(case, noun.gender)} {noun.one}")
        return NounPhrase(
            mine, bare, mine, mine, _DE_PRONOUN[noun.gender], plural=False, gender=noun.gender
        )
    things = _word(c.total)
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
                words = f"{_word(n)} {plural}"
                parts.append(f"{poss(case, 'pl')} {words}" if possessive else words)
        return _join(parts)

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


GRAMMAR = Grammar(
    language="de",
    items=_items_de,
    numbers=_NUMBERS,
    join=_join,
    lint_locale="de_DE",
    ambiguous_capital=frozenset({"sie"}),
)
