"""Shopify: a REST Admin order, or the body of an ``orders/create`` webhook.

>>> from delightmail.adapters import shopify
>>> order = shopify.to_order(json.loads(body, parse_float=Decimal))  # doctest: +SKIP

How Shopify's order maps onto :class:`~delightmail.models.Order`:

* Money is the **presentment money** (``*_set.presentment_money``): what the
  customer saw and paid, in ``presentment_currency``. Plain fields such as
  ``price`` are in the shop currency and are only used when the two
  currencies agree (or the payload predates money bags).
* Discounts follow ``discount_applications``: one aimed at chosen lines
  (``target_selection`` ``entitled`` or ``explicit``) becomes a discount on
  those lines; one across the whole order or on shipping becomes an
  order-level discount whose amount is the sum of its allocations. Older
  payloads without applications use each line's ``total_discount`` and the
  ``discount_codes``.
* Tips, duties and additional fees are charged on top of the goods, so each
  becomes an extra line; that keeps ``total_price`` reconciling.
* Refunds are ignored: a confirmation shows the order as placed, and
  ``total_price`` is the total as placed (``current_total_price`` is after
  refunds and edits).
* Gift cards bought are lines of kind ``gift card``. Gift cards used as
  payment appear only in transactions; when the payload carries
  ``transactions`` (as the Admin API returns them), successful ``gift_card``
  ones become :class:`~delightmail.models.GiftCardPayment` entries.
* ``customer.orders_count`` counts this order too, so ``previous_orders`` is
  one less.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..models import Order, validate_order
from ._common import (
    Node,
    fail,
    humanize,
    last4,
    load_payload,
    locale_or_none,
    not_an_order,
    parse_datetime,
    property_value,
    shipping_kind,
)

__all__ = ["PLATFORM", "to_order"]

PLATFORM = "Shopify"

# Shopify's names for payment gateways, in words a customer knows.
_GATEWAYS = {
    "shopify_payments": "Credit card",
    "paypal": "PayPal",
    "gift_card": "Gift card",
    "manual": "Manual payment",
    "cash": "Cash",
    "bogus": "Test gateway",
}
_LINE_TARGETED = frozenset({"entitled", "explicit"})
_REGION_AS_CODE = frozenset({"US", "CA", "AU"})


@dataclass(frozen=True)
class _Money:
    """Reads amounts in the currency the customer saw."""

    currency: str
    shop_currency: str

    def read(self, node: Node, key: str) -> Decimal | None:
        money_bag = node.child(f"{key}_set")
        if money_bag is not None:
            presentment = money_bag.child("presentment_money")
            if presentment is not None:
                code = presentment.text("currency_code")
                if code is not None and code.upper() != self.currency:
                    presentment.fail(
                        "currency_code",
                        f"is {code} but the order's presentment_currency is {self.currency}",
                    )
                return presentment.require_decimal("amount")
        if self.currency != self.shop_currency and node.has(key):
            node.fail(
                f"{key}_set",
                f"missing; the customer paid in {self.currency} but {key} is in the shop "
                f"currency {self.shop_currency}",
            )
        return node.decimal(key)

    def require(self, node: Node, key: str) -> Decimal:
        amount = self.read(node, key)
        if amount is None:
            node.fail(key, "missing")
        return amount


def to_order(
    payload: Mapping[str, Any] | str | bytes,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map a Shopify order onto a validated :class:`~delightmail.models.Order`.

    :param payload: the order, bare or wrapped in ``{"order": ...}``, as a
        mapping (ideally parsed with ``parse_float=Decimal``) or as JSON text.
    :param received_at: when the webhook arrived; used only when the order
        carries no ``processed_at`` or ``created_at``. Defaults to now.
    :param lenient: confirm the order even if its totals do not add up: the
        platform's own totals are shown and ``Order.discrepancy`` says what is off
        (what a webhook receiver does, rather than leave the order without an email).
    :raises OrderValidationError: the payload is not a Shopify order, or its
        totals do not reconcile (the message names the numbers).
    """
    data = load_payload(payload, PLATFORM)
    root = Node(data, PLATFORM)
    wrapped = root.child("order") if isinstance(data.get("order"), Mapping) else None
    order = wrapped or root
    if not isinstance(order.raw("line_items"), list):
        not_an_order(PLATFORM, order.at("line_items"), "no line_items list", data)
    if not order.has("total_price") and not order.has("total_price_set"):
        not_an_order(PLATFORM, order.at("total_price"), "no total_price", data)

    shop_currency = order.text("currency")
    currency = order.text("presentment_currency") or shop_currency
    if currency is None:
        order.fail("currency", "missing")
    money = _Money(currency.upper(), (shop_currency or currency).upper())

    applications = order.children("discount_applications")
    lines, order_discounts = _lines(order, money, applications)
    lines.extend(_surcharges(order, money))
    shipping, shipping_discounts = _shipping(order, money, applications)
    if order.has("discount_applications"):
        discounts = _merge(order_discounts, shipping_discounts, applications, _codes(order))
    else:
        discounts = [
            {"code": code.text("code"), "amount": amount}
            for code in order.children("discount_codes")
            if (amount := money.read(code, "amount"))
        ]

    placed_at = (
        parse_datetime(order, "processed_at")
        or parse_datetime(order, "created_at")
        or received_at
        or datetime.now(UTC)
    )
    return validate_order(
        {
            "number": _number(order),
            "placed_at": placed_at,
            "currency": money.currency,
            "lines": lines,
            "discounts": discounts,
            "shipping": shipping,
            "taxes": _taxes(order, money),
            "taxes_included": order.flag("taxes_included"),
            "total": money.require(order, "total_price"),
            "totals_as_given": lenient,
            "customer": _customer(order),
            "shipping_address": _address(order.child("shipping_address")),
            "billing_address": _address(order.child("billing_address")),
            "payment": _payment(order, money),
            "status_url": order.text("order_status_url"),
            "note": order.text("note"),
            "locale": locale_or_none(order.text("customer_locale")),
        }
    )


def _number(order: Node) -> str:
    name = order.text("name")
    if name:
        return name.removeprefix("#") or name
    for key in ("order_number", "number", "id"):
        value = order.text(key)
        if value:
            return value
    order.fail("name", "missing; the order has no name, order_number or id")


def _codes(order: Node) -> frozenset[str]:
    return frozenset(c for node in order.children("discount_codes") if (c := node.text("code")))


def _application_label(
    applications: list[Node], index: int | None, codes: frozenset[str] = frozenset()
) -> dict[str, str | None]:
    if index is None or not 0 <= index < len(applications):
        return {"code": None, "title": "Discount"}
    app = applications[index]
    title = app.text("title") or app.text("description")
    # A manual application of a code names the code only in its title.
    code = app.text("code") or (title if title in codes else None)
    return {"code": code, "title": None if title == code else title}


def _allocations(
    owner: Node, money: _Money, applications: list[Node], *, is_line: bool
) -> tuple[list[dict[str, Any]], dict[int | None, Decimal]]:
    """Split *owner*'s discount allocations into its own discounts and order-level ones."""
    own: list[dict[str, Any]] = []
    order_level: dict[int | None, Decimal] = {}
    for allocation in owner.children("discount_allocations"):
        amount = money.require(allocation, "amount")
        if not amount:
            continue
        index_value = allocation.decimal("discount_application_index")
        index = int(index_value) if index_value is not None else None
        app = applications[index] if index is not None and 0 <= index < len(applications) else None
        targeted = (
            app is not None
            and app.text("target_type") == "line_item"
            and app.text("target_selection") in _LINE_TARGETED
        )
        if targeted and is_line:
            own.append({**_application_label(applications, index), "amount": amount})
        else:
            order_level[index] = order_level.get(index, Decimal(0)) + amount
    return own, order_level


def _merge(
    first: dict[int | None, Decimal],
    second: dict[int | None, Decimal],
    applications: list[Node],
    codes: frozenset[str],
) -> list[dict[str, Any]]:
    """Order-level discounts, one per application, in the order Shopify applied them."""
    totals = dict(first)
    for index, amount in second.items():
        totals[index] = totals.get(index, Decimal(0)) + amount
    ordered = sorted(totals, key=lambda i: -1 if i is None else i)
    return [{**_application_label(applications, i, codes), "amount": totals[i]} for i in ordered]


def _lines(
    order: Node, money: _Money, applications: list[Node]
) -> tuple[list[dict[str, Any]], dict[int | None, Decimal]]:
    lines = []
    order_level: dict[int | None, Decimal] = {}
    modern = order.has("discount_applications")
    for item in order.children("line_items", required=True):
        name = item.text("title") or item.text("name")
        if name is None:
            item.fail("title", "missing")
        quantity = item.quantity()
        unit_price = money.require(item, "price")
        if modern:
            discounts, shared = _allocations(item, money, applications, is_line=True)
            for index, amount in shared.items():
                order_level[index] = order_level.get(index, Decimal(0)) + amount
        else:
            legacy = money.read(item, "total_discount")
            discounts = [{"title": "Discount", "amount": legacy}] if legacy else []
        variant = item.text("variant_title")
        lines.append(
            {
                "name": name,
                "sku": item.text("sku"),
                "variant": None if variant == "Default Title" else variant,
                "kind": "gift card" if item.flag("gift_card") else None,
                "quantity": quantity,
                "unit_price": unit_price,
                "discounts": discounts,
                "properties": _properties(item),
            }
        )
    return lines, order_level


def _properties(item: Node) -> list[dict[str, str]]:
    properties = []
    for prop in item.children("properties"):
        name = prop.text("name")
        value = property_value(prop.raw("value"))
        # Names starting with "_" are private to the shop's theme and apps.
        if name and value and not name.startswith("_"):
            properties.append({"name": name, "value": value})
    return properties


def _surcharges(order: Node, money: _Money) -> list[dict[str, Any]]:
    """Tips, duties and additional fees: charged on the order, so extra lines."""
    extra = []
    for key, name, kind in (
        ("original_total_duties", "Duties", "duties"),
        ("original_total_additional_fees", "Additional fees", "fee"),
    ):
        amount = money.read(order, key)
        if amount:
            extra.append({"name": name, "kind": kind, "quantity": 1, "unit_price": amount})
    tip = order.decimal("total_tip_received")
    if tip:
        if money.currency != money.shop_currency:
            order.fail(
                "total_tip_received",
                f"is in the shop currency {money.shop_currency} but the customer paid in "
                f"{money.currency}, and Shopify gives no presentment amount for tips",
            )
        extra.append({"name": "Tip", "kind": "tip", "quantity": 1, "unit_price": tip})
    return extra


def _shipping(
    order: Node, money: _Money, applications: list[Node]
) -> tuple[dict[str, Any] | None, dict[int | None, Decimal]]:
    titles: list[str] = []
    amount = Decimal(0)
    discounts: dict[int | None, Decimal] = {}
    shipping_lines = [s for s in order.children("shipping_lines") if not s.flag("is_removed")]
    for line in shipping_lines:
        title = line.text("title") or line.text("code")
        if title and title not in titles:
            titles.append(title)
        amount += money.require(line, "price")
        _, shared = _allocations(line, money, applications, is_line=False)
        for index, value in shared.items():
            discounts[index] = discounts.get(index, Decimal(0)) + value
    if not shipping_lines:
        return None, discounts
    method = " + ".join(titles) or "Shipping"
    return {"method": method, "amount": amount, "kind": shipping_kind(method)}, discounts


def _taxes(order: Node, money: _Money) -> list[dict[str, Any]]:
    taxes = []
    for line in order.children("tax_lines"):
        amount = money.require(line, "price")
        if amount:
            taxes.append(
                {
                    "title": line.text("title") or "Tax",
                    "rate": line.decimal("rate"),
                    "amount": amount,
                }
            )
    if not taxes:
        total_tax = money.read(order, "total_tax")
        if total_tax:
            taxes.append({"title": "Tax", "amount": total_tax})
    return taxes


def _customer(order: Node) -> dict[str, Any]:
    customer = order.child("customer")
    billing = order.child("billing_address")
    first = customer.text("first_name") if customer else None
    last = customer.text("last_name") if customer else None
    if not first and not last and billing is not None:
        first, last = billing.text("first_name"), billing.text("last_name")
    email = (
        order.text("email")
        or order.text("contact_email")
        or (customer.text("email") if customer else None)
    )
    orders_count = customer.decimal("orders_count") if customer else None
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "previous_orders": max(int(orders_count or 0) - 1, 0),
    }


def _address(node: Node | None) -> dict[str, Any] | None:
    if node is None:
        return None
    country_code = node.text("country_code")
    region = node.text("province")
    if country_code and country_code.upper() in _REGION_AS_CODE:
        region = node.text("province_code") or region
    name = node.text("name") or " ".join(
        part for part in (node.text("first_name"), node.text("last_name")) if part
    )
    address: dict[str, Any] = {
        "name": name or None,
        "company": node.text("company"),
        "address1": node.text("address1"),
        "address2": node.text("address2"),
        "city": node.text("city"),
        "region": region,
        "postal_code": node.text("zip"),
        "country_code": country_code,
        "country": node.text("country"),
        "phone": node.text("phone"),
    }
    if not any(address[key] for key in ("name", "address1", "city", "postal_code")):
        return None
    return address


def _payment(order: Node, money: _Money) -> dict[str, Any] | None:
    gateways = order.raw("payment_gateway_names")
    names = [g for g in gateways if isinstance(g, str) and g] if isinstance(gateways, list) else []
    if not names and order.text("gateway"):
        names = [order.require_text("gateway")]
    paid_by = [g for g in names if g != "gift_card"] or names
    method = _GATEWAYS.get(paid_by[0], humanize(paid_by[0])) if paid_by else None

    details = order.child("payment_details")
    brand = details.text("credit_card_company") if details else None
    digits = last4(details.text("credit_card_number")) if details else None

    gift_cards = []
    for transaction in order.children("transactions"):
        if (
            transaction.text("gateway") == "gift_card"
            and transaction.text("status") in (None, "success")
            and transaction.text("kind") in ("sale", "capture", "authorization")
        ):
            receipt = transaction.child("receipt")
            gift_cards.append(
                {
                    "last_characters": receipt.text("gift_card_last_characters")
                    if receipt
                    else None,
                    "amount": _transaction_amount(transaction, money),
                }
            )
        if brand is None and (card := transaction.child("payment_details")) is not None:
            brand = card.text("credit_card_company")
            digits = digits or last4(card.text("credit_card_number"))

    if not any((method, brand, digits, gift_cards)):
        return None
    return {"method": method, "card_brand": brand, "card_last4": digits, "gift_cards": gift_cards}


def _transaction_amount(transaction: Node, money: _Money) -> Decimal:
    # Transactions carry their own currency rather than a money bag.
    code = transaction.text("currency")
    if code and code.upper() != money.currency:
        fail(
            PLATFORM,
            transaction.at("currency"),
            f"is {code} but the order's presentment_currency is {money.currency}",
        )
    return transaction.require_decimal("amount")
