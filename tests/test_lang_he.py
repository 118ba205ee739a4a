"""Hebrew: its grammar (article, construct numbers, "שלך", the prefix ו), emails that
read right to left throughout (isolated names and amounts, a text part laid out right
to left in any viewer), and a copy linter that reads Hebrew words under their prefixes."""

from __future__ import annotations

import re
import struct
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import LineItem, Mailer, Merchant, Money
from delightmail.grammar import Mentions, items_phrase, join_words
from delightmail.grammar.he import GRAMMAR
from delightmail.headers import clean
from delightmail.i18n import FSI, PDI, RLM, catalog_key, isolate_runs, rtl_text, text_direction
from delightmail.lexicon import lexicon, sentences
from delightmail.lint import lint_packs
from delightmail.message import message_bytes
from delightmail.models import TONES
from delightmail.screenshot import chromium_path

from .conftest import ORDER_FILES, load
from .test_i18n import assert_no_english, visible


def line(kind: str | None, quantity: str, name: str = "Blue Train") -> LineItem:
    return LineItem(
        name=name,
        kind=kind,
        quantity=Decimal(quantity),
        unit_price=Money(amount=Decimal(1), currency="ILS"),
    )


# -- the grammar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "full", "acc", "bare", "again", "plural", "gender"),
    [
        ([line("record", "1")], "התקליט שלך", "את התקליט שלך", "תקליט", "התקליט שלך",
         False, "m"),
        ([line("cassette", "1")], "הקלטת שלך", "את הקלטת שלך", "קלטת", "הקלטת שלך", False, "f"),
        ([line("record", "3")], "שלושת התקליטים שלך", "את שלושת התקליטים שלך", "שלושה תקליטים",
         "התקליטים שלך", True, "m"),
        ([line("shirt", "3")], "שלוש החולצות שלך", "את שלוש החולצות שלך", "שלוש חולצות",
         "החולצות שלך", True, "f"),
        ([line("candle", "2")], "שני הנרות שלך", "את שני הנרות שלך", "שני נרות", "הנרות שלך",
         True, "m"),
        ([line("glass", "2")], "שתי הכוסות שלך", "את שתי הכוסות שלך", "שתי כוסות",
         "הכוסות שלך", True, "f"),
        ([line("record", "3"), line("T-shirt", "1")], "שלושת התקליטים וחולצת הטי שלך",
         "את שלושת התקליטים וחולצת הטי שלך", "שלושה תקליטים וחולצת טי אחת",
         "הפריטים שלך", True, "m"),
        ([line("shirt", "2"), line("sticker", "1")], "שתי החולצות והמדבקה שלך",
         "את שתי החולצות והמדבקה שלך", "שתי חולצות ומדבקה אחת", "הקניות שלך", True, "f"),
        ([line("socks", "1")], "זוג הגרביים שלך", "את זוג הגרביים שלך", "זוג גרביים",
         "זוג הגרביים שלך", False, "m"),
        ([line(None, "1")], '"Blue Train"', 'את "Blue Train"', '"Blue Train"', '"Blue Train"',
         False, "m"),
        ([line(None, "42", "Mixtape")], '"Mixtape" (42 יחידות)', 'את "Mixtape" (42 יחידות)',
         '"Mixtape" (42 יחידות)', "הפריטים שלך", True, "m"),
        ([line("coffee", "1.5")], '"Blue Train"', 'את "Blue Train"', '"Blue Train"',
         '"Blue Train"', False, "m"),
        ([line("coffee", "1.5"), line("mug", "1")], "ההזמנה שלך", "את ההזמנה שלך", "הזמנה",
         "ההזמנה שלך", False, "f"),
        ([line("record", "1000")], "1,000 התקליטים שלך", "את 1,000 התקליטים שלך",
         "1,000 תקליטים", "התקליטים שלך", True, "m"),
        ([line("a", "1", "Mystery"), line("b", "2")], 'שלושת הפריטים שלך (וביניהם "Mystery")',
         'את שלושת הפריטים שלך (וביניהם "Mystery")', 'שלושה פריטים (וביניהם "Mystery")',
         "הפריטים שלך", True, "m"),
        ([line("תקליט", "2")], "שני התקליטים שלך", "את שני התקליטים שלך", "שני תקליטים",
         "התקליטים שלך", True, "m"),
        ([line("records", "12")], "שנים עשר התקליטים שלך", "את שנים עשר התקליטים שלך",
         "שנים עשר תקליטים", "התקליטים שלך", True, "m"),
    ],
    ids=["one-m", "one-f", "plural-m", "plural-f", "irregular-m", "irregular-f", "mixed",
         "mixed-all-f", "pair", "no-kind", "no-kind-many", "fraction", "fraction-lines",
         "thousand", "unknown-kinds", "hebrew-kind", "twelve"],
)  # fmt: skip
def test_items_are_named_in_hebrew(
    lines: list[LineItem], full: str, acc: str, bare: str, again: str, plural: bool, gender: str
) -> None:
    """Article, construct numbers that agree with the noun, "שלך" once at the end, "את"
    before a definite object, and one gender and number for every form."""
    phrase = items_phrase(lines, "he")
    assert phrase.full["nom"] == full and phrase.full["acc"] == acc
    assert phrase.bare["nom"] == bare and phrase.again["nom"] == again
    assert (phrase.plural, phrase.gender) == (plural, gender)


_PRONOUNS = {("m", False): "הוא", ("f", False): "היא", ("m", True): "הם", ("f", True): "הן"}
KINDS = ["record", "T-shirt", "cassette", "candle", "glass", "socks", "gift card", "thing",
         "umbrella", "שמלה", None]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.sampled_from(["1", "2", "3", "7", "11", "13", "0.5", "2.25"]),
            st.sampled_from(["Blue Train", "תה ירוק", "Kind of Blue (Live)", "X"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_lines_make_one_consistent_phrase(lines: list[tuple[str | None, str, str]]) -> None:
    """Whatever is bought, every form is filled (no marker, no None, no braces), the
    definite object takes "את", and the pronoun agrees with the phrase's gender and number."""
    phrase = GRAMMAR.items([line(kind, q, name) for kind, q, name in lines], False)
    forms = [*phrase.full.values(), *phrase.bare.values(), *phrase.short.values()]
    forms += [*phrase.again.values(), *phrase.pronoun.values()]
    for form in forms:
        assert form and "None" not in form and "{" not in form and "\ue000" not in form
    assert phrase.gender in ("m", "f")
    assert phrase.pronoun["nom"] == _PRONOUNS[(phrase.gender, phrase.plural)]
    for forms_of in (phrase.full, phrase.short, phrase.again):
        assert forms_of["acc"] == "את " + forms_of["nom"]


def test_and_is_a_prefix() -> None:
    """ "and" is ו joined to a Hebrew word, and "ו-" before a Latin word or a digit."""
    assert join_words(["ספל", "תקליט"], "he") == "ספל ותקליט"
    assert join_words(["ספל", "תקליט", "Blue Train"], "he") == "ספל, תקליט ו-Blue Train"
    assert join_words(["ספל", "3 מדבקות"], "he") == "ספל ו-3 מדבקות"


@pytest.mark.parametrize(
    ("line_", "finished"),
    [
        ("ב{{}}Portland", f"ב-{FSI}Portland{PDI}"),
        ("הזמנה #1001 הגיעה.", f"הזמנה {FSI}#1001{PDI} הגיעה."),
        ('ארזנו את "Blue Train (Live)".', f'ארזנו את "{FSI}Blue Train (Live){PDI}".'),
        ("זה בידיים של USPS Media Mail. ביקשנו", f"זה בידיים של {FSI}USPS Media Mail{PDI}. ביקשנו"),
        ('ש"Mixtape" (42 יחידות)', f'ש-"{FSI}Mixtape{PDI}" ({FSI}42{PDI} יחידות)'),
        (f"כבר {FSI}Sam{PDI} כאן", f"כבר {FSI}Sam{PDI} כאן"),
    ],
    ids=["prefix", "number", "brackets", "sentence-end", "quoted", "already"],
)
def test_a_finished_line_isolates_what_runs_left_to_right(line_: str, finished: str) -> None:
    """A Latin name or a number keeps its own order inside Hebrew, with its brackets and
    without the punctuation that ends the Hebrew sentence; a prefix before it takes "-"."""
    assert GRAMMAR.finish(line_.replace("{{}}", "")) == finished


def test_a_pronoun_or_a_short_phrase_follows_the_first_mention() -> None:
    """Once named, the things are "אותם" in the same paragraph, "התקליטים שלך" in the next."""
    mentions = Mentions("he", items_phrase([line("record", "2")], "he"))
    assert mentions.finish(mentions.name("acc")) == "את שני התקליטים שלך"
    assert mentions.finish(mentions.name("acc")) == "אותם"
    mentions.paragraph += 1
    assert mentions.finish(mentions.name("nom")) == "התקליטים שלך"


def test_lexicon_reads_words_under_their_prefixes() -> None:
    """ "חבילה" is found in "והחבילה", "ארזנו" by "ארז*", a phrase under a prefix too;
    a word that only ends like one is not."""
    he = lexicon("he")
    assert he.find("shipping", "והחבילה כבר כאן.") == ["חבילה"]
    assert he.find("packing", "וכשארזנו, שרנו.") == ["ארז*"]
    assert he.find("first", "זאת ההזמנה הראשונה שלך.") == ["ההזמנה הראשונה", "הזמנה ראשונה"]
    assert he.find("shipping", "שמנו בצד את התקליט.") == []
    assert [p for p, _ in he.times_in("ובבוקר הזה")] == ["בוקר"]


def test_sentences_split_before_an_isolate() -> None:
    """A sentence that starts with an isolated name is a sentence of its own."""
    assert len(sentences(f"ארזנו הכול. {FSI}UPS{PDI} לוקחים משם.")) == 2


# -- the copy, read by the linter -------------------------------------------------------


def test_the_hebrew_packs_read_clean() -> None:
    """Every Hebrew email the matrix makes, every tone: nothing untrue, nothing twice,
    no other language (Hebrew has one register, so one pass)."""
    report = lint_packs(locales=("he_IL",), count=300)
    assert report.emails == 900
    assert report.ok, "\n".join(str(f) for f in report.findings[:10])


# -- rendered emails --------------------------------------------------------------------


@pytest.fixture(scope="module")
def hebrew_order() -> dict[str, Any]:
    """The gift example order (GBP), for an Israeli customer."""
    data: dict[str, Any] = {**load(ORDER_FILES[3]), "locale": "he_IL"}
    return data


_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


@pytest.mark.parametrize("tone", TONES)
def test_a_hebrew_order_is_hebrew_throughout(
    merchant: Merchant, hebrew_order: dict[str, Any], tone: str
) -> None:
    """No English sentence of ours is left, in the HTML or the text; the page says it is
    Hebrew and right to left; dates and money are written the Israeli way."""
    email = Mailer(merchant=merchant, tone=tone).render(hebrew_order)
    html_text = visible(email.html).translate(_BIDI)
    text = " ".join(email.text.split()).translate(_BIDI)
    assert_no_english(html_text, text)
    root = lxml.html.document_fromstring(email.html)
    assert root.get("lang") == "he" and root.get("dir") == "rtl"
    assert "22 בנובמבר 2026" in html_text and "22 בנובמבר 2026" in text
    assert "סכום ביניים" in text and "סך הכול" in html_text
    assert "49.00 £" in text and "49.00 £" in html_text
    assert "#1004" in email.subject and FSI in email.subject


def test_a_regional_locale_reads_hebrew(merchant: Merchant, hebrew_order: dict[str, Any]) -> None:
    """he_IL and plain he read from the Hebrew catalog; Hebrew is right to left."""
    assert catalog_key("he_IL") == "he" and catalog_key("he") == "he"
    assert text_direction("he_IL") == "rtl"
    mailer = Mailer(merchant=merchant)
    assert mailer.render({**hebrew_order, "locale": "he"}).subject == (
        mailer.render(hebrew_order).subject
    )


_STRONG = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200f]|[^\W\d_]")


def _first_strong(line_: str) -> str:
    found = _STRONG.search(re.sub(f"{FSI}[^{PDI}]*{PDI}", "", line_))
    return found.group() if found else ""


@pytest.mark.parametrize("path", ORDER_FILES, ids=[p.stem for p in ORDER_FILES])
def test_the_text_part_reads_right_to_left(merchant: Merchant, path: Path) -> None:
    """Every line with words of the text part starts, as a viewer lays it out, right to
    left: its first strong letter is Hebrew or an RLM; every isolate closes on its own
    line; a rule or the signature's "--" is left as it is."""
    email = Mailer(merchant=merchant).render({**load(path), "locale": "he_IL"})
    assert "\n--" in email.text or "\n-- " in email.text
    for text_line in email.text.splitlines():
        if re.search(r"[^\W_]", text_line):
            assert re.match(r"[\u0590-\u05ff\u200f]", _first_strong(text_line)), text_line
            assert text_line.count(FSI) == text_line.count(PDI), text_line


def test_text_columns_keep_their_width(merchant: Merchant, hebrew_order: dict[str, Any]) -> None:
    """The amounts of the totals end in one column: the isolates and marks take none."""
    from delightmail.columns import display_width

    text = Mailer(merchant=merchant).render(hebrew_order).text
    rows = [t for t in text.splitlines() if "£" in t and not t.startswith((RLM + " ", " "))]
    assert rows and {display_width(r) for r in rows} == {78}


def test_rtl_text_leaves_left_to_right_text_alone() -> None:
    """The text filter changes nothing of an email that reads left to right."""
    text = "Subtotal   $3.00\n  Blue Train (Live)\n"
    assert rtl_text(text, "ltr") is text
    assert rtl_text("Blue Train (Live)") == f"{RLM}{FSI}Blue Train (Live){PDI}"
    assert isolate_runs("לצפייה: https://x.example/a-b") == "לצפייה: https://x.example/a-b"


def test_names_and_amounts_are_isolated_in_the_html(
    merchant: Merchant, hebrew_order: dict[str, Any]
) -> None:
    """In the lines table and the totals, a product's name and the shipping method are
    isolated; so is every value a translated sentence carries (the order number)."""
    html = Mailer(merchant=merchant).render(hebrew_order).html
    root = lxml.html.document_fromstring(html)
    names = [td.text_content() for td in root.cssselect("table.items td:nth-child(2) strong")]
    assert names and all(n.startswith(FSI) and n.endswith(PDI) for n in names)
    headings = [h.text_content() for h in root.cssselect("h2")]
    assert any(f"הזמנה {FSI}#1004{PDI}" in h for h in headings), headings
    method = root.cssselect("table.totals .muted")[0].text_content()
    assert method == f"{FSI}Royal Mail Tracked 48{PDI}"


def test_the_subject_keeps_its_isolates_but_no_override(
    merchant: Merchant, hebrew_order: dict[str, Any]
) -> None:
    """Balanced isolates survive into the Subject header (our own, around a name);
    an override a customer types does not, nor an isolate left open."""
    email = Mailer(merchant=merchant).render(hebrew_order)
    raw = message_bytes(email, sender="shop@example.com", to="sam@example.com")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == email.subject and FSI in parsed["Subject"]
    assert clean("\u202eevil\u202c name") == "evil name"
    assert clean(f"{FSI}Sam, שלום") == "Sam, שלום"
    assert clean(f"{FSI}Sam{PDI}, שלום") == f"{FSI}Sam{PDI}, שלום"


# -- as Chromium draws it ---------------------------------------------------------------

_LAYOUT = """() => {
    const box = el => el.getBoundingClientRect();
    const row = document.querySelector("table.items tr");
    const cells = [...row.cells].map(box);
    const total = document.querySelector("table.totals tr.grand");
    const [label, amount] = [...total.cells].map(box);
    const story = [...document.querySelectorAll("td.dm-text p, .dm-text p")]
        .filter(p => /[\\u0590-\\u05ff]/.test(p.textContent));
    const button = document.querySelector("a[href*='status']");
    return {cells: cells.map(c => [c.left, c.right]), label: [label.left, label.right],
            amount: [amount.left, amount.right],
            aligns: story.map(p => getComputedStyle(p).textAlign),
            directions: story.map(p => getComputedStyle(p).direction),
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            button: button ? [box(button).left, box(button).right] : null};
}"""
SHOTS = Path(__file__).resolve().parent / "output"


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
@pytest.mark.parametrize("design", ["postcard", "receipt"])
@pytest.mark.parametrize("width", [375, 600])
def test_hebrew_is_laid_out_right_to_left(merchant: Merchant, design: str, width: int) -> None:
    """At 375 and 600 px: the product's name right of its price, a total's label right
    of its amount, every Hebrew paragraph right-aligned and right to left, nothing wider
    than the screen. The PNG is kept in tests/output to look at."""
    from playwright.sync_api import sync_playwright

    from delightmail.screenshot import launch

    data = {**load(ORDER_FILES[1]), "locale": "he_IL"}
    html = Mailer(merchant, design).render(data).html
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            layout = page.evaluate(_LAYOUT)
            SHOTS.mkdir(exist_ok=True)
            png = page.screenshot(full_page=True)
        finally:
            browser.close()
    (SHOTS / f"he-{design}-{width}.png").write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", png[16:20])[0] >= width
    name, price = layout["cells"][1], layout["cells"][2]
    assert price[1] <= name[0], layout
    assert layout["amount"][1] <= layout["label"][0], layout
    assert layout["aligns"] and set(layout["aligns"]) <= {"right", "start"}, layout
    assert set(layout["directions"]) == {"rtl"}, layout
    assert layout["overflow"] <= 0, layout
