"""Languages: German copy throughout, English text with local formats elsewhere, RTL."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import jinja2
import lxml.html
import pytest
from babel import Locale
from babel.localedata import locale_identifiers
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from delightmail import Mailer, Merchant, PackError, i18n
from delightmail.i18n import (
    available_locales,
    catalog_key,
    read_catalogs,
    text_direction,
    text_language,
    translations,
)
from delightmail.models import TONES
from delightmail.packs import load_pack
from delightmail.testing import assert_same_html

from .conftest import EXAMPLES, ORDER_FILES, ROOT, load

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


def assert_no_english(html_text: str, text: str) -> None:
    """No English sentence of ours is left in the visible HTML or in the text part."""
    for run in english_sentences():
        assert run not in html_text, f"English left in the HTML: {run!r}"
        assert run not in text, f"English left in the text: {run!r}"


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
    assert_no_english(html_text, text)
    for amount in ("71,61\xa0€", "42,00\xa0€", "-7,19\xa0€", "6,71\xa0€"):
        assert " ".join(amount.split()) in html_text and amount in email.text
    assert "21. November 2026" in html_text and "21. November 2026" in text
    assert "Zwischensumme" in text and "Gesamt" in html_text
    assert 'lang="de"' in email.html and 'dir="ltr"' in email.html
    assert "Bestell" in email.subject


def test_locale_without_catalog_falls_back_to_english_with_local_formats(
    mailer: Mailer, german_order: dict[str, Any]
) -> None:
    """A Polish order reads in English, its dates and country names in English words too,
    but shows Polish money; the html says it is English."""
    order = {**german_order, "locale": "pl_PL"}
    email = mailer.render(order)
    assert "Subtotal" in email.text and "Hi Jörg!" in email.text
    assert "71,61\xa0€" in email.text
    assert "November 21, 2026" in email.text and "listopada" not in email.text
    assert "Germany" in email.text and "Niemcy" not in email.text
    assert 'lang="en"' in email.html
    assert catalog_key("pl_PL") == "en" and catalog_key("de_AT") == "de"


def test_locale_without_catalog_reads_in_the_merchants_language(
    merchant: Merchant, german_order: dict[str, Any]
) -> None:
    """A Polish customer of a German shop (the mailer's locale) reads German, every word
    and every date written in words; only the money keeps Polish formats."""
    mailer = Mailer(merchant=merchant, locale="de_DE")
    email = mailer.render({**german_order, "locale": "pl_PL"})
    assert mailer.writes_in("pl_PL") == "de_DE" and mailer.writes_in("de_AT") == "de_AT"
    assert "Zwischensumme" in email.text and "Subtotal" not in email.text
    assert "21. November 2026" in email.text and "listopada" not in email.text
    assert "Deutschland" in email.text
    assert re.search(r"71,61\s€", email.text)  # Polish money: the euro after, a space
    assert 'lang="de"' in email.html and "Bestell" in email.subject
    same = mailer.render({**german_order, "locale": "de_DE"})
    assert same.subject == email.subject  # the same story as the shop's own language tells


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
    assert catalog_key("de_AT", formal=True) == "de@formal" and catalog_key("pl", True) == "en"


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


# -- catalogs of yours (locale_dirs) ------------------------------------------------------

FRENCH = EXAMPLES / "locale"  # examples/locale/fr: every message in French


@pytest.fixture(scope="module")
def yours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog of yours for a language with none built in (Polish, ``pl``): the words of
    examples/locale/fr, filed as Polish, so that every message is translated."""
    folder = tmp_path_factory.mktemp("yours")
    path = folder / "pl" / "LC_MESSAGES" / "delightmail.po"
    path.parent.mkdir(parents=True)
    source = FRENCH / "fr" / "LC_MESSAGES" / "delightmail.po"
    path.write_text(source.read_text(encoding="utf-8").replace('"Language: fr', '"Language: pl'))
    return folder


def catalog_dir(folder: Path, locale: str, messages: dict[str, str]) -> Path:
    """*folder* holding a catalog for *locale* that translates *messages*."""
    path = folder / locale / "LC_MESSAGES" / "delightmail.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in messages.items())
    path.write_text(entries, encoding="utf-8")
    return folder


def english_names() -> set[str]:
    """Every English month and weekday name, wide and abbreviated."""
    return _names("en")


def _names(locale: str) -> set[str]:
    data = Locale.parse(locale)
    found: set[str] = set()
    for table in (data.months, data.days):
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                found |= {str(n).strip(".") for n in table[context][width].values()}
    return {name for name in found if len(name) > 2}


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+(?:\.)?", text.replace(".", " ")))


@pytest.mark.parametrize("tone", TONES)
def test_a_catalog_of_yours_adds_a_language(
    merchant_data: dict[str, Any], yours: Path, tone: str
) -> None:
    """A catalog of yours for a language with none built in makes an email in it: every
    word of ours the catalog's, the locale's dates, <html lang="pl">, the catalog's subject,
    and no story (none is told in that language), so that no English sentence is left."""
    shop = {**merchant_data, "signer": {**merchant_data["signer"], "role": "fondatrice"}}
    mailer = Mailer(shop, tone=tone, locale_dirs=(yours,))
    order = {**load(ORDER_FILES[3]), "locale": "pl_PL"}
    email = mailer.render(order)
    html_text, text = visible(email.html), " ".join(email.text.split())
    for run in english_sentences():
        assert run not in html_text and run not in text, f"English left: {run!r}"
    assert email.subject == "Commande #1004" and email.preheader == ""
    assert "Bonjour Eleanor !" in text and "Votre message pour Arthur" in html_text
    assert "22 listopada 2026" in text and "Sous-total" in html_text
    assert not words(text) & english_names(), "an English month or weekday in the email"
    assert 'lang="pl"' in email.html and "Wielka Brytania" in text
    assert mailer.context(order)["story"].paragraphs == ()


def test_a_catalog_of_yours_overrides_only_its_messages(
    tmp_path: Path, merchant: Merchant, german_order: dict[str, Any]
) -> None:
    """A German catalog with one message changes that one; the rest come from the built-in
    German catalog, and the story stays German."""
    mine = catalog_dir(tmp_path, "de", {"Total": "Summe"})
    email = Mailer(merchant, locale_dirs=(mine,)).render(german_order)
    assert "SUMME" in email.text and "Zwischensumme" in email.text
    assert "Gesamt" not in visible(email.html) and "GESAMT" not in email.text
    assert "Bestell" in email.subject and 'lang="de"' in email.html


def test_an_english_catalog_of_yours_changes_the_source_words(
    tmp_path: Path, merchant: Merchant, order_data: dict[str, Any]
) -> None:
    """An English catalog rewords English emails, and so those of a locale with no
    catalog, which read in English."""
    mine = catalog_dir(tmp_path, "en", {"Warmly,": "Cheers,"})
    mailer = Mailer(merchant, locale_dirs=(mine,))
    for locale in ("en_US", "zh_TW"):
        text = mailer.render({**order_data, "locale": locale}).text
        assert "Cheers," in text and "Warmly," not in text and "Subtotal" in text


def test_one_merchants_words_never_reach_another(
    tmp_path: Path, merchant: Merchant, german_order: dict[str, Any]
) -> None:
    """Two mailers for one template and locale, one with a catalog of its own: each email
    has its own mailer's words, whichever was made first, and a changed catalog is read
    anew by the next mailer."""
    mine = catalog_dir(tmp_path / "a", "de", {"Total": "Summe"})
    plain_first = Mailer(merchant).render(german_order)
    mine_then = Mailer(merchant, locale_dirs=(mine,)).render(german_order)
    plain_after = Mailer(merchant).render(german_order)
    assert "SUMME" in mine_then.text
    assert "SUMME" not in plain_first.text and plain_after == plain_first
    catalog_dir(tmp_path / "a", "de", {"Total": "Endsumme"})
    changed = Mailer(merchant, locale_dirs=(mine,)).render(german_order)
    assert "ENDSUMME" in changed.text
    other = catalog_dir(tmp_path / "b", "de", {"Total": "Betrag"})
    assert "BETRAG" in Mailer(merchant, locale_dirs=(other,)).render(german_order).text


def test_the_formal_register_keeps_its_words_over_a_plain_override(
    tmp_path: Path, merchant_data: dict[str, Any], german_order: dict[str, Any]
) -> None:
    """A German catalog of yours is searched after the built-in formal one: a du-form
    override never reaches an email that says Sie; a de@formal catalog of yours does."""
    formal = {**merchant_data, "voice": {**merchant_data["voice"], "formality": "formal"}}
    asked = "Can we do anything else for you?"
    mine = catalog_dir(tmp_path, "de", {asked: "Noch was?"})
    text = Mailer(formal, locale_dirs=(mine,)).render(german_order).text
    assert "NOCH WAS?" not in text and "FÜR SIE TUN?" in text
    catalog_dir(tmp_path, "de@formal", {asked: "Dürfen wir noch etwas tun?"})
    text = Mailer(formal, locale_dirs=(mine,)).render(german_order).text
    assert "DÜRFEN WIR NOCH ETWAS TUN?" in text


def test_compiled_equals_reference_with_a_catalog_of_yours(
    merchant_data: dict[str, Any],
) -> None:
    """Folding a catalog of yours in at compile time changes nothing a reader sees."""
    order = {**load(ORDER_FILES[1]), "locale": "fr"}
    fast = Mailer(merchant_data, locale_dirs=(FRENCH,)).render(order)
    slow = Mailer(merchant_data, precompile=False, locale_dirs=(FRENCH,)).render(order)
    assert_same_html(fast.html, slow.html)
    assert fast.text == slow.text


def test_your_languages_are_listed(merchant: Merchant, yours: Path) -> None:
    """available_locales names the languages of your catalogs too; no story pack is
    offered for one that has no story."""
    catalogs = read_catalogs([yours])
    assert available_locales(catalogs) == ["de", "en", "es", "fr", "he", "ja", "nl", "pl"]
    assert available_locales() == ["de", "en", "es", "fr", "he", "ja", "nl"]
    assert text_language("pl_PL", catalogs) == "pl" and text_language("pl_PL") == "en"
    with pytest.raises(PackError, match="no story is told in 'pl'"):
        Mailer(merchant, locale="pl", locale_dirs=(yours,)).pack()


def test_a_key_for_catalogs_not_read_here_is_refused() -> None:
    """A key naming catalogs of yours must come from read_catalogs in this process."""
    with pytest.raises(LookupError, match="no catalogs of yours"):
        translations("fr+0123456789abcdef")


# -- one language per email ---------------------------------------------------------------------


def _without_catalog() -> list[str]:
    """Every locale Babel knows whose language has no catalog here (English aside): a
    sample of about one in six, and a few whose dates are words (CJK, Cyrillic, Arabic)."""
    found = sorted(
        name
        for name in locale_identifiers()
        if not name.startswith(("en", "de")) and catalog_key(name) == "en"
    )
    few = ("zh_TW", "zh_Hant", "ru", "ar", "bg", "ko", "pl", "pl_PL", "pt_BR", "it")
    return sorted({*found[::6], *(name for name in few if catalog_key(name) == "en")})


@pytest.mark.parametrize("locale", _without_catalog())
def test_a_locale_without_a_catalog_writes_every_word_in_english(
    mailer: Mailer, locale: str
) -> None:
    """An email for a locale with no catalog is English throughout: its story is the
    English one word for word, and what it has that the English email has not (money
    and numbers in the locale's formats) holds none of the locale's month or weekday
    names."""
    base = load(ORDER_FILES[3])
    # A date for each locale, so that the sample goes through every month and weekday.
    index = _without_catalog().index(locale)
    placed = f"2026-{index % 12 + 1:02d}-{index % 28 + 1:02d}T07:15:00+00:00"
    english = mailer.render({**base, "placed_at": placed, "locale": "en"})
    email = mailer.render({**base, "placed_at": placed, "locale": locale})
    story = mailer.context({**base, "placed_at": placed, "locale": locale})["story"]
    assert story == mailer.context({**base, "placed_at": placed, "locale": "en"})["story"]
    assert email.subject == english.subject
    new = words(email.text + " " + visible(email.html)) - words(
        english.text + visible(english.html)
    )
    names = _names(locale) - english_names()
    assert not new & names, f"{locale}: {sorted(new & names)} in an English email"
    assert 'lang="en"' in email.html


# -- formatting: the words' placeholders filled as newstyle gettext fills them ----------

_PIECES = ["%(name)s", "%(other)s", "%%", "%(num)d", "%s", "%", "%(name)r", "Hi ", "<b>", "&", " "]
_VALUES = st.one_of(
    st.sampled_from(["<i>", "&amp;", "\"'", "%(name)s", "%"]),
    st.text(max_size=8),
    st.text(max_size=8).map(Markup),
    st.integers(),
    st.none(),
    st.builds(jinja2.StrictUndefined, name=st.just("missing")),  # fails where printed
)
_FAILURES = (KeyError, TypeError, ValueError, jinja2.UndefinedError)


@settings(max_examples=400)
@given(
    words=st.lists(st.sampled_from(_PIECES), max_size=6).map("".join),
    variables=st.dictionaries(st.sampled_from(["name", "other", "num", "unused"]), _VALUES),
    html=st.booleans(),
    direction=st.sampled_from(["ltr", "rtl"]),
)
def test_words_are_formatted_as_markup_formats_them(
    words: str, variables: dict[str, Any], html: bool, direction: str
) -> None:
    """Whatever the words' placeholders and the variables (missing, markup, numbers),
    gettext's result is what Jinja's newstyle gettext makes of them, byte for byte:
    in HTML, the words trusted and each value escaped, as Markup's ``%`` does; or
    the same error."""
    env = jinja2.Environment(autoescape=html)
    context = env.from_string("").new_context({"dir": direction})
    isolated = {k: i18n.isolate_value(v, direction) for k, v in variables.items()}
    expected: Any
    try:
        expected = (Markup(words) if html else words) % isolated
    except _FAILURES as exc:
        expected = type(exc)
    try:
        got: Any = i18n._finish(context, words, variables)
    except _FAILURES as exc:
        got = type(exc)
    assert got == expected and type(got) is type(expected)
