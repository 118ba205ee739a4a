"""Saleor: the order of an ``ORDER_CREATED`` / ``ORDER_CONFIRMED`` webhook, or of a
``NOTIFY_USER`` order event.

>>> from delightmail.adapters import saleor
>>> order = saleor.to_order(json.loads(body, parse_float=Decimal))  # doctest: +SKIP

The envelopes read (any other body is refused on one line, naming what it saw):

* the GraphQL subscription payload ``{"order": {...}}`` in camelCase, with
  ``gross`` / ``net`` / ``tax`` money, as Saleor's SMTP app and any
  subscription webhook deliver it, or that order bare;
* the legacy snake_case order (``total_gross_amount``, ``lines[].product_name``)
  of webhooks without a subscription query, bare, wrapped in ``{"order": ...}``
  or as a one-element list;
* the ``NOTIFY_USER`` envelope ``{"notify_event": "order_confirmation",
  "payload": {"order": {...}, "recipient_email": ...}, "meta": {...}}`` (and its
  ``payload`` alone, as the SMTP app's examples give it); ``recipient_email`` is
  the customer's email when the order has none.

How it maps onto :class:`~delightmail.models.Order`:

* The number is ``number``, as written; without one, a short reference made
  from the GraphQL ``id`` (never the base64 id itself).
* ``created`` is when the order was placed; a date that cannot be read is a
  warning, and the time the webhook was received (else now) is used, with a
  warning saying so.
* What each line is (``LineItem.fulfillment``): ``isShippingRequired`` /
  ``is_shipping_required`` true is physical; false is digital when the line is
  a gift card (``isGiftCard``, ``variant.product.productType.kind`` ``GIFT_CARD``)
  or has digital content (``digitalContentUrl``, ``variant.digitalContent``,
  ``productType.isDigital``, legacy ``is_digital`` / ``digital_url``), else a
  service (it does not ship, and nothing says it comes by email). A line that
  says nothing is left for the order to decide.
* Shipping: a click-and-collect order (``collectionPointName``, a
  ``deliveryMethod`` of ``__typename`` ``Warehouse``, legacy
  ``collection_point_name`` / ``collection_point``) is a pick-up named after
  the warehouse, its address the pick-up's location. Otherwise the method is
  ``shippingMethodName`` (or ``deliveryMethod.name`` of a ``ShippingMethod``),
  its kind guessed from that name (Saleor has no field for express or local
  delivery). No method: a shipping price alone is shipping without a method
  (the email names none), and no price either is no shipping at all.
* Status, from what Saleor says of the money first, then of the order:

  - ``status`` ``CANCELED`` or ``EXPIRED`` (legacy ``canceled``, ``expired``)
    is ``cancelled``; a ``DRAFT`` is refused: it was never placed, so there is
    nothing to confirm;
  - ``paymentStatus`` (legacy ``payment_status``, ``payments[].charge_status``):
    ``FULLY_REFUNDED`` refunded, ``PARTIALLY_REFUNDED`` partially refunded,
    ``REFUSED`` failed, ``CANCELLED`` voided, ``FULLY_CHARGED`` paid,
    ``PARTIALLY_CHARGED`` partially paid, ``PENDING`` pending; ``NOT_CHARGED``
    leaves it to the fields below;
  - ``chargeStatus`` ``FULL`` / ``OVERCHARGED`` or ``authorizeStatus`` ``FULL``
    (authorised) is paid, ``PARTIAL`` of either partially paid, ``NONE`` of
    both pending; then ``isPaid``; then ``totalBalance`` (below zero: not all
    paid);
  - a paid order with ``totalRefunded`` is partially refunded (refunded when
    all of it was); ``RETURNED`` / ``PARTIALLY_RETURNED`` of a paid order are
    refunded / partially refunded;
  - nothing said: paid. A value Saleor does not have is a warning, and read
    as nothing said.

  ``payment.due``, for a pending or partly paid order, is what Saleor says is
  still to pay: ``-totalBalance``, else ``total - totalCharged`` (legacy: the
  total less the payments' ``captured_amount``).
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
* What is not essential and cannot be read (a date, a status, a label or a
  flag of the wrong type, an email that is no address) is left out, or
  replaced by its fallback, and said in ``Order.warnings``. Lines, prices,
  totals and the currency still reject the order, naming the field.
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
    Warnings,
    email_or_none,
    fail,
    humanize,
    locale_or_none,
    not_an_envelope,
    not_an_order,
    parse_payload,
    read_datetime,
    shipping_kind,
    short_reference,
    soft,
    soft_child,
    soft_flag,
    soft_text,
)

__all__ = ["PLATFORM", "to_order"]

PLATFORM = "Saleor"

_ENVELOPES = (
    '{"order": {…}} (a subscription webhook)',
    "a bare order",
    "a one-element list (a legacy webhook)",
    '{"notify_event": …, "payload": {"order": {…}}} (NOTIFY_USER)',
)


def to_order(
    payload: Mapping[str, Any] | list[Any] | str | bytes,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map a Saleor order onto a validated :class:`~delightmail.models.Order`.

    :param payload: the webhook body: ``{"order": ...}``, the bare order, a
        one-element list (legacy webhooks) or a ``NOTIFY_USER`` envelope, as
        parsed JSON or as JSON text.
    :param received_at: when the webhook arrived; used only when the order's
        ``created`` is missing, blank or unreadable (with a warning). Defaults to now.
    :param lenient: confirm the order even if its totals do not add up: the
        platform's own totals are shown and ``Order.discrepancy`` says what is off
        (what a webhook receiver does, rather than leave the order without an email).
    :raises OrderValidationError: the payload is not a Saleor order, it is a
        draft, or its totals do not reconcile (the message names the numbers).
    """
    data = parse_payload(payload, PLATFORM)
    if isinstance(data, list):
        if len(data) != 1:
            fail(PLATFORM, "", f"expected one order, got a list of {len(data)}")
        data = data[0]
    if not isinstance(data, Mapping):
        not_an_envelope(PLATFORM, data, _ENVELOPES)
    root, order = _unwrap(data)
    warnings = Warnings()
    context = _Context(root, warnings, received_at)
    if order.has("total_gross_amount") or order.has("total_net_amount"):
        return _legacy(order, context, lenient)
    if not isinstance(order.raw("total"), Mapping):
        not_an_order(PLATFORM, order.at("total"), "no total money", data)
    return _graphql(order, context, lenient)


def _unwrap(data: Mapping[str, Any]) -> tuple[Node, Node]:
    """The node holding the envelope's extras (``recipient_email``), and the order."""
    root = Node(data, PLATFORM)
    if "notify_event" in data or "payload" in data:
        inner = data.get("payload")
        if not isinstance(inner, Mapping) or not isinstance(inner.get("order"), Mapping):
            not_an_envelope(PLATFORM, data, _ENVELOPES)
        root = Node(inner, PLATFORM, root.at("payload"))
    inner_order = root.raw("order")
    order = (
        Node(inner_order, PLATFORM, root.at("order")) if isinstance(inner_order, Mapping) else root
    )
    if not isinstance(order.raw("lines"), list):
        not_an_envelope(PLATFORM, data, _ENVELOPES)
    return root, order


@dataclass(frozen=True)
class _Context:
    root: Node
    warnings: Warnings
    received_at: datetime | None


# -- reading what is not essential, with warnings ----------------------------


def _amount(node: Node | None, key: str, warnings: Warnings) -> Decimal | None:
    """A ``Money`` object's amount (``{"amount": 12, "currency": ...}``), if readable."""
    money = soft_child(node, key, warnings)
    if money is None:
        return None
    return _decimal(money, "amount", warnings)


def _decimal(node: Node, key: str, warnings: Warnings) -> Decimal | None:
    return soft(warnings, node.decimal, key)


def _number(order: Node) -> str:
    number = order.text("number")
    if number is not None:
        return number
    internal = order.text("id") or order.text("token")
    if internal is None:
        order.fail("number", "missing, and no id to make a reference from")
    return short_reference(internal)


def _placed_at(order: Node, context: _Context) -> datetime:
    placed = read_datetime(order, "created", context.warnings)
    if placed is not None:
        return placed
    if context.received_at is not None:
        context.warnings.add(
            order.at("created"), "no readable date; the time the order was received is used"
        )
        return context.received_at
    context.warnings.add(order.at("created"), "no readable date; the time it was read is used")
    return datetime.now(UTC)


def _email(candidates: list[str | None], path: str, warnings: Warnings) -> str | None:
    """The first of *candidates* that is an email address; one that is not is a warning."""
    for candidate in candidates:
        email = email_or_none(candidate, path, warnings)
        if email is not None:
            return email
    return None


# -- status ------------------------------------------------------------------

#: ``Order.status`` (GraphQL) and its legacy lower-case values, normalised.
_ORDER_STATUSES = frozenset(
    {
        "DRAFT",
        "UNCONFIRMED",
        "UNFULFILLED",
        "PARTIALLY_FULFILLED",
        "FULFILLED",
        "PARTIALLY_RETURNED",
        "RETURNED",
        "CANCELED",
        "CANCELLED",
        "EXPIRED",
    }
)
#: ``PaymentChargeStatusEnum`` (``paymentStatus``; legacy ``not-charged``...).
_PAYMENT_STATUSES: Mapping[str, str | None] = {
    "NOT_CHARGED": None,  # authorised, or nothing yet: the fields below say which
    "PENDING": "pending",
    "PARTIALLY_CHARGED": "partially_paid",
    "FULLY_CHARGED": "paid",
    "PARTIALLY_REFUNDED": "partially_refunded",
    "FULLY_REFUNDED": "refunded",
    "REFUSED": "failed",
    "CANCELLED": "voided",
}
#: ``OrderChargeStatusEnum`` and ``OrderAuthorizeStatusEnum``.
_CHARGE_STATUSES = frozenset({"NONE", "PARTIAL", "FULL", "OVERCHARGED"})
_AUTHORIZE_STATUSES = frozenset({"NONE", "PARTIAL", "FULL"})


def _enum(
    node: Node | None, key: str, known: frozenset[str] | Mapping[str, Any], warnings: Warnings
) -> str | None:
    """An enum value, normalised (``partially fulfilled`` → ``PARTIALLY_FULFILLED``);
    ``None`` when missing, and when Saleor has no such value (with a warning)."""
    value = soft_text(node, key, warnings)
    if value is None or node is None:
        return None
    name = value.strip().upper().replace("-", "_").replace(" ", "_")
    if name not in known:
        warnings.add(node.at(key), f"{value[:60]!r} is not a Saleor value; read as not given")
        return None
    return name


@dataclass(frozen=True)
class _Money:
    """What Saleor says of an order's money, in whichever payload."""

    order_status: str | None
    payment_status: str | None
    charge: str | None = None
    authorize: str | None = None
    is_paid: bool | None = None
    balance: Decimal | None = None
    charged: Decimal | None = None
    refunded: Decimal | None = None


def _status(money: _Money, total: Decimal, status_path: str) -> tuple[str, Decimal | None]:
    """The order's status and what is still due (see the module's docstring)."""
    if money.order_status == "DRAFT":
        fail(PLATFORM, status_path, "DRAFT: a draft order is not placed yet, so nothing to confirm")
    if money.order_status in ("CANCELED", "CANCELLED", "EXPIRED"):
        return "cancelled", None
    status = _PAYMENT_STATUSES.get(money.payment_status or "")
    if status is None:
        status = _charge_status(money)
    if status == "paid" and money.refunded:
        status = "refunded" if money.refunded >= total else "partially_refunded"
    if status == "paid" and money.order_status == "RETURNED":
        status = "refunded"
    elif status == "paid" and money.order_status == "PARTIALLY_RETURNED":
        status = "partially_refunded"
    due = None
    if status in ("pending", "partially_paid"):
        if money.balance is not None and money.balance < 0:
            due = -money.balance
        elif money.charged is not None:
            due = total - money.charged
        if due is not None and not 0 < due <= total:
            due = None
    return status, due


def _charge_status(money: _Money) -> str:
    charge, authorize = money.charge, money.authorize
    if charge in ("FULL", "OVERCHARGED") or authorize == "FULL":
        return "paid"
    if "PARTIAL" in (charge, authorize):
        return "partially_paid"
    if charge == "NONE" or authorize == "NONE":
        return "pending"
    if money.is_paid is not None:
        return "paid" if money.is_paid else "pending"
    if money.balance is not None and money.balance < 0:
        return "partially_paid" if money.charged else "pending"
    return "paid"


# -- the GraphQL payload -----------------------------------------------------


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


def _graphql(order: Node, context: _Context, lenient: bool) -> Order:
    warnings = context.warnings
    total = order.require_child("total")
    currency = (
        total.text("currency")
        or _currency_of(total, "gross")
        or _currency_of(total, "net")
        or (channel.text("currencyCode") if (channel := order.child("channel")) else None)
    )
    if currency is None:
        total.fail("gross.currency", "missing")
    shown_gross = soft_flag(order, "displayGrossPrices", warnings) is not False
    gross = shown_gross and total.has("gross")
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
        thumbnail = soft_child(line, "thumbnail", warnings)
        fulfillment, gift_card = _line_fulfillment(line, warnings)
        lines.append(
            {
                "name": name,
                "sku": soft_text(line, "productSku", warnings),
                "variant": soft_text(line, "translatedVariantName", warnings)
                or soft_text(line, "variantName", warnings),
                "kind": "gift card" if gift_card else None,
                "fulfillment": fulfillment,
                "image_url": _url(soft_text(thumbnail, "url", warnings)),
                **_price(
                    quantity,
                    unit,
                    line_total,
                    has_discount,
                    soft_text(line, "unitDiscountReason", warnings),
                ),
            }
        )

    shipping_amount = prices.shown(order, "shippingPrice") or Decimal(0)
    user = soft_child(order, "user", warnings)
    billing = soft_child(order, "billingAddress", warnings)
    customer = {
        "first_name": soft_text(user, "firstName", warnings)
        or soft_text(billing, "firstName", warnings),
        "last_name": soft_text(user, "lastName", warnings)
        or soft_text(billing, "lastName", warnings),
        "email": _email(
            [
                soft_text(order, "userEmail", warnings),
                soft_text(user, "email", warnings),
                soft_text(context.root, "recipient_email", warnings),
            ],
            order.at("userEmail"),
            warnings,
        ),
        "previous_orders": _previous_orders(user, warnings),
    }
    language = (
        soft_text(order, "languageCodeEnum", warnings)
        or soft_text(order, "languageCode", warnings)
        or soft_text(user, "languageCode", warnings)
    )
    money = _Money(
        order_status=_enum(order, "status", _ORDER_STATUSES, warnings),
        payment_status=_enum(order, "paymentStatus", _PAYMENT_STATUSES, warnings),
        charge=_enum(order, "chargeStatus", _CHARGE_STATUSES, warnings),
        authorize=_enum(order, "authorizeStatus", _AUTHORIZE_STATUSES, warnings),
        is_paid=soft_flag(order, "isPaid", warnings),
        balance=_amount(order, "totalBalance", warnings),
        charged=_amount(order, "totalCharged", warnings),
        refunded=_amount(order, "totalRefunded", warnings),
    )
    status, due = _status(money, order_total, order.at("status"))
    return validate_order(
        {
            "number": _number(order),
            "placed_at": _placed_at(order, context),
            "currency": currency,
            "lines": lines,
            "discounts": _order_discounts(order, prices, lines, shipping_amount, order_total),
            "shipping": _graphql_shipping(order, shipping_amount, warnings),
            "taxes": [{"title": "Tax", "amount": tax}] if tax else [],
            "taxes_included": gross,
            "total": order_total,
            "totals_as_given": lenient,
            "customer": customer,
            "shipping_address": _address(
                soft_child(order, "shippingAddress", warnings), warnings, camel=True
            ),
            "billing_address": _address(billing, warnings, camel=True),
            "payment": _payment(order, due, warnings),
            "status": status,
            "status_url": _url(soft_text(order, "redirectUrl", warnings)),
            "note": soft_text(order, "customerNote", warnings),
            "locale": locale_or_none(language),
            "warnings": warnings,
        }
    )


def _line_fulfillment(line: Node, warnings: Warnings) -> tuple[str | None, bool]:
    """How a GraphQL order line reaches the customer, and whether it is a gift card."""
    variant = soft_child(line, "variant", warnings)
    product = soft_child(variant, "product", warnings)
    product_type = soft_child(product, "productType", warnings)
    kind = soft_text(product_type, "kind", warnings)
    gift_card = bool(soft_flag(line, "isGiftCard", warnings)) or (kind or "").upper() == "GIFT_CARD"
    content = line.has("digitalContentUrl") or bool(variant and variant.has("digitalContent"))
    ships = soft_flag(line, "isShippingRequired", warnings)
    if ships is None:
        ships = soft_flag(product_type, "isShippingRequired", warnings)
    if ships:
        return "physical", gift_card
    if ships is None:
        # Nothing says whether it ships: content to download is digital, else unknown.
        return ("digital" if content else None), gift_card
    digital = gift_card or content or bool(soft_flag(product_type, "isDigital", warnings))
    return ("digital" if digital else "service"), gift_card


def _graphql_shipping(order: Node, amount: Decimal, warnings: Warnings) -> dict[str, Any] | None:
    delivery = soft_child(order, "deliveryMethod", warnings)
    typename = soft_text(delivery, "__typename", warnings)
    if delivery is not None and typename is None:
        # Without __typename, a warehouse is known by what only a warehouse has.
        is_warehouse = delivery.has("address") or delivery.has("clickAndCollectOption")
        typename = "Warehouse" if is_warehouse else "ShippingMethod"
    warehouse = (
        delivery if typename == "Warehouse" else soft_child(order, "collectionPoint", warnings)
    )
    collection = soft_text(order, "collectionPointName", warnings)
    if collection or warehouse is not None:
        pickup = _pickup(
            collection or soft_text(warehouse, "name", warnings),
            soft_child(warehouse, "address", warnings),
            amount,
            warnings,
            camel=True,
        )
        if pickup is not None:
            return pickup
        warnings.add(order.at("deliveryMethod"), "a pick-up with no name or address; not used")
    method = soft_text(order, "shippingMethodName", warnings)
    if method is None and typename == "ShippingMethod":
        method = soft_text(delivery, "name", warnings)
    if method is None:
        method = soft_text(soft_child(order, "shippingMethod", warnings), "name", warnings)
    return _shipping(method, amount)


def _pickup(
    name: str | None, address: Node | None, amount: Decimal, warnings: Warnings, *, camel: bool
) -> dict[str, Any] | None:
    location = _address(address, warnings, camel=camel)
    if name is None and location is None:
        return None
    return {"method": name, "amount": amount, "kind": "pickup", "location": location}


def _shipping(method: str | None, amount: Decimal) -> dict[str, Any] | None:
    """Shipping by *method*; a price alone is shipping by a method the order does not name."""
    if method is None and not amount:
        return None
    kind = shipping_kind(method) if method else "standard"
    return {"method": method, "amount": amount, "kind": kind}


# -- the legacy payload ------------------------------------------------------


def _legacy(order: Node, context: _Context, lenient: bool) -> Order:
    warnings = context.warnings
    gross = bool(soft_flag(order, "display_gross_prices", warnings) is not False) and order.has(
        "total_gross_amount"
    )
    shown = "gross" if gross else "net"
    order_total = order.decimal("total_gross_amount")
    tax = order.decimal("tax_amount")
    if tax is None:
        net = order.decimal("total_net_amount")
        tax = order_total - net if order_total is not None and net is not None else Decimal(0)
    if order_total is None:
        order_total = order.require_decimal("total_net_amount") + tax

    channel = soft_child(order, "channel", warnings)
    currency = order.text("currency") or (channel.text("currency_code") if channel else None)
    lines = []
    for line in order.children("lines", required=True):
        name = line.text("translated_product_name") or line.text("product_name")
        if name is None:
            line.fail("product_name", "missing")
        currency = currency or line.text("currency")
        quantity = line.quantity()
        unit = line.decimal(f"unit_price_{shown}_amount")
        if unit is None:
            line.fail(f"unit_price_{shown}_amount", "missing")
        unit_discount = line.decimal("unit_discount_amount") or Decimal(0)
        # The unit discount is known only for the price the shop entered;
        # shown beside gross prices, it gives back the undiscounted price.
        has_discount = bool(unit_discount) and gross
        line_total = line.decimal(f"total_{shown}_amount")
        if line_total is None:  # the webhook payload's name for it
            line_total = line.decimal(f"total_price_{shown}_amount")
        lines.append(
            {
                "name": name,
                "sku": soft_text(line, "product_sku", warnings),
                "variant": soft_text(line, "translated_variant_name", warnings)
                or soft_text(line, "variant_name", warnings),
                "kind": "gift card" if soft_flag(line, "is_gift_card", warnings) else None,
                "fulfillment": _legacy_fulfillment(line, warnings),
                **_price(
                    quantity,
                    unit + unit_discount if has_discount else unit,
                    line_total,
                    has_discount,
                    soft_text(line, "unit_discount_reason", warnings),
                ),
            }
        )
    if currency is None:
        order.fail("currency", "missing")

    shipping_amount = order.decimal(f"shipping_price_{shown}_amount") or Decimal(0)
    address = soft_child(order, "billing_address", warnings)
    money = _legacy_money(order, context.root, warnings)
    status, due = _status(money, order_total, order.at("status"))
    payment = {"due": due} if due is not None else None
    return validate_order(
        {
            "number": _number(order),
            "placed_at": _placed_at(order, context),
            "currency": currency,
            "lines": lines,
            "shipping": _legacy_shipping(order, shipping_amount, warnings),
            "taxes": [{"title": "Tax", "amount": tax}] if tax else [],
            "taxes_included": gross,
            "total": order_total,
            "totals_as_given": lenient,
            "customer": {
                "first_name": soft_text(address, "first_name", warnings),
                "last_name": soft_text(address, "last_name", warnings),
                "email": _email(
                    [
                        soft_text(order, "email", warnings),
                        soft_text(order, "user_email", warnings),
                        soft_text(context.root, "recipient_email", warnings),
                    ],
                    order.at("email"),
                    warnings,
                ),
            },
            "shipping_address": _address(
                soft_child(order, "shipping_address", warnings), warnings, camel=False
            ),
            "billing_address": _address(address, warnings, camel=False),
            "payment": payment,
            "status": status,
            "status_url": _url(soft_text(order, "order_details_url", warnings)),
            "locale": locale_or_none(soft_text(order, "language_code", warnings)),
            "warnings": warnings,
        }
    )


def _legacy_fulfillment(line: Node, warnings: Warnings) -> str | None:
    ships = soft_flag(line, "is_shipping_required", warnings)
    digital = (
        bool(soft_flag(line, "is_digital", warnings))
        or bool(soft_flag(line, "is_gift_card", warnings))
        or soft_text(line, "digital_url", warnings) is not None
    )
    if ships:
        return "physical"
    if ships is None:
        return "digital" if digital else None
    return "digital" if digital else "service"


def _legacy_shipping(order: Node, amount: Decimal, warnings: Warnings) -> dict[str, Any] | None:
    point = soft_child(order, "collection_point", warnings)
    name = soft_text(order, "collection_point_name", warnings) or soft_text(point, "name", warnings)
    if name is not None or point is not None:
        pickup = _pickup(
            name, soft_child(point, "address", warnings), amount, warnings, camel=False
        )
        if pickup is not None:
            return pickup
        warnings.add(order.at("collection_point"), "a pick-up with no name or address; not used")
    method = soft_text(order, "shipping_method_name", warnings) or soft_text(
        soft_child(order, "shipping_method", warnings), "name", warnings
    )
    return _shipping(method, amount)


def _legacy_money(order: Node, root: Node, warnings: Warnings) -> _Money:
    """The legacy payload's status fields; a payment's ``charge_status`` from the active
    payment of ``payments`` (webhooks) or from ``payment`` (NOTIFY payment confirmation)."""
    payment_status = _enum(order, "payment_status", _PAYMENT_STATUSES, warnings)
    charged: Decimal | None = None
    payments = soft(warnings, lambda: order.children("payments")) or []
    active = [p for p in payments if soft_flag(p, "is_active", warnings) is not False]
    for payment in active:
        payment_status = payment_status or _enum(
            payment, "charge_status", _PAYMENT_STATUSES, warnings
        )
        captured = _decimal(payment, "captured_amount", warnings)
        if captured is not None:
            charged = (charged or Decimal(0)) + captured
    if payment_status is None:
        payment_status = _enum(
            soft_child(root, "payment", warnings), "charge_status", _PAYMENT_STATUSES, warnings
        )
    return _Money(
        order_status=_enum(order, "status", _ORDER_STATUSES, warnings),
        payment_status=payment_status,
        charge=_enum(order, "charge_status", _CHARGE_STATUSES, warnings),
        authorize=_enum(order, "authorize_status", _AUTHORIZE_STATUSES, warnings),
        is_paid=soft_flag(order, "is_paid", warnings),
        charged=charged,
    )


# -- shared pieces -----------------------------------------------------------


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


def _previous_orders(user: Node | None, warnings: Warnings) -> int:
    orders = soft_child(user, "orders", warnings)
    count = _decimal(orders, "totalCount", warnings) if orders else None
    return min(max(int(count or 0) - 1, 0), 1_000_000)


def _address(node: Node | None, warnings: Warnings, *, camel: bool) -> dict[str, Any] | None:
    if node is None:
        return None

    def text(camel_key: str, snake_key: str) -> str | None:
        return soft_text(node, camel_key if camel else snake_key, warnings)

    country: str | None
    country_code: str | None = None
    country_node = node.child("country") if isinstance(node.raw("country"), Mapping) else None
    if country_node is not None:
        country_code = soft_text(country_node, "code", warnings)
        country = soft_text(country_node, "country", warnings)
    else:
        country = soft_text(node, "country", warnings)
        if country and len(country) == 2 and country.isalpha():
            country_code, country = country.upper(), None
    if country_code is not None and not (len(country_code) == 2 and country_code.isalpha()):
        warnings.add(node.at("country"), f"{country_code[:20]!r} is not a country code; not used")
        country_code = None
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
        "country_code": country_code.upper() if country_code else None,
        "country": country,
        "phone": text("phone", "phone"),
    }
    if not any(address[key] for key in ("name", "address1", "city", "postal_code")):
        return None
    return address


def _payment(order: Node, due: Decimal | None, warnings: Warnings) -> dict[str, Any] | None:
    method = brand = digits = None
    gift_cards = []
    for transaction in order.children("transactions"):
        details = soft_child(transaction, "paymentMethodDetails", warnings)
        if details is None:
            continue
        amount = _amount(transaction, "chargedAmount", warnings) or _amount(
            transaction, "authorizedAmount", warnings
        )
        if soft_text(details, "__typename", warnings) == "GiftCardPaymentMethodDetails":
            if amount:
                last = soft_text(details, "lastChars", warnings)
                gift_cards.append({"last_characters": last, "amount": amount})
            continue
        method = method or soft_text(details, "name", warnings)
        brand = brand or humanize(soft_text(details, "brand", warnings))
        digits = digits or _last4(soft_text(details, "lastDigits", warnings))
    for payment in order.children("payments"):
        card = soft_child(payment, "creditCard", warnings)
        method = method or humanize(soft_text(payment, "gateway", warnings))
        if card is not None:
            brand = brand or humanize(soft_text(card, "brand", warnings))
            digits = digits or _last4(soft_text(card, "lastDigits", warnings))
    if not any((method, brand, digits, gift_cards, due)):
        return None
    return {
        "method": method,
        "card_brand": brand,
        "card_last4": digits,
        "gift_cards": gift_cards,
        "due": due,
    }


def _last4(value: str | None) -> str | None:
    return value if value and len(value) == 4 and value.isdigit() else None


def _url(value: str | None) -> str | None:
    return value if value and value.startswith(("http://", "https://")) else None
