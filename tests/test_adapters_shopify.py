"""Shopify orders (REST Admin and orders/create webhook bodies) mapped onto Order."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from delightmail.adapters import shopify
from delightmail.exceptions import OrderValidationError

from . import conftest
from .conftest import SAMPLES, fixture, load

RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)


def sample(name: str) -> Any:
    return conftest.sample("shopify", name)


def problem_text(exc: pytest.ExceptionInfo[OrderValidationError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


# Samples whose own numbers add up, with the total the platform reported.
CONSISTENT = {
    "gitnarek-webhook-giftcard-no-shipping.json": ("10.00", "USD"),
    "go-shopify-fixture-order-9999.json": ("10.00", "USD"),
    "membi-webhook-hkd-fixed-code-discount.json": ("304.00", "HKD"),
    "membi-webhook-hkd-line-item-discount.json": ("304.00", "HKD"),
    "membi-webhook-hkd-percent-code-discount.json": ("186.90", "HKD"),
    "node-api-fixture-create-order-minimal.json": ("199.00", "USD"),
    "rest-docs-2026-07-create-order-discount-fake30.json": ("181.09", "USD"),
    "rest-docs-2026-07-create-order-eur.json": ("238.47", "EUR"),
    "rest-docs-2026-07-create-order-three-items-two-taxes.json": ("270.37", "USD"),
    "rest-docs-2026-07-get-order-450789469.json": ("598.94", "USD"),
}

# Samples whose line items do not add up to their own total_line_items_price
# (hand-edited library fixtures): three 199.00 iPods listed as 398.00, and two
# coffees (45.00 + 24.00) with the same copied 398.00 / 409.94 totals.
INCONSISTENT = {
    "python-api-fixture-order-1001.json": ("598.94", "409.94"),
    "ruby-api-fixture-order-with-properties.json": ("80.94", "409.94"),
}


def test_every_sample_is_classified() -> None:
    """Every Shopify sample payload is pinned by one of the two tables below."""
    names = {path.name for path in (SAMPLES / "shopify").glob("*.json")}
    assert names == set(CONSISTENT) | set(INCONSISTENT)


@pytest.mark.parametrize(("name", "expected"), CONSISTENT.items(), ids=list(CONSISTENT))
def test_sample_total_is_what_shopify_reported(name: str, expected: tuple[str, str]) -> None:
    """A sample maps to an Order whose total and currency are exactly Shopify's total_price."""
    order = shopify.to_order(sample(name), received_at=RECEIVED)
    amount, currency = expected
    assert (order.total.amount, order.currency) == (Decimal(amount), currency)
    assert order.computed_total == order.total.rounded()


@pytest.mark.parametrize(("name", "numbers"), INCONSISTENT.items(), ids=list(INCONSISTENT))
def test_sample_that_does_not_add_up_is_rejected(name: str, numbers: tuple[str, str]) -> None:
    """A sample whose lines disagree with its total is rejected, naming both numbers."""
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(sample(name))
    computed, reported = numbers
    assert "totals do not add up" in str(exc.value)
    assert computed in str(exc.value) and reported in str(exc.value)


@pytest.mark.parametrize(
    "name",
    ["rest-docs-2026-07-get-order-450789469.json", "membi-webhook-hkd-percent-code-discount.json"],
    ids=["wrapped-sample", "bare-sample"],
)
def test_wrapped_and_bare_bodies_map_alike(name: str) -> None:
    """The same order maps identically bare and wrapped in {"order": ...}."""
    payload = sample(name)
    body = payload.get("order", payload)
    assert shopify.to_order(body) == shopify.to_order({"order": body})


def test_json_text_and_float_parsed_payloads_give_exact_money() -> None:
    """JSON text, and JSON parsed with floats, give the same exact Decimal amounts."""
    path = SAMPLES / "shopify" / "membi-webhook-hkd-percent-code-discount.json"
    from_text = shopify.to_order(path.read_text(encoding="utf-8"))
    from_floats = shopify.to_order(json.loads(path.read_text(encoding="utf-8")))
    assert from_text == from_floats
    assert from_text.discounts[0].amount.amount == Decimal("29.10")


def test_line_and_order_discounts_follow_discount_applications() -> None:
    """A line-targeted application stays on its line; an order-wide code is summed once."""
    order = shopify.to_order(sample("membi-webhook-hkd-fixed-code-discount.json"))
    assert [(d.code, d.amount.amount) for d in order.discounts] == [("0124C", Decimal("10.00"))]
    assert [(d.title, d.amount.amount) for d in order.lines[0].discounts] == [
        ("測試discount_type-1", Decimal("5.00"))
    ]
    assert order.lines[1].discounts == []


def test_legacy_line_total_discount_is_used_without_applications() -> None:
    """An old payload without discount_applications uses each line's total_discount."""
    order = shopify.to_order(sample("go-shopify-fixture-order-9999.json"))
    assert order.lines[1].discount_total.amount == Decimal("5.00")
    assert order.customer.email == "jon@doe.ca"


def test_presentment_money_is_what_the_customer_saw() -> None:
    """Amounts come from presentment_money (EUR), not from the shop-currency fields (USD)."""
    order = shopify.to_order(fixture("shopify-presentment-eur-gift-card.json"))
    assert order.currency == "EUR"
    assert order.lines[0].unit_price.amount == Decimal("18.00")
    assert order.total.amount == Decimal("50.00")
    assert [(d.label, d.amount.amount) for d in order.discounts] == [
        ("WELCOME10", Decimal("6.00")),
        ("FREESHIP", Decimal("5.90")),
    ]
    assert order.lines[1].discounts[0].title == "Damaged box"
    assert order.shipping is not None
    assert (order.shipping.amount.amount, order.shipping.kind) == (Decimal("5.90"), "express")
    assert order.taxes_included
    assert [t.title for t in order.taxes] == ["MwSt", "MwSt ermäßigt"]


def test_shop_money_alone_is_rejected_when_currencies_differ() -> None:
    """A shop-currency price without a money bag is rejected when the customer paid in another."""
    payload = fixture("shopify-presentment-eur-gift-card.json")
    del payload["line_items"][0]["price_set"]
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(payload)
    assert problem_text(exc).startswith(
        "line_items[0].price_set: missing; the customer paid in EUR"
    )


def test_html_entities_and_non_latin_names_are_decoded() -> None:
    """HTML entities in titles are decoded and Japanese titles pass through unchanged."""
    order = shopify.to_order(fixture("shopify-presentment-eur-gift-card.json"))
    assert [line.name for line in order.lines] == ["Café & Crème Mug", "抹茶セット"]
    assert order.lines[0].variant is None  # "Default Title" is not a variant


def test_private_and_nested_properties_are_skipped() -> None:
    """Properties named with a leading underscore, or holding a nested object, are not shown."""
    mug = shopify.to_order(fixture("shopify-presentment-eur-gift-card.json")).lines[0]
    assert [(p.name, p.value) for p in mug.properties] == [("Gravur", "Für Oma ♥")]
    payload = sample("ruby-api-fixture-order-with-properties.json")["order"]
    payload = {**payload, "line_items": payload["line_items"][1:], "total_price": "35.94"}
    coffee = shopify.to_order(payload).lines[0]
    assert [p.name for p in coffee.properties] == [
        "Select Your Grind",
        "Coffees",
        "Coffees",
        "Coffees",
    ]


def test_gift_card_and_card_payments_come_from_transactions() -> None:
    """A gift_card transaction is a gift-card payment; the card's brand and last digits are kept."""
    payment = shopify.to_order(fixture("shopify-presentment-eur-gift-card.json")).payment
    assert payment is not None
    assert [(g.last_characters, g.amount.amount) for g in payment.gift_cards] == [
        ("x7k2", Decimal("20.00"))
    ]
    assert (payment.method, payment.card_brand, payment.card_last4) == (
        "Credit card",
        "Mastercard",
        "5454",
    )


def test_gift_card_bought_is_a_line_of_kind_gift_card() -> None:
    """A gift card bought is a line of kind "gift card", and the order needs no shipping."""
    order = shopify.to_order(sample("gitnarek-webhook-giftcard-no-shipping.json"))
    assert (order.lines[0].kind, order.lines[0].variant) == ("gift card", "$25.00")
    assert order.shipping is None and order.shipping_address is None


def test_tip_and_duties_are_extra_lines_and_refunds_are_ignored() -> None:
    """Tips and duties become extra lines; a later refund leaves the total as placed."""
    order = shopify.to_order(fixture("shopify-refund-tip-duties.json"))
    assert [(line.name, line.kind) for line in order.lines[2:]] == [
        ("Duties", "duties"),
        ("Tip", "tip"),
    ]
    assert order.total.amount == Decimal("94.70")
    assert order.lines[0].name == "Матрёшка"
    assert order.customer.previous_orders == 0


def test_missing_people_and_places_fall_back_to_none() -> None:
    """An empty email, null names and an all-blank shipping address map to None, not to blanks."""
    order = shopify.to_order(fixture("shopify-presentment-eur-gift-card.json"))
    customer = order.customer
    assert (customer.email, customer.first_name, customer.full_name) == (None, None, None)
    assert customer.previous_orders == 3
    assert order.shipping_address is None and order.billing_address is None


def test_customer_name_falls_back_to_billing_address() -> None:
    """A customer with null names takes them from the billing address when there is one."""
    payload = sample("node-api-fixture-create-order-minimal.json")
    payload["order"]["billing_address"] = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "city": "Quito",
    }
    assert shopify.to_order(payload).customer.full_name == "Ana Ruiz"


@pytest.mark.parametrize(
    ("name", "locale"),
    [
        ("membi-webhook-hkd-line-item-discount.json", "zh_Hant_TW"),
        ("gitnarek-webhook-giftcard-no-shipping.json", "en_US"),
        ("rest-docs-2026-07-create-order-eur.json", None),
    ],
    ids=["zh-TW", "en-US", "null"],
)
def test_customer_locale_becomes_the_order_locale(name: str, locale: str | None) -> None:
    """customer_locale is read as a Babel locale; a null one leaves the merchant's default."""
    assert shopify.to_order(sample(name)).locale == locale


def test_status_url_note_and_number_are_mapped() -> None:
    """order_status_url, note and the customer-facing name (without "#") are carried over."""
    order = shopify.to_order(fixture("shopify-presentment-eur-gift-card.json"))
    assert order.number == "1042"
    assert order.note == "Bitte klingeln – 2. Stock"
    assert str(order.status_url).startswith("https://example.myshopify.com/")


def test_missing_dates_fall_back_to_received_at() -> None:
    """An order without processed_at or created_at is dated when the webhook arrived."""
    payload = fixture("shopify-broken-totals.json")
    del payload["created_at"]
    payload["total_price"] = "27.50"
    assert shopify.to_order(payload, received_at=RECEIVED).placed_at == RECEIVED


def test_line_without_price_names_the_field() -> None:
    """A line item without a price is rejected with its field path."""
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(fixture("shopify-broken-missing-price.json"))
    assert problem_text(exc) == "order.line_items[0].price: missing"
    assert exc.value.model == "Shopify order"


def test_totals_that_do_not_reconcile_name_the_numbers() -> None:
    """A payload whose total disagrees with its parts is rejected rather than silently fixed."""
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(fixture("shopify-broken-totals.json"))
    assert "= 27.50, but total is 30.00 CAD" in str(exc.value)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("medusa/railway-boilerplate-order-placed-preview.json", "order.line_items"),
        ("woocommerce/rest-docs-v3-create-order-727.json", "total_price"),
        ("saleor/smtp-app-order-created-example.json", "order.line_items"),
    ],
    ids=["medusa", "woocommerce", "saleor"],
)
def test_other_platforms_are_not_shopify_orders(path: str, field: str) -> None:
    """A payload from another platform in a Shopify-like envelope is rejected, naming the
    Shopify field it lacks."""
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(load(SAMPLES / path))
    (problem,) = exc.value.problems
    assert problem.path == field
    assert "this is not a Shopify order" in problem.message


@pytest.mark.parametrize(
    "path",
    ["stripe/openapi-fixture-checkout-session.json", "stripe/openapi-fixture-invoice.json"],
    ids=["stripe-checkout", "stripe-invoice"],
)
def test_a_body_that_is_no_envelope_is_refused_on_one_line(path: str) -> None:
    """A body that is no Shopify envelope at all is refused on one line naming what it is
    (a Stripe payload) and the envelopes accepted."""
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(load(SAMPLES / path))
    (problem,) = exc.value.problems
    assert problem.path == ""
    assert "\n" not in problem.message
    assert problem.message.startswith("not a Shopify order: got an object with keys ")
    assert "(it looks like a Stripe payload)" in problem.message
    assert problem.message.endswith(
        'expected a bare order or {"order": {…}} or {"orders": [one order]}'
    )


@pytest.mark.parametrize(
    "payload",
    [[], "not json", {"order": "1001"}, {"line_items": "three"}],
    ids=["list", "bad-json", "order-is-text", "line-items-not-list"],
)
def test_garbage_is_rejected_with_a_clear_error(payload: Any) -> None:
    """Things that are not a JSON object with line items are rejected as OrderValidationError."""
    with pytest.raises(OrderValidationError, match="invalid Shopify order"):
        shopify.to_order(copy.deepcopy(payload))
