"""Languages: German copy throughout, English text with local formats elsewhere, RTL."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from delightmail import Mailer, Merchant
from delightmail.i18n import catalog_key, text_direction, translations
from delightmail.models import TONES
from delightmail.packs import load_pack
from delightmail.testing import assert_same_html

from .conftest import ORDER_FILES, ROOT, load

sys.path.insert(0, str(ROOT / "scripts"))
import messages  # scripts/messages.py: the catalog tool


def visible(html: str) -> str:
    return " ".join(lxml.html.document_fromstring(html).text_content().split())


def english_sentences() -> list[str]:
    """Our English copy (template messages and English pack lines), as the literal runs
    a reader would see."""
    sources = [m.id for m in messages.catalog() if m.id and isinstance(m.id, str)]
    for tone in TONES:
        pack = load_pack(tone, "en")
        sources += [line.source for lines in pack.lines.values() for line in lines]
    runs = []
    for source in sources:
        for run in re.split(r"\{\{.*?\}\}|%\(\w+\)s", source):
            run = " ".join(run.split()).strip(" .,:;!?()'")
            if len(run.split()) >= 3:  # long enough to be a sentence fragment, not a name
                runs.append(run)
    return runs


@pytest.fixture(scope="module")
def german_order() -> dict[str, Any]:
    """The German example order (EUR, two tax lines, a discount code)."""
    data: dict[str, Any] = load(ORDER_FILES[2])
    return data


@pytest.mark.parametrize("tone", TONES)
def test_german_order_is_german_throughout(
    merchant: Merchant, german_order: dict[str, Any], tone: str
) -> None:
    """No English sentence of ours is left; amounts and dates are formatted the German way."""
    email = Mailer(merchant=merchant, tone=tone).render(german_order)
    html_text, text = visible(email.html), " ".join(email.text.split())
    for run in english_sentences():
        assert run not in html_text, f"English left in the HTML: {run!r}"
        assert run not in text, f"English left in the text: {run!r}"
    for amount in ("71,61\xa0€", "42,00\xa0€", "-7,19\xa0€", "6,71\xa0€"):
        assert " ".join(amount.split()) in html_text and amount in email.text
    assert "21. November 2026" in html_text and "21. November 2026" in text
    assert "Zwischensumme" in text and "Gesamt" in html_text
    assert 'lang="de"' in email.html and 'dir="ltr"' in email.html
    assert "Bestell" in email.subject


def test_locale_without_catalog_falls_back_to_english_with_local_formats(
    mailer: Mailer, german_order: dict[str, Any]
) -> None:
    """A French order reads in English but shows French money and dates where they
    stand alone; the html says it is English."""
    order = {**german_order, "locale": "fr_FR"}
    email = mailer.render(order)
    assert "Subtotal" in email.text and "Hi Jörg!" in email.text
    assert "71,61\u202f€" in email.text or "71,61\xa0€" in email.text
    assert "21 novembre 2026" in email.text
    assert 'lang="en"' in email.html
    assert catalog_key("fr_FR") == "en" and catalog_key("de_AT") == "de"


def test_direction_is_the_texts(mailer: Mailer, order_data: dict[str, Any]) -> None:
    """An Arabic order without an Arabic catalog reads in English, so left to right;
    Arabic and Hebrew themselves are right-to-left."""
    email = mailer.render({**order_data, "locale": "ar"})
    root = lxml.html.document_fromstring(email.html)
    assert root.get("dir") == "ltr" and root.get("lang") == "en"
    assert text_direction("he") == "rtl" and text_direction("de") == "ltr"


def test_compiled_equals_reference_in_german(
    merchant: Merchant, german_order: dict[str, Any]
) -> None:
    """Folding the German words in at compile time changes nothing a reader sees."""
    fast = Mailer(merchant=merchant).render(german_order)
    slow = Mailer(merchant=merchant, precompile=False).render(german_order)
    assert_same_html(fast.html, slow.html)
    assert fast.text == slow.text


def test_gift_order_without_prices_shows_none(mailer: Mailer) -> None:
    """hide_prices leaves every amount out of both parts, as on a gift receipt."""
    data = copy.deepcopy(load(ORDER_FILES[3]))
    data["hide_prices"] = True
    email = mailer.render(data)
    for part in (visible(email.html), email.text):
        assert "£" not in part, "a price was shown"
        assert not re.search(r"\d+\.\d\d\b", part)
    assert "Happy 70th, Dad!" in email.text
    assert "Tom & Jerry" in email.text


def test_catalogs_are_complete() -> None:
    """Every message in the templates and code has a German translation, and the formal
    catalog a formal one of every message the German catalog says informally."""
    assert messages.missing("de") == []
    assert messages.unformal("de@formal") == []


def test_formal_catalog_falls_back_to_the_language() -> None:
    """de@formal holds only what changes with the register; the rest is German."""
    formal = translations("de@formal")
    assert formal.gettext("Your note to us") == "Ihre Nachricht an uns"
    assert formal.gettext("Subtotal") == "Zwischensumme"
    assert catalog_key("de_AT", formal=True) == "de@formal" and catalog_key("fr", True) == "en"


def test_translations_fall_back_by_region() -> None:
    """de_CH reads the German catalog; an unknown locale reads English."""
    assert translations("de_CH").gettext("Subtotal") == "Zwischensumme"
    assert translations("xx").gettext("Subtotal") == "Subtotal"


def test_pot_file_is_current() -> None:
    """The committed .pot lists exactly the sources' messages (scripts/messages.py extract)."""
    from babel.messages.pofile import read_po

    with Path(messages.POT).open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert committed == {m.id for m in messages.catalog() if m.id}
