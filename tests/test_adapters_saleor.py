"""Saleor orders (ORDER_CREATED / ORDER_CONFIRMED, subscription and legacy) mapped onto Order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from delightmail.adapters import saleor
from delightmail.exceptions import OrderValidationError

from . import conftest
from .conftest import SAMPLES, fixture, load

RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)


def sample(name: str) -> Any:
    return conftest.sample("saleor", name)


TOTALS = {
    "smtp-app-order-created-example.json": "213",
    "smtp-app-order-created-example-2024.json": "15",
    "smtp-app-notify-order-fulfillment-update.json": "213.00",
}


def test_every_sample_is_covered() -> None:
    """Every Saleor sample payload is pinned by the totals table."""
    assert {path.name for path in (SAMPLES / "saleor").glob("*.json")} == set(TOTALS)


@pytest.mark.parametrize(("name", "total"), TOTALS.items(), ids=list(TOTALS))
def test_sample_total_is_what_saleor_reported(name: str, total: str) -> None:
    """A sample maps to an Order whose total is exactly Saleor's gross total."""
    order = saleor.to_order(sample(name), received_at=RECEIVED)
    assert (order.total.amount, order.currency) == (Decimal(total), "USD")
    assert order.computed_total == order.total.rounded()


def test_subscription_and_legacy_payloads_of_one_order_agree() -> None:
    """Order 1042 maps to the same lines from its camelCase and its legacy snake_case payload."""
    new = saleor.to_order(sample("smtp-app-order-created-example.json"))
    old = saleor.to_order(sample("smtp-app-notify-order-fulfillment-update.json"))
    assert [(line.name, line.line_total) for line in new.lines] == [
        (line.name, line.line_total) for line in old.lines
    ]
    assert new.total == old.total and new.placed_at == old.placed_at


def test_unit_discount_shows_undiscounted_price_and_reason() -> None:
    """A line with a unit discount shows its undiscounted price and the discount's reason."""
    line = saleor.to_order(sample("smtp-app-order-created-example.json")).lines[2]
    assert line.unit_price.amount == Decimal("120")
    assert [(d.title, d.amount.amount) for d in line.discounts] == [
        ("Summer Sale - 20% off electronics", Decimal("24"))
    ]


def test_gross_prices_include_the_tax() -> None:
    """With displayGrossPrices, amounts are gross and the order's tax is marked included."""
    order = saleor.to_order(sample("smtp-app-order-created-example.json"))
    assert order.taxes_included
    assert [t.amount.amount for t in order.taxes] == [Decimal("19.36")]


def test_net_prices_add_the_tax_on_top() -> None:
    """Without displayGrossPrices, amounts are net and the tax is added to reach the gross total."""
    order = saleor.to_order(fixture("saleor-order-confirmed-net-prices.json"))
    assert not order.taxes_included
    assert order.lines[0].unit_price.amount == Decimal("10.0")
    assert order.shipping is not None and order.shipping.amount.amount == Decimal("12.19")
    assert order.total.amount == Decimal("76.9")
    assert order.currency == "PLN"


def test_transactions_give_card_and_gift_card_payments() -> None:
    """Card details and gift-card transactions become the order's payment."""
    payment = saleor.to_order(sample("smtp-app-order-created-example.json")).payment
    assert payment is not None
    assert (payment.method, payment.card_brand, payment.card_last4) == (
        "Credit card",
        "Visa",
        "4242",
    )
    assert [(g.last_characters, g.amount.amount) for g in payment.gift_cards] == [
        ("A1B2", Decimal("13"))
    ]


def test_guest_with_empty_email_and_no_billing_address() -> None:
    """A guest order (user null, userEmail "") has an anonymous customer and no billing address."""
    order = saleor.to_order(fixture("saleor-order-confirmed-net-prices.json"))
    assert (order.customer.email, order.customer.full_name) == (None, None)
    assert order.billing_address is None
    assert order.shipping_address is not None
    assert order.shipping_address.lines()[:2] == ["Łucja Żółć", "ul. Piotrkowska 104"]


def test_html_entities_and_blank_translations() -> None:
    """An HTML entity in a name is decoded; a blank translated name falls back to the original."""
    order = saleor.to_order(fixture("saleor-order-confirmed-net-prices.json"))
    assert order.lines[0].name == "Kawa & herbata – zestaw"


@pytest.mark.parametrize(
    ("source", "locale"),
    [
        ("sample:smtp-app-order-created-example.json", "en"),
        ("fixture:saleor-order-confirmed-net-prices.json", "pl"),
        ("fixture:saleor-legacy-list-order.json", "zh_Hans"),
    ],
    ids=["EN", "PL", "zh-hans"],
)
def test_language_code_becomes_the_locale(source: str, locale: str) -> None:
    """Saleor's language code (EN, PL, zh-hans) becomes a Babel locale name."""
    kind, name = source.split(":")
    payload = sample(name) if kind == "sample" else fixture(name)
    assert saleor.to_order(payload).locale == locale


def test_legacy_one_element_list_is_unwrapped() -> None:
    """A legacy webhook body, a list holding one snake_case order, maps like a bare order."""
    order = saleor.to_order(fixture("saleor-legacy-list-order.json"))
    assert order.currency == "CNY" and order.total.amount == Decimal("236.00")
    assert [(line.name, line.discount_total.amount) for line in order.lines] == [
        ("绿茶", Decimal("20.00")),
        ("茶杯", Decimal("0")),
    ]
    assert order.billing_address is not None
    assert order.billing_address.address2 == "东城区"
    assert order.customer.email == "li.lei@example.cn"


def test_blank_created_falls_back_to_received_at() -> None:
    """An order whose created is "" (the SMTP app's example) is dated when the webhook arrived."""
    order = saleor.to_order(
        sample("smtp-app-order-created-example-2024.json"), received_at=RECEIVED
    )
    assert order.placed_at == RECEIVED


def test_line_without_price_names_the_field() -> None:
    """A line with no unit price is rejected with its field path."""
    with pytest.raises(OrderValidationError) as exc:
        saleor.to_order(fixture("saleor-broken-line-without-price.json"))
    assert [str(p) for p in exc.value.problems] == ["order.lines[0].unitPrice: missing"]


def test_totals_that_do_not_reconcile_name_the_numbers() -> None:
    """A total that disagrees with the lines and shipping is rejected, not silently fixed."""
    payload = sample("smtp-app-order-created-example.json")
    payload["order"]["total"]["gross"]["amount"] = Decimal("210")
    with pytest.raises(OrderValidationError, match=r"= 213\.00, but total is 210 USD"):
        saleor.to_order(payload)


@pytest.mark.parametrize(
    ("payload", "seen"),
    [
        ("stripe/openapi-fixture-checkout-session.json", "(it looks like a Stripe payload)"),
        ("stripe/openapi-fixture-invoice.json", "(it looks like a Stripe payload)"),
        ("medusa/railway-boilerplate-order-placed-preview.json", "keys order, shippingAddress"),
        ("shopify/rest-docs-2026-07-create-order-eur.json", "(it looks like a Shopify payload)"),
        ("woocommerce/rest-docs-v3-create-order-727.json", "(it looks like a WooCommerce payload)"),
    ],
    ids=["stripe-checkout", "stripe-invoice", "medusa", "shopify", "woocommerce"],
)
def test_other_platforms_are_not_saleor_envelopes(payload: str, seen: str) -> None:
    """A payload from another platform is refused on one line: what it is, what Saleor sends."""
    with pytest.raises(OrderValidationError) as exc:
        saleor.to_order(load(SAMPLES / payload))
    (problem,) = exc.value.problems
    assert problem.path == ""
    assert problem.message.startswith("not a Saleor order: got an object with keys ")
    assert seen in problem.message
    assert '{"notify_event": …, "payload": {"order": {…}}} (NOTIFY_USER)' in problem.message
    assert "\n" not in problem.message


def test_list_of_several_orders_is_rejected() -> None:
    """A list holding more than one order is rejected rather than mapped in part."""
    body = fixture("saleor-legacy-list-order.json")
    with pytest.raises(OrderValidationError, match="expected one order, got a list of 2"):
        saleor.to_order(body + body)
