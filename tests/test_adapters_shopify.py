"""Shopify orders (REST Admin and orders/create webhook bodies) mapped onto Order."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail.adapters import shopify
from delightmail.adapters._common import plain_text, short_reference
from delightmail.exceptions import OrderValidationError
from delightmail.models import STATUSES

from . import conftest
from .conftest import SAMPLES, fixture, load

RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)
#: The financial_status values Shopify documents (REST Order, GraphQL OrderDisplayFinancialStatus).
STATUS_VALUES = frozenset(
    {
        "pending",
        "authorized",
        "partially_paid",
        "paid",
        "partially_refunded",
        "refunded",
        "voided",
        "expired",
    }
)


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
    assert problem.message.startswith("got an object with keys ")
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


# -- what ships, per line, and how the order travels -------------------------


def test_shippable_order_without_a_shipping_line_is_unnamed_not_digital() -> None:
    """An order whose lines require shipping but which has no shipping line names no
    method (delivery "unnamed"): every line is physical, nothing is told as digital."""
    order = shopify.to_order(sample("rest-docs-2026-07-create-order-eur.json"))
    assert order.shipping is None
    assert [line.fulfillment for line in order.lines] == ["physical"]
    assert order.delivery == "unnamed"
    minimal = shopify.to_order(sample("node-api-fixture-create-order-minimal.json"))
    assert (minimal.delivery, minimal.lines[0].fulfillment) == ("unnamed", "physical")


def test_gift_card_by_email_is_digital() -> None:
    """A gift card that does not ship (requires_shipping false, gift_card true) is digital,
    and an order of only that is digital."""
    order = shopify.to_order(sample("gitnarek-webhook-giftcard-no-shipping.json"))
    assert order.lines[0].fulfillment == "digital"
    assert order.delivery == "digital"


def test_lines_that_do_not_ship_and_are_no_gift_card_are_a_service() -> None:
    """An e-book and a donation, requires_shipping false: Shopify says only that they do
    not ship, so each is a service (it claims the least) and the order is not shipped."""
    order = shopify.to_order(fixture("shopify-nothing-ships-ebook-donation.json"))
    assert [line.fulfillment for line in order.lines] == ["service", "service"]
    assert order.shipping is None
    assert order.delivery in ("digital", "service")
    assert order.test is True


def test_local_pickup_with_a_record_and_two_gift_cards_is_mixed() -> None:
    """Shopify's own local pickup (the location's name as code and title, nowhere to ship)
    is a pick-up at that location; a printed gift card is physical, one by email digital."""
    order = shopify.to_order(fixture("shopify-local-pickup-mixed-gift-cards.json"))
    assert [(line.kind, line.fulfillment) for line in order.lines] == [
        (None, "physical"),
        ("gift card", "digital"),
        ("gift card", "physical"),
    ]
    assert order.shipping is not None
    assert (order.shipping.method, order.shipping.kind) == ("Groove Harbor Kreuzberg", "pickup")
    assert order.delivery == "pickup"
    assert order.is_mixed
    assert order.total.amount == Decimal("104.00")


def test_a_same_named_shipping_line_to_an_address_is_not_a_pickup() -> None:
    """The pick-up shape needs nowhere to ship: with a shipping address the same line is
    told as standard shipping (Free Shipping's code and title agree too)."""
    payload = fixture("shopify-local-pickup-mixed-gift-cards.json")
    payload["shipping_address"] = {"name": "Mara Lindqvist", "address1": "Ufer 3", "city": "Berlin"}
    order = shopify.to_order(payload)
    assert order.shipping is not None and order.shipping.kind == "standard"
    free = shopify.to_order(sample("python-api-fixture-order-1001.json"), lenient=True)
    assert free.shipping is not None
    assert (free.shipping.method, free.shipping.amount.amount, free.shipping.kind) == (
        "Free Shipping",
        Decimal("0.00"),
        "standard",
    )


def test_shopify_local_delivery_is_local_delivery() -> None:
    """A shipping line from Shopify (source shopify) with code Local Delivery is a local
    delivery, whatever its title says."""
    payload = fixture("shopify-local-delivery-cod-pending.json")
    payload["shipping_lines"][0]["title"] = "Bike courier"
    order = shopify.to_order(payload)
    assert order.shipping is not None
    assert (order.shipping.method, order.shipping.kind) == ("Bike courier", "local_delivery")
    assert order.delivery == "local_delivery"


@pytest.mark.parametrize(
    ("method_type", "kind"),
    [("pick_up", "pickup"), ("local", "local_delivery"), ("shipping", "standard")],
)
def test_a_fulfillment_orders_delivery_method_comes_before_the_title(
    method_type: str, kind: str
) -> None:
    """When the payload carries fulfillment_orders (as the REST Admin API returns them), their
    delivery_method.method_type says the kind before any guess from the title."""
    payload = fixture("shopify-local-delivery-cod-pending.json")
    payload["shipping_lines"][0].update(title="Pick up at the bakery", code="custom", source="x")
    payload["fulfillment_orders"] = [{"id": 1, "delivery_method": {"method_type": method_type}}]
    order = shopify.to_order(payload)
    assert order.shipping is not None and order.shipping.kind == kind


def test_express_comes_from_the_title_of_a_carrier_rate() -> None:
    """A carrier's rate says nothing of its kind but its title: "Express" there is express."""
    order = shopify.to_order(fixture("shopify-orders-list-one-express.json"))
    assert order.shipping is not None
    assert (order.shipping.method, order.shipping.kind) == ("UPS Express Saver", "express")
    assert order.delivery == "express"


def test_removed_shipping_lines_and_charges() -> None:
    """A shipping line Shopify marks is_removed is not the order's shipping; tips and duties
    are charges, with no fulfillment of their own."""
    payload = fixture("shopify-refund-tip-duties.json")
    payload["order"]["shipping_lines"][0]["is_removed"] = True
    payload["order"]["total_price"] = "87.20"
    payload["order"]["total_price_set"]["presentment_money"]["amount"] = "87.20"
    order = shopify.to_order(payload)
    assert order.shipping is None
    assert [(line.kind, line.fulfillment) for line in order.lines[2:]] == [
        ("duties", None),
        ("tip", None),
    ]


# -- status, payment due and terms --------------------------------------------


@pytest.mark.parametrize(
    ("financial_status", "status"),
    [
        ("pending", "pending"),
        ("authorized", "paid"),
        ("partially_paid", "partially_paid"),
        ("paid", "paid"),
        ("partially_refunded", "partially_refunded"),
        ("refunded", "refunded"),
        ("voided", "voided"),
        ("expired", "voided"),
        ("PAID", "paid"),
    ],
)
def test_financial_status_maps_onto_the_status(financial_status: str, status: str) -> None:
    """Each financial_status Shopify documents has its status; an expired authorisation
    was released, so it is voided."""
    payload = fixture("shopify-orders-list-one-express.json")
    payload["orders"][0].update(financial_status=financial_status, total_outstanding="0.00")
    order = shopify.to_order(payload)
    assert order.status == status
    assert order.warnings == []


def test_cancellation_wins_over_what_was_paid() -> None:
    """cancelled_at (with cancel_reason) makes the order cancelled, whatever its
    financial_status; the old sample voided and cancelled is cancelled too."""
    order = shopify.to_order(fixture("shopify-cancelled-refunded.json"))
    assert order.status == "cancelled"
    assert not order.confirmed
    voided = shopify.to_order(sample("go-shopify-fixture-order-9999.json"))
    assert (voided.status, voided.test) == ("cancelled", True)


def test_unknown_financial_status_is_paid_with_a_warning() -> None:
    """A financial_status Shopify does not document is read as paid, and the warning names
    the field and the value."""
    payload = fixture("shopify-orders-list-one-express.json")
    payload["orders"][0]["financial_status"] = "on_hold"
    order = shopify.to_order(payload)
    assert order.status == "paid"
    assert order.warnings == ["orders[0].financial_status: unknown value 'on_hold'; read as paid"]


def test_net_30_terms_give_what_is_due_and_when() -> None:
    """A pending order on payment terms says what is due (total_outstanding_set) and the
    terms with their due date as instructions."""
    order = shopify.to_order(fixture("shopify-b2b-net30-pending.json"))
    assert order.status == "pending"
    assert order.payment is not None
    assert order.payment.due is not None and order.payment.due.amount == Decimal("210.51")
    assert order.payment.instructions == "Net 30, due 31 December 2026"
    assert order.warnings == []


def test_terms_as_the_rest_example_writes_them() -> None:
    """The REST example's terms name (NET_30) reads as words, and its schedule's
    completed_at "null" (a string) is a schedule still open."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload["payment_terms"]["payment_terms_name"] = "NET_30"
    payload["payment_terms"]["payment_schedules"][0]["completed_at"] = "null"
    payment = shopify.to_order(payload).payment
    assert payment is not None and payment.instructions == "Net 30, due 31 December 2026"
    payload["payment_terms"]["payment_schedules"] = []
    del payload["payment_terms"]["payment_terms_name"]
    payment = shopify.to_order(payload).payment
    assert payment is not None and payment.instructions == "Due within 30 days"


def test_broken_payment_terms_are_a_warning() -> None:
    """Terms that cannot be read do not reject the order: the due amount stays, the
    instructions go, and a warning says why."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload["payment_terms"]["payment_schedules"][0]["due_at"] = "end of month"
    payload["payment_terms"]["payment_terms_name"] = None
    payload["payment_terms"]["due_in_days"] = None
    order = shopify.to_order(payload)
    assert order.payment is not None and order.payment.instructions is None
    assert order.payment.due is not None
    assert order.warnings == [
        "payment_terms.payment_schedules[0].due_at: 'end of month' is not an ISO 8601 "
        "date and time; not used"
    ]


def test_cash_on_delivery_is_pending_with_the_amount_due() -> None:
    """Cash on delivery: pending, the whole total due, the method in words."""
    order = shopify.to_order(fixture("shopify-local-delivery-cod-pending.json"))
    assert order.status == "pending"
    assert order.payment is not None
    assert order.payment.method == "Cash on delivery"
    assert order.payment.due is not None and order.payment.due.amount == Decimal("28.00")


@pytest.mark.parametrize("gateway", ["Bank Deposit", "Money Order", "Cash on Delivery (COD)"])
def test_a_manual_gateway_paid_later_is_pending_without_a_financial_status(gateway: str) -> None:
    """Without a financial_status, a manual method whose money comes later makes the order
    pending, not paid."""
    payload = fixture("shopify-local-delivery-cod-pending.json")
    del payload["financial_status"]
    payload["payment_gateway_names"] = [gateway]
    assert shopify.to_order(payload).status == "pending"


def test_outstanding_money_is_due_only_when_the_order_is_not_paid() -> None:
    """total_outstanding is what is due on a pending order; on an authorised one it is the
    money held, not shown; on one Shopify calls paid it contradicts, with a warning."""
    authorized = shopify.to_order(fixture("shopify-orders-list-one-express.json"))
    assert authorized.payment is not None and authorized.payment.due is None
    assert authorized.warnings == []
    paid = shopify.to_order(sample("rest-docs-2026-07-create-order-three-items-two-taxes.json"))
    assert paid.payment is None
    assert paid.warnings == [
        "order.total_outstanding: 270.37 on an order Shopify says is paid; not shown as due"
    ]


# -- envelopes ---------------------------------------------------------------


def test_a_rest_list_of_one_order_is_read() -> None:
    """{"orders": [one order]}, as GET /orders.json answers, is that order."""
    payload = fixture("shopify-orders-list-one-express.json")
    assert shopify.to_order(payload) == shopify.to_order(payload["orders"][0])


@pytest.mark.parametrize("count", [0, 2])
def test_a_rest_list_of_other_than_one_order_is_refused(count: int) -> None:
    """A list of several orders (or none) is refused, saying how many it holds."""
    one = fixture("shopify-orders-list-one-express.json")["orders"][0]
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order({"orders": [one] * count})
    assert problem_text(exc) == (
        f"orders: expected one order, got a list of {count}; "
        "confirm each order of the list on its own"
    )


def test_an_open_draft_order_is_not_an_order_yet() -> None:
    """A draft_orders/create body, bare or wrapped, is refused on one line: not an order yet."""
    draft = fixture("shopify-draft-order-open.json")
    expected = (
        "not a Shopify order: draft order #D133 (status open) is not an order yet; "
        "confirm the order Shopify creates when the draft is completed"
    )
    for body, path in ((draft, ""), ({"draft_order": draft}, "draft_order")):
        with pytest.raises(OrderValidationError) as exc:
            shopify.to_order(body)
        (problem,) = exc.value.problems
        assert (problem.path, problem.message) == (path, expected)


def test_a_completed_draft_is_confirmed_from_its_order() -> None:
    """A completed draft points to the order Shopify created for it, which has the number."""
    draft = fixture("shopify-draft-order-open.json")
    draft.update(status="completed", order_id=450789469, completed_at="2022-01-01T10:00:00-05:00")
    with pytest.raises(OrderValidationError, match=r"draft order #D133 \(completed\) is confirmed"):
        shopify.to_order({"draft_order": draft})


@pytest.mark.parametrize(
    "body",
    [{"id": 1, "topic": "ping"}, {"order": [1, 2]}, {"orders": "none"}, [{"id": 1}], "3"],
    ids=["ping", "order-is-a-list", "orders-is-text", "bare-list", "number"],
)
def test_what_is_no_envelope_is_refused_on_one_line(body: Any) -> None:
    """A body that is none of the envelopes Shopify sends is refused with one problem on
    one line, naming the envelopes accepted."""
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(copy.deepcopy(body) if not isinstance(body, str) else body)
    (problem,) = exc.value.problems
    assert problem.message.startswith("got ")
    assert problem.message.endswith('{"orders": [one order]}')
    assert "\n" not in problem.message


# -- the number --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "number"),
    [
        ({"name": "#EU-1003", "order_number": 1003}, "EU-1003"),
        ({"name": "1003-B", "order_number": 1003}, "1003-B"),
        ({"name": "#", "order_number": 1003}, "1003"),
        ({"name": None, "order_number": 1003}, "1003"),
    ],
)
def test_the_number_is_the_customers_as_written(fields: dict[str, Any], number: str) -> None:
    """The number is the order's name as written (without its leading "#"), else its
    order_number; never Shopify's internal number or id."""
    payload = fixture("shopify-orders-list-one-express.json")["orders"][0]
    payload.update(fields, number=3, id=6021778401886)
    order = shopify.to_order(payload)
    assert order.number == number
    assert order.warnings == []


def test_without_name_or_order_number_the_number_is_a_short_reference() -> None:
    """With only the internal id, the number is a short reference made from it (never the
    id itself), with a warning."""
    order = shopify.to_order(fixture("shopify-broken-labels-and-dates.json"), received_at=RECEIVED)
    assert order.number == short_reference("5560123412345678901")
    assert order.number != "5560123412345678901"
    assert (
        f"name: missing, and no order_number; the number shown, {order.number}, is made "
        "from id" in order.warnings
    )


# -- graceful degradation ----------------------------------------------------


def test_what_cannot_be_read_is_a_warning_not_a_rejection() -> None:
    """Broken dates, an unknown status, and a note, URL, email, flag and variant that cannot
    be read leave the order whole: each is left out, and said in warnings."""
    order = shopify.to_order(fixture("shopify-broken-labels-and-dates.json"), received_at=RECEIVED)
    assert order.placed_at == RECEIVED
    assert (order.status, order.note, order.status_url, order.customer.email) == (
        "paid",
        None,
        None,
        None,
    )
    assert order.lines[0].variant is None and order.lines[0].fulfillment is None
    assert order.total.amount == Decimal("46.00")
    assert order.warnings == [
        "line_items[0].variant_title: expected text, got list; not used",
        "line_items[0].requires_shipping: expected true or false, got 'maybe'; not used",
        "financial_status: unknown value 'on_hold'; read as paid",
        f"name: missing, and no order_number; the number shown, {order.number}, is made from id",
        "processed_at: 'yesterday' is not an ISO 8601 date and time; not used",
        "created_at: '2026-05-04T10:00:00' has no UTC offset; not used",
        "processed_at: no readable processed_at or created_at; dated when the order was received",
        "email: 'not-an-email' is not an email address; not used",
        "order_status_url: URL must start with http:// or https:// and name a host; not used",
        "note: expected text, got dict; not used",
    ]


def test_a_broken_processed_at_falls_back_to_created_at() -> None:
    """One broken date does not reject the order: the next date is used, with a warning."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload["processed_at"] = "2026-13-01T10:00:00+01:00"
    order = shopify.to_order(payload)
    assert order.placed_at == datetime.fromisoformat("2026-12-01T10:00:00+01:00")
    assert order.warnings == [
        "processed_at: '2026-13-01T10:00:00+01:00' is not an ISO 8601 date and time; not used"
    ]


def test_a_date_no_order_has_falls_back_too() -> None:
    """A readable date out of any order's range (year 1) is not used either."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload["processed_at"] = "0001-01-01T00:00:00+00:00"
    order = shopify.to_order(payload)
    assert order.placed_at == datetime.fromisoformat("2026-12-01T10:00:00+01:00")
    assert order.warnings == [
        "processed_at: 0001-01-01T00:00:00+00:00 is no date an order has; not used"
    ]


def test_essential_fields_still_reject_naming_the_field() -> None:
    """A price that is no number still rejects the order, naming the field."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload["line_items"][1]["price_set"]["presentment_money"]["amount"] = "thirty-six"
    with pytest.raises(OrderValidationError) as exc:
        shopify.to_order(payload)
    assert problem_text(exc).startswith("line_items[1].price_set.presentment_money.amount: ")


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=60), st.sampled_from(sorted(STATUS_VALUES))))
def test_any_financial_status_gives_a_valid_order(value: str | None) -> None:
    """Whatever financial_status says (any text, or nothing), the order is read: a status
    the model knows, and a warning for a value Shopify does not document."""
    payload = fixture("shopify-orders-list-one-express.json")
    payload["orders"][0].update(financial_status=value, total_outstanding="0.00")
    order = shopify.to_order(payload)
    assert order.status in STATUSES
    shown = plain_text(value or "")  # as the adapter reads text: entities decoded, tags out
    known = not shown or shown.lower() in STATUS_VALUES
    assert bool(order.warnings) is not known


@settings(max_examples=150, deadline=None)
@given(
    name=st.one_of(st.none(), st.text(max_size=30), st.integers(), st.lists(st.integers())),
    requires_shipping=st.one_of(st.none(), st.booleans(), st.text(max_size=8), st.integers()),
    processed_at=st.one_of(st.none(), st.text(max_size=30), st.integers()),
)
def test_broken_labels_never_crash(name: Any, requires_shipping: Any, processed_at: Any) -> None:
    """A name, a shipping flag and a date of any shape give an order with a number, never an
    error: what cannot be read is a warning."""
    payload = fixture("shopify-orders-list-one-express.json")["orders"][0]
    payload.update(name=name, processed_at=processed_at)
    payload["line_items"][0]["requires_shipping"] = requires_shipping
    order = shopify.to_order(payload, received_at=RECEIVED)
    assert order.number and not order.number.startswith("#")
    assert order.lines[0].fulfillment in ("physical", "service", None)


# Any JSON value: what a field that is not essential may hold in a payload gone wrong.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
ORDER_FIELDS = (
    "name",
    "note",
    "email",
    "contact_email",
    "order_status_url",
    "customer_locale",
    "processed_at",
    "created_at",
    "financial_status",
    "cancel_reason",
    "test",
    "total_outstanding",
    "payment_terms",
    "payment_gateway_names",
    "gateway",
    "payment_details",
    "customer",
    "billing_address",
    "shipping_address",
    "fulfillment_orders",
)
LINE_FIELDS = ("variant_title", "sku", "requires_shipping", "gift_card", "properties")
SHIPPING_FIELDS = ("title", "code", "source", "delivery_category", "carrier_identifier")


@settings(max_examples=200, deadline=None)
@given(
    order=st.dictionaries(st.sampled_from(ORDER_FIELDS), JSON_VALUES),
    line=st.dictionaries(st.sampled_from(LINE_FIELDS), JSON_VALUES),
    shipping=st.dictionaries(st.sampled_from(SHIPPING_FIELDS), JSON_VALUES),
)
def test_any_value_in_a_field_that_is_not_essential_gives_an_order(
    order: dict[str, Any], line: dict[str, Any], shipping: dict[str, Any]
) -> None:
    """Whatever the fields that are not needed to tell the order true hold (a date, a status,
    a label, an address, payment terms), the order is read with its lines and total: what
    cannot be read is left out, and a warning says so."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload.update(order)
    payload["line_items"][0].update(line)
    payload["shipping_lines"][0].update(shipping)
    result = shopify.to_order(payload, received_at=RECEIVED)
    assert result.total.amount == Decimal("210.51")
    assert [item.name for item in result.lines] == [
        "Espresso beans 1 kg",
        "Porcelain cups (set of 6)",
    ]
    assert result.number and result.status in STATUSES


def test_labels_past_what_the_model_takes_are_left_out_with_a_warning() -> None:
    """A country code that is no code, a note longer than an email shows and more than 100
    properties on a line do not reject the order."""
    payload = fixture("shopify-b2b-net30-pending.json")
    payload["shipping_address"] = {**payload["shipping_address"], "country_code": "ÄÖ"}
    payload["note"] = "x" * 6000
    payload["line_items"][0]["properties"] = [
        {"name": f"Option {i}", "value": "yes"} for i in range(120)
    ]
    order = shopify.to_order(payload)
    assert order.shipping_address is not None and order.shipping_address.country_code is None
    assert order.note is None
    assert len(order.lines[0].properties) == 100
    assert order.warnings == [
        "line_items[0].properties: 120 properties; the first 100 are shown",
        "shipping_address.country_code: 'ÄÖ' is no country code; not used",
        "note: 6,000 characters, more than an email shows; not used",
    ]
