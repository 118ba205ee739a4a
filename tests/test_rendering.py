"""Rendering: every example renders whole, both paths agree, customer text is escaped."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from delightmail import Mailer, Merchant, Money, OrderValidationError, TemplateError
from delightmail.checks import check_email
from delightmail.exceptions import TemplateNotFound
from delightmail.models import Order, validate_order
from delightmail.rendered import RenderedEmail
from delightmail.testing import assert_same_html

from .conftest import FIXTURES, ORDER_FILES, load

ORDER_IDS = [path.stem for path in ORDER_FILES]


@pytest.fixture(scope="module", params=ORDER_FILES, ids=ORDER_IDS)
def example(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each example order in turn, as parsed JSON."""
    data: dict[str, Any] = load(request.param)
    return data


def visible_text(html: str) -> str:
    """The text a reader sees, whitespace folded."""
    return " ".join(lxml.html.document_fromstring(html).text_content().split())


def amounts(order: Order) -> list[tuple[str, Money, bool]]:
    """Every amount the email must show: (what, money, shown as a deduction)."""
    out: list[tuple[str, Money, bool]] = [
        ("subtotal", order.line_subtotal, False),
        ("total", order.total, False),
    ]
    for i, line in enumerate(order.lines):
        out += [(f"lines[{i}].unit_price", line.unit_price, False)]
        out += [(f"lines[{i}].total", line.line_total, False)]
        out += [(f"lines[{i}].discount", d.amount, True) for d in line.discounts]
    out += [(f"discounts[{i}]", d.amount, True) for i, d in enumerate(order.discounts)]
    out += [(f"taxes[{i}]", t.amount, False) for i, t in enumerate(order.taxes)]
    if order.shipping:
        out.append(("shipping", order.shipping.amount, False))
    if order.payment:
        out += [
            (f"gift_cards[{i}]", g.amount, False) for i, g in enumerate(order.payment.gift_cards)
        ]
    return out


def test_every_example_renders_whole(mailer: Mailer, example: dict[str, Any]) -> None:
    """The HTML is inlined, has no leftover syntax, and names every line and amount."""
    email = mailer.render(example)
    order = validate_order(example)
    locale = order.locale or "en"
    html, text = email.html, email.text
    assert html.lower().startswith("<!doctype html>")
    assert html.count('style="') > 50, "premailer's inline styles are missing"
    assert "<style" in html  # only what cannot be inlined (media queries) stays
    for leftover in ("{{", "}}", "{%", "%}", "{#", "dmtk"):
        assert leftover not in html and leftover not in text, leftover
    seen = visible_text(html)
    for line in order.lines:
        assert line.name in seen
        assert line.name in text
    for what, money, deduction in amounts(order):
        formatted = (-money if deduction else money).format(locale)
        assert " ".join(formatted.split()) in seen, f"{what}: {formatted!r} not in the HTML"
        assert formatted in text, f"{what}: {formatted!r} not in the text"


def test_text_part_carries_the_story_and_the_facts(mailer: Mailer, example: dict[str, Any]) -> None:
    """The plain-text part tells the same story and every fact of the HTML part."""
    email = mailer.render(example)
    context = mailer.context(example)
    order: Order = context["order"]
    # Compared without whitespace: Japanese text wraps between characters, with no space.
    for paragraph in context["story"].paragraphs:
        assert "".join(paragraph.split()) in "".join(email.text.split())
    assert order.number in email.text
    for part in context["shipping_lines"] + context["billing_lines"]:
        assert part in email.text
        assert part in visible_text(email.html)
    if order.status_url:
        assert str(order.status_url) in email.text
    assert mailer.merchant.signer.name in email.text
    invitation = context["_translations"].gettext("Can we do anything else for you?")
    assert invitation.upper() in email.text
    assert invitation in visible_text(email.html)
    if order.gift_message:
        assert order.gift_message.splitlines()[0] in email.text


def test_compiled_path_equals_reference_path(
    mailer: Mailer, reference_mailer: Mailer, example: dict[str, Any]
) -> None:
    """Compile-once gives the same parsed HTML as Jinja → MJML → premailer per email."""
    fast = mailer.render(example)
    slow = reference_mailer.render(example)
    assert_same_html(fast.html, slow.html)
    assert fast.text == slow.text
    assert fast.subject == slow.subject


def test_rendering_is_deterministic(mailer: Mailer, merchant: Merchant) -> None:
    """The same order renders the same bytes, whether from a dict or an Order, in any mailer."""
    data = load(ORDER_FILES[1])
    first = mailer.render(data)
    again = Mailer(merchant=merchant).render(validate_order(data))
    assert first == again


HOSTILE_NAME = "<img src=x onerror=alert(1)>"
TRICKY_ITEM = 'Tom & Jerry "Live"'


@pytest.fixture(scope="module")
def hostile_order() -> dict[str, Any]:
    """An order whose customer and item names are written to break HTML."""
    data: dict[str, Any] = load(ORDER_FILES[0])
    data = copy.deepcopy(data)
    data["customer"]["first_name"] = HOSTILE_NAME
    data["shipping_address"]["name"] = HOSTILE_NAME
    data["lines"][0]["name"] = TRICKY_ITEM
    data["lines"][0]["variant"] = "</td></tr></table><script>alert(2)</script>"
    data["note"] = "<b>bold?</b> & 'quoted'"
    return data


@pytest.mark.parametrize("precompile", [True, False], ids=["compiled", "reference"])
def test_customer_text_is_escaped_in_html_and_intact_in_text(
    merchant: Merchant, hostile_order: dict[str, Any], precompile: bool
) -> None:
    """Names that are HTML come out as text in the HTML part and unchanged in the text part."""
    email = Mailer(merchant=merchant, precompile=precompile).render(hostile_order)
    root = lxml.html.document_fromstring(email.html)
    assert not root.xpath("//img[@onerror]"), "a customer name became an element"
    assert not root.xpath("//script"), "a variant became a script"
    assert not root.xpath("//b"), "a note became markup"
    assert "&lt;img src=x onerror=alert(1)&gt;" in email.html
    assert "Tom &amp; Jerry &#34;Live&#34;" in email.html or 'Tom &amp; Jerry "Live"' in email.html
    seen = visible_text(email.html)
    assert HOSTILE_NAME in seen and TRICKY_ITEM in seen
    assert f"Hi {HOSTILE_NAME}!" in email.text
    assert TRICKY_ITEM in email.text
    assert "<b>bold?</b> & 'quoted'" in email.text


def test_subject_and_preheader_are_personal(mailer: Mailer) -> None:
    """The subject names the customer and what they bought; the preheader the merchant."""
    email = mailer.render(load(ORDER_FILES[0]))
    assert "Sam" in email.subject and "#1001" in email.subject
    assert email.preheader and email.preheader == mailer.context(load(ORDER_FILES[0]))["preheader"]
    root = lxml.html.document_fromstring(email.html)
    assert root.findtext(".//title") == email.subject


def test_order_locale_wins_over_mailer_locale(mailer: Mailer) -> None:
    """A German order's amounts and dates are formatted the German way."""
    email = mailer.render(load(ORDER_FILES[2]))
    assert "71,61\xa0€" in email.text
    assert re.search(r"\b21\. November 2026\b", email.text)
    assert 'lang="de"' in email.html


def test_invalid_order_names_the_field(mailer: Mailer, order_data: dict[str, Any]) -> None:
    """A dict that is not a valid order raises with the field path."""
    order_data["lines"][0]["quantity"] = 0
    with pytest.raises(OrderValidationError, match=r"lines\[0\]\.quantity"):
        mailer.render(order_data)


def test_render_error_names_original_template_line(
    merchant: Merchant, order_data: dict[str, Any]
) -> None:
    """An undefined variable points at the line of the author's template, not compiled HTML."""
    for precompile in (True, False):
        mailer = Mailer(
            merchant=merchant,
            template=FIXTURES / "templates" / "undefined-variable",
            precompile=precompile,
        )
        with pytest.raises(TemplateError, match=r"email\.mjml\.j2, line 5: .*no_such_field"):
            mailer.render(order_data)


def test_unknown_template_lists_known_ones(merchant: Merchant) -> None:
    """Asking for a template that does not exist says which ones do."""
    with pytest.raises(TemplateNotFound, match="known templates: postcard, receipt"):
        Mailer(merchant=merchant, template="nope")


def test_template_folder_outside_the_package(merchant: Merchant, tmp_path: Path) -> None:
    """A merchant's own template folder is found through template_dirs."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "email.mjml.j2").write_text(
        "<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ story.name }}"
        "</mj-text></mj-column></mj-section></mj-body></mjml>"
    )
    (folder / "email.txt.j2").write_text("Hello {{ story.name }}\n")
    email = Mailer(merchant=merchant, template="mine", template_dirs=(tmp_path,)).render(
        load(ORDER_FILES[0])
    )
    assert "Hello Sam" in visible_text(email.html)
    assert email.text == "Hello Sam\n"


def test_merchant_values_folded_at_compile_time_are_escaped(
    merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """A merchant name with HTML and Jinja syntax is folded in escaped, never evaluated."""
    data = {**merchant_data, "name": "Tom & Jerry's <b>{{ 7*7 }}</b> Records", "logo_url": None}
    fast = Mailer(merchant=data)
    email = fast.render(order_data)
    assert "Tom &amp; Jerry" in email.html and "&lt;b&gt;{{ 7*7 }}&lt;/b&gt;" in email.html
    assert "49" not in visible_text(email.html)
    assert "Tom & Jerry's <b>{{ 7*7 }}</b> Records" in email.text
    assert_same_html(email.html, Mailer(merchant=data, precompile=False).render(order_data).html)


def test_each_merchant_gets_its_own_theme(
    merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """Two merchants on one template each see their own brand colour (no cache mix-up)."""
    purple = Mailer(merchant=merchant_data).render(order_data).html
    green = {**merchant_data, "theme": {"brand_color": "#0b6e4f"}}
    other = Mailer(merchant=green).render(order_data).html
    assert "#5b3cc4" in purple and "#5b3cc4" not in other
    assert "#0b6e4f" in other and "#0b6e4f" not in purple


def test_links_to_the_shop_carry_the_merchants_utm_tags(
    merchant_data: dict[str, Any], order_data: dict[str, Any]
) -> None:
    """With Merchant.utm, the shop's links are tagged in both parts; mailto: links are not."""
    data = {**merchant_data, "utm": {"source": "delightmail", "medium": "email"}}
    email = Mailer(merchant=data).render(order_data)
    root = lxml.html.document_fromstring(email.html)
    hrefs = [a.get("href") for a in root.iter("a")]
    tagged = "orders/1001/status?utm_source=delightmail&utm_medium=email"
    assert any(h.endswith(tagged) for h in hrefs)
    assert all("utm_" not in h for h in hrefs if h.startswith("mailto:"))
    assert tagged in email.text
    assert_same_html(email.html, Mailer(merchant=data, precompile=False).render(order_data).html)


def test_unknown_utm_key_is_refused(merchant_data: dict[str, Any]) -> None:
    """A typo in the merchant's UTM settings is an error naming the field."""
    with pytest.raises(OrderValidationError, match=r"utm: .*unknown UTM parameter 'sorce'"):
        Mailer(merchant={**merchant_data, "utm": {"sorce": "x"}})


PICKUP_SPOT = {"name": "Groove Harbor Records", "address1": "12 Dock Street", "city": "Portland",
               "postal_code": "97209", "country_code": "US"}  # fmt: skip


@pytest.mark.parametrize("design", ["postcard", "receipt"])
@pytest.mark.parametrize(
    ("merchant_address", "location", "expected"),
    [(None, None, None), (PICKUP_SPOT, None, "12 Dock Street"),
     (PICKUP_SPOT, {"address1": "Locker 7, 3 Pier Road", "city": "Portland"}, "Locker 7")],
    ids=["method-only", "the-shop", "a-locker"],
)  # fmt: skip
def test_a_pick_up_is_collected_where_the_shop_says_never_at_home(
    merchant_data: dict[str, Any],
    design: str,
    merchant_address: dict[str, str] | None,
    location: dict[str, str] | None,
    expected: str | None,
) -> None:
    """Under "Collect it at" a pick-up shows its location, else the shop's address, else
    the method alone: never the customer's own address, even when the order carries one."""
    data = {**load(ORDER_FILES[4]), "locale": "en_US"}  # the pick-up example, read in English
    data["shipping"] = {**data["shipping"], "location": location}
    data["shipping_address"] = {"name": "Kwame Adeyemi", "address1": "1 High Street",
                                "city": "Osaka", "country_code": "GB"}  # fmt: skip
    merchant = {**merchant_data, "address": merchant_address}
    email = Mailer(merchant, template=design).render(data)
    html_text = visible_text(email.html)
    for part in (email.text, html_text):
        collect = part[part.upper().index("COLLECT IT AT") :][:300]
        assert "1 High Street" not in part and "Osaka" not in collect
        assert data["shipping"]["method"] in collect
        if expected:
            assert expected in collect


# -- the visible polish: what each part says, in every design -------------------------------

DESIGNS = ["postcard", "receipt"]
#: A catalog of yours in Arabic (every message), for right-to-left emails.
ARABIC = FIXTURES / "locale"


@pytest.fixture(scope="module")
def designs(merchant: Merchant) -> dict[tuple[str, bool], Mailer]:
    """A mailer for each design, compiled and on the reference path, with the Arabic
    catalog beside the built-in ones."""
    return {
        (design, precompile): Mailer(
            merchant, template=design, precompile=precompile, locale_dirs=(ARABIC,)
        )
        for design in DESIGNS
        for precompile in (True, False)
    }


def render_both(
    designs: dict[tuple[str, bool], Mailer], design: str, order: dict[str, Any]
) -> RenderedEmail:
    """*order* in *design*, checked to render the same on the compiled and reference paths."""
    fast = designs[design, True].render(order)
    slow = designs[design, False].render(order)
    assert_same_html(fast.html, slow.html)
    assert fast.text == slow.text
    return fast


def gift_receipt() -> dict[str, Any]:
    """The gift example with its prices hidden, a gift card and a product picture."""
    data: dict[str, Any] = load(ORDER_FILES[3])
    data["hide_prices"] = True
    data["payment"]["gift_cards"] = [{"last_characters": "7QX2", "amount": "10.00"}]
    data["lines"][0]["image_url"] = "https://groove-harbor.example.com/img/roundhouse.jpg"
    return data


@pytest.mark.parametrize("design", DESIGNS)
def test_a_gift_receipt_says_nothing_of_the_money_or_who_paid(
    designs: dict[tuple[str, bool], Mailer], design: str
) -> None:
    """A gift receipt lists what is in the parcel and how many ("Quantity: 2", never a
    dangling "2 ×"), and nothing about money or the buyer's payment: no amount, no card,
    no gift card, no billing address."""
    data = gift_receipt()
    email = render_both(designs, design, data)
    for part in (visible_text(email.html), email.text):
        assert "Quantity: 1" in part and "Quantity: 2" in part
        assert "×" not in part
        for said in ("£", "American Express", "1005", "Gift card", "7QX2", "Billing",
                     "3 Canal Row", "Bath", "Payment", "PAYMENT", "Paid"):  # fmt: skip
            assert said not in part, said
        assert "14 Gloucester Road" in part  # where the parcel goes is still said
    german = render_both(designs, design, {**data, "locale": "de_DE"})
    assert "Anzahl: 2" in german.text and "Anzahl: 2" in visible_text(german.html)


@pytest.mark.parametrize("design", DESIGNS)
def test_a_shipping_method_with_parentheses_is_not_put_in_more(
    designs: dict[tuple[str, bool], Mailer], design: str
) -> None:
    """The shipping method goes under its label: "UPS Ground (3–5 business days)" is never
    wrapped in parentheses of its own, in either part."""
    email = render_both(designs, design, load(ORDER_FILES[1]))
    method = "UPS Ground (3–5 business days)"
    for part in (visible_text(email.html), email.text):
        assert method in part
        assert "((" not in part and "))" not in part and f"({method})" not in part
    lines = email.text.splitlines()
    shipping = next(i for i, line in enumerate(lines) if line.startswith("Shipping "))
    assert lines[shipping].endswith("$9.95") and lines[shipping + 1] == f"  {method}"


@pytest.mark.parametrize("design", DESIGNS)
def test_the_support_phone_is_a_tel_link_that_does_not_wrap(
    designs: dict[tuple[str, bool], Mailer], merchant_data: dict[str, Any], design: str
) -> None:
    """The shop's phone number links to ``tel:`` with its digits (and +), and is kept on
    one line; a "number" that cannot be dialled is shown, unlinked."""
    email = render_both(designs, design, load(ORDER_FILES[0]))
    root = lxml.html.document_fromstring(email.html)
    (link,) = root.xpath('//a[starts-with(@href, "tel:")]')
    assert link.get("href") == "tel:+15035550142" and link.text == "+1 503 555 0142"
    assert "white-space:nowrap" in link.get("style").replace(" ", "")
    assert check_email(email).ok
    words = {**merchant_data, "support_phone": "ask for Maya"}
    html = Mailer(words, template=design).render(load(ORDER_FILES[0])).html
    assert "tel:" not in html and ">ask for Maya</span>" in html


def _styles(root: Any, xpath: str) -> list[str]:
    return [" ".join(e.get("style", "").replace(" ", "").split()) for e in root.xpath(xpath)]


@pytest.mark.parametrize("design", DESIGNS)
def test_right_to_left_mirrors_the_email(
    designs: dict[tuple[str, bool], Mailer], design: str
) -> None:
    """In Arabic (dir="rtl") text lines up on the right, the columns run right to left,
    amounts line up on the left, and a quote's rule is on its right; in English, the other
    way round."""
    data = load(ORDER_FILES[1])
    for locale, start, end in (("ar_EG", "right", "left"), ("en_US", "left", "right")):
        email = render_both(designs, design, {**data, "locale": locale})
        root = lxml.html.document_fromstring(email.html)
        assert root.get("dir") == ("rtl" if start == "right" else "ltr")
        texts = _styles(root, '//td[contains(@class, "dm-text")]/div')
        aligned = [re.search(r"text-align:(\w+)", style) for style in texts]
        assert {m.group(1) for m in aligned if m} == {start, "center"}  # the footer is centred
        for cell in ("price", "amount"):
            styles = _styles(root, f'//td[@class="{cell}"]')
            assert styles and all(f"text-align:{end}" in s for s in styles), cell
            assert all(f"padding-{start}:12px" in s for s in styles), cell
        assert all(f"padding-{end}:12px" in s for s in _styles(root, '//td[@class="thumb"]'))
        assert all(f"border-{start}:" in s for s in _styles(root, '//*[@class="quote"]'))
        columns = _styles(root, '//div[contains(@class, "mj-column")]')
        assert columns and all(f"direction:{root.get('dir')}" in s for s in columns)


def test_the_context_names_the_sides_of_the_direction(
    designs: dict[tuple[str, bool], Mailer],
) -> None:
    """``start`` and ``end`` are the sides a line starts and ends on, for dir."""
    mailer = designs["postcard", True]
    arabic = mailer.context({**load(ORDER_FILES[0]), "locale": "ar"})
    english = mailer.context(load(ORDER_FILES[0]))
    assert (arabic["dir"], arabic["start"], arabic["end"]) == ("rtl", "right", "left")
    assert (english["dir"], english["start"], english["end"]) == ("ltr", "left", "right")


NOTHING_TO_SEE = [" \t ", "\u200b", "\x00\x07", "\u2028\u2029", "\u200e\u200f", "\ufeff \u3000"]
NOTHING_IDS = ["spaces", "zero-width-space", "controls", "line-separators", "marks", "bom"]


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("nothing", NOTHING_TO_SEE, ids=NOTHING_IDS)
def test_a_message_or_note_that_shows_nothing_is_absent(
    designs: dict[tuple[str, bool], Mailer], design: str, nothing: str
) -> None:
    """A gift message or note of only spaces and invisible characters is no message: no
    empty "YOUR GIFT MESSAGE" or "YOUR NOTE TO US" section in either part, and the
    story does not speak of a note (its facts agree with the templates)."""
    data = {**load(ORDER_FILES[0]), "gift_message": nothing, "note": nothing}
    mailer = designs[design, True]
    context = mailer.context(data)
    assert context["order"].gift_message is None and context["order"].note is None
    assert not context["order"].is_gift
    email = render_both(designs, design, data)
    for part in (visible_text(email.html), email.text):
        for heading in ("gift message", "Your message for", "note to us"):
            assert heading.lower() not in part.lower(), heading
    assert email == mailer.render(load(ORDER_FILES[0]))
    german = render_both(designs, design, {**data, "locale": "de_DE"})
    assert "NACHRICHT" not in german.text.upper()


def test_warm_compiles_every_locale_and_tone_before_the_first_order(
    merchant: Merchant, order_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a worker calls at start-up: afterwards no order in those locales and tones
    compiles anything."""
    from delightmail import rendering

    mailer = Mailer(merchant)
    mailer.warm(["de", "ja"], ["plain"])

    def compile_again(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled on an order")

    monkeypatch.setattr(rendering, "merchant_html", compile_again)
    compiled_texts = rendering.text_template.cache_info().misses  # made once, then looked up
    for locale, tone in [("de", "plain"), ("ja", None), ("en", "plain"), ("de", None)]:
        email = mailer.render({**order_data, "locale": locale, "tone": tone})
        assert email.subject
    assert rendering.text_template.cache_info().misses == compiled_texts
    with pytest.raises(TemplateError, match="unknown tone 'shouty'"):
        mailer.warm(tones=["shouty"])
