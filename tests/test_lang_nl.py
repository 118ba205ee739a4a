"""Dutch: the things bought named right (de/het, plurals, je/uw), the packs read clean in
both registers, and a Dutch order reads Dutch throughout, in the Netherlands and Belgium."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import LineItem, Mailer, Merchant, Money
from delightmail.grammar import ItemsRef, Mentions, count_word, items_phrase, join_words
from delightmail.grammar._base import nouns_data
from delightmail.i18n import catalog_key, has_formal, translations
from delightmail.lint import lint_packs
from delightmail.models import TONES, validate_order
from delightmail.packs import load_pack
from delightmail.story import tell

from .conftest import ORDER_FILES, load
from .test_i18n import assert_no_english, visible
from .test_story import stories

LOCALE = "nl_NL"


def line(kind: str | None, quantity: str, name: str = "Item") -> LineItem:
    return LineItem(
        name=name,
        kind=kind,
        quantity=Decimal(quantity),
        unit_price=Money(amount=Decimal(1), currency="EUR"),
    )


# -- the grammar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "full", "bare", "again", "pronoun", "plural"),
    [
        ([line("record", "1")], "je plaat", "een plaat", "je plaat", "hem", False),
        ([line("book", "1")], "je boek", "een boek", "je boek", "het", False),
        ([line("record", "3"), line("T-shirt", "1")], "je drie platen en een T-shirt",
         "drie platen en een T-shirt", "je spullen", "ze", True),
        ([line("record", "1"), line("book", "1")], "je plaat en een boek",
         "een plaat en een boek", "je spullen", "ze", True),
        ([line("record", "1"), line("vinyl", "1")], "je twee platen", "twee platen",
         "je platen", "ze", True),
        ([line("records", "2"), line("CDs", "2")], "je twee platen en twee cd's",
         "twee platen en twee cd's", "je spullen", "ze", True),
        ([line("plaat", "1"), line("platen", "1")], "je twee platen", "twee platen",
         "je platen", "ze", True),
        ([line("socks", "2")], "je twee paar sokken", "twee paar sokken", "je paar sokken",
         "ze", True),
        ([line("glass", "2"), line("mug", "1")], "je twee glazen en een mok",
         "twee glazen en een mok", "je spullen", "ze", True),
        ([line(None, "1", "Blue Train")], "‘Blue Train’", "‘Blue Train’", "‘Blue Train’",
         "het", False),
        ([line(None, "42", "Mixtape")], "‘Mixtape’ (42 stuks)", "‘Mixtape’ (42 stuks)",
         "je spullen", "ze", True),
        ([line(None, "2", "Mixtape"), line("record", "1")],
         "je drie artikelen (waaronder ‘Mixtape’)", "drie artikelen (waaronder ‘Mixtape’)",
         "je spullen", "ze", True),
        ([line("a", "1", "A"), line("b", "1"), line("c", "1"), line("d", "2")],
         "je vijf artikelen (waaronder ‘A’)", "vijf artikelen (waaronder ‘A’)", "je spullen",
         "ze", True),
        ([line("record", "1"), line("book", "1"), line("mug", "1"), line("pen", "1")],
         "je vier artikelen (waaronder ‘Item’)", "vier artikelen (waaronder ‘Item’)",
         "je spullen", "ze", True),
        ([line("coffee", "1.5", "Bonen")], "‘Bonen’", "‘Bonen’", "‘Bonen’", "het", False),
        ([line("coffee", "1.5", "Bonen"), line("mug", "1")], "je bestelling", "je bestelling",
         "je bestelling", "hem", False),
        ([line("record", "13")], "je 13 platen", "13 platen", "je platen", "ze", True),
        ([line("thing", "2")], "‘Item’ (twee stuks)", "‘Item’ (twee stuks)", "je spullen",
         "ze", True),
        ([line("tip", "1", "Fooi"), line("record", "1")], "je plaat", "een plaat", "je plaat",
         "hem", False),
    ],
    ids=["de-word", "het-word", "three-and-one", "two-kinds", "same-word-two-kinds",
         "english-plurals", "dutch-kinds", "pair", "irregular-plural", "no-kind",
         "many-of-no-kind", "no-kind-and-known", "too-many-kinds", "four-kinds", "fractional",
         "fraction-among-others", "digits", "vague-kind", "tip-not-bought"],
)  # fmt: skip
def test_dutch_names_the_things(
    lines: list[LineItem], full: str, bare: str, again: str, pronoun: str, plural: bool
) -> None:
    """De- and het-words, plurals, counts and a title said right; the pronoun agrees
    ("hem" for a de-word, "het" for a het-word, "ze" for several)."""
    phrase = items_phrase(lines, "nl")
    assert phrase.full["nom"] == full
    assert phrase.bare["nom"] == bare
    assert phrase.again["nom"] == again
    assert phrase.pronoun["acc"] == pronoun
    assert phrase.plural is plural
    # Dutch has no case: every case says the same words.
    for forms in (phrase.full, phrase.bare, phrase.short, phrase.again):
        assert len(set(forms.values())) == 1, forms


def test_formal_dutch_says_uw() -> None:
    """The formal register's possessive is "uw", and no "je" is left in any form."""
    phrase = items_phrase([line("record", "3"), line("T-shirt", "1")], "nl", formal=True)
    assert phrase.full["acc"] == "uw drie platen en een T-shirt"
    assert phrase.again["nom"] == "uw spullen"
    for forms in (phrase.full, phrase.short, phrase.again):
        assert not re.search(r"\bje\b", " ".join(forms.values()))


def test_a_thousand_lines_are_counted_not_listed() -> None:
    """1,000 lines of four kinds are counted in one phrase; of three kinds, listed with
    their counts in digits beyond twelve."""
    kinds = ["record", "book", "mug", "poster"]
    lines = [line(kinds[i % 4], "1", f"Item {i}") for i in range(1000)]
    phrase = items_phrase(lines, "nl")
    assert phrase.full["nom"] == "je 1000 artikelen (waaronder ‘Item 0’)"
    assert phrase.short["nom"] == "je 1000 artikelen" and phrase.plural
    three = items_phrase(lines[:999:4] + lines[1:999:4] + lines[2:999:4], "nl")
    assert three.full["nom"] == "je 250 platen, 250 boeken en 250 mokken"
    assert three.short["nom"] == "je 750 artikelen"


def test_numbers_and_lists() -> None:
    """Numbers in words up to twelve ("één" standing alone), a list joined with "en"."""
    assert [count_word(n, "nl") for n in (1, 2, 7, 12, 13)] == [
        "één",
        "twee",
        "zeven",
        "twaalf",
        "13",
    ]
    assert join_words(["een plaat", "een boek", "een mok"], "nl") == (
        "een plaat, een boek en een mok"
    )
    assert join_words(["een plaat"], "nl") == "een plaat"


def test_first_mention_in_full_then_pronoun_then_again() -> None:
    """The first mention is the full phrase, a second in the paragraph the pronoun, one in
    a later paragraph the again words; at a sentence's start each is capitalised."""
    mentions = Mentions("nl", items_phrase([line("book", "1")], "nl"))
    ref = ItemsRef(mentions)
    text = f"{ref.nom} is mooi. We hebben {ref.acc} ingepakt."
    assert mentions.finish(text) == "Je boek is mooi. We hebben het ingepakt."
    mentions.paragraph = 1
    assert mentions.finish(f"{ref.nom} reist.") == "Je boek reist."


def test_every_kind_of_the_german_nouns_has_dutch_words() -> None:
    """nouns.nl.toml names every kind nouns.de.toml does, each with de or het."""
    dutch, german = nouns_data("nl"), nouns_data("de")
    assert set(german) <= set(dutch)
    for kind, entry in dutch.items():
        assert entry["article"] in ("de", "het"), kind
        assert entry["one"] and entry["other"], kind


KINDS = [*nouns_data("nl"), None, "spaceship", "platen", "Records"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.sampled_from(["1", "2", "3", "12", "13", "60", "1.5"]),
            st.sampled_from(["Kind of Blue", "X"]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_any_order_is_named_grammatically(
    spec: list[tuple[str | None, str, str]], formal: bool
) -> None:
    """Whatever is bought, every form reads clean: no marker, no "None", no "een één",
    no doubled word or space, the right possessive, and one number across every form."""
    lines = [line(kind, n, name) for kind, n, name in spec]
    phrase = items_phrase(lines, "nl", formal=formal)
    fractional = any("." in n for _, n, _ in spec)
    if not fractional:
        assert phrase.plural == (sum(int(n) for _, n, _ in spec) > 1)
    for forms in (phrase.full, phrase.bare, phrase.short, phrase.again, phrase.pronoun):
        for text in forms.values():
            assert text and "None" not in text and "  " not in text, text
            assert not re.search(r"[\[\]|{}\ue000-\ue002]", text), text
            assert " 1 " not in f" {text} " and "een één" not in text, text
            words = text.split()
            assert all(a != b for a, b in itertools.pairwise(words)), text
    own = " ".join(phrase.full.values()) + " " + " ".join(phrase.again.values())
    assert not re.search(r"\b(je|jouw)\b" if formal else r"\buw\b", own), own
    assert phrase.gender == ""  # lines agree by number only


# -- the packs ----------------------------------------------------------------------------


@pytest.mark.parametrize("formal", [False, True], ids=["je", "u"])
@pytest.mark.parametrize("tone", TONES)
def test_dutch_packs_load_in_both_registers(tone: str, formal: bool) -> None:
    """Every slot of every tone is covered for every order (loading checks it), and a
    formal pack says no "je", an informal one no "u"."""
    pack = load_pack(tone, "nl", formal=formal)
    assert pack.language == "nl"
    for lines in pack.lines.values():
        for pack_line in lines:
            source = pack_line.source
            assert "[" not in source and "|" not in source, pack_line.where
            if formal:
                assert not re.search(r"\b(je|jij|jou|jouw|jezelf)\b", source), pack_line.where
            else:
                assert not re.search(r"\b(u|uw|U|Uw|uzelf)\b", source), pack_line.where


def test_dutch_packs_have_the_variety_of_the_german_ones() -> None:
    """As many lines per slot as the German packs, tone by tone."""
    for tone in TONES:
        dutch, german = load_pack(tone, "nl"), load_pack(tone, "de")
        for slot, lines in german.lines.items():
            assert len(dutch.lines.get(slot, ())) >= len(lines), (tone, slot)


@pytest.mark.parametrize("formality", ["informal", "formal"])
@pytest.mark.parametrize("tone", TONES)
def test_every_dutch_line_told_is_true_of_its_order(tone: str, formality: str) -> None:
    """Each line told is one whose conditions hold for the order's facts: a pick-up is
    never told a parcel line, a pending payment never a packed parcel."""
    pack = load_pack(tone, "nl", formal=formality == "formal")
    by_where = {line.where: line for lines in pack.lines.values() for line in lines}
    for _, story in stories(LOCALE, tone, formality):
        assert story.facts is not None and story.language == "nl"
        assert story.formal is (formality == "formal")
        for told in story.told:
            assert by_where[told.where].holds(story.facts), (told, story.facts.describe())


def test_dutch_copy_reads_clean_in_both_registers() -> None:
    """The copy linter finds nothing in any tone, informal and formal, over 300 orders:
    no contradiction, repetition, other language, wrong register or long subject."""
    assert has_formal(LOCALE)
    report = lint_packs(locales=(LOCALE,), count=300)
    assert report.emails == 300 * len(TONES) * 2
    assert report.ok, "\n".join(str(f) for f in report.findings[:10])


# -- a rendered email ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dutch_order() -> dict[str, Any]:
    """The EUR example order (two tax lines, a discount code), placed in the Netherlands."""
    data: dict[str, Any] = load(ORDER_FILES[2])
    return {**data, "locale": LOCALE}


@pytest.mark.parametrize("locale", ["nl_NL", "nl_BE"])
@pytest.mark.parametrize("tone", TONES)
def test_dutch_order_is_dutch_throughout(
    merchant: Merchant, dutch_order: dict[str, Any], tone: str, locale: str
) -> None:
    """No English sentence of ours is left, in the HTML or the text; amounts in euros the
    Dutch way, dates in Dutch words; a Belgian order reads Dutch too."""
    email = Mailer(merchant=merchant, tone=tone).render({**dutch_order, "locale": locale})
    html_text, text = visible(email.html), " ".join(email.text.split())
    assert_no_english(html_text, text)
    for amount in ("€\xa071,61", "€\xa042,00", "€\xa0-7,19", "€\xa06,71"):
        assert " ".join(amount.split()) in html_text and amount in email.text
    assert "21 november 2026" in html_text and "21 november 2026" in text
    assert "Subtotaal" in text and "Totaal" in html_text
    assert 'lang="nl"' in email.html and 'dir="ltr"' in email.html
    assert re.search(r"[Bb]estelling|bevestiging", email.subject)


def test_regional_dutch_reads_the_dutch_catalog() -> None:
    """nl_BE reads the Dutch catalog, and its formal twin where the register asks for it."""
    assert catalog_key("nl_BE") == "nl"
    assert catalog_key("nl_BE", formal=True) == "nl@formal"
    assert translations("nl_BE").gettext("Subtotal") == "Subtotaal"
    formal = translations("nl@formal")
    assert formal.gettext("Your note to us") == "Uw opmerking voor ons"
    assert formal.gettext("Subtotal") == "Subtotaal"  # from nl: the same in both registers


def test_the_register_follows_the_merchant(merchant: Merchant) -> None:
    """Playful speaks "je" by default, plain "u"; a merchant's formality turns either way."""
    order = validate_order({**load(ORDER_FILES[0]), "locale": LOCALE})
    playful = tell(order, merchant, LOCALE, "playful")
    plain = tell(order, merchant, LOCALE, "plain")
    assert not playful.formal and plain.formal
    said = " ".join(plain.paragraphs)
    assert re.search(r"\b(u|uw)\b", said) and not re.search(r"\b(je|jij|jou|jouw)\b", said)
    voice = merchant.voice.model_copy(update={"formality": "formal"})
    formal = tell(order, merchant.model_copy(update={"voice": voice}), LOCALE, "playful")
    assert formal.formal
    assert not re.search(r"\b(je|jij|jou|jouw)\b", " ".join(formal.paragraphs))
