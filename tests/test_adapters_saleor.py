"""Saleor orders (ORDER_CREATED / ORDER_CONFIRMED, subscription and legacy) mapped onto Order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail.adapters import saleor
from delightmail.exceptions import OrderValidationError
from delightmail.models import STATUSES

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
    assert problem.message.startswith("got an object with keys ")
    assert seen in problem.message
    assert '{"notify_event": …, "payload": {"order": {…}}} (NOTIFY_USER)' in problem.message
    assert "\n" not in problem.message


def test_list_of_several_orders_is_rejected() -> None:
    """A list holding more than one order is rejected rather than mapped in part."""
    body = fixture("saleor-legacy-list-order.json")
    with pytest.raises(OrderValidationError, match="expected one order, got a list of 2"):
        saleor.to_order(body + body)


# -- issue 17: what ships, status, envelopes, number, warnings -----------------


def test_no_created_date_warns_that_the_time_received_is_used() -> None:
    """A blank created is replaced by the time received, and the warning says so."""
    order = saleor.to_order(
        sample("smtp-app-order-created-example-2024.json"), received_at=RECEIVED
    )
    assert order.warnings == [
        "order.created: no readable date; the time the order was received is used"
    ]


def test_shipping_price_without_a_method_names_no_method() -> None:
    """The 2024 example has a shipping price but no method: no invented "Shipping"."""
    order = saleor.to_order(
        sample("smtp-app-order-created-example-2024.json"), received_at=RECEIVED
    )
    assert order.shipping is not None
    assert (order.shipping.method, order.shipping.amount.amount) == (None, Decimal("10"))
    assert order.delivery == "unnamed"


@pytest.mark.parametrize("name", sorted(TOTALS), ids=sorted(TOTALS))
def test_sample_lines_that_require_shipping_are_physical(name: str) -> None:
    """isShippingRequired / is_shipping_required true on every sample line: all physical."""
    order = saleor.to_order(sample(name), received_at=RECEIVED)
    assert [line.fulfillment for line in order.lines] == ["physical"] * len(order.lines)


def test_shippable_order_without_shipping_line_is_unnamed_not_digital() -> None:
    """Lines that ship and no shipping line: delivery unnamed, every line physical."""
    order = saleor.to_order(
        fixture("saleor-order-created-pending-no-shipping-line.json"), received_at=RECEIVED
    )
    assert order.shipping is None
    assert order.delivery == "unnamed"
    assert {line.fulfillment for line in order.lines} == {"physical"}


def test_digital_only_order_is_told_as_digital() -> None:
    """A gift card and an e-book (isShippingRequired false, digital content): digital."""
    order = saleor.to_order(fixture("saleor-order-created-digital-only.json"))
    assert [(line.fulfillment, line.kind) for line in order.lines] == [
        ("digital", "gift card"),
        ("digital", None),
    ]
    assert order.shipping is None and order.delivery == "digital"
    assert (order.status, order.payment and order.payment.due) == ("paid", None)
    assert order.customer.previous_orders == 2


def test_mixed_order_ships_express_and_says_what_is_due() -> None:
    """One line ships, one is a download, one is a service; the rest of the price is due."""
    order = saleor.to_order(fixture("saleor-order-created-mixed-express.json"))
    assert [line.fulfillment for line in order.lines] == ["physical", "digital", "service"]
    assert order.is_mixed
    assert order.shipping is not None
    assert (order.shipping.method, order.shipping.kind) == ("DHL Express", "express")
    assert order.delivery == "express"
    assert order.status == "partially_paid"
    assert order.payment is not None and order.payment.due is not None
    assert order.payment.due.amount == Decimal("32.0")


def test_delivery_method_name_is_read_without_shipping_method_name() -> None:
    """A ShippingMethod deliveryMethod names the method when shippingMethodName is null."""
    payload = fixture("saleor-order-created-mixed-express.json")
    payload["order"]["shippingMethodName"] = None
    order = saleor.to_order(payload)
    assert order.shipping is not None and order.shipping.method == "DHL Express"


def test_click_and_collect_is_a_pickup_at_the_warehouse() -> None:
    """A Warehouse deliveryMethod is a pick-up named after it, at its address."""
    order = saleor.to_order(fixture("saleor-order-created-click-and-collect.json"))
    shipping = order.shipping
    assert shipping is not None
    assert (shipping.kind, shipping.method) == ("pickup", "Grünerløkka butikk")
    assert shipping.location is not None
    assert shipping.location.lines()[:2] == ["Grünerløkka butikk", "Thorvald Meyers gate 52"]
    assert order.delivery == "pickup"
    assert order.status == "paid"  # authorizeStatus FULL: authorised counts as paid


def test_pickup_label_never_comes_from_the_shipping_method_name() -> None:
    """A collection point wins over a shippingMethodName that says something else."""
    payload = fixture("saleor-order-created-click-and-collect.json")
    payload["order"]["shippingMethodName"] = "Standard"
    payload["order"]["collectionPointName"] = None
    shipping = saleor.to_order(payload).shipping
    assert shipping is not None
    assert (shipping.kind, shipping.method) == ("pickup", "Grünerløkka butikk")


def test_notify_envelope_is_read_and_recipient_email_is_the_customer() -> None:
    """The NOTIFY_USER envelope (notify_event, payload, meta) maps its payload's order."""
    order = saleor.to_order(fixture("saleor-notify-order-confirmation.json"))
    assert order.number == "77"
    assert order.customer.email == "camille.durand@example.fr"
    assert [line.fulfillment for line in order.lines] == ["physical", "digital"]
    assert order.is_mixed and order.delivery == "standard"
    assert order.total.amount == Decimal("38.00") and order.locale == "fr"
    assert order.warnings == []


def test_notify_order_canceled_is_cancelled() -> None:
    """NOTIFY's order_canceled carries the order with status canceled: cancelled."""
    payload = fixture("saleor-notify-order-confirmation.json")
    payload["notify_event"] = "order_canceled"
    payload["payload"]["order"]["status"] = "canceled"
    assert saleor.to_order(payload).status == "cancelled"


def test_notify_event_without_an_order_is_not_an_envelope() -> None:
    """A NOTIFY account event has no order: refused on one line, naming what it saw."""
    body = {
        "notify_event": "account_confirmation",
        "payload": {"recipient_email": "a@example.com", "confirm_url": "https://x.example/"},
        "meta": {"issued_at": "2026-01-01T00:00:00+00:00"},
    }
    with pytest.raises(OrderValidationError) as exc:
        saleor.to_order(body)
    (problem,) = exc.value.problems
    assert problem.message.startswith("got an object with keys notify_event, payload, meta;")


def test_legacy_webhook_collection_point_and_partial_payment() -> None:
    """The legacy webhook list: currency from the channel, a collection point, what is due."""
    order = saleor.to_order(fixture("saleor-legacy-webhook-collection-point.json"))
    assert (order.number, order.currency, order.total.amount) == ("305", "USD", Decimal("64.00"))
    assert order.customer.email == "sam.lee@example.com"
    assert order.shipping is not None
    assert (order.shipping.kind, order.shipping.method) == ("pickup", "Downtown Warehouse")
    assert order.shipping.location is not None and order.shipping.location.city == "SAN FRANCISCO"
    assert order.delivery == "pickup"
    assert [t.amount.amount for t in order.taxes] == [Decimal("4.74")] and order.taxes_included
    assert order.status == "partially_paid"
    assert order.payment is not None and order.payment.due is not None
    assert order.payment.due.amount == Decimal("44.00")


def test_bare_graphql_order_and_legacy_wrapped_order_are_envelopes() -> None:
    """The subscription's order bare, and the legacy order in {"order": ...}, both map."""
    bare = sample("smtp-app-order-created-example.json")["order"]
    assert saleor.to_order(bare).number == "1042"
    (legacy,) = fixture("saleor-legacy-list-order.json")
    assert saleor.to_order({"order": legacy}).number == "12"


def test_without_number_a_short_reference_not_the_internal_id() -> None:
    """No number: a short reference from the GraphQL id's UUID, never the base64 id."""
    order = saleor.to_order(
        fixture("saleor-order-created-pending-no-shipping-line.json"), received_at=RECEIVED
    )
    assert order.number == "C0FFEE00"
    payload = sample("smtp-app-order-created-example.json")
    del payload["order"]["number"]
    assert saleor.to_order(payload).number == "57B50A40"


def test_unreadable_date_warns_and_falls_back_to_received_at() -> None:
    """A created that is not ISO 8601 is a warning, not a rejection."""
    order = saleor.to_order(
        fixture("saleor-order-created-pending-no-shipping-line.json"), received_at=RECEIVED
    )
    assert order.placed_at == RECEIVED
    assert order.warnings == [
        "order.created: '15/01/2026 10:00' is not an ISO 8601 date and time; not used",
        "order.created: no readable date; the time the order was received is used",
    ]


def test_pending_order_says_what_is_due() -> None:
    """chargeStatus and authorizeStatus NONE: pending, the negative balance due."""
    order = saleor.to_order(
        fixture("saleor-order-created-pending-no-shipping-line.json"), received_at=RECEIVED
    )
    assert order.status == "pending"
    assert order.payment is not None and order.payment.due is not None
    assert order.payment.due.amount == Decimal("45.0")


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"status": "CANCELED"}, "cancelled"),
        ({"status": "EXPIRED"}, "cancelled"),
        ({"paymentStatus": "FULLY_REFUNDED"}, "refunded"),
        ({"paymentStatus": "PARTIALLY_REFUNDED"}, "partially_refunded"),
        ({"paymentStatus": "REFUSED"}, "failed"),
        ({"paymentStatus": "CANCELLED"}, "voided"),
        ({"paymentStatus": "PENDING"}, "pending"),
        ({"paymentStatus": "FULLY_CHARGED"}, "paid"),
        ({"paymentStatus": "PARTIALLY_CHARGED"}, "partially_paid"),
        ({"chargeStatus": "OVERCHARGED"}, "paid"),
        ({"chargeStatus": "NONE", "authorizeStatus": "FULL"}, "paid"),
        ({"chargeStatus": "NONE", "authorizeStatus": "NONE"}, "pending"),
        ({"chargeStatus": "PARTIAL"}, "partially_paid"),
        ({"isPaid": False}, "pending"),
        ({"status": "RETURNED"}, "refunded"),
        ({"status": "PARTIALLY_RETURNED"}, "partially_refunded"),
        ({"totalRefunded": {"amount": 13, "currency": "USD"}}, "partially_refunded"),
        ({"totalRefunded": {"amount": 213, "currency": "USD"}}, "refunded"),
        ({"status": "UNCONFIRMED", "paymentStatus": "NOT_CHARGED"}, "paid"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else "-".join(map(str, value.values())),
)
def test_graphql_status_fields_map_onto_the_order_status(
    fields: dict[str, Any], status: str
) -> None:
    """Saleor's status fields become the order's status, as the module docstring says."""
    payload = sample("smtp-app-order-created-example.json")
    payload["order"].update(fields)
    order = saleor.to_order(payload)
    assert order.status == status
    assert order.warnings == []


@pytest.mark.parametrize(
    ("status", "payment_status", "expected"),
    [
        ("canceled", None, "cancelled"),
        ("partially fulfilled", None, "paid"),
        ("unfulfilled", "fully-refunded", "refunded"),
        ("unfulfilled", "not-charged", "paid"),
    ],
)
def test_legacy_status_values_are_read(
    status: str, payment_status: str | None, expected: str
) -> None:
    """Legacy lower-case values (partially fulfilled, fully-refunded) are Saleor's own."""
    payload = fixture("saleor-notify-order-confirmation.json")
    payload["payload"]["order"]["status"] = status
    payload["payload"]["order"]["payment_status"] = payment_status
    order = saleor.to_order(payload)
    assert (order.status, order.warnings) == (expected, [])


def test_unknown_status_is_paid_with_a_warning_naming_field_and_value() -> None:
    """A status Saleor does not have: paid, and a warning with the field and the value."""
    payload = sample("smtp-app-order-created-example.json")
    payload["order"]["status"] = "ON_HOLD"
    payload["order"]["chargeStatus"] = 7
    order = saleor.to_order(payload)
    assert order.status == "paid"
    assert order.warnings == [
        "order.status: 'ON_HOLD' is not a Saleor value; read as not given",
        "order.chargeStatus: '7' is not a Saleor value; read as not given",
    ]


def test_draft_order_is_refused_naming_the_status() -> None:
    """A draft was never placed: there is nothing to confirm."""
    payload = sample("smtp-app-order-created-example.json")
    payload["order"]["status"] = "DRAFT"
    with pytest.raises(OrderValidationError) as exc:
        saleor.to_order(payload)
    assert [p.path for p in exc.value.problems] == ["order.status"]


def test_labels_and_flags_of_the_wrong_type_are_warnings() -> None:
    """A method name that is an object, a flag that is a word, an email that is no address:
    left out with a warning, the order still confirmed."""
    payload = sample("smtp-app-order-created-example.json")
    payload["order"]["shippingMethodName"] = {"en": "Standard"}
    payload["order"]["lines"][0]["isShippingRequired"] = "maybe"
    payload["order"]["userEmail"] = "not an email"
    payload["order"]["lines"][1]["variantName"] = ["Gold"]
    order = saleor.to_order(payload)
    assert order.shipping is not None and order.shipping.method is None
    assert order.lines[0].fulfillment is None and order.lines[1].variant is None
    assert order.customer.email == "adrian.king@example.com"  # from user.email
    assert order.warnings == [
        "order.lines[0].isShippingRequired: expected true or false, got 'maybe'; not used",
        "order.lines[1].variantName: expected text, got list; not used",
        "order.userEmail: 'not an email' is not an email address; not used",
        "order.shippingMethodName: expected text, got dict; not used",
    ]


def test_essential_fields_still_reject_naming_the_field() -> None:
    """A currency or a price that cannot be read still rejects the order."""
    payload = fixture("saleor-legacy-webhook-collection-point.json")
    payload[0]["channel"]["currency_code"] = None
    payload[0]["lines"][0]["currency"] = None
    with pytest.raises(OrderValidationError) as exc:
        saleor.to_order(payload)
    assert [str(p) for p in exc.value.problems] == ["currency: missing"]


STATUS_FIELDS = ("status", "paymentStatus", "chargeStatus", "authorizeStatus")


@settings(max_examples=150, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            key: st.one_of(
                st.text(max_size=30),
                st.sampled_from(
                    ["CANCELED", "FULL", "PARTIAL", "NONE", "FULLY_REFUNDED", "REFUSED", "DRAFT"]
                ),
                st.integers(),
                st.booleans(),
                st.none(),
            )
            for key in STATUS_FIELDS
        },
    )
)
def test_any_status_values_give_a_valid_order(values: dict[str, Any]) -> None:
    """Whatever Saleor's status fields hold, the order maps to one of the model's statuses
    (or, for a draft only, is refused naming order.status); never anything else."""
    payload = sample("smtp-app-order-created-example.json")
    payload["order"].update(values)
    try:
        order = saleor.to_order(payload)
    except OrderValidationError as exc:
        assert [p.path for p in exc.problems] == ["order.status"]
        assert str(values.get("status")).strip().upper() == "DRAFT"
        return
    assert order.status in STATUSES
