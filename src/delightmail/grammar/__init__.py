"""Grammar as code: naming what was bought, in each language, in every case a line needs.

Copy never patches grammar by hand. A story line says ``{{ items }}`` where
the things bought are the subject, ``{{ items.acc }}`` where they are the
object and ``{{ items.dat }}`` for the dative (German "mit deinen Platten");
this package decides the words, one module per language (``en``, ``de``...),
each exporting a :class:`Grammar`: articles, plurals, gender, case,
counters and possessives by register, and the pronoun that agrees. A line
agrees with the things by ``agree(...)`` (see :mod:`delightmail.packs`),
which reads the phrase's gender and number.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..models import LineItem, goods
from . import de, en, es, fr, he, ja, nl
from ._base import CASES, Grammar, NounPhrase
from .en import plural_en, singular_en

__all__ = [
    "CASES",
    "GRAMMARS",
    "LANGUAGES",
    "Grammar",
    "ItemsRef",
    "Mentions",
    "NounPhrase",
    "count_word",
    "finish_line",
    "grammar_of",
    "items_phrase",
    "join_words",
    "plural_en",
    "singular_en",
]

#: Each language with a grammar here, by its code. Stories are told in these.
GRAMMARS: Mapping[str, Grammar] = {
    g.language: g
    for g in (en.GRAMMAR, de.GRAMMAR, fr.GRAMMAR, es.GRAMMAR, nl.GRAMMAR, ja.GRAMMAR, he.GRAMMAR)
}
#: The languages with a grammar here; any other is told in English.
LANGUAGES = tuple(GRAMMARS)


def grammar_of(language: str) -> Grammar:
    """The grammar of *language*, or English's for a language without one here."""
    return GRAMMARS.get(language) or GRAMMARS["en"]


def count_word(n: int, language: str) -> str:
    """*n* as a word up to twelve ("seven", "sieben"), in digits beyond."""
    return grammar_of(language).count_word(n)


def join_words(items: Sequence[str], language: str) -> str:
    """``a, b and c`` (``a, b und c``), as *language* joins a list."""
    return grammar_of(language).join(items)


def finish_line(text: str, language: str) -> str:
    """A rendered line made right in *language* (elision, contraction...): see
    :attr:`Grammar.finish`."""
    return grammar_of(language).finish(text)


def items_phrase(
    lines: Sequence[LineItem], language: str = "en", *, formal: bool = False
) -> NounPhrase:
    """Name what was bought in *language* (English for a language without a grammar here).

    :param formal: the formal register where the language has one (German "Ihr" for "dein").
    """
    return grammar_of(language).items(goods(lines), formal)


# -- mentions: the long phrase once, then a pronoun or a short phrase --------------------

# Every mention is left in the text as a mark until the sentence it starts
# (or not) is known, so that it can be capitalised there: private-use
# characters, which facts never carry. "p" marks a pronoun, "n" a phrase.
_MARK = re.compile("\ue000([pn])(nom|acc|dat)\ue001([^\ue002]*)\ue002")
# What may stand between the end of a sentence and the first word of the next: opening
# quotes and brackets, "¡" and "¿", and spaces (a no-break one too).
_OPENERS = frozenset('"„“‚‘(¡¿«')
_ENDS = frozenset(".!?…")


def _starts_sentence(before: str) -> bool:
    """Whether a word after *before* starts a sentence: *before* is empty, or it ends
    with ".", "!", "?" or "…" and a space, then nothing but spaces and opening marks."""
    i = len(before)
    while i and (before[i - 1] in _OPENERS or before[i - 1].isspace()):
        i -= 1
    return i == 0 or (before[i - 1] in _ENDS and i < len(before) and before[i].isspace())


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
        grammar = grammar_of(self.language)
        ambiguous = grammar.ambiguous_capital

        def resolve(match: re.Match[str]) -> str:
            kind, case, words = match.group(1), match.group(2), match.group(3)
            if not _starts_sentence(_MARK.sub(r"\3", text[: match.start()])):
                return words
            if kind == "p" and words in ambiguous:
                words = self.phrase.again[case]
            return words[:1].upper() + words[1:] if grammar.capitalize else words

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
