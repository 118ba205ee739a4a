"""French: the grammar (gender, tu/vous possessives, elision, typography), the packs read
by the copy linter in both registers, and French emails throughout."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import Mailer, Merchant
from delightmail.grammar import GRAMMARS, items_phrase
from delightmail.grammar._base import CASES, NounPhrase
from delightmail.grammar.fr import NNBSP, finish, starts_with_vowel
from delightmail.i18n import catalog_key, has_formal
from delightmail.lint import lint_packs
from delightmail.models import TONES, LineItem, Money

from .conftest import ORDER_FILES, load
from .test_i18n import assert_no_english, visible

LOCALE = "fr_FR"
PRICE = Money(amount=Decimal("12.50"), currency="EUR")
WOOL, BLUE = "«\u202fWool Socks\u202f»", "«\u202fBlue Train\u202f»"


def line(kind: str | None, quantity: str | int = 1, name: str = "Blue Train") -> LineItem:
    return LineItem(name=name, kind=kind, quantity=Decimal(quantity), unit_price=PRICE)


def phrase(*lines: LineItem, formal: bool = False) -> NounPhrase:
    return items_phrase(lines, "fr", formal=formal)


# -- naming the things bought -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "formal", "full", "dat", "again", "gender", "plural"),
    [
        ([line("record")], False, "ton disque", "à ton disque", "ton disque", "m", False),
        ([line("poster")], False, "ton affiche", "à ton affiche", "ton affiche", "f", False),
        ([line("scarf")], False, "ton écharpe", "à ton écharpe", "ton écharpe", "f", False),
        ([line("candle")], False, "ta bougie", "à ta bougie", "ta bougie", "f", False),
        ([line("poster")], True, "votre affiche", "à votre affiche", "votre affiche", "f", False),
        ([line("record", 3)], False, "tes trois disques", "à tes trois disques", "tes disques",
         "m", True),
        ([line("record", 3), line("T-shirt")], False, "tes trois disques et un t-shirt",
         "à tes trois disques et à un t-shirt", "tes articles", "m", True),
        ([line("record", 3), line("T-shirt")], True, "vos trois disques et un t-shirt",
         "à vos trois disques et à un t-shirt", "vos articles", "m", True),
        ([line("candle"), line("poster", 2)], False, "ta bougie et deux affiches",
         "à ta bougie et à deux affiches", "tes emplettes", "f", True),
        ([line("candle", 2), line("record")], False, "tes deux bougies et un disque",
         "à tes deux bougies et à un disque", "tes articles", "m", True),
        ([line("bougie"), line("affiches", 2)], False, "ta bougie et deux affiches",
         "à ta bougie et à deux affiches", "tes emplettes", "f", True),
        ([line("affiche"), line("Affiches", 2), line("poster")], False, "tes quatre affiches",
         "à tes quatre affiches", "tes affiches", "f", True),
        ([line(None, name="Mystery item")], False, "ton «\u202fMystery item\u202f»",
         "à ton «\u202fMystery item\u202f»", "ton «\u202fMystery item\u202f»", "m", False),
        ([line(None, 3, name="Wool Socks")], False, f"tes trois exemplaires de {WOOL}",
         f"à tes trois exemplaires de {WOOL}", "tes articles", "m", True),
        ([line("coffee", "1.5", name="Ethiopia")], False, "ton «\u202fEthiopia\u202f»",
         "à ton «\u202fEthiopia\u202f»", "ton «\u202fEthiopia\u202f»", "m", False),
        ([line("coffee", "1.5"), line("mug")], True, "vos achats", "à vos achats", "vos achats",
         "m", True),
        ([line("record"), line("book"), line("mug"), line("poster")], False,
         "tes quatre articles (dont «\u202fBlue Train\u202f»)",
         "à tes quatre articles (dont «\u202fBlue Train\u202f»)", "tes articles", "m", True),
        ([line("record"), line("widget")], False, f"tes deux articles (dont {BLUE})",
         f"à tes deux articles (dont {BLUE})", "tes articles", "m", True),
        ([line("record")] * 1000, False, "tes 1\u202f000 disques", "à tes 1\u202f000 disques",
         "tes disques", "m", True),
    ],
    ids=["masculine", "feminine-vowel-ton", "feminine-e-acute-ton", "feminine-ta", "formal",
         "plural", "mixed", "mixed-formal", "all-feminine", "mixed-is-masculine",
         "french-kinds", "one-kind-however-written", "no-kind", "no-kind-many", "fraction",
         "fractions", "many-kinds",
         "unknown-kind", "thousand-lines"],
)  # fmt: skip
def test_the_things_bought_are_named_with_gender_and_register(
    lines: list[LineItem],
    formal: bool,
    full: str,
    dat: str,
    again: str,
    gender: str,
    plural: bool,
) -> None:
    """Each order's things are named with the possessive of the register ("ton" before a
    vowel even for a feminine word), "à" said before each thing of a list, and the gender
    and number every form agrees with (a mixed plural is masculine)."""
    found = phrase(*lines, formal=formal)
    assert found.full["nom"] == found.full["acc"] == full
    assert found.full["dat"] == dat
    assert found.again["nom"] == again and found.pronoun["acc"] == again
    assert (found.gender, found.plural) == (gender, plural)
    pronoun = {("m", False): "il", ("f", False): "elle", ("m", True): "ils", ("f", True): "elles"}
    assert found.pronoun["nom"] == pronoun[gender, plural]


def test_the_bare_phrase_has_articles_and_counts_that_agree() -> None:
    """Without the possessive: "un disque", "une affiche", "deux bougies et une affiche"."""
    assert phrase(line("record")).bare["nom"] == "un disque"
    assert phrase(line("poster")).bare["nom"] == "une affiche"
    assert phrase(line("candle", 2), line("poster")).bare["nom"] == "deux bougies et une affiche"


def test_every_kind_has_french_words() -> None:
    """nouns.fr.toml names every kind nouns.de.toml does, each with a gender."""
    from delightmail.grammar._base import nouns_data

    assert set(nouns_data("de")) <= set(nouns_data("fr"))
    assert all(entry["gender"] in ("m", "f") for entry in nouns_data("fr").values())


_POSSESSIVES = {"ton", "ta", "tes", "votre", "vos"}
_KINDS = ["record", "poster", "candle", "scarf", "T-shirt", "mug", "socks", "headphones",
          "gift card", "hoodie", "kazoo", "widget", None]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_KINDS), st.sampled_from(["1", "2", "3", "0.5", "12", "40"])),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_any_mix_of_lines_gives_a_whole_phrase_that_agrees(
    spec: list[tuple[str | None, str]], formal: bool
) -> None:
    """Whatever the lines, every form is filled (no marker, no None), starts with the
    register's possessive, and agrees in number and gender with the phrase."""
    found = phrase(*(line(kind, q, name=f"Item {i}") for i, (kind, q) in enumerate(spec)),
                   formal=formal)  # fmt: skip
    assert found.gender in ("m", "f")
    for form in (found.full, found.short, found.again, found.pronoun, found.bare):
        for case in CASES:
            words = form[case]
            assert words and "None" not in words and not re.search(r"[{}\[\]\ue000-\ue002]", words)
            assert "  " not in words and words == words.strip()
    for form in (found.full, found.short, found.again):
        first, _, rest = form["nom"].partition(" ")
        assert first in _POSSESSIVES
        assert (first in ("votre", "vos")) == formal
        # A list says its first thing with its own possessive ("ton disque et une affiche").
        if not found.plural or form is found.again:
            assert (first in ("tes", "vos")) == found.plural
        if first == "ta":  # a feminine thing, said first (a list may be masculine)
            assert (found.gender == "f" or found.plural) and not starts_with_vowel(rest)
        if first == "ton" and found.gender == "f" and not found.plural:
            assert starts_with_vowel(rest)
        assert form["dat"].startswith("à ")


# -- finishing a line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nous savons que il est là.", "Nous savons qu’il est là."),
        ("Que elle soit belle.", "Qu’elle soit belle."),
        ("Le bruit de un carton.", "Le bruit d’un carton."),
        ("Le prix de les disques.", "Le prix des disques."),
        ("Au bord de le quai.", "Au bord du quai."),
        ("Il est à le comptoir.", "Il est au comptoir."),
        ("Une pensée à les voisins.", "Une pensée aux voisins."),
        ("Avant de les emballer.", "Avant de les emballer."),
        ("Prendre soin de le ranger.", "Prendre soin de le ranger."),
        ("Nous voyons le affiche.", "Nous voyons l’affiche."),
        ("Il a vu la écharpe.", "Il a vu l’écharpe."),
        ("Nous savons si il vient.", "Nous savons s’il vient."),
        ("Si elle vient.", "Si elle vient."),
        ("Je ai fini.", "J’ai fini."),
        ("Le bruit de onze disques.", "Le bruit de onze disques."),
        ("Une heure de Otis.", "Une heure d’Otis."),
        ("Pour ta affiche.", "Pour ton affiche."),
        ("La fin de le hiver.", "La fin de l’hiver."),
        ("Bonjour ! Ça va ? Oui : merci ; voilà",
         f"Bonjour{NNBSP}! Ça va{NNBSP}? Oui{NNBSP}: merci{NNBSP}; voilà"),
        ("Quoi?!", f"Quoi{NNBSP}?!"),
        ("Il est 10:30, voir https://x.example", "Il est 10:30, voir https://x.example"),
        ("« Kind of Blue »", f"«{NNBSP}Kind of Blue{NNBSP}»"),
        ("«Kind of Blue»", f"«{NNBSP}Kind of Blue{NNBSP}»"),
    ],
    ids=["que-il", "que-elle", "de-un", "de-les", "de-le", "a-le", "a-les", "pronoun-les",
         "pronoun-le", "le-vowel", "la-vowel", "si-il", "si-elle", "je-ai", "onze", "name",
         "ta-vowel", "mute-h", "spacing", "marks-run", "no-space-in-times-or-links",
         "guillemets", "guillemets-tight"],
)  # fmt: skip
def test_finish_elides_contracts_and_spaces_the_french_way(text: str, expected: str) -> None:
    """A rendered line is made right: elision, contraction (not of a pronoun before its
    verb), "ton" before a vowel, narrow no-break spaces before ; : ! ? and inside « »."""
    assert finish(text) == expected


_TOKENS = st.sampled_from(
    ["que", "Que", "de", "le", "la", "les", "à", "si", "je", "ta", "il", "ils", "elle", "un",
     "une", "ai", "affiche", "hiver", "onze", "ranger", "disque", "Otis", "«", "»", ":", "!",
     "?", ";", "?!", "10:30", ",", "."]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TOKENS, st.sampled_from([" ", "", "\u00a0", NNBSP])), max_size=14))
def test_finish_is_idempotent(parts: list[tuple[str, str]]) -> None:
    """Finishing a finished line changes nothing."""
    text = "".join(token + gap for token, gap in parts)
    once = finish(text)
    assert finish(once) == once


# -- the packs, read by the copy linter -----------------------------------------------------


def test_french_is_registered_with_both_registers() -> None:
    """French tells stories, reads in fr_FR for the linter, and has a formal catalog."""
    assert GRAMMARS["fr"].lint_locale == LOCALE
    assert has_formal(LOCALE) and catalog_key(LOCALE, formal=True) == "fr@formal"


def test_the_french_packs_have_no_finding() -> None:
    """Every tone, in tu and in vous, over 300 generated orders: nothing said twice, no
    contradiction, no other language, no wrong register, no subject too long."""
    report = lint_packs(locales=(LOCALE,), count=300)
    assert report.emails == 300 * len(TONES) * 2
    assert report.ok, "\n".join(str(f) for f in report.findings[:10])


# -- French emails throughout ------------------------------------------------------------------


@pytest.fixture(scope="module")
def german_order() -> dict[str, Any]:
    """The German example order (EUR, two tax lines, a discount code), told in French."""
    data: dict[str, Any] = load(ORDER_FILES[2])
    return data


@pytest.mark.parametrize("formality", ["informal", "formal"])
@pytest.mark.parametrize("tone", TONES)
def test_a_french_order_is_french_throughout(
    merchant_data: dict[str, Any], german_order: dict[str, Any], tone: str, formality: str
) -> None:
    """No English sentence of ours is left in the HTML or the text; money and dates are
    French, the html says lang="fr", and the register holds (tu or vous, never both)."""
    voice = {**merchant_data["voice"], "formality": formality}
    shop = Merchant.model_validate({**merchant_data, "voice": voice})
    email = Mailer(merchant=shop, tone=tone).render({**german_order, "locale": LOCALE})
    html_text, text = visible(email.html), " ".join(email.text.split())
    assert_no_english(html_text, text)
    for amount in ("71,61\xa0€", "42,00\xa0€", "-7,19\xa0€", "6,71\xa0€"):
        assert amount in email.text and " ".join(amount.split()) in html_text
    assert "21 novembre 2026" in text and "21 novembre 2026" in html_text
    assert "Sous-total" in text and "Total" in html_text
    assert 'lang="fr"' in email.html and 'dir="ltr"' in email.html
    assert "commande" in email.subject.lower()
    said = set(re.findall(r"\w+", f"{email.subject} {text}".lower()))
    if formality == "formal":
        assert "vous" in said and not said & {"tu", "ton", "ta", "tes", "toi", "te"}
    else:
        assert "tu" in said and not said & {"vous", "votre", "vos"}


@pytest.mark.parametrize("locale", ["fr_CA", "fr_BE", "fr_CH", "fr"])
def test_french_of_every_region_reads_french(
    mailer: Mailer, german_order: dict[str, Any], locale: str
) -> None:
    """A Canadian, Belgian or Swiss French locale reads the French catalog and story."""
    email = mailer.render({**german_order, "locale": locale})
    assert catalog_key(locale) == "fr" and 'lang="fr"' in email.html
    assert "Sous-total" in email.text and "Subtotal" not in email.text
    assert (
        "21 novembre 2026" in email.text
        and mailer.context({**german_order, "locale": locale})["story"].language == "fr"
    )


def test_a_feminine_thing_agrees_in_the_story(merchant: Merchant) -> None:
    """One poster is "ton affiche" (or "votre affiche") in every tone, never "ta affiche"."""
    order = {
        "number": "#7001", "placed_at": "2026-11-22T10:00:00-08:00", "currency": "EUR",
        "locale": LOCALE, "total": "12.50", "customer": {"first_name": "Zoé"},
        "lines": [{"name": "Tour poster", "kind": "poster", "quantity": 1, "unit_price": "12.50"}],
    }  # fmt: skip
    for tone in TONES:
        text = " ".join(Mailer(merchant, tone=tone).render(order).text.split()).lower()
        assert not re.search(r"\bta affiche", text)
        assert re.search(r"\b(?:ton|votre) affiche", text)


def test_the_french_catalogs_are_complete() -> None:
    """Every message has a French translation, and fr@formal a vous-form of every message
    the French catalog says with tu."""
    from .test_i18n import messages

    assert messages.missing("fr") == []
    assert messages.unformal("fr@formal") == []
    assert messages.informal("Tu reçois ton reçu", "fr") == {"tu", "ton"}


@pytest.mark.parametrize("tone", TONES)
def test_every_line_keeps_to_its_register(tone: str) -> None:
    """Each French line, as the tu pack says it, has no vous, votre or vos; as the vous
    pack says it, no tu, te, toi, ton, ta, tes or t’ (a sentence's first word too)."""
    from delightmail.lexicon import words
    from delightmail.packs import load_pack

    informal = {"tu", "te", "toi", "ton", "ta", "tes", "toi-même"}
    for formal, wrong in ((False, {"vous", "votre", "vos"}), (True, informal)):
        pack = load_pack(tone, "fr", formal=formal)
        for lines in pack.lines.values():
            for told in lines:
                said = set(words(told.source))
                assert not said & wrong, told.where
                if formal:
                    assert not any(w.startswith("t'") for w in said), told.where


def test_a_label_and_its_value_are_spaced_the_french_way(merchant: Merchant) -> None:
    """A line's discount, a gift card and the order's link say "label : value" with a
    narrow no-break space before the colon, and the text part never breaks a line there."""
    email = Mailer(merchant=merchant).render({**load(ORDER_FILES[1]), "locale": "fr_FR"})
    text = email.text
    assert f"Merch Monday{NNBSP}: -5,00" in text
    assert f"Voir la commande{NNBSP}: https://" in text
    assert re.search(rf"Carte cadeau se terminant par 7QX2{NNBSP}: 50,00", text)
    assert not re.search(r"\S :", text)  # no plain space before a colon
    assert not re.search(rf"^[{NNBSP}\s]*[:;!?»]", text, re.MULTILINE)  # nor one at a line's start
    assert f"Merch Monday{NNBSP}:" in lxml.html.fromstring(email.html).text_content()


@given(
    st.lists(
        st.sampled_from(["mot", "e-mail", f"choisi{NNBSP}:", "«{NNBSP}x{NNBSP}»"]),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=200, deadline=None)
def test_the_text_part_never_breaks_at_a_no_break_space(words: list[str]) -> None:
    """Wrapping breaks at spaces only: a narrow no-break space stays, with its neighbours."""
    from delightmail.filters import wrap_filter

    wrapped = wrap_filter(" ".join(words), 20)
    assert wrapped.replace("\n", " ") == " ".join(words)
    assert not any(line.startswith((":", "»")) for line in wrapped.splitlines())
