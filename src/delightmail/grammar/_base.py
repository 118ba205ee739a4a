"""What every language's grammar is made of: the phrase it names the things with,
the counting of the lines, and the :class:`Grammar` a language module exports."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..models import LineItem

__all__ = [
    "CASES",
    "PACK_DIR",
    "SHORT_NAME",
    "Count",
    "Grammar",
    "NounPhrase",
    "count",
    "nouns_data",
    "number_word",
    "same_in_every_case",
]

PACK_DIR = Path(__file__).resolve().parent.parent / "packs"

#: The grammatical cases a line can ask for. A language without cases gives
#: the same words for each (English uses ``acc`` for every object).
CASES = ("nom", "acc", "dat")

#: How long a product's name may be to stand for it in a subject.
SHORT_NAME = 28


@dataclass(frozen=True)
class NounPhrase:
    """The things bought, named in one language: each form by case (``nom``, ``acc``, ``dat``).

    :param full: the first mention, with the possessive ("your three records and a T-shirt").
    :param bare: the same without the possessive ("three records and a T-shirt").
    :param short: short, for a subject line ("your four things").
    :param again: a later mention in another paragraph, with no count to say
        twice ("your things", "your records").
    :param pronoun: a later mention in the same paragraph ("they", "them"). A
        language whose object pronouns stand before the verb (French "les",
        Spanish "los") gives its ``again`` words for the object cases here.
    :param plural: whether verbs agree in the plural.
    :param gender: the gender words agree with (``m``, ``f`` or ``n``; ``""`` in a
        language without one). Every form of one phrase has the same gender and
        number, so that a line's agreement (``agree(...)``) holds whichever is said.
    """

    full: Mapping[str, str]
    bare: Mapping[str, str]
    short: Mapping[str, str]
    again: Mapping[str, str]
    pronoun: Mapping[str, str]
    plural: bool
    gender: str = ""


def same_in_every_case(
    full: str,
    bare: str,
    short: str,
    again: str,
    pronoun: str | Mapping[str, str],
    *,
    plural: bool,
    gender: str = "",
) -> NounPhrase:
    """A phrase whose words do not change with case (English, French, Japanese...)."""
    return NounPhrase(
        full=dict.fromkeys(CASES, full),
        bare=dict.fromkeys(CASES, bare),
        short=dict.fromkeys(CASES, short),
        again=dict.fromkeys(CASES, again),
        pronoun=dict.fromkeys(CASES, pronoun) if isinstance(pronoun, str) else pronoun,
        plural=plural,
        gender=gender,
    )


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Grammar:
    """One language's grammar, as its module in :mod:`delightmail.grammar` exports it.

    :param language: the language code (``fr``).
    :param items: names the goods of an order (``lines``, ``formal``) as a :class:`NounPhrase`.
    :param numbers: the words for zero to twelve (beyond, digits are written); empty
        for a language that writes counts in digits.
    :param join: a list of words as one phrase: ``a, b and c``.
    :param finish: a rendered line made right: elision (French "que il" → "qu'il"),
        contraction (Spanish "de el" → "del"), isolation of a name in another
        script's direction. It is given every line once its mentions are resolved.
    :param sentence_gap: what stands between two sentences of a paragraph (``""`` in
        Japanese, which leaves no space after 。).
    :param capitalize: whether a sentence starts with a capital letter.
    :param ambiguous_capital: pronouns that read as something else when capitalised
        at a sentence's start (German "Sie reist..." reads as the formal you); a
        phrase is said there instead.
    :param lint_locale: the locale the copy linter reads the language in.
    """

    language: str
    items: Callable[[Sequence[LineItem], bool], NounPhrase]
    numbers: Sequence[str]
    join: Callable[[Sequence[str]], str]
    lint_locale: str
    finish: Callable[[str], str] = _identity
    sentence_gap: str = " "
    capitalize: bool = True
    ambiguous_capital: frozenset[str] = field(default_factory=frozenset)

    def count_word(self, n: int) -> str:
        """*n* as a word up to twelve ("seven", "sieben"), in digits beyond."""
        return number_word(self.numbers, n)


def number_word(numbers: Sequence[str], n: int) -> str:
    """*n* as the word *numbers* has for it (zero to twelve), in digits beyond."""
    return numbers[n] if 0 <= n < len(numbers) else str(n)


def join_with(word: str, language: str = "") -> Callable[[Sequence[str]], str]:
    """``a, b <word> c``: the usual way a list is joined."""

    def join(items: Sequence[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {word} {items[-1]}"

    join.__qualname__ = f"join_{language or word}"
    return join


# -- counting what was bought ---------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """The lines, counted by kind (lower-cased), in the order first seen.

    :param counts: how many of each kind, by the kind lower-cased.
    :param spelling: each kind as first written.
    :param total: how many things in all.
    :param fractional: whether some line is a fraction (1.5 kg): then no count is said.
    :param first_name: the first line's product name.
    :param lines: how many lines.
    """

    counts: dict[str, int]
    spelling: dict[str, str]
    total: int
    fractional: bool
    first_name: str
    lines: int


def count(lines: Sequence[LineItem], one: Callable[[str], str]) -> Count:
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
    return Count(counts, spelling, sum(counts.values()), fractional, lines[0].name, len(lines))


@cache
def nouns_data(language: str) -> Mapping[str, Mapping[str, Any]]:
    """``packs/nouns.<language>.toml``: the words for the kinds of things, by kind
    (lower-cased), or nothing when the language has no such file."""
    path = PACK_DIR / f"nouns.{language}.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {kind.lower(): entry for kind, entry in data.items()}
