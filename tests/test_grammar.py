"""Grammar as code: the things bought named right in English and German, in every case."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import LineItem, Money
from delightmail.grammar import (
    ItemsRef,
    Mentions,
    _starts_sentence,
    count_word,
    items_phrase,
    join_words,
)


def line(kind: str | None, quantity: str, name: str = "Item") -> LineItem:
    return LineItem(
        name=name,
        kind=kind,
        quantity=Decimal(quantity),
        unit_price=Money(amount=Decimal(1), currency="USD"),
    )


@pytest.mark.parametrize(
    ("lines", "full", "bare", "again"),
    [
        ([line("record", "1")], "your record", "a record", "your record"),
        ([line("record", "3"), line("T-shirt", "1")], "your three records and a T-shirt",
         "three records and a T-shirt", "your things"),
        ([line(None, "42", "Mixtape")], "your Mixtape (42 of them)", "Mixtape (42 of them)",
         "your things"),
        ([line(None, "2", "Mixtape"), line("record", "1")],
         "your three things (Mixtape among them)",
         "three things (Mixtape among them)", "your things"),
        ([line(None, "1", "Blue Train")], "your Blue Train", "Blue Train", "your Blue Train"),
        ([line("record", "1"), line("book", "1"), line("mug", "2")],
         "your record, a book and two mugs", "a record, a book and two mugs", "your things"),
        ([line("box", "2")], "your two boxes", "two boxes", "your boxes"),
        ([line("pack of sleeves", "3")], "your three packs of sleeves", "three packs of sleeves",
         "your packs of sleeves"),
        ([line("a", "1", "A"), line("b", "1"), line("c", "1"), line("d", "2")],
         "your five things (A among them)", "five things (A among them)", "your things"),
        ([line("coffee", "1.5", "Beans")], "your Beans", "Beans", "your Beans"),
        ([line("umbrella", "1"), line("apron", "1")], "your umbrella and an apron",
         "an umbrella and an apron", "your things"),
        ([line("record", "13")], "your 13 records", "13 records", "your records"),
        ([line("records", "1"), line("T-Shirts", "2")], "your record and two T-Shirts",
         "a record and two T-Shirts", "your things"),
        ([line("LP", "1"), line("CD", "1")], "your LP and a CD", "an LP and a CD", "your things"),
        ([line("headphones", "1")], "your headphones", "a pair of headphones", "your headphones"),
        ([line("socks", "3"), line("knife", "2")], "your three pairs of socks and two knives",
         "three pairs of socks and two knives", "your things"),
        ([line(None, "1", "The Hobbit")], "The Hobbit", "The Hobbit", "The Hobbit"),
        ([line("tip", "1", "Tip"), line("record", "1")], "your record", "a record", "your record"),
    ],
    ids=["one", "three-and-one", "many-unnamed", "unnamed-and-known", "named", "list",
         "plural-es", "of-phrase", "too-many-kinds", "fractional", "article-an", "digits",
         "kinds-in-plural", "acronyms", "pair", "pairs-and-irregular", "title", "tip-not-bought"],
)  # fmt: skip
def test_english_names_counts_articles_and_plurals(
    lines: list[LineItem], full: str, bare: str, again: str
) -> None:
    """Items are named by kind with counts, articles and plurals, or by name when alone;
    a later mention drops the count so that nothing is said twice."""
    phrase = items_phrase(lines)
    assert (phrase.full["nom"], phrase.bare["nom"], phrase.again["nom"]) == (full, bare, again)


@pytest.mark.parametrize(
    ("lines", "case", "expected"),
    [
        ([line("record", "1")], "nom", "deine Platte"),
        ([line("record", "3"), line("T-shirt", "1")], "nom", "deine drei Platten und dein T-Shirt"),
        ([line("record", "3"), line("T-shirt", "1")], "dat",
         "deinen drei Platten und deinem T-Shirt"),
        ([line("mug", "1")], "nom", "dein Becher"),
        ([line("mug", "1")], "acc", "deinen Becher"),
        ([line("mug", "1")], "dat", "deinem Becher"),
        ([line("book", "2")], "dat", "deinen zwei Büchern"),
        ([line("banjo", "1", "Blue Train")], "dat", "„Blue Train“"),
        ([line(None, "1", "Mystery")], "nom", "„Mystery“"),
        ([line("banjo", "2", "Banjo"), line("record", "1")], "nom",
         "deine drei Sachen (darunter „Banjo“)"),
        ([line("Platte", "2")], "acc", "deine zwei Platten"),
        ([line("candles", "3"), line("LP", "1")], "dat", "deinen drei Kerzen und deiner LP"),
        ([line("fee", "1", "Fee"), line("mug", "1")], "acc", "deinen Becher"),
    ],
    ids=["one", "three-and-one", "dative-list", "masculine", "masculine-acc", "masculine-dat",
         "dative-plural-n", "unknown-kind-named", "no-kind-named", "unknown-kinds",
         "kind-in-german", "english-plural-kind", "fee-not-bought"],
)  # fmt: skip
def test_german_gender_case_and_agreement(lines: list[LineItem], case: str, expected: str) -> None:
    """German names the things with the possessive for their gender and case."""
    assert items_phrase(lines, "de").full[case] == expected


def test_formal_german_says_ihr() -> None:
    """In the formal register the possessive is Ihr, declined the same way."""
    phrase = items_phrase([line("mug", "1"), line("record", "2")], "de", formal=True)
    assert phrase.full["dat"] == "Ihrem Becher und Ihren zwei Platten"


def test_a_plural_name_takes_a_plural_verb() -> None:
    """A product of no kind whose name ends like a plural is "they"; a title is "it"."""
    assert items_phrase([line(None, "1", "Wool Socks")]).plural
    assert not items_phrase([line(None, "1", "Blue Train")]).plural


def test_numbers_and_lists() -> None:
    """Counts are words up to twelve; lists join with the language's 'and'."""
    assert (count_word(7, "en"), count_word(7, "de"), count_word(13, "en")) == (
        "seven",
        "sieben",
        "13",
    )
    assert join_words(["a", "b", "c"], "de") == "a, b und c"


def _say(mentions: Mentions, parts: list[str]) -> str:
    items = ItemsRef(mentions)
    return mentions.finish(
        " ".join(getattr(items, p) if p in ("nom", "acc", "dat") else p for p in parts)
    )


def test_first_mention_in_full_then_pronoun_then_short() -> None:
    """The long phrase once; a pronoun in the same paragraph; a short phrase in the next."""
    mentions = Mentions("en", items_phrase([line("record", "3"), line("mug", "1")]))
    assert _say(mentions, ["We love", "acc", "and wrapped", "acc", "twice."]) == (
        "We love your three records and a mug and wrapped them twice."
    )
    mentions.paragraph = 1
    assert _say(mentions, ["We packed", "acc", "."]) == "We packed your things ."
    assert _say(mentions, ["Done.", "nom", "are ready."]) == "Done. They are ready."


def test_german_pronoun_never_starts_a_sentence_as_sie() -> None:
    """A capitalised "Sie" would read as the formal you: a short phrase stands there instead."""
    mentions = Mentions("de", items_phrase([line("record", "2")], "de"))
    assert _say(mentions, ["Wir lieben", "acc", "."]) == "Wir lieben deine zwei Platten ."
    assert (
        _say(mentions, ["Fertig!", "nom", "reisen bald."]) == "Fertig! Deine Platten reisen bald."
    )
    assert _say(mentions, ["und wir mögen", "acc", "."]) == "und wir mögen sie ."


KINDS = ["record", "book", "T-shirt", "mug", None, "poster", "kazoo", "box", "hoodie"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KINDS), st.integers(1, 60), st.sampled_from(["Kind of Blue", "X"])
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["en", "de"]),
    st.booleans(),
)
def test_any_order_is_named_grammatically(
    spec: list[tuple[str | None, int, str]], language: str, formal: bool
) -> None:
    """Whatever is bought, every form reads clean: no "None", no "1 things", no doubled
    words or spaces, and the verb number follows the count."""
    lines = [line(kind, str(n), name) for kind, n, name in spec]
    phrase = items_phrase(lines, language, formal=formal)
    total = sum(n for _, n, _ in spec)
    assert phrase.plural == (total > 1)
    for forms in (phrase.full, phrase.bare, phrase.short, phrase.again, phrase.pronoun):
        for text in forms.values():
            assert text and "None" not in text and "  " not in text, text
            assert " 1 " not in f" {text} " and "a a " not in text, text
            words = text.split()
            assert all(a != b for a, b in itertools.pairwise(words)), text
    if language == "de" and not formal:
        assert "Ihr" not in phrase.full["nom"]


# What a sentence's start was, as a pattern: the check is held to it.
_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s+)[\"„“‚‘(¡¿«\s\u00a0\u202f]*$")


@given(st.text(alphabet=st.sampled_from(list('a,.!?…"„“‚‘(¡¿« \t\n\u00a0\u202f\u2003'))))
def test_a_mention_after_a_sentence_end_and_opening_marks_starts_a_sentence(before: str) -> None:
    """A mention starts a sentence at the very start, or after ".", "!", "?" or "…" and a
    space, with only spaces and opening marks (« ¡ „) between."""
    assert _starts_sentence(before) == bool(_SENTENCE_START.search(before))
    assert _starts_sentence("") and _starts_sentence("Ready. ¡") and _starts_sentence("Hm… « ")
    assert not _starts_sentence("Ready.«") and not _starts_sentence("and ")
