"""The inbox-ready checks that need no external tool: size, text part, links, Outlook, dark mode."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import mjml
import pytest

from delightmail import Mailer, Merchant
from delightmail.checks import check_email
from delightmail.checks_external import render_mjml
from delightmail.columns import display_width
from delightmail.i18n import text_direction
from delightmail.limits import SIZE_BUDGET_BYTES, TEXT_WIDTH
from delightmail.links import is_allowed, with_utm
from delightmail.rendering import RenderedEmail

from .conftest import ORDER_FILES, load

#: A 3-line order's HTML stays lean: the markup and CSS are not allowed to creep.
LEAN_BYTES = 30 * 1024


def long_order(lines: int, *, status_url: bool = True, heavy: bool = False) -> dict[str, Any]:
    """An order of *lines* different lines whose totals reconcile.

    :param heavy: give every line what makes it big: a long name, a variant,
        properties, a discount, a product link and an image.
    """
    items = []
    total = Decimal(0)
    for i in range(lines):
        price = Decimal(5 + i % 40) + Decimal("0.99")
        quantity = 1 + i % 3
        item: dict[str, Any] = {
            "sku": f"SKU-{i:05d}",
            "name": f"Record number {i} & friends",
            "quantity": quantity,
            "unit_price": str(price),
            "image_url": f"https://shop.example.com/img/{i}.jpg",
        }
        line_total = price * quantity
        if heavy:
            item["name"] = f"The complete recordings, deluxe anniversary box set, volume {i} " * 2
            item["variant"] = "180 g black vinyl / gatefold sleeve / signed insert"
            item["product_url"] = f"https://shop.example.com/products/box-set-volume-{i}"
            item["properties"] = [
                {"name": "Engraving", "value": "For Sam, with love from the whole crew"},
                {"name": "Gift wrap", "value": "Midnight blue paper with a silver ribbon"},
            ]
            item["discounts"] = [{"title": "Collector's loyalty", "amount": "1.00"}]
            line_total -= Decimal("1.00")
        total += line_total
        items.append(item)
    order: dict[str, Any] = {
        "number": f"#L{lines}",
        "placed_at": "2026-11-22T10:15:00-08:00",
        "currency": "USD",
        "lines": items,
        "shipping": {"method": "Standard", "amount": "4.90"},
        "total": str(total + Decimal("4.90")),
        "customer": {"first_name": "Sam", "email": "sam@example.org"},
        "shipping_address": {
            "name": "Sam Rivera",
            "address1": "1425 SE Alder St",
            "city": "Portland",
            "region": "OR",
            "postal_code": "97214",
            "country_code": "US",
        },
    }
    if status_url:
        order["status_url"] = "https://shop.example.com/orders/L1000"
    return order


@pytest.fixture(scope="module")
def examples(mailer: Mailer) -> dict[str, RenderedEmail]:
    """Every example order rendered with the playful template, by file name."""
    return {path.stem: mailer.render(load(path)) for path in ORDER_FILES}


@pytest.fixture(scope="module")
def thousand(mailer: Mailer) -> RenderedEmail:
    """A 1,000-line order, rendered."""
    return mailer.render(long_order(1000))


def size(email: RenderedEmail) -> int:
    return len(email.html.encode("utf-8"))


# -- size -----------------------------------------------------------------------------


def test_thousand_lines_fit_the_budget(thousand: RenderedEmail) -> None:
    """A 1,000-line order stays under the 90 KB budget, so Gmail never clips it."""
    assert size(thousand) < SIZE_BUDGET_BYTES


@pytest.mark.parametrize("heavy", [False, True], ids=["plain-lines", "heavy-lines"])
def test_long_order_keeps_totals_and_the_invitation(mailer: Mailer, heavy: bool) -> None:
    """Past the shown lines the email still ends with the totals and the reply invitation."""
    order = long_order(1000, heavy=heavy)
    email = mailer.render(order)
    assert size(email) < SIZE_BUDGET_BYTES
    html = " ".join(email.html.split())
    assert "$" in html and order["total"].split(".")[0] in html.replace(",", "")
    for part in (html, email.text):
        assert "Total" in part or "TOTAL" in part
        assert "Just reply to this email" in " ".join(part.split())


def test_long_order_says_how_many_more(mailer: Mailer, thousand: RenderedEmail) -> None:
    """The lines not shown are counted, with a link to the whole order, in both parts."""
    shown = thousand.html.count('class="thumb-img"')
    hidden = 1000 - shown
    assert 0 < shown < 1000
    text = " ".join(thousand.text.split())
    html = " ".join(thousand.html.split())
    assert f"…and {hidden} more things" in html
    assert f"…and {hidden} more things" in text
    assert 'href="https://shop.example.com/orders/L1000"' in html
    assert "https://shop.example.com/orders/L1000" in text
    assert len(re.findall(r"^  \d+ × ", thousand.text, re.MULTILINE)) == shown
    urls = re.findall(r"https?://\S+", thousand.text)
    assert len(urls) == len(set(urls))


def test_more_link_falls_back_to_the_website(mailer: Mailer, merchant: Merchant) -> None:
    """Without a status page, "see your whole order" links to the merchant's website."""
    email = mailer.render(long_order(200, status_url=False))
    html = " ".join(email.html.split())
    match = re.search(r'<a href="([^"]+)"[^>]*>[^<]*see your whole order', html)
    assert match is not None
    assert match.group(1).rstrip("/") == str(merchant.website).rstrip("/")


@pytest.mark.parametrize("lines", [1, 3, 25])
def test_short_orders_list_every_line(mailer: Mailer, lines: int) -> None:
    """An order that fits lists every line and says nothing about "more things"."""
    email = mailer.render(long_order(lines))
    assert email.html.count('class="thumb-img"') == lines
    assert "more thing" not in email.html and "more thing" not in email.text


def test_one_more_thing_is_singular(mailer: Mailer, thousand: RenderedEmail) -> None:
    """One line over the limit reads "1 more thing", not "1 more things"."""
    shown = thousand.html.count('class="thumb-img"')
    email = mailer.render(long_order(shown + 1))
    assert "…and 1 more thing " in " ".join(email.text.split()) + " "


def test_three_lines_stay_lean(mailer: Mailer) -> None:
    """A 3-line order's HTML stays under 30 KB."""
    assert size(mailer.render(long_order(3))) <= LEAN_BYTES


# -- every example passes the checks --------------------------------------------------


@pytest.mark.parametrize("name", [path.stem for path in ORDER_FILES])
def test_examples_pass_every_check(examples: dict[str, RenderedEmail], name: str) -> None:
    """Each example email has no error and no warning from the built-in checks."""
    findings = check_email(examples[name]).findings
    assert [str(f) for f in findings if f.severity != "info"] == []


# -- the plain-text part ---------------------------------------------------------------


@pytest.mark.parametrize("name", [path.stem for path in ORDER_FILES])
def test_text_part_reads_on_its_own(examples: dict[str, RenderedEmail], name: str) -> None:
    """78 columns (a lone URL may be longer), no HTML, no entities, each link once."""
    text = examples[name].text
    for line in text.splitlines():
        assert len(line) <= TEXT_WIDTH or " " not in line.strip(), line
    assert not re.search(r"&(#?\w+);|<(a|br|p|td)\b", text)
    urls = re.findall(r"https?://\S+|mailto:\S+", text)
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("name", [path.stem for path in ORDER_FILES])
def test_text_totals_are_aligned_columns(examples: dict[str, RenderedEmail], name: str) -> None:
    """The totals table is two columns: labels left, amounts right-aligned at column 78;
    the shipping method, indented, under its label."""
    lines = examples[name].text.splitlines()
    separators = [i for i, line in enumerate(lines) if line == "-" * TEXT_WIDTH]
    totals = lines[separators[-1] + 1 :]
    rows = totals[: next(i for i, line in enumerate(totals) if not line.strip())]
    assert rows
    for number, row in enumerate(rows):
        if row.startswith("  "):
            assert number and display_width(rows[number - 1]) == TEXT_WIDTH, row
            continue
        # In columns, as a fixed-width font shows them: the fullwidth ￥ takes two.
        assert display_width(row) == TEXT_WIDTH and not row.endswith(" "), row
        assert re.search(r"\S {2,}\S", row), row


# -- Outlook ---------------------------------------------------------------------------

_CONDITIONAL = re.compile(r"<!--\[if [^\]]*\]>.*?<!\[endif\]-->", re.DOTALL)


def _conditionals(html: str) -> list[str]:
    # Serializers move line breaks between tags; the comments' content is what counts.
    return [" ".join(re.sub(r">\s+<", "><", c).split()) for c in _CONDITIONAL.findall(html)]


@pytest.mark.parametrize("path", ORDER_FILES, ids=[path.stem for path in ORDER_FILES])
def test_outlook_conditionals_survive_premailer(
    mailer: Mailer, reference_mailer: Mailer, path: Path
) -> None:
    """Every ``<!--[if mso]>`` block MRML writes reaches the final HTML unchanged, both paths."""
    order = load(path)
    from_mrml = _conditionals(mjml.mjml2html(render_mjml(mailer, order)))
    assert len(from_mrml) > 10
    assert _conditionals(mailer.render(order).html) == from_mrml
    assert _conditionals(reference_mailer.render(order).html) == from_mrml


# -- accessibility and dark mode in the markup ----------------------------------------


def test_html_has_lang_and_direction(examples: dict[str, RenderedEmail]) -> None:
    """``<html>`` carries the language and a direction."""
    for email in examples.values():
        assert re.search(r'<html lang="[a-z]{2,3}" dir="(ltr|rtl|auto)"', email.html)


def test_lang_and_direction_are_the_texts(mailer: Mailer, order_data: dict[str, Any]) -> None:
    """``lang`` and ``dir`` describe the words the email is written in: an Arabic
    customer's email, with no Arabic catalog, reads in English, left to right;
    right-to-left is the direction of Arabic itself."""
    order_data["locale"] = "ar"
    html = mailer.render(order_data).html
    assert re.search(r'<html lang="en" dir="ltr"', html)
    assert text_direction("ar") == "rtl" and text_direction("he_IL") == "rtl"


def test_product_images_and_the_signers_photo_are_decoration(
    examples: dict[str, RenderedEmail],
) -> None:
    """A product's image is decoration beside its name, which is printed next to it (an
    alt would be read twice, and crammed into 56 pixels where images are off); so is the
    signer's photo."""
    html = examples["02-many-items"].html
    thumbs = re.findall(r'<img[^>]*class="thumb-img"[^>]*>', html)
    assert thumbs and all('alt=""' in img for img in thumbs)
    assert re.search(r'<img alt=""[^>]*maya\.jpg', html)


def test_dark_mode_is_declared(examples: dict[str, RenderedEmail]) -> None:
    """The color-scheme meta and the prefers-color-scheme styles are in every email."""
    for email in examples.values():
        assert '<meta name="color-scheme" content="light dark">' in email.html
        assert "prefers-color-scheme: dark" in email.html


# -- the checks find what they look for ------------------------------------------------

_BROKEN = [
    ("javascript-link", '<a href="javascript:alert(1)">x</a>', "links"),
    ("image-without-alt", '<img src="https://x.example/a.png">', "image-alt"),
    ("image-data-uri", '<img alt="" src="data:image/png;base64,AA">', "image-src"),
    ("layout-table", "<table><tr><td>x</td></tr></table>", "table-role"),
]


@pytest.mark.parametrize(("html", "check"), [c[1:] for c in _BROKEN], ids=[c[0] for c in _BROKEN])
def test_checks_catch_broken_markup(
    examples: dict[str, RenderedEmail], html: str, check: str
) -> None:
    """Planting one known problem in a good email makes the matching check speak up."""
    good = examples["01-one-item"]
    bad = RenderedEmail(good.subject, good.preheader, good.html.replace("</body>", html), good.text)
    assert check in {f.check for f in check_email(bad).findings}


_BAD_TEXT = [
    ("entity", "Rock &amp; roll", "HTML entity"),
    ("tag", "Hello<br>world", "HTML tag"),
    ("link-twice", "https://a.example/x\nagain https://a.example/x", "shown twice"),
    ("long-line", "word " * 30, "columns"),
    # 40 Japanese characters are 80 columns, though 40 characters long.
    ("wide-line", "お届け " + "東京ナイトドライブ" * 4 + "。", "81 columns"),
]


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in _BAD_TEXT], ids=[c[0] for c in _BAD_TEXT]
)
def test_text_check_catches(examples: dict[str, RenderedEmail], text: str, message: str) -> None:
    """The text check reports entities, tags, repeated links and over-long lines."""
    good = examples["01-one-item"]
    bad = RenderedEmail(good.subject, good.preheader, good.html, good.text + "\n" + text)
    assert any(message in f.message for f in check_email(bad).findings if f.check == "text")


def test_text_check_counts_columns_not_characters(examples: dict[str, RenderedEmail]) -> None:
    """A line of 39 wide characters is 78 columns and passes; a row of fullwidth ￥ that
    is 78 characters but 80 columns, or Japanese with no space at all, does not."""
    good = examples["01-one-item"]

    def long_lines(text: str) -> list[str]:
        bad = RenderedEmail(good.subject, good.preheader, good.html, good.text + "\n" + text)
        return [f.message for f in check_email(bad).findings if "columns" in f.message]

    assert long_lines("東京 " + "ナ" * 36) == []
    assert long_lines("  1 × ￥3,300" + " " * 60 + "￥3,300") == ["line is 80 columns"]
    assert long_lines("東" * 40) == ["line is 80 columns"]
    assert long_lines("x" * 90) == []  # one long word: a URL-like thing, never broken


def test_dark_mode_check_wants_meta_and_styles(examples: dict[str, RenderedEmail]) -> None:
    """An email without the color-scheme meta and dark styles gets two warnings."""
    good = examples["01-one-item"]
    html = good.html.replace('name="color-scheme"', 'name="x"').replace(
        "prefers-color-scheme", "prefers-contrast"
    )
    bad = RenderedEmail(good.subject, good.preheader, html, good.text)
    assert [f.check for f in check_email(bad).findings].count("dark-mode") == 2


# -- links -----------------------------------------------------------------------------

UTM = {"source": "delightmail", "medium": "email", "utm_campaign": "order"}
_TAGGED = [
    (
        "plain",
        "https://shop.example/o/1",
        "https://shop.example/o/1?utm_source=delightmail&utm_medium=email&utm_campaign=order",
    ),
    (
        "query-and-fragment-kept",
        "https://shop.example/o?id=1&x=a%20b#top",
        "https://shop.example/o?id=1&x=a%20b&utm_source=delightmail&utm_medium=email"
        "&utm_campaign=order#top",
    ),
    (
        "own-tags-win",
        "https://shop.example/?utm_source=newsletter",
        "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=order",
    ),
    ("mailto-untouched", "mailto:hi@shop.example", "mailto:hi@shop.example"),
    ("tel-untouched", "tel:+15035550142", "tel:+15035550142"),
    ("other-host-untouched", "https://carrier.example/track/1", "https://carrier.example/track/1"),
]


@pytest.mark.parametrize(("url", "expected"), [c[1:] for c in _TAGGED], ids=[c[0] for c in _TAGGED])
def test_with_utm(url: str, expected: str) -> None:
    """The merchant's UTM tags go on links to its own site only, after what is there."""
    assert with_utm(url, UTM, hosts={"shop.example"}) == expected


def test_with_utm_without_settings_changes_nothing() -> None:
    """No UTM settings, no change."""
    assert with_utm("https://shop.example/", None) == "https://shop.example/"
    assert with_utm("https://shop.example/", {}) == "https://shop.example/"


def test_with_utm_rejects_unknown_keys() -> None:
    """A misspelt parameter is an error, not a silently wrong report."""
    with pytest.raises(ValueError, match="utm_campain"):
        with_utm("https://shop.example/", {"utm_campain": "x"})


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://a.example", True),
        ("http://a.example", True),
        ("mailto:a@a.example", True),
        ("tel:+1555", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,x", False),
        ("", False),
    ],
)
def test_is_allowed(url: str, allowed: bool) -> None:
    """Only http(s), mailto: and tel: links are allowed."""
    assert is_allowed(url) is allowed
