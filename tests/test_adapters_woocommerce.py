"""WooCommerce orders (REST v3 bare or in {"data": ...}, legacy REST in {"order": ...})
mapped onto Order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail.adapters import woocommerce
from delightmail.exceptions import OrderValidationError
from delightmail.models import STATUSES

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
    assert problem.message.startswith("got an object with keys ")
    assert "(it looks like a Stripe payload)" in problem.message
    assert problem.message.endswith(
        'expected a bare order or {"data": {...}} (WordPress.com / Jetpack) '
        'or {"order": {...}} (the legacy REST API)'
    )


# -- envelopes and the legacy REST API -----------------------------------------------


def test_legacy_order_envelope_reads_date_names_and_addresses() -> None:
    """{"order": ...} of the legacy REST API (/wc-api/v3) is read with its own field names:
    order_number, created_at, billing_address, shipping_address, payment_details, note."""
    order = woocommerce.to_order(fixture("woocommerce-legacy-v3-order-645.json"))
    assert order.number == "645"
    assert order.placed_at == datetime(2015, 1, 26, 20, 0, 21, tzinfo=UTC)
    assert (order.customer.full_name, order.customer.email) == ("John Doe", "john.doe@example.com")
    assert order.billing_address is not None and order.billing_address.address1 == "969 Market"
    assert order.shipping_address is not None
    assert order.shipping_address.lines()[:2] == ["John Doe", "969 Market"]
    assert order.note == "Please leave it with the doorman"
    assert order.payment is not None and order.payment.method == "Direct Bank Transfer"
    assert order.status == "paid"  # processing, payment_details.paid true
    assert [(t.title, t.amount.amount) for t in order.taxes] == [
        ("Tax", Decimal("4.40")),
        ("Standard", Decimal("1.50")),
    ]
    assert order.lines[1].variant == "Black"  # legacy meta {key: pa_color, label, value}
    assert order.total.amount == Decimal("79.87") and order.discrepancy is None
    assert order.warnings == []


def test_legacy_webhook_coupon_fee_customer_and_pending_cheque() -> None:
    """A legacy webhook body: coupon {code, amount}, fee {title, total}, the name from
    customer when the addresses have none, and on-hold by cheque as pending, all due."""
    order = woocommerce.to_order(fixture("woocommerce-legacy-webhook-on-hold-cheque.json"))
    assert order.number == "52"
    assert order.customer.full_name == "Greta Schmitz"
    assert order.customer.email == "greta@example.de"
    assert [(d.label, d.amount.amount) for d in order.discounts] == [("kaffee5", Decimal("5.00"))]
    assert (order.lines[1].name, order.lines[1].kind) == ("Verpackung", "fee")
    assert order.status == "pending"
    assert order.payment is not None and order.payment.due is not None
    assert order.payment.due.amount == Decimal("31.50")
    assert order.shipping is not None and order.shipping.method == "Versand"


def test_legacy_body_sent_bare_is_read_as_legacy() -> None:
    """The legacy field names are read even without the {"order": ...} envelope."""
    body = fixture("woocommerce-legacy-v3-order-645.json")["order"]
    bare = woocommerce.to_order(body)
    assert bare.placed_at == datetime(2015, 1, 26, 20, 0, 21, tzinfo=UTC)
    assert bare.customer.full_name == "John Doe"


def test_list_body_is_refused_on_one_line() -> None:
    with pytest.raises(OrderValidationError) as exc:
        woocommerce.to_order("[{}, {}]")
    (problem,) = exc.value.problems
    assert problem.message.startswith("got a list of 2; expected")


# -- what ships ----------------------------------------------------------------------


def test_shipping_amount_without_shipping_line_is_unnamed_and_physical() -> None:
    """shipping_total with no shipping_lines: an amount without a method (no invented
    "Shipping"), delivery unnamed, every line physical."""
    order = woocommerce.to_order(fixture("woocommerce-shipping-total-without-lines.json"))
    assert order.shipping is not None
    assert (order.shipping.method, order.shipping.amount.amount) == (None, Decimal("4.95"))
    assert order.delivery == "unnamed"
    assert {line.fulfillment for line in order.lines} == {"physical"}


def test_no_shipping_line_but_an_address_is_unnamed_not_digital() -> None:
    """A sample with no shipping lines, shipping_total 0.00 and a real shipping address
    ships by an unnamed method: it used to be told as digital."""
    order = woocommerce.to_order(sample("ios-fixture-order-without-envelope-sparse.json"))
    assert order.shipping is None
    assert order.delivery == "unnamed"
    assert [line.fulfillment for line in order.lines] == ["physical"]


def test_virtual_and_downloadable_order_is_digital() -> None:
    """No shipping, a blank shipping address and needs_processing false: every line is
    virtual and downloadable, so digital."""
    order = woocommerce.to_order(fixture("woocommerce-virtual-downloadable-only.json"))
    assert order.shipping is None and order.shipping_address is None
    assert [line.fulfillment for line in order.lines] == ["digital", "digital"]
    assert order.delivery == "digital"


def test_nothing_ships_and_nothing_says_digital_is_service() -> None:
    """Without needs_processing, an order with no shipping and no address to ship to is
    a service: WooCommerce cannot tell a download from a booking."""
    body = fixture("woocommerce-virtual-downloadable-only.json")
    del body["needs_processing"]
    order = woocommerce.to_order(body)
    assert {line.fulfillment for line in order.lines} == {"service"}
    assert order.delivery == "service"


def test_free_shipping_line_with_blank_address_is_physical() -> None:
    """A shipping line (here free shipping) says the goods ship, though the address is blank."""
    order = woocommerce.to_order(sample("ios-fixture-order-product-addons-empty-billing.json"))
    assert order.shipping_address is None
    assert order.lines[0].fulfillment == "physical"
    assert order.delivery == "standard"


def test_product_flags_on_lines_give_a_mixed_order() -> None:
    """Per-line product flags: not virtual ships, virtual and downloadable is digital,
    virtual alone is a service, a Gift Cards gift card sent by email is digital."""
    order = woocommerce.to_order(fixture("woocommerce-mixed-product-flags.json"))
    assert [line.fulfillment for line in order.lines] == [
        "physical",
        "digital",
        "service",
        "digital",
    ]
    assert order.is_mixed
    assert order.delivery == "standard"
    assert [line.name for line in order.parcel] == ["Harbour poster"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"virtual": True, "downloadable": True}, "digital"),
        ({"virtual": True, "downloadable": False}, "service"),
        ({"virtual": True}, "service"),
        ({"downloadable": True}, "digital"),
        ({"virtual": False, "downloadable": True}, "physical"),
        ({"is_virtual": "yes", "is_downloadable": "no"}, "service"),
    ],
)
def test_line_flags(flags: dict[str, Any], expected: str) -> None:
    body = fixture("woocommerce-mixed-product-flags.json")
    item = body["data"]["line_items"][0]
    del item["product_data"]
    item.update(flags)
    assert woocommerce.to_order(body).lines[0].fulfillment == expected


@pytest.mark.parametrize(
    ("method_id", "title", "kind"),
    [
        ("local_pickup", "Collect from the shop", "pickup"),
        ("local_pickup:3", "Abholung", "pickup"),
        ("pickup_location:0", "Local pickup (Harbour Street shop)", "pickup"),
        ("local_delivery", "Bike courier", "local_delivery"),
        ("flat_rate:5", "Express (next day)", "express"),
        ("flat_rate", "Flat rate", "standard"),
        ("free_shipping", "Free shipping", "standard"),
    ],
)
def test_shipping_kind_from_method_id_before_title(method_id: str, title: str, kind: str) -> None:
    """The method id decides a pick-up or a local delivery, whatever the title says; the
    title then tells express from standard."""
    body = sample("rest-docs-v3-create-order-727.json")
    body["shipping_lines"][0].update({"method_id": method_id, "method_title": title})
    order = woocommerce.to_order(body)
    assert order.shipping is not None
    assert (order.shipping.kind, order.shipping.method) == (kind, title)


def test_block_checkout_pickup_says_where_and_cash_on_delivery_is_pending() -> None:
    """A pickup_location line's meta names where it is collected; cash on delivery with
    no date_paid is pending, the whole total due."""
    order = woocommerce.to_order(fixture("woocommerce-cod-local-pickup.json"))
    assert order.delivery == "pickup"
    assert order.shipping is not None and order.shipping.location is not None
    assert order.shipping.location.name == "Harbour Street shop"
    assert order.shipping.location.address1 == (
        "3 Harbour Street, Bristol, BS1 5TT, United Kingdom (UK)"
    )
    assert {line.fulfillment for line in order.lines} == {"physical"}
    assert order.status == "pending"
    assert order.payment is not None and order.payment.due is not None
    assert order.payment.due.amount == Decimal("20.50")
    assert order.payment.method == "Cash on delivery"


# -- status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "payment_method", "date_paid", "expected"),
    [
        ("pending", "bacs", None, "pending"),
        ("on-hold", "bacs", None, "pending"),
        ("processing", "stripe", "2017-03-22T19:28:08", "paid"),
        ("processing", "stripe", None, "paid"),
        ("processing", "bacs", None, "pending"),
        ("processing", "cheque", None, "pending"),
        ("processing", "cod", None, "pending"),
        ("processing", "cod", "2017-03-22T19:28:08", "paid"),
        ("completed", "cod", None, "paid"),
        ("cancelled", "stripe", None, "cancelled"),
        ("trash", "stripe", None, "cancelled"),
        ("refunded", "stripe", "2017-03-22T19:28:08", "refunded"),
        ("failed", "stripe", None, "failed"),
        ("wc-on-hold", "bacs", None, "pending"),
        ("partial-payment", "stripe", None, "partially_paid"),
    ],
)
def test_status(status: str, payment_method: str, date_paid: str | None, expected: str) -> None:
    body = sample("rest-docs-v3-create-order-727.json")
    body.update(
        {
            "status": status,
            "payment_method": payment_method,
            "date_paid": date_paid,
            "date_paid_gmt": date_paid,
        }
    )
    order = woocommerce.to_order(body)
    assert order.status == expected
    assert order.warnings == []
    due = order.payment.due if order.payment else None
    assert (due.amount if due else None) == (Decimal("29.35") if expected == "pending" else None)


def test_set_paid_marks_an_offline_processing_order_paid() -> None:
    body = sample("rest-docs-v3-create-order-727.json")
    body.update({"date_paid": None, "date_paid_gmt": None, "set_paid": True})
    assert woocommerce.to_order(body).status == "paid"


def test_unknown_status_is_paid_with_a_warning() -> None:
    body = sample("rest-docs-v3-create-order-727.json")
    body["status"] = "shipped"
    order = woocommerce.to_order(body)
    assert order.status == "paid"
    assert order.warnings == ["status: 'shipped' is not a status WooCommerce defines; read as paid"]


def test_checkout_draft_is_not_an_order_yet() -> None:
    """A block checkout's draft is refused (a webhook receiver then skips it), naming status."""
    body = sample("rest-docs-v3-create-order-727.json")
    body["status"] = "checkout-draft"
    with pytest.raises(OrderValidationError) as exc:
        woocommerce.to_order(body)
    (problem,) = exc.value.problems
    assert problem.path == "status" and "not a placed order" in problem.message


def test_refunds_make_an_order_partially_refunded_or_refunded() -> None:
    """Refunds less than the total: partially refunded; adding up to it: refunded, though
    the status still says processing. The amounts stay the order's as placed."""
    partly = woocommerce.to_order(sample("rest-docs-v3-list-order-723-joao.json"))
    assert partly.status == "partially_refunded"  # 19.00 of 39.00
    body = sample("rest-docs-v3-create-order-727.json")
    body["refunds"] = [{"id": 1, "reason": "", "total": "-20.00"}, {"id": 2, "total": "-9.35"}]
    whole = woocommerce.to_order(body)
    assert whole.status == "refunded"
    assert whole.total.amount == Decimal("29.35")


def test_wcpay_test_mode_is_a_test_order() -> None:
    """WooPayments' _wcpay_mode: test marks a test order; core orders are not."""
    assert woocommerce.to_order(sample("ios-fixture-order-gift-cards.json")).test
    assert not woocommerce.to_order(sample("rest-docs-v3-create-order-727.json")).test


# -- number --------------------------------------------------------------------------


def test_number_as_written_then_id_then_a_reference_from_the_order_key() -> None:
    body = sample("rest-docs-v3-create-order-727.json")
    body["number"] = "WC-00727"
    assert woocommerce.to_order(body).number == "WC-00727"
    del body["number"]
    assert woocommerce.to_order(body).number == "727"  # WooCommerce shows the id by default
    del body["id"]
    order = woocommerce.to_order(body)
    assert order.number == order.number.upper() and order.number != body["order_key"]
    assert any(w.startswith("number: missing") for w in order.warnings)


# -- what cannot be read -------------------------------------------------------------


def test_unreadable_labels_and_dates_are_warnings_not_refusals() -> None:
    """Broken dates, an unknown status, a name that is an object, an email that is no
    address, a title that is a list, a flag that is not true or false: an order all the
    same, each fallback said in warnings."""
    received = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    order = woocommerce.to_order(
        fixture("woocommerce-unreadable-labels-and-dates.json"), received_at=received
    )
    assert order.placed_at == received
    assert order.status == "paid"
    assert order.customer.full_name == "Kai Nguyen"  # the shipping name, the same person
    assert order.customer.email is None
    assert order.shipping is not None and order.shipping.method == "Flat rate"
    assert order.lines[0].fulfillment == "physical"
    paths = [w.split(":")[0] for w in order.warnings]
    for path in (
        "date_created_gmt",
        "date_created",
        "status",
        "billing.first_name",
        "billing.email",
        "shipping_lines[0].method_title",
        "line_items[0].product_data.virtual",
    ):
        assert path in paths
    assert "date_created: no readable date; the time received was used" in order.warnings


def test_broken_gmt_date_falls_back_to_the_local_one() -> None:
    body = sample("rest-docs-v3-create-order-727.json")
    body["date_created_gmt"] = "22/03/2017"
    order = woocommerce.to_order(body)
    assert order.placed_at == datetime(2017, 3, 22, 16, 28, 2, tzinfo=UTC)
    assert order.warnings == [
        "date_created_gmt: '22/03/2017' is not an ISO 8601 date and time; not used"
    ]


def test_essential_fields_still_refuse() -> None:
    body = sample("rest-docs-v3-create-order-727.json")
    body["currency"] = None
    with pytest.raises(OrderValidationError, match="currency: missing"):
        woocommerce.to_order(body)
    body = sample("rest-docs-v3-create-order-727.json")
    body["line_items"][0]["total"] = "lots"
    with pytest.raises(OrderValidationError, match=r"line_items\[0\]\.total"):
        woocommerce.to_order(body)


#: WooCommerce's statuses, core and the block checkout's draft, and one of an extension.
WOOCOMMERCE_STATUSES = [
    "pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
    "trash", "checkout-draft", "partial-payment", "wc-processing",
]  # fmt: skip

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None)
@given(status=st.one_of(st.text(max_size=30), st.sampled_from(WOOCOMMERCE_STATUSES)))
def test_any_status_text_gives_a_valid_order(status: str) -> None:
    """Any status string gives an order with one of the model's statuses, never a crash;
    only a checkout draft is refused."""
    body = sample("rest-docs-v3-create-order-727.json")
    body["status"] = status
    try:
        order = woocommerce.to_order(body)
    except OrderValidationError as exc:
        assert "'checkout-draft' is a checkout still in progress" in str(exc)
        return
    assert order.status in STATUSES


@settings(max_examples=150, deadline=None)
@given(
    field=st.sampled_from(
        [
            ("status",),
            ("date_created_gmt",),
            ("date_paid",),
            ("number",),
            ("billing", "first_name"),
            ("billing", "email"),
            ("shipping",),
            ("shipping_lines", 0, "method_title"),
            ("shipping_lines", 0, "method_id"),
            ("line_items", 0, "sku"),
            ("line_items", 0, "virtual"),
            ("payment_method_title",),
            ("refunds",),
            ("needs_processing",),
        ]
    ),
    value=_JSON,
)
def test_any_value_in_a_field_that_is_not_essential_gives_an_order(
    field: tuple[str | int, ...], value: Any
) -> None:
    """Whatever JSON a non-essential field holds, the order is read (or, for a checkout
    draft, refused): never a crash."""
    body = sample("rest-docs-v3-create-order-727.json")
    node: Any = body
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    try:
        order = woocommerce.to_order(body)
    except OrderValidationError as exc:
        assert "'checkout-draft' is a checkout still in progress" in str(exc), exc
        return
    assert order.status in STATUSES
    assert order.lines and order.total.amount == Decimal("29.35")
