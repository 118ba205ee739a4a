"""WooCommerce: an order from the REST API v3 (``/wp-json/wc/v3/orders``) or a webhook.

>>> from delightmail.adapters import woocommerce
>>> order = woocommerce.to_order(json.loads(body, parse_float=Decimal))  # doctest: +SKIP

How a WooCommerce order maps onto :class:`~delightmail.models.Order`:

* WooCommerce stores line, shipping and fee amounts without tax. When the
  shop enters prices with tax (``prices_include_tax``), each amount gets its
  tax added back, so the email shows the prices the customer saw, and the
  taxes are marked as included; otherwise amounts are net and the taxes are
  added on top.
* A line's price is its ``subtotal`` (before coupons) per unit. What coupons
  took off a line (``subtotal − total``) becomes an order-level discount per
  coupon when ``coupon_lines`` account for exactly that much, else a
  discount on the line itself.
* **Fees** (``fee_lines``) are real money on the order, so a positive fee
  becomes an extra line of kind ``fee`` (it is something the customer pays
  for, like a product, and it keeps the shipping line honest); a negative
  fee, the way some plugins give a discount, becomes an order-level discount.
* **Gift cards** (the WooCommerce Gift Cards extension's ``gift_cards``) pay
  for part of the order: WooCommerce deducts them from ``total``, delightmail
  lists them as payment, so :attr:`Order.total` is WooCommerce's ``total``
  plus the gift cards and ``total − gift cards`` is what WooCommerce reported.
* Refunds are ignored: a confirmation shows the order as placed, and
  WooCommerce's ``total`` does not change when a refund is made.
* Line ``meta_data`` whose key starts with ``_`` is private and skipped; on a
  variation, attribute meta (``pa_color``, ``size``) names the variant, and
  any other meta (product add-ons) becomes line properties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

from ..models import Order, validate_order
from ._common import (
    Node,
    humanize,
    load_payload,
    not_an_order,
    parse_datetime,
    property_value,
    shipping_kind,
)

__all__ = ["PLATFORM", "to_order"]

PLATFORM = "WooCommerce"

_ATTRIBUTE_KEY = re.compile(r"^[a-z0-9_-]+$")
_VARIANT_IN_NAME = " – "  # WooCommerce names a variation "Product – Color: Black"


def to_order(
    payload: Mapping[str, Any] | str | bytes,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map a WooCommerce order onto a validated :class:`~delightmail.models.Order`.

    :param payload: the order, bare or wrapped in ``{"data": ...}`` (the
        WordPress.com / Jetpack envelope), as a mapping or as JSON text.
    :param received_at: when the payload arrived; used only when the order
        carries no creation date. Defaults to now.
    :param lenient: confirm the order even if its totals do not add up: the
        platform's own totals are shown and ``Order.discrepancy`` says what is off
        (what a webhook receiver does, rather than leave the order without an email).
    :raises OrderValidationError: the payload is not a WooCommerce order, or
        its totals do not reconcile (the message names the numbers).
    """
    data = load_payload(payload, PLATFORM)
    root = Node(data, PLATFORM)
    order = root
    if isinstance(data.get("data"), Mapping) and "line_items" not in data:
        order = root.require_child("data")
    if not isinstance(order.raw("line_items"), list):
        not_an_order(PLATFORM, order.at("line_items"), "no line_items list", data)
    if not order.has("total") or isinstance(order.raw("total"), Mapping):
        not_an_order(PLATFORM, order.at("total"), "no total amount", data)
    currency = order.require_text("currency")
    gross = order.flag("prices_include_tax")

    lines, line_discounts = _lines(order, gross, currency)
    discounts = _coupons(order, gross, line_discounts)
    if discounts:
        for line in lines:
            line["discounts"] = []
    fee_lines, fee_discounts = _fees(order, gross)
    gift_cards = _gift_cards(order)

    placed_at = (
        parse_datetime(order, "date_created_gmt", naive_is_utc=True)
        # Without the _gmt twin the site's time zone is unknown; UTC is the
        # closest guess and keeps the date rather than inventing one.
        or parse_datetime(order, "date_created", naive_is_utc=True)
        or received_at
        or datetime.now(UTC)
    )
    return validate_order(
        {
            "number": order.text("number") or order.require_text("id"),
            "placed_at": placed_at,
            "currency": currency,
            "lines": lines + fee_lines,
            "discounts": discounts + fee_discounts,
            "shipping": _shipping(order, gross),
            "taxes": _taxes(order),
            "taxes_included": gross,
            "total": order.require_decimal("total") + sum(g["amount"] for g in gift_cards),
            "totals_as_given": lenient,
            "customer": _customer(order),
            "shipping_address": _address(order.child("shipping")),
            "billing_address": _address(order.child("billing")),
            "payment": _payment(order, gift_cards),
            "note": order.text("customer_note"),
        }
    )


def _amount(node: Node, key: str, tax_key: str, gross: bool) -> Decimal | None:
    amount = node.decimal(key)
    if amount is not None and gross:
        amount += node.decimal(tax_key) or Decimal(0)
    return amount


def _unit_price(base: Decimal, quantity: Decimal, currency: str) -> Decimal:
    unit = base / quantity
    # Keep the minor unit when it divides evenly; else keep the exact quotient
    # so that unit price × quantity still rounds back to the line's subtotal.
    minor = unit.quantize(Decimal(1).scaleb(-get_currency_precision(currency)))
    return minor if minor * quantity == base else unit


def _lines(order: Node, gross: bool, currency: str) -> tuple[list[dict[str, Any]], Decimal]:
    lines = []
    discounted = Decimal(0)
    coupon_codes = [c for node in order.children("coupon_lines") if (c := node.text("code"))]
    label = coupon_codes[0] if len(coupon_codes) == 1 else None
    for item in order.children("line_items", required=True):
        quantity = item.quantity()
        if quantity <= 0:
            item.fail("quantity", f"must be more than 0, got {quantity}")
        after = _amount(item, "total", "total_tax", gross)
        if after is None:
            item.fail("total", "missing")
        before = _amount(item, "subtotal", "subtotal_tax", gross)
        before = after if before is None else before
        discount = before - after
        discounted += discount
        name, variant, properties = _describe(item)
        lines.append(
            {
                "name": name,
                "sku": item.text("sku"),
                "variant": variant,
                "quantity": quantity,
                "unit_price": _unit_price(before, quantity, currency),
                "discounts": [
                    {"code": label, "title": None if label else "Discount", "amount": discount}
                ]
                if discount
                else [],
                "image_url": _image(item),
                "properties": properties,
            }
        )
    return lines, discounted


def _describe(item: Node) -> tuple[str, str | None, list[dict[str, str]]]:
    """The line's product name, its variant and its properties."""
    name = item.text("name")
    if name is None:
        item.fail("name", "missing")
    is_variation = bool(item.decimal("variation_id"))
    variant_from_name = None
    if is_variation:
        parent = item.text("parent_name")
        if parent and name.startswith(parent) and name != parent:
            variant_from_name = name[len(parent) :].strip(" –-") or None
            name = parent
        elif _VARIANT_IN_NAME in name:
            name, variant_from_name = name.split(_VARIANT_IN_NAME, 1)
    attributes: list[str] = []
    properties: list[dict[str, str]] = []
    for meta in item.children("meta_data"):
        key = meta.text("key") or ""
        label = meta.text("display_key") or humanize(key.removeprefix("pa_"))
        raw = meta.raw("display_value") if meta.has("display_value") else meta.raw("value")
        value = property_value(raw)
        if not label or not value or key.startswith("_"):
            continue
        if is_variation and _ATTRIBUTE_KEY.match(key):
            attributes.append(value)
        else:
            properties.append({"name": label, "value": value})
    variant = variant_from_name or (" / ".join(attributes) or None)
    return name, variant, properties


def _image(item: Node) -> str | None:
    image = item.child("image")
    src = image.text("src") if image else None
    return src if src and src.startswith(("http://", "https://")) else None


def _coupons(order: Node, gross: bool, line_discounts: Decimal) -> list[dict[str, Any]]:
    """Coupons as order-level discounts, when they account for what the lines lost."""
    coupons: list[dict[str, Any]] = []
    for coupon in order.children("coupon_lines"):
        amount = _amount(coupon, "discount", "discount_tax", gross)
        if amount:
            coupons.append({"code": coupon.text("code"), "amount": amount})
    if coupons and sum(c["amount"] for c in coupons) == line_discounts:
        return coupons
    return []


def _fees(order: Node, gross: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines, discounts = [], []
    for fee in order.children("fee_lines"):
        amount = _amount(fee, "total", "total_tax", gross)
        if amount is None:
            fee.fail("total", "missing")
        name = fee.text("name") or "Fee"
        if amount > 0:
            lines.append({"name": name, "kind": "fee", "quantity": 1, "unit_price": amount})
        elif amount < 0:
            discounts.append({"title": name, "amount": -amount})
    return lines, discounts


def _shipping(order: Node, gross: bool) -> dict[str, Any] | None:
    titles: list[str] = []
    amount = Decimal(0)
    shipping_lines = order.children("shipping_lines")
    for line in shipping_lines:
        title = line.text("method_title") or humanize(line.text("method_id"))
        if title and title not in titles:
            titles.append(title)
        line_amount = _amount(line, "total", "total_tax", gross)
        if line_amount is None:
            line.fail("total", "missing")
        amount += line_amount
    if not shipping_lines:
        total = _amount(order, "shipping_total", "shipping_tax", gross)
        if not total:
            return None
        amount = total
    method = " + ".join(titles) or "Shipping"
    return {"method": method, "amount": amount, "kind": shipping_kind(method)}


def _taxes(order: Node) -> list[dict[str, Any]]:
    taxes = []
    for line in order.children("tax_lines"):
        amount = (line.decimal("tax_total") or Decimal(0)) + (
            line.decimal("shipping_tax_total") or Decimal(0)
        )
        percent = line.decimal("rate_percent")
        if amount:
            taxes.append(
                {
                    "title": line.text("label") or line.text("rate_code") or "Tax",
                    "rate": percent / 100 if percent is not None else None,
                    "amount": amount,
                }
            )
    if not taxes:
        total_tax = order.decimal("total_tax")
        if total_tax:
            taxes.append({"title": "Tax", "amount": total_tax})
    return taxes


def _gift_cards(order: Node) -> list[dict[str, Any]]:
    cards = []
    for card in order.children("gift_cards"):
        amount = card.require_decimal("amount")
        code = card.text("code")
        if amount:
            cards.append({"last_characters": code[-4:] if code else None, "amount": amount})
    return cards


def _customer(order: Node) -> dict[str, Any]:
    billing = order.child("billing")
    shipping = order.child("shipping")
    first = billing.text("first_name") if billing else None
    last = billing.text("last_name") if billing else None
    if not first and not last and shipping is not None:
        first, last = shipping.text("first_name"), shipping.text("last_name")
    email = billing.text("email") if billing else None
    return {"first_name": first, "last_name": last, "email": email}


def _address(node: Node | None) -> dict[str, Any] | None:
    if node is None:
        return None
    country = node.text("country")
    is_code = bool(country and len(country) == 2 and country.isalpha())
    name = " ".join(part for part in (node.text("first_name"), node.text("last_name")) if part)
    address: dict[str, Any] = {
        "name": name or None,
        "company": node.text("company"),
        "address1": node.text("address_1"),
        "address2": node.text("address_2"),
        "city": node.text("city"),
        "region": node.text("state"),
        "postal_code": node.text("postcode"),
        "country_code": country.upper() if country and is_code else None,
        "country": None if is_code else country,
        "phone": node.text("phone"),
    }
    if not any(address[key] for key in ("name", "address1", "city", "postal_code")):
        return None
    return address


def _payment(order: Node, gift_cards: list[dict[str, Any]]) -> dict[str, Any] | None:
    method = order.text("payment_method_title") or humanize(order.text("payment_method"))
    if not method and not gift_cards:
        return None
    return {"method": method, "gift_cards": gift_cards}
