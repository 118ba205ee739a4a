"""Saleor: the order of an ``ORDER_CREATED`` / ``ORDER_CONFIRMED`` webhook.

>>> from delightmail.adapters import saleor
>>> order = saleor.to_order(json.loads(body, parse_float=Decimal))  # doctest: +SKIP

Two shapes are read:

* the GraphQL subscription payload (``{"order": {...}}`` in camelCase, with
  ``gross`` / ``net`` / ``tax`` money), as Saleor's SMTP app and any
  subscription webhook deliver it;
* the legacy snake_case payload (``total_gross_amount``, ``lines[].product_name``)
  of the NOTIFY_USER events and of webhooks without a subscription query,
  bare, wrapped in ``{"order": ...}`` or as a one-element list.

How it maps onto :class:`~delightmail.models.Order`:

* When the channel displays gross prices (``displayGrossPrices``, the
  default) amounts are gross and the tax is marked as included; otherwise
  amounts are net and the tax is added on top. Either way the total is the
  order's gross total.
* Saleor puts discounts into the line and shipping prices. A line with a
  unit discount shows its undiscounted price and the discount, titled with
  ``unitDiscountReason``. Order-level ``discounts`` are listed only when the
  order's own subtotal, shipping and total show they were not already taken
  off the lines.
* Gift cards and cards used as payment come from ``transactions``
  (``paymentMethodDetails``).
* The order's language (``languageCodeEnum``, such as ``PT_BR``) becomes the
  email's locale.
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
    humanize,
    load_payload,
    locale_or_none,
    not_an_order,
    parse_datetime,
    shipping_kind,
)

__all__ = ["PLATFORM", "to_order"]

PLATFORM = "Saleor"


def to_order(
    payload: Mapping[str, Any] | list[Any] | str | bytes,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map a Saleor order onto a validated :class:`~delightmail.models.Order`.

    :param payload: the webhook body: ``{"order": ...}``, the bare order, or a
        one-element list (legacy webhooks), as parsed JSON or as JSON text.
    :param received_at: when the webhook arrived; used only when the order's
        ``created`` is missing or blank (as in the SMTP app's example). Defaults to now.
    :param lenient: confirm the order even if its totals do not add up: the
        platform's own totals are shown and ``Order.discrepancy`` says what is off
        (what a webhook receiver does, rather than leave the order without an email).
    :raises OrderValidationError: the payload is not a Saleor order, or its
        totals do not reconcile (the message names the numbers).
    """
    data = load_payload(payload, PLATFORM, one_of_list=True)
    root = Node(data, PLATFORM)
    order = root.require_child("order") if isinstance(data.get("order"), Mapping) else root
    if not isinstance(order.raw("lines"), list):
        not_an_order(PLATFORM, order.at("lines"), "no lines list", data)
    fallback_date = received_at or datetime.now(UTC)
    if order.has("total_gross_amount") or order.has("total_net_amount"):
        return _legacy(order, root, fallback_date, lenient)
    if not isinstance(order.raw("total"), Mapping):
        not_an_order(PLATFORM, order.at("total"), "no total money", data)
    return _graphql(order, fallback_date, lenient)


@dataclass(frozen=True)
class _Prices:
    """Reads a ``TaxedMoney`` (``{"gross": {"amount": ...}, "net": ..., "tax": ...}``)."""

    gross: bool

    def part(self, node: Node, key: str, part: str) -> Decimal | None:
        taxed = node.child(key)
        money = taxed.child(part) if taxed else None
        if money is None:
            return None
        return money.require_decimal("amount")

    def shown(self, node: Node, key: str) -> Decimal | None:
        """The amount as the customer sees it: gross or net."""
        return self.part(node, key, "gross" if self.gross else "net")


def _graphql(order: Node, fallback_date: datetime, lenient: bool) -> Order:
    total = order.require_child("total")
    currency = (
        total.text("currency")
        or _currency_of(total, "gross")
        or _currency_of(total, "net")
        or (channel.text("currencyCode") if (channel := order.child("channel")) else None)
    )
    if currency is None:
        total.fail("gross.currency", "missing")
    gross = order.flag("displayGrossPrices", default=True) and total.has("gross")
    prices = _Prices(gross)
    tax = prices.part(order, "total", "tax") or Decimal(0)
    order_total = prices.part(order, "total", "gross")
    if order_total is None:
        order_total = order.require_child("total").require_child("net").require_decimal("amount")
        order_total += tax

    lines = []
    for line in order.children("lines", required=True):
        name = line.text("translatedProductName") or line.text("productName")
        if name is None:
            line.fail("productName", "missing")
        quantity = line.quantity()
        line_total = prices.shown(line, "totalPrice")
        unit = prices.shown(line, "undiscountedUnitPrice") or prices.shown(line, "unitPrice")
        if unit is None:
            line.fail("unitPrice", "missing")
        unit_discount = line.child("unitDiscount")
        has_discount = bool(unit_discount and unit_discount.decimal("amount"))
        thumbnail = line.child("thumbnail")
        lines.append(
            {
                "name": name,
                "sku": line.text("productSku"),
                "variant": line.text("translatedVariantName") or line.text("variantName"),
                "kind": "gift card" if line.flag("isGiftCard") else None,
                "image_url": _url(thumbnail.text("url") if thumbnail else None),
                **_price(quantity, unit, line_total, has_discount, line.text("unitDiscountReason")),
            }
        )

    shipping_amount = prices.shown(order, "shippingPrice") or Decimal(0)
    method = order.text("shippingMethodName")
    delivery = order.child("deliveryMethod")
    if method is None and delivery is not None:
        method = delivery.text("name")
    pickup = order.text("collectionPointName")

    user = order.child("user")
    billing = order.child("billingAddress")
    customer = {
        "first_name": (user.text("firstName") if user else None)
        or (billing.text("firstName") if billing else None),
        "last_name": (user.text("lastName") if user else None)
        or (billing.text("lastName") if billing else None),
        "email": order.text("userEmail") or (user.text("email") if user else None),
        "previous_orders": _previous_orders(user),
    }
    language = (
        order.text("languageCodeEnum")
        or order.text("languageCode")
        or (user.text("languageCode") if user else None)
    )
    return validate_order(
        {
            "number": order.text("number") or order.require_text("id"),
            "placed_at": parse_datetime(order, "created") or fallback_date,
            "currency": currency,
            "lines": lines,
            "discounts": _order_discounts(order, prices, lines, shipping_amount, order_total),
            "shipping": _shipping(method, shipping_amount, pickup=bool(pickup)),
            "taxes": [{"title": "Tax", "amount": tax}] if tax else [],
            "taxes_included": gross,
            "total": order_total,
            "totals_as_given": lenient,
            "customer": customer,
            "shipping_address": _address(order.child("shippingAddress"), camel=True),
            "billing_address": _address(billing, camel=True),
            "payment": _payment(order),
            "status_url": _url(order.text("redirectUrl")),
            "note": order.text("customerNote"),
            "locale": locale_or_none(language),
        }
    )


def _legacy(order: Node, root: Node, fallback_date: datetime, lenient: bool) -> Order:
    gross = order.flag("display_gross_prices", default=True) and order.has("total_gross_amount")
    shown = "gross" if gross else "net"
    tax = order.decimal("tax_amount") or Decimal(0)
    order_total = order.decimal("total_gross_amount")
    if order_total is None:
        order_total = order.require_decimal("total_net_amount") + tax

    lines = []
    for line in order.children("lines", required=True):
        name = line.text("translated_product_name") or line.text("product_name")
        if name is None:
            line.fail("product_name", "missing")
        quantity = line.quantity()
        unit = line.decimal(f"unit_price_{shown}_amount")
        if unit is None:
            line.fail(f"unit_price_{shown}_amount", "missing")
        unit_discount = line.decimal("unit_discount_amount") or Decimal(0)
        # The unit discount is known only for the price the shop entered;
        # shown beside gross prices, it gives back the undiscounted price.
        has_discount = bool(unit_discount) and gross
        lines.append(
            {
                "name": name,
                "sku": line.text("product_sku"),
                "variant": line.text("translated_variant_name") or line.text("variant_name"),
                **_price(
                    quantity,
                    unit + unit_discount if has_discount else unit,
                    line.decimal(f"total_{shown}_amount"),
                    has_discount,
                    line.text("unit_discount_reason"),
                ),
            }
        )

    shipping_amount = order.decimal(f"shipping_price_{shown}_amount") or Decimal(0)
    pickup = order.text("collection_point_name")
    address = order.child("billing_address")
    return validate_order(
        {
            "number": order.text("number") or order.require_text("id"),
            "placed_at": parse_datetime(order, "created") or fallback_date,
            "currency": order.require_text("currency"),
            "lines": lines,
            "shipping": _shipping(
                order.text("shipping_method_name") or pickup, shipping_amount, pickup=bool(pickup)
            ),
            "taxes": [{"title": "Tax", "amount": tax}] if tax else [],
            "taxes_included": gross,
            "total": order_total,
            "totals_as_given": lenient,
            "customer": {
                "first_name": address.text("first_name") if address else None,
                "last_name": address.text("last_name") if address else None,
                "email": order.text("email") or root.text("recipient_email"),
            },
            "shipping_address": _address(order.child("shipping_address"), camel=False),
            "billing_address": _address(address, camel=False),
            "status_url": _url(order.text("order_details_url")),
            "locale": locale_or_none(order.text("language_code")),
        }
    )


def _currency_of(total: Node, part: str) -> str | None:
    money = total.child(part)
    return money.text("currency") if money else None


def _price(
    quantity: Decimal,
    unit: Decimal,
    line_total: Decimal | None,
    has_discount: bool,
    reason: str | None,
) -> dict[str, Any]:
    """A line's unit price and discount, from Saleor's unit and total prices."""
    if line_total is None:
        return {"quantity": quantity, "unit_price": unit}
    discount = unit * quantity - line_total
    if has_discount and discount > 0:
        return {
            "quantity": quantity,
            "unit_price": unit,
            "discounts": [{"title": reason or "Discount", "amount": discount}],
        }
    # Net unit prices are rounded (36.36 × 2 = 72.72, but the line is 72.73):
    # the line's total is the truth, so the unit price follows from it.
    exact = line_total / quantity
    unit_price = unit if unit * quantity == line_total else exact
    return {"quantity": quantity, "unit_price": unit_price}


def _order_discounts(
    order: Node,
    prices: _Prices,
    lines: list[dict[str, Any]],
    shipping: Decimal,
    total: Decimal,
) -> list[dict[str, Any]]:
    discounts: list[dict[str, Any]] = []
    for discount in order.children("discounts"):
        money = discount.child("amount")
        amount = money.decimal("amount") if money else None
        if amount:
            discounts.append(
                {
                    "title": discount.text("name") or humanize(discount.text("type")),
                    "amount": amount,
                }
            )
    subtotal = prices.shown(order, "subtotal")
    if not discounts or subtotal is None or not prices.gross:
        return []
    # Recent Saleor versions spread order discounts over the line prices; list
    # them separately only when the order's own numbers say they were not.
    if subtotal + shipping - total == sum(d["amount"] for d in discounts):
        return discounts
    return []


def _shipping(method: str | None, amount: Decimal, *, pickup: bool) -> dict[str, Any] | None:
    if method is None and not amount:
        return None
    title = method or "Shipping"
    return {"method": title, "amount": amount, "kind": "pickup" if pickup else shipping_kind(title)}


def _previous_orders(user: Node | None) -> int:
    orders = user.child("orders") if user else None
    count = orders.decimal("totalCount") if orders else None
    return max(int(count or 0) - 1, 0)


def _address(node: Node | None, *, camel: bool) -> dict[str, Any] | None:
    if node is None:
        return None

    def text(camel_key: str, snake_key: str) -> str | None:
        return node.text(camel_key if camel else snake_key)

    country: str | None
    country_code: str | None = None
    country_node = node.child("country") if isinstance(node.raw("country"), Mapping) else None
    if country_node is not None:
        country_code = country_node.text("code")
        country = country_node.text("country")
    else:
        country = node.text("country")
        if country and len(country) == 2 and country.isalpha():
            country_code, country = country.upper(), None
    name = " ".join(
        part for part in (text("firstName", "first_name"), text("lastName", "last_name")) if part
    )
    street2 = text("streetAddress2", "street_address_2")
    city_area = text("cityArea", "city_area")
    address: dict[str, Any] = {
        "name": name or None,
        "company": text("companyName", "company_name"),
        "address1": text("streetAddress1", "street_address_1"),
        "address2": ", ".join(part for part in (street2, city_area) if part) or None,
        "city": text("city", "city"),
        "region": text("countryArea", "country_area"),
        "postal_code": text("postalCode", "postal_code"),
        "country_code": country_code,
        "country": country,
        "phone": text("phone", "phone"),
    }
    if not any(address[key] for key in ("name", "address1", "city", "postal_code")):
        return None
    return address


def _payment(order: Node) -> dict[str, Any] | None:
    method = brand = digits = None
    gift_cards = []
    for transaction in order.children("transactions"):
        details = transaction.child("paymentMethodDetails")
        if details is None:
            continue
        charged = transaction.child("chargedAmount")
        authorized = transaction.child("authorizedAmount")
        amount = (charged.decimal("amount") if charged else None) or (
            authorized.decimal("amount") if authorized else None
        )
        if details.text("__typename") == "GiftCardPaymentMethodDetails":
            if amount:
                gift_cards.append({"last_characters": details.text("lastChars"), "amount": amount})
            continue
        method = method or details.text("name")
        brand = brand or humanize(details.text("brand"))
        digits = digits or details.text("lastDigits")
    for payment in order.children("payments"):
        card = payment.child("creditCard")
        method = method or humanize(payment.text("gateway"))
        if card is not None:
            brand = brand or humanize(card.text("brand"))
            digits = digits or card.text("lastDigits")
    if not any((method, brand, digits, gift_cards)):
        return None
    return {"method": method, "card_brand": brand, "card_last4": digits, "gift_cards": gift_cards}


def _url(value: str | None) -> str | None:
    return value if value and value.startswith(("http://", "https://")) else None
