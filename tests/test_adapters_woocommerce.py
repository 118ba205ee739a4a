"""WooCommerce REST v3 orders (bare or in a {"data": ...} envelope) mapped onto Order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from delightmail.adapters import woocommerce
from delightmail.exceptions import OrderValidationError

from . import conftest
from .conftest import SAMPLES, fixture, load


def sample(name: str) -> Any:
    return conftest.sample("woocommerce", name)


# Samples whose own numbers add up: WooCommerce's total, and the gift cards
# it deducted from that total (Order.total is the sum of both).
CONSISTENT = {
    "ios-fixture-order-8-items-partial-refund.json": ("304.45", "0"),
    "ios-fixture-order-gift-cards.json": ("4.00", "24"),
    "ios-fixture-order-product-addons-empty-billing.json": ("44.54", "0"),
    "ios-fixture-order-without-envelope-sparse.json": ("31.20", "0"),
    "rest-docs-v3-batch-order-728-pending.json": ("62.25", "0"),
    "rest-docs-v3-create-order-727.json": ("29.35", "0"),
    "rest-docs-v3-list-order-723-joao.json": ("39.00", "0"),
}

# The iOS app's parsing fixtures carry a 125.50 fee line, a 133.00 shipping line
# and a 7.71 tax line that their own totals (shipping_total 0.00, total_tax 1.20,
# total 31.20) leave out.
INCONSISTENT = [
    "ios-fixture-order-963-coupon-fee.json",
    "ios-fixture-order-aed-currency-symbol.json",
]


def test_every_sample_is_classified() -> None:
    """Every WooCommerce sample payload is pinned by one of the two tables below."""
    names = {path.name for path in (SAMPLES / "woocommerce").glob("*.json")}
    assert names == set(CONSISTENT) | set(INCONSISTENT)


@pytest.mark.parametrize(("name", "expected"), CONSISTENT.items(), ids=list(CONSISTENT))
def test_sample_total_is_what_woocommerce_reported(name: str, expected: tuple[str, str]) -> None:
    """A sample maps to an Order whose total less gift cards is exactly WooCommerce's total."""
    order = woocommerce.to_order(sample(name))
    reported, gift_cards = map(Decimal, expected)
    assert order.total.amount - order.gift_card_total.amount == reported
    assert order.gift_card_total.amount == gift_cards
    assert order.computed_total == order.total.rounded()


@pytest.mark.parametrize("name", INCONSISTENT, ids=INCONSISTENT)
def test_sample_that_does_not_add_up_is_rejected(name: str) -> None:
    """A sample whose fee, shipping and tax lines exceed its total is rejected, naming numbers."""
    with pytest.raises(OrderValidationError) as exc:
        woocommerce.to_order(sample(name))
    message = str(exc.value)
    assert "shipping 133.00 + taxes 7.71 = 296.21, but total is 31.20" in message


def test_envelope_and_bare_bodies_map_alike() -> None:
    """The same order maps identically bare and wrapped in {"data": ...}."""
    body = sample("ios-fixture-order-gift-cards.json")["data"]
    assert woocommerce.to_order(body) == woocommerce.to_order({"data": body})


def test_float_parsed_payload_gives_exact_money() -> None:
    """A payload parsed with floats (price 10.799999999999999) still gives exact amounts."""
    path = SAMPLES / "woocommerce" / "ios-fixture-order-8-items-partial-refund.json"
    order = woocommerce.to_order(json.loads(path.read_text(encoding="utf-8")))
    assert order.lines[2].unit_price.amount == Decimal("10.80")
    assert order.lines[2].line_total.amount == Decimal("32.40")


def test_prices_including_tax_are_shown_gross() -> None:
    """With prices_include_tax, amounts get their tax added back and the taxes are included."""
    order = woocommerce.to_order(fixture("woocommerce-prices-include-tax-fees.json"))
    assert order.taxes_included
    assert [line.unit_price.amount for line in order.lines] == [
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("3.00"),
    ]
    assert order.shipping is not None and order.shipping.amount.amount == Decimal("5.00")
    assert [(t.title, t.rate, t.amount.amount) for t in order.taxes] == [
        ("MwSt. 19 %", Decimal("0.19"), Decimal("7.66")),
        ("MwSt. 7 %", Decimal("0.07"), Decimal("0.98")),
    ]
    assert order.total.amount == Decimal("63.00")


def test_fees_become_lines_and_negative_fees_discounts() -> None:
    """A positive fee is an extra line of kind "fee"; a negative fee is an order-level discount."""
    order = woocommerce.to_order(fixture("woocommerce-prices-include-tax-fees.json"))
    assert (order.lines[-1].name, order.lines[-1].kind) == ("Gift wrap & card", "fee")
    assert [(d.label, d.amount.amount) for d in order.discounts] == [
        ("summer5", Decimal("5.00")),
        ("Loyalty discount", Decimal("5.00")),
    ]


def test_coupon_is_order_level_when_it_accounts_for_the_line_discounts() -> None:
    """Coupons that match what lines lost become order discounts; lines show undiscounted prices."""
    order = woocommerce.to_order(fixture("woocommerce-prices-include-tax-fees.json"))
    assert all(line.discounts == [] for line in order.lines)


def test_line_discount_is_kept_when_coupon_lines_are_missing() -> None:
    """Without coupon_lines, what a line lost (subtotal − total) stays as that line's discount."""
    order = woocommerce.to_order(sample("ios-fixture-order-without-envelope-sparse.json"))
    line = order.lines[0]
    assert (line.unit_price.amount, line.discount_total.amount) == (Decimal("25"), Decimal("20.00"))
    assert [(t.title, t.amount.amount) for t in order.taxes] == [("Tax", Decimal("1.20"))]


def test_variation_name_and_meta() -> None:
    """A variation's attribute suffix becomes its variant; private meta is skipped."""
    order = woocommerce.to_order(fixture("woocommerce-prices-include-tax-fees.json"))
    hoodie, honey = order.lines[:2]
    assert (hoodie.name, hoodie.variant, hoodie.properties) == ("Hoodie", "Blue, XL", [])
    assert [(p.name, p.value) for p in honey.properties] == [("Gift message", "Καλή όρεξη!")]


def test_html_entity_in_sample_name_is_decoded() -> None:
    """&ndash; in a sample's variation name is decoded and splits product from variant."""
    line = woocommerce.to_order(sample("rest-docs-v3-create-order-727.json")).lines[1]
    assert (line.name, line.variant) == ("Ship Your Idea", "Color: Black, Size: M Test")


def test_product_add_ons_become_properties() -> None:
    """Product add-on meta on a simple product becomes line properties, _pao_ids excluded."""
    line = woocommerce.to_order(
        sample("ios-fixture-order-product-addons-empty-billing.json")
    ).lines[0]
    names = [p.name for p in line.properties]
    assert names[0] == "Extra cheese (multiple choice)" and "_pao_ids" not in names
    assert len(names) == 9


def test_fractional_quantity_keeps_an_exact_unit_price() -> None:
    """1.5 kg at 15.00 is a unit price of 10.00 and a quantity that is not whole."""
    honey = woocommerce.to_order(fixture("woocommerce-prices-include-tax-fees.json")).lines[1]
    assert (honey.quantity, honey.unit_price.amount, honey.whole_quantity) == (
        Decimal("1.5"),
        Decimal("10.00"),
        None,
    )


def test_gift_cards_used_are_payments_and_refunds_are_ignored() -> None:
    """Gift cards WooCommerce deducted are payments; a refund leaves the order as placed."""
    order = woocommerce.to_order(fixture("woocommerce-jpy-gift-card-refund.json"))
    assert order.currency == "JPY"
    assert order.total.amount == Decimal("3800")
    assert order.payment is not None
    assert [(g.last_characters, g.amount.amount) for g in order.payment.gift_cards] == [
        ("GH78", Decimal("1000"))
    ]
    assert order.payment.method == "クレジットカード"
    assert order.lines[0].unit_price.amount == Decimal("1500")


def test_empty_billing_and_shipping_give_no_customer_or_addresses() -> None:
    """All-blank billing and shipping objects map to no addresses and an anonymous customer."""
    order = woocommerce.to_order(sample("ios-fixture-order-product-addons-empty-billing.json"))
    assert (order.billing_address, order.shipping_address) == (None, None)
    assert (order.customer.full_name, order.customer.email) == (None, None)


def test_non_latin_customer_and_empty_email() -> None:
    """Diacritics are kept, an empty email is None and a blank shipping address is dropped."""
    order = woocommerce.to_order(fixture("woocommerce-prices-include-tax-fees.json"))
    assert order.customer.full_name == "Zoë Müller-Łukasiewicz"
    assert order.customer.email is None
    assert order.shipping_address is None
    assert order.billing_address is not None and order.billing_address.country_code == "DE"
    assert order.note == "Bitte im Hof abstellen & klingeln"


def test_gmt_date_is_read_as_utc() -> None:
    """date_created_gmt, which has no offset, is read as UTC."""
    order = woocommerce.to_order(sample("rest-docs-v3-list-order-723-joao.json"))
    assert order.placed_at == datetime(2017, 3, 21, 19, 16, tzinfo=UTC)
    assert order.customer.first_name == "João"


def test_line_without_total_names_the_field() -> None:
    """A line item with no total is rejected with its field path."""
    with pytest.raises(OrderValidationError) as exc:
        woocommerce.to_order(fixture("woocommerce-broken-line-without-total.json"))
    assert [str(p) for p in exc.value.problems] == ["line_items[1].total: missing"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("medusa/railway-boilerplate-order-placed-preview.json", "order.line_items"),
        ("shopify/rest-docs-2026-07-create-order-eur.json", "order.total"),
        ("shopify/membi-webhook-hkd-line-item-discount.json", "total"),
        ("saleor/smtp-app-order-created-example.json", "order.line_items"),
    ],
    ids=["medusa", "shopify-wrapped", "shopify-bare", "saleor"],
)
def test_other_platforms_are_not_woocommerce_orders(path: str, field: str) -> None:
    """A payload from another platform in an envelope WooCommerce uses is rejected, naming
    the WooCommerce field it lacks (inside the envelope)."""
    with pytest.raises(OrderValidationError) as exc:
        woocommerce.to_order(load(SAMPLES / path))
    (problem,) = exc.value.problems
    assert problem.path == field
    assert "this is not a WooCommerce order" in problem.message


@pytest.mark.parametrize(
    "path",
    ["stripe/openapi-fixture-checkout-session.json", "stripe/openapi-fixture-invoice.json"],
    ids=["stripe-checkout", "stripe-invoice"],
)
def test_a_body_in_no_woocommerce_envelope_is_refused_on_one_line(path: str) -> None:
    """A body that is neither an order nor in {"data": ...} or {"order": ...} is refused on
    one line that says what it looks like and which envelopes are taken."""
    with pytest.raises(OrderValidationError) as exc:
        woocommerce.to_order(load(SAMPLES / path))
    (problem,) = exc.value.problems
    assert problem.path == ""
    assert "\n" not in problem.message
    assert problem.message.startswith("not a WooCommerce order: got an object with keys ")
    assert "(it looks like a Stripe payload)" in problem.message
    assert problem.message.endswith(
        'expected a bare order or {"data": {...}} (WordPress.com / Jetpack) '
        'or {"order": {...}} (the legacy REST API)'
    )
