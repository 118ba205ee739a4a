"""Spanish: the grammar names what was bought in one gender and number, finishes a line
("del", "al", "e", "u", ¡capital!), and every email reads in Spanish, in tú or usted."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import Mailer, Merchant
from delightmail.grammar import es, grammar_of, items_phrase
from delightmail.i18n import catalog_key, has_formal, text_language
from delightmail.lint import lint_packs
from delightmail.models import TONES, LineItem, Money
from delightmail.packs import agreement, load_pack

from .conftest import ORDER_FILES, load
from .test_i18n import assert_no_english, english_sentences, visible

PRICE = Money(amount=Decimal("12.50"), currency="EUR")


def line(kind: str | None, quantity: str | int = 1, name: str = "Blue Train") -> LineItem:
    return LineItem(name=name, kind=kind, quantity=Decimal(quantity), unit_price=PRICE)


# -- naming what was bought ---------------------------------------------------------------

#: (lines, formal) → (full, again, gender, plural)
CASES: list[tuple[str, list[LineItem], bool, tuple[str, str, str, bool]]] = [
    ("one-masculine", [line("record")], False, ("tu disco", "tu disco", "m", False)),
    ("one-feminine", [line("T-shirt")], False, ("tu camiseta", "tu camiseta", "f", False)),
    ("one-formal", [line("mug")], True, ("su taza", "su taza", "f", False)),
    ("plural", [line("records", 3)], False, ("tus tres discos", "tus discos", "m", True)),
    (
        "plural-feminine-formal",
        [line("candle", 2)],
        True,
        ("sus dos velas", "sus velas", "f", True),
    ),
    (
        "mixed-genders-is-masculine",
        [line("record", 3), line("T-shirt")],
        False,
        ("tus tres discos y una camiseta", "tus artículos", "m", True),
    ),
    (
        "all-feminine",
        [line("candle"), line("mug", 2)],
        False,
        ("tu vela y dos tazas", "tus cosas", "f", True),
    ),
    (
        "a-later-mention-is-short",
        [line("gift card")],
        False,
        ("tu tarjeta de regalo", "tu tarjeta", "f", False),
    ),
    (
        "a-pair-is-plural",
        [line("headphones")],
        False,
        ("tus auriculares", "tus auriculares", "m", True),
    ),
    (
        "pairs-are-counted",
        [line("socks", 3)],
        False,
        ("tus tres pares de calcetines", "tus calcetines", "m", True),
    ),
    (
        "a-spanish-shops-own-word",
        [line("Discos", 2)],
        False,
        ("tus dos discos", "tus discos", "m", True),
    ),
    (
        "no-kind",
        [line(None, name="Mystery item")],
        False,
        ("«Mystery item»", "«Mystery item»", "m", False),
    ),
    (
        "no-kind-many",
        [line(None, 3, name="Wool Socks")],
        False,
        ("tus tres unidades de «Wool Socks»", "tus cosas", "f", True),
    ),
    (
        "a-line-of-no-kind-among-others",
        [line("record"), line(None, name="Tip jar")],
        False,
        ("tus dos artículos (entre ellos «Blue Train»)", "tus artículos", "m", True),
    ),
    (
        "four-kinds-are-counted",
        [line("record"), line("book"), line("mug"), line("candle")],
        True,
        ("sus cuatro artículos (entre ellos «Blue Train»)", "sus artículos", "m", True),
    ),
    (
        "fraction-of-one",
        [line("coffee", "1.5", name="Café molido")],
        False,
        ("«Café molido»", "«Café molido»", "m", False),
    ),
    (
        "fractions-of-several",
        [line("coffee", "1.5"), line("tea")],
        True,
        ("su pedido", "su pedido", "m", False),
    ),
    (
        "past-twelve-in-digits",
        [line("record", 13)],
        False,
        ("tus 13 discos", "tus discos", "m", True),
    ),
]


@pytest.mark.parametrize(
    ("lines", "formal", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_things_bought_are_named_in_one_gender_and_number(
    lines: list[LineItem], formal: bool, expected: tuple[str, str, str, bool]
) -> None:
    """The first mention names them in full, a later one shortly, with one gender and
    number for every form (a mixed plural is masculine) and the register's possessive."""
    phrase = items_phrase(lines, "es", formal=formal)
    full, again, gender, plural = expected
    assert (phrase.full["nom"], phrase.again["acc"], phrase.gender, phrase.plural) == (
        full,
        again,
        gender,
        plural,
    )
    # A pronoun would stand after the verb: the later mention in a paragraph is the short phrase.
    assert phrase.pronoun == phrase.again


def test_a_thousand_lines_are_counted_in_digits() -> None:
    """1,000 lines of records are "tus 1000 discos", named in one pass."""
    phrase = items_phrase([line("record") for _ in range(1000)], "es")
    assert phrase.full["nom"] == "tus 1000 discos" and phrase.plural


KINDS = [
    None,
    "record",
    "T-shirt",
    "mug",
    "gift card",
    "headphones",
    "socks",
    "candle",
    "tip",
    "EP",
    "Discos",
]
_POSSESSIVE = re.compile(r"^(tus?|sus?) ")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.sampled_from(["1", "2", "3", "0.5", "12"])),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_any_mix_of_lines_gives_a_whole_phrase(
    spec: list[tuple[str | None, str]], formal: bool
) -> None:
    """Whatever the lines, every form is filled, says no "None" and no marker, speaks in
    the register, and a form that names them as one (not a list) has the phrase's number."""
    phrase = items_phrase(
        [line(kind, q, f"Item {i}") for i, (kind, q) in enumerate(spec)], "es", formal=formal
    )
    assert phrase.gender in ("m", "f")
    wrong = "tu" if formal else "su"
    for form in (phrase.full, phrase.bare, phrase.short, phrase.again, phrase.pronoun):
        for words in form.values():
            assert words and "None" not in words and "{" not in words and "\ue000" not in words
            found = _POSSESSIVE.match(words)
            if found is None:
                continue
            possessive = found.group(1)
            assert not possessive.startswith(wrong)
            if form is not phrase.full or " y " not in words:
                assert possessive.endswith("s") == phrase.plural, words


# -- finishing a line ---------------------------------------------------------------------

FINISHED = [
    ("de-el", "Saludos de el equipo.", "Saludos del equipo."),
    ("a-el", "Se lo dijimos a el paquete.", "Se lo dijimos al paquete."),
    ("capital-at-the-start", "De el equipo, con cariño.", "Del equipo, con cariño."),
    ("a-proper-name-keeps-its-article", "Un saludo de El Salvador.", "Un saludo de El Salvador."),
    ("the-pronoun-is-not-an-article", "Es de él y de ella.", "Es de él y de ella."),
    ("y-before-i", "discos y imanes", "discos e imanes"),
    ("y-before-hi", "papel y hilo", "papel e hilo"),
    ("y-before-a-name", "para Arthur y Ida", "para Arthur e Ida"),
    ("y-stays-before-hie", "agua y hielo", "agua y hielo"),
    ("y-stays-before-a-diphthong", "cobre y hierro, y yodo", "cobre y hierro, y yodo"),
    ("o-before-o", "siete o ocho", "siete u ocho"),
    ("o-before-ho", "uno o hoy", "uno u hoy"),
    ("o-before-eight", "7 o 8", "7 u 8"),
    ("o-before-eleven", "10 o 11", "10 u 11"),
    ("o-stays-before-110", "10 o 110", "10 o 110"),
    ("a-quoted-name-is-left-alone", "«Rock o Oasis» y «Imagine»", "«Rock o Oasis» e «Imagine»"),
    (
        "inverted-marks-start-a-sentence",
        "¡tu disco ya está aquí! ¿qué tal?",
        "¡Tu disco ya está aquí! ¿Qué tal?",
    ),
    ("no-capital-mid-sentence", "Bueno, ¡qué bien!", "Bueno, ¡qué bien!"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [f[1:] for f in FINISHED], ids=[f[0] for f in FINISHED]
)
def test_a_line_is_finished_the_spanish_way(text: str, expected: str) -> None:
    """Contractions, y/e and o/u by the next sound, and a capital after an opening ¡ or ¿."""
    assert grammar_of("es").finish(text) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "de",
                "De",
                "a",
                "A",
                "el",
                "El",
                "él",
                "y",
                "Y",
                "o",
                "O",
                "e",
                "u",
                "Inés",
                "hielo",
                "hilo",
                "ocho",
                "8",
                "11",
                "«Imagine»",
                "¡hola!",
                "¿qué?",
                ".",
                "disco",
                "Hoy",
                "i",
                "h",
            ]
        ),
        max_size=12,
    )
)
def test_finishing_is_idempotent(words: list[str]) -> None:
    """A line finished twice reads as it did finished once."""
    text = " ".join(words)
    once = es.finish_es(text)
    assert es.finish_es(once) == once


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["una calcomanía"], "una calcomanía"),
        (["una calcomanía", "imanes"], "una calcomanía e imanes"),
        (["un disco", "una taza", "un libro"], "un disco, una taza y un libro"),
        (["agua", "hielo"], "agua y hielo"),
    ],
)
def test_a_list_is_joined_with_y_or_e(items: list[str], expected: str) -> None:
    """``a, b y c``, and "e" before an /i/ sound."""
    assert grammar_of("es").join(items) == expected


def test_agreement_holds_for_every_form() -> None:
    """agree('listo', 'lista', 'listos', 'listas') reads the phrase: a mixed plural is
    masculine, feminine things alone are feminine."""
    forms = ("listo", "lista", "listos", "listas")
    mixed = items_phrase([line("record"), line("T-shirt")], "es")
    feminine = items_phrase([line("candle")], "es")
    assert agreement(not mixed.plural, mixed.gender == "f", forms) == "listos"
    assert agreement(not feminine.plural, feminine.gender == "f", forms) == "lista"


# -- the packs, read by the copy linter ------------------------------------------------------


def test_the_spanish_packs_load_in_both_registers() -> None:
    """Every tone loads in tú and in usted, and the formal one says no "tú"."""
    for tone in TONES:
        informal = load_pack(tone, "es")
        formal = load_pack(tone, "es", formal=True)
        said = " ".join(line.source for lines in formal.lines.values() for line in lines)
        assert not re.search(r"\b(tú|tu|tus|te|ti|contigo)\b", said.lower()), tone
        assert informal.lines.keys() == formal.lines.keys()


def test_the_copy_linter_finds_nothing_in_spanish() -> None:
    """300 orders, every tone, in tú and usted: no contradiction, repetition, other
    language, wrong register or long subject."""
    report = lint_packs(locales=("es_ES",), count=300)
    assert report.emails == 300 * len(TONES) * 2
    assert report.ok, "\n\n".join(str(f) for f in report.findings[:10])


# -- rendered emails ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spanish_order() -> dict[str, Any]:
    """The German example order (EUR, two tax lines, a discount code), for a Spanish customer."""
    data: dict[str, Any] = {**load(ORDER_FILES[2]), "locale": "es_ES"}
    return data


@pytest.mark.parametrize("tone", TONES)
def test_a_spanish_order_is_spanish_throughout(
    merchant: Merchant, spanish_order: dict[str, Any], tone: str
) -> None:
    """No English sentence of ours is left; money and dates are written the Spanish way."""
    email = Mailer(merchant=merchant, tone=tone).render(spanish_order)
    html_text, text = visible(email.html), " ".join(email.text.split())
    assert_no_english(html_text, text)
    for amount in ("71,61\xa0€", "-7,19\xa0€"):
        assert " ".join(amount.split()) in html_text and amount in email.text
    assert "21 de noviembre de 2026" in html_text and "21 de noviembre de 2026" in text
    assert "Subtotal" in text and "Total" in html_text and "Envío" in text
    assert 'lang="es"' in email.html and 'dir="ltr"' in email.html
    assert "pedido" in email.subject.lower()


@pytest.mark.parametrize(("tone", "formal"), [("playful", False), ("warm", False), ("plain", True)])
def test_the_register_follows_the_tone_by_default(
    merchant: Merchant, spanish_order: dict[str, Any], tone: str, formal: bool
) -> None:
    """Plain speaks "usted" and playful and warm "tú", unless the merchant says otherwise."""
    email = Mailer(merchant=merchant, tone=tone).render(spanish_order)
    said = set(re.findall(r"\w+", email.text.lower()))
    informal = {"tu", "tus", "te", "ti", "tienes", "recibes"}
    assert bool(said & informal) != formal, sorted(said & informal)
    assert ("su" in said) or not formal


@pytest.mark.parametrize(
    ("locale", "currency", "amount"),
    [("es_MX", "MXN", "$1,234.56"), ("es_AR", "ARS", "$1.234,56"), ("es_US", "USD", "$1,234.56")],
)
def test_a_region_reads_spanish_with_its_own_money(
    merchant: Merchant, locale: str, currency: str, amount: str
) -> None:
    """es_MX, es_AR and es_US read the Spanish catalog and story (in both registers),
    with the region's own money format."""
    assert catalog_key(locale) == "es" and text_language(locale) == "es" and has_formal(locale)
    assert catalog_key(locale, True) == "es@formal"
    base = load(ORDER_FILES[0])
    order = {
        **base,
        "locale": locale,
        "currency": currency,
        "lines": [{**base["lines"][0], "unit_price": "1234.56", "quantity": 1}],
        "total": "1239.06",  # with 4.50 for shipping
    }
    email = Mailer(merchant=merchant).render(order)
    assert 'lang="es"' in email.html
    assert "Subtotal" in email.text and "Envío" in email.text
    assert amount in re.sub(r"[\xa0\u202f ](?=\d)", "", email.text)
    for run in english_sentences():
        assert run not in email.text, f"English left in {locale}: {run!r}"
