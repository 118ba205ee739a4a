"""WooCommerce: an order from the REST API v3 (``/wp-json/wc/v3/orders``), a webhook,
or the legacy REST API (``/wc-api/v3/orders``).

>>> from delightmail.adapters import woocommerce
>>> order = woocommerce.to_order(json.loads(body, parse_float=Decimal))  # doctest: +SKIP

**Envelopes.** A bare order (what the REST API and WooCommerce's webhooks send),
``{"data": {...}}`` (the WordPress.com / Jetpack tunnel) and ``{"order": {...}}``
(the legacy REST API v2/v3 and its webhooks, whose field names are read too:
``order_number``, ``created_at``, ``billing_address``, ``shipping_address``,
``payment_details``, ``note``, ``total_shipping``, ``shipping_methods``, line
``meta``, ``customer``). Any other body is refused on one line, naming what it is.

How a WooCommerce order maps onto :class:`~delightmail.models.Order`:

* **Number**: ``number`` (REST v3) or ``order_number`` (legacy), as written;
  else ``id``, which *is* the number WooCommerce shows customers unless a
  plugin renumbers orders; else a short reference made from ``order_key``.
* **Date**: ``date_created_gmt``, then ``date_created`` (read as UTC: the
  site's time zone is not in the payload), then legacy ``created_at`` (UTC);
  a date that cannot be read is a warning and the next one is used, then the
  time the payload was received.
* **Status** (``status``): ``pending`` and ``on-hold`` (awaiting a bank
  transfer or a cheque) are *pending*; ``processing`` and ``completed`` are
  *paid*, except a ``processing`` order paid offline (``cod``, ``bacs``,
  ``cheque``) with no ``date_paid``/``date_paid_gmt`` (nor legacy
  ``payment_details.paid``, nor ``set_paid``): cash on delivery, or a transfer
  still to come, is *pending*. ``cancelled`` and ``trash`` are *cancelled*,
  ``refunded`` and ``failed`` as they are, ``partial-payment`` (the Deposits
  extension) *partially_paid*. A ``checkout-draft`` is a checkout in progress
  in the block checkout, not an order: it is refused. Any other value is
  *paid*, with a warning naming it. A *paid* order whose ``refunds`` add up to
  its total is *refunded* (WooCommerce sets that status itself, but not when a
  refund was recorded without it), and *partially_refunded* when they add up to
  less. A pending order's ``payment.due`` is WooCommerce's ``total`` (after
  gift cards). WooPayments' order meta ``_wcpay_mode: test`` marks a test order;
  core WooCommerce has no test orders. ``needs_payment`` is not read: WooCommerce
  computes it from the status alone.
* **What ships, per line** (``LineItem.fulfillment``). REST v3 line items carry
  no product flags, but a line (or its ``product`` / ``product_data``, as some
  plugins add) may: ``virtual`` and ``downloadable`` (or ``is_virtual``,
  ``is_downloadable``). Virtual and downloadable is *digital*, virtual alone
  *service*, not virtual is *physical* (a downloadable product that is not
  virtual ships, the download comes with it), downloadable alone *digital*. A
  gift card of the Gift Cards extension (``wc_gc_giftcard_to`` meta, a
  recipient's email) is *digital*. A line that says nothing takes the order's
  word: ``needs_processing: false`` means every line is virtual and
  downloadable (*digital*); any shipping line (WooCommerce offers shipping,
  local pickup included, only when something needs it), a shipping address
  that is not blank (WooCommerce sends every field ``""`` when nothing ships),
  legacy ``shipping_methods`` or a shipping amount make it *physical*; with
  none of these it is *service* (WooCommerce cannot tell a download from a
  service).
* **Shipping**: the kind comes from ``shipping_lines[].method_id`` first
  (``local_pickup``, ``pickup_location`` of the block checkout and the Local
  Pickup Plus extension's ids are *pickup*, ``local_delivery`` is
  *local_delivery*), then from the title. A pick-up's ``pickup_location`` and
  ``pickup_address`` meta say where it is collected. With no shipping lines,
  ``shipping_total`` (legacy ``total_shipping``) alone is an amount without a
  method (the email names none), unless the legacy ``shipping_methods`` text
  names it.
* WooCommerce stores line, shipping and fee amounts without tax. When the
  shop enters prices with tax (``prices_include_tax``), each amount gets its
  tax added back, so the email shows the prices the customer saw, and the
  taxes are marked as included; otherwise amounts are net and the taxes are
  added on top. The legacy API has no such flag: its amounts are net.
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
* Refunds change the status only: the amounts are the order's as placed, and
  WooCommerce's ``total`` does not change when a refund is made.
* Line ``meta_data`` (legacy ``meta``) whose key starts with ``_`` is private
  and skipped; on a variation, attribute meta (``pa_color``, ``size``) names
  the variant, and any other meta (product add-ons) becomes line properties.
* What cannot be read but is not essential (a date, the status, a name or a
  label that is not text, an email that is no address, a product flag that is
  not true or false) is left out or replaced, with a line in ``Order.warnings``;
  the lines, their prices, the totals and the currency are essential, and a
  payload without them is refused, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

from ..exceptions import OrderValidationError
from ..models import Fulfillment, Order, validate_order
from ._common import (
    Node,
    Warnings,
    email_or_none,
    fail,
    humanize,
    not_an_envelope,
    not_an_order,
    parse_payload,
    property_value,
    read_datetime,
    shipping_kind,
    short_reference,
    soft_child,
    soft_flag,
    soft_text,
)

__all__ = ["PLATFORM", "to_order"]

PLATFORM = "WooCommerce"

#: The bodies :func:`to_order` takes, as its one-line refusal of any other names them.
ENVELOPES = (
    "a bare order",
    '{"data": {...}} (WordPress.com / Jetpack)',
    '{"order": {...}} (the legacy REST API)',
)

_ATTRIBUTE_KEY = re.compile(r"^[a-z0-9_-]+$")
_VARIANT_IN_NAME = " – "  # WooCommerce names a variation "Product – Color: Black"

#: ``status`` → Order.status (``processing`` paid offline is decided apart).
_STATUSES = {
    "pending": "pending",
    "on-hold": "pending",
    "processing": "paid",
    "completed": "paid",
    "cancelled": "cancelled",
    "trash": "cancelled",
    "refunded": "refunded",
    "failed": "failed",
    "partial-payment": "partially_paid",  # the Deposits extension's "Partially Paid"
}
#: Gateways paid outside WooCommerce, later: cash on delivery, a bank transfer, a cheque.
_OFFLINE_GATEWAYS = frozenset({"cod", "bacs", "cheque"})
#: Shipping method ids whose kind is certain, whatever their title says.
_PICKUP_METHODS = frozenset(
    {"local_pickup", "legacy_local_pickup", "pickup_location", "local_pickup_plus"}
)
_LOCAL_DELIVERY_METHODS = frozenset({"local_delivery", "legacy_local_delivery"})
#: Line meta of the Gift Cards extension: the recipients' emails of a gift card bought.
_GIFT_CARD_RECIPIENT = frozenset({"wc_gc_giftcard_to", "wc_gc_giftcard_to_multiple"})


def to_order(
    payload: Mapping[str, Any] | str | bytes,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map a WooCommerce order onto a validated :class:`~delightmail.models.Order`.

    :param payload: the order, bare, wrapped in ``{"data": ...}`` (the
        WordPress.com / Jetpack envelope) or in ``{"order": ...}`` (the legacy
        REST API), as a mapping or as JSON text.
    :param received_at: when the payload arrived; used only when the order
        carries no readable creation date (with a warning). Defaults to now.
    :param lenient: confirm the order even if its totals do not add up: the
        platform's own totals are shown and ``Order.discrepancy`` says what is off
        (what a webhook receiver does, rather than leave the order without an email).
    :raises OrderValidationError: the payload is not a WooCommerce order, or
        its totals do not reconcile (the message names the numbers).
    """
    data = parse_payload(payload, PLATFORM)
    order = _unwrap(data)
    if not isinstance(order.raw("line_items"), list):
        not_an_order(PLATFORM, order.at("line_items"), "no line_items list", data)
    if not order.has("total") or isinstance(order.raw("total"), Mapping):
        not_an_order(PLATFORM, order.at("total"), "no total amount", data)
    currency = order.require_text("currency")
    warnings = Warnings()
    legacy = _is_legacy(order)
    # Essential, since it changes every price shown. The legacy API has no such
    # flag: its amounts are net.
    gross = False if legacy else order.flag("prices_include_tax")

    lines, line_discounts = _lines(order, gross, currency, warnings)
    discounts = _coupons(order, gross, line_discounts, warnings)
    if discounts:
        for line in lines:
            line["discounts"] = []
    fee_lines, fee_discounts = _fees(order, gross, warnings)
    gift_cards = _gift_cards(order)
    shipping = _shipping(order, gross, warnings)
    shipping_address = _address(
        _first_child(order, "shipping", "shipping_address", warnings), warnings
    )
    _fulfil(order, lines, shipping, shipping_address, warnings)

    reported_total = order.require_decimal("total")
    status = _status(order, reported_total, warnings)
    due = reported_total if status == "pending" and reported_total > 0 else None
    return validate_order(
        {
            "number": _number(order, warnings),
            "placed_at": _placed_at(order, received_at, warnings),
            "currency": currency,
            "lines": lines + fee_lines,
            "discounts": discounts + fee_discounts,
            "shipping": shipping,
            "taxes": _taxes(order, warnings),
            "taxes_included": gross,
            "total": reported_total + sum(g["amount"] for g in gift_cards),
            "totals_as_given": lenient,
            "customer": _customer(order, warnings),
            "shipping_address": shipping_address,
            "billing_address": _address(
                _first_child(order, "billing", "billing_address", warnings), warnings
            ),
            "payment": _payment(order, gift_cards, due, warnings),
            "note": soft_text(order, "customer_note", warnings)
            or soft_text(order, "note", warnings),
            "status": status,
            "test": _is_test(order),
            "warnings": warnings,
        }
    )


# -- reading, with fallbacks ---------------------------------------------------


def _unwrap(data: Any) -> Node:
    """The order inside one of the :data:`ENVELOPES`; any other body is refused."""
    if isinstance(data, Mapping):
        if "line_items" in data:
            return Node(data, PLATFORM)
        for key in ("data", "order"):
            if isinstance(data.get(key), Mapping):
                return Node(data[key], PLATFORM, key)
    not_an_envelope(PLATFORM, data, ENVELOPES)


def _is_legacy(order: Node) -> bool:
    """Whether *order* has the legacy REST API's field names (``/wc-api/v3``)."""
    if order.has("billing") or order.has("date_created") or order.has("date_created_gmt"):
        return False
    return any(
        order.has(key)
        for key in ("order_number", "created_at", "billing_address", "payment_details")
    )


def _first_child(node: Node, key: str, legacy_key: str, warnings: Warnings) -> Node | None:
    """The object at *key* (REST v3's name), else at *legacy_key* (the legacy API's)."""
    return soft_child(node, key if node.has(key) else legacy_key, warnings)


def _number(order: Node, warnings: Warnings) -> str:
    for key in ("number", "order_number", "id"):
        number = soft_text(order, key, warnings)
        if number:
            return number
    order_key = soft_text(order, "order_key", warnings)
    if order_key:
        reference = short_reference(order_key.removeprefix("wc_order_"))
        warnings.add("number", f"missing, and no id; {reference} made from order_key")
        return reference
    fail(PLATFORM, order.at("number"), "missing (and no order_number, id nor order_key)")


def _placed_at(order: Node, received_at: datetime | None, warnings: Warnings) -> datetime:
    # date_created has no offset and the site's time zone is unknown: UTC is the
    # closest guess, and keeps the date rather than inventing one.
    for key in ("date_created_gmt", "date_created", "created_at"):
        moment = read_datetime(order, key, warnings, naive_is_utc=True)
        if moment is not None:
            return moment
    if received_at is not None:
        warnings.add(order.at("date_created"), "no readable date; the time received was used")
        return received_at
    warnings.add(order.at("date_created"), "no readable date; the time now was used")
    return datetime.now(UTC)


# -- status ------------------------------------------------------------------


def _status(order: Node, total: Decimal, warnings: Warnings) -> str:
    path = order.at("status")
    try:
        raw = order.text("status")
    except OrderValidationError as exc:
        warnings.add(path, f"{exc.problems[0].message}; read as paid")
        return "paid"
    if raw is None:
        warnings.add(path, "missing; read as paid")
        return "paid"
    key = raw.lower().removeprefix("wc-")
    if key == "checkout-draft":
        fail(
            PLATFORM,
            path,
            "'checkout-draft' is a checkout still in progress (the block checkout's draft), "
            "not a placed order",
        )
    status = _STATUSES.get(key)
    if status is None:
        warnings.add(path, f"{raw!r} is not a status WooCommerce defines; read as paid")
        status = "paid"
    elif key == "processing" and not _paid(order, warnings):
        status = "pending"  # cash on delivery, or a transfer or cheque still to come
    if status == "paid":
        refunded = _refunded(order, warnings)
        if refunded and total > 0:
            status = "refunded" if refunded >= total else "partially_refunded"
    return status


def _paid(order: Node, warnings: Warnings) -> bool:
    """Whether a ``processing`` order says it was paid: always, through an online
    gateway; paid offline (cash on delivery, a transfer, a cheque), only when a
    payment date (or the legacy ``paid``, or ``set_paid``) says so."""
    details = soft_child(order, "payment_details", warnings)
    gateway = soft_text(order, "payment_method", warnings) or soft_text(
        details, "method_id", warnings
    )
    if (gateway or "").lower() not in _OFFLINE_GATEWAYS:
        return True
    if soft_text(order, "date_paid_gmt", warnings) or soft_text(order, "date_paid", warnings):
        return True
    return bool(soft_flag(order, "set_paid", warnings) or soft_flag(details, "paid", warnings))


def _refunded(order: Node, warnings: Warnings) -> Decimal:
    """What the order's ``refunds`` gave back (WooCommerce writes each as a negative total)."""
    refunded = Decimal(0)
    try:
        refunds = order.children("refunds")
    except OrderValidationError as exc:
        warnings.add(order.at("refunds"), f"{exc.problems[0].message}; not used")
        return refunded
    for refund in refunds:
        try:
            amount = refund.decimal("total")
        except OrderValidationError as exc:
            warnings.add(refund.at("total"), f"{exc.problems[0].message}; not counted")
            continue
        refunded += abs(amount or Decimal(0))
    return refunded


def _is_test(order: Node) -> bool:
    """A test payment of WooPayments (order meta ``_wcpay_mode``); core has no test orders."""
    meta = order.raw("meta_data")
    if not isinstance(meta, list):
        return False
    return any(
        isinstance(item, Mapping)
        and item.get("key") == "_wcpay_mode"
        and str(item.get("value")).strip().lower() == "test"
        for item in meta
    )


# -- lines ---------------------------------------------------------------------


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


def _lines(
    order: Node, gross: bool, currency: str, warnings: Warnings
) -> tuple[list[dict[str, Any]], Decimal]:
    lines = []
    discounted = Decimal(0)
    coupon_codes = [
        c for node in order.children("coupon_lines") if (c := soft_text(node, "code", warnings))
    ]
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
        name, variant, properties = _describe(item, warnings)
        lines.append(
            {
                "name": name,
                "sku": soft_text(item, "sku", warnings),
                "variant": variant,
                "quantity": quantity,
                "unit_price": _unit_price(before, quantity, currency),
                "discounts": [
                    {"code": label, "title": None if label else "Discount", "amount": discount}
                ]
                if discount
                else [],
                "image_url": _image(item, warnings),
                "properties": properties,
                "fulfillment": _line_fulfillment(item, warnings),
            }
        )
    return lines, discounted


def _meta(item: Node) -> list[Node]:
    """A line's meta: ``meta_data`` (REST v3) or ``meta`` (legacy)."""
    return item.children("meta_data") or item.children("meta")


def _describe(item: Node, warnings: Warnings) -> tuple[str, str | None, list[dict[str, str]]]:
    """The line's product name, its variant and its properties."""
    name = item.text("name")
    if name is None:
        item.fail("name", "missing")
    is_variation = bool(item.decimal("variation_id"))
    variant_from_name = None
    if is_variation:
        parent = soft_text(item, "parent_name", warnings)
        if parent and name.startswith(parent) and name != parent:
            variant_from_name = name[len(parent) :].strip(" –-") or None
            name = parent
        elif _VARIANT_IN_NAME in name:
            name, variant_from_name = name.split(_VARIANT_IN_NAME, 1)
    legacy_meta = not item.children("meta_data")
    attributes: list[str] = []
    properties: list[dict[str, str]] = []
    for meta in _meta(item):
        key = soft_text(meta, "key", warnings) or ""
        label = (
            soft_text(meta, "display_key", warnings)
            or soft_text(meta, "label", warnings)
            or humanize(key.removeprefix("pa_"))
        )
        raw = meta.raw("display_value") if meta.has("display_value") else meta.raw("value")
        value = property_value(raw)
        if not label or not value or key.startswith("_"):
            continue
        # The legacy API names no variation_id: its pa_ meta is the variant.
        if (is_variation and _ATTRIBUTE_KEY.match(key)) or (legacy_meta and key.startswith("pa_")):
            attributes.append(value)
        else:
            properties.append({"name": label, "value": value})
    variant = variant_from_name or (" / ".join(attributes) or None)
    return name, variant, properties


def _image(item: Node, warnings: Warnings) -> str | None:
    image = item.child("image") if isinstance(item.raw("image"), Mapping) else None
    src = soft_text(image, "src", warnings)
    return src if src and src.startswith(("http://", "https://")) else None


# -- what ships ----------------------------------------------------------------


def _line_fulfillment(item: Node, warnings: Warnings) -> Fulfillment | None:
    """What the line says of itself (or its product, as some plugins add it); ``None``
    when it says nothing."""
    virtual = downloadable = None
    for node in (item, _product(item)):
        if node is None:
            continue
        for key in ("virtual", "is_virtual"):
            virtual = soft_flag(node, key, warnings) if virtual is None else virtual
        for key in ("downloadable", "is_downloadable"):
            downloadable = soft_flag(node, key, warnings) if downloadable is None else downloadable
    if virtual is None and downloadable is None:
        keys = {key for meta in _meta(item) if isinstance(key := meta.raw("key"), str)}
        return "digital" if keys & _GIFT_CARD_RECIPIENT else None
    if virtual is False:
        return "physical"  # it ships (a download may come with it)
    if downloadable:
        return "digital"
    return "service" if virtual else None


def _product(item: Node) -> Node | None:
    for key in ("product", "product_data"):
        if isinstance(item.raw(key), Mapping):
            return item.child(key)
    return None


def _fulfil(
    order: Node,
    lines: list[dict[str, Any]],
    shipping: dict[str, Any] | None,
    shipping_address: dict[str, Any] | None,
    warnings: Warnings,
) -> None:
    """Give every line that says nothing of itself what the order says of them all."""
    if all(line["fulfillment"] is not None for line in lines):
        return
    fallback: Fulfillment
    if shipping is not None:
        fallback = "physical"  # shipping (or a pick-up) is offered only for what needs it
    elif soft_flag(order, "needs_processing", warnings) is False:
        fallback = "digital"  # WooCommerce: every line is virtual and downloadable
    elif shipping_address is not None:
        fallback = "physical"
    else:
        fallback = "service"  # nothing ships; a download or a service, WooCommerce cannot say
    for line in lines:
        if line["fulfillment"] is None:
            line["fulfillment"] = fallback


# -- coupons, fees, shipping, taxes ------------------------------------------------


def _coupons(
    order: Node, gross: bool, line_discounts: Decimal, warnings: Warnings
) -> list[dict[str, Any]]:
    """Coupons as order-level discounts, when they account for what the lines lost."""
    coupons: list[dict[str, Any]] = []
    for coupon in order.children("coupon_lines"):
        key = "discount" if coupon.has("discount") else "amount"  # legacy: amount
        amount = _amount(coupon, key, "discount_tax", gross)
        if amount:
            coupons.append({"code": soft_text(coupon, "code", warnings), "amount": amount})
    if coupons and sum(c["amount"] for c in coupons) == line_discounts:
        return coupons
    return []


def _fees(
    order: Node, gross: bool, warnings: Warnings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines, discounts = [], []
    for fee in order.children("fee_lines"):
        amount = _amount(fee, "total", "total_tax", gross)
        if amount is None:
            fee.fail("total", "missing")
        name = soft_text(fee, "name", warnings) or soft_text(fee, "title", warnings) or "Fee"
        if amount > 0:
            lines.append({"name": name, "kind": "fee", "quantity": 1, "unit_price": amount})
        elif amount < 0:
            discounts.append({"title": name, "amount": -amount})
    return lines, discounts


def _shipping(order: Node, gross: bool, warnings: Warnings) -> dict[str, Any] | None:
    titles: list[str] = []
    kinds: list[str] = []
    location: dict[str, Any] | None = None
    amount = Decimal(0)
    shipping_lines = order.children("shipping_lines")
    for line in shipping_lines:
        method_id = (soft_text(line, "method_id", warnings) or "").split(":", 1)[0].lower()
        title = soft_text(line, "method_title", warnings) or humanize(method_id)
        if title and title not in titles:
            titles.append(title)
        if method_id in _PICKUP_METHODS:
            kind = "pickup"
            location = location or _pickup_location(line, warnings)
        elif method_id in _LOCAL_DELIVERY_METHODS:
            kind = "local_delivery"
        else:
            kind = shipping_kind(title)
        if kind not in kinds:
            kinds.append(kind)
        line_amount = _amount(line, "total", "total_tax", gross)
        if line_amount is None:
            line.fail("total", "missing")
        amount += line_amount
    if not shipping_lines:
        key = "shipping_total" if order.has("shipping_total") else "total_shipping"
        total = _amount(order, key, "shipping_tax", gross)
        # The legacy API's text list of the methods used, the only name it gives them.
        named = soft_text(order, "shipping_methods", warnings)
        if not total and not named:
            return None
        return {"method": named, "amount": total or 0, "kind": shipping_kind(named)}
    if len(kinds) == 1:
        kind = kinds[0]
    else:  # packages sent differently: the order ships, and says how the most of it goes
        kind = "standard" if "standard" in kinds else next(k for k in kinds if k != "pickup")
    shipping: dict[str, Any] = {"method": " + ".join(titles) or None, "amount": amount}
    shipping["kind"] = kind
    if kind == "pickup":
        shipping["location"] = location
        if shipping["method"] is None and location is None:
            shipping["method"] = "Local pickup"  # WooCommerce's own name for the method
    return shipping


def _pickup_location(line: Node, warnings: Warnings) -> dict[str, Any] | None:
    """Where a pick-up is collected, from the block checkout's shipping line meta."""
    found: dict[str, str] = {}
    for meta in line.children("meta_data"):
        key = (soft_text(meta, "key", warnings) or "").lower().replace(" ", "_")
        value = property_value(meta.raw("value"))
        if key in ("pickup_location", "pickup_address") and value:
            found[key] = value
    if not found:
        return None
    return {"name": found.get("pickup_location"), "address1": found.get("pickup_address")}


def _taxes(order: Node, warnings: Warnings) -> list[dict[str, Any]]:
    taxes = []
    for line in order.children("tax_lines"):
        if line.has("tax_total") or line.has("shipping_tax_total"):
            amount = (line.decimal("tax_total") or Decimal(0)) + (
                line.decimal("shipping_tax_total") or Decimal(0)
            )
        else:  # legacy: one total, cart and shipping tax together
            amount = line.decimal("total") or Decimal(0)
        percent = line.decimal("rate_percent")
        if amount:
            taxes.append(
                {
                    "title": soft_text(line, "label", warnings)
                    or soft_text(line, "title", warnings)
                    or soft_text(line, "rate_code", warnings)
                    or soft_text(line, "code", warnings)
                    or "Tax",
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


# -- people and payment ----------------------------------------------------------


def _customer(order: Node, warnings: Warnings) -> dict[str, Any]:
    billing = _first_child(order, "billing", "billing_address", warnings)
    shipping = _first_child(order, "shipping", "shipping_address", warnings)
    legacy_customer = soft_child(order, "customer", warnings)
    first = soft_text(billing, "first_name", warnings)
    last = soft_text(billing, "last_name", warnings)
    shipping_first = soft_text(shipping, "first_name", warnings)
    shipping_last = soft_text(shipping, "last_name", warnings)
    if not first and not last:
        first, last = shipping_first, shipping_last
    elif not first and last == shipping_last:
        first = shipping_first  # the same person, whose billing first name was unreadable
    if not first and not last:
        first = soft_text(legacy_customer, "first_name", warnings)
        last = soft_text(legacy_customer, "last_name", warnings)
    email = _email(billing, warnings) or _email(legacy_customer, warnings)
    return {"first_name": first, "last_name": last, "email": email}


def _email(node: Node | None, warnings: Warnings) -> str | None:
    """An email address, or ``None`` (with a warning) when it is not one."""
    if node is None:
        return None
    return email_or_none(soft_text(node, "email", warnings), node.at("email"), warnings)


def _address(node: Node | None, warnings: Warnings) -> dict[str, Any] | None:
    if node is None:
        return None
    country = soft_text(node, "country", warnings)
    is_code = bool(country and len(country) == 2 and country.isalpha())
    name = " ".join(
        part
        for part in (
            soft_text(node, "first_name", warnings),
            soft_text(node, "last_name", warnings),
        )
        if part
    )
    address: dict[str, Any] = {
        "name": name or None,
        "company": soft_text(node, "company", warnings),
        "address1": soft_text(node, "address_1", warnings),
        "address2": soft_text(node, "address_2", warnings),
        "city": soft_text(node, "city", warnings),
        "region": soft_text(node, "state", warnings),
        "postal_code": soft_text(node, "postcode", warnings),
        "country_code": country.upper() if country and is_code else None,
        "country": None if is_code else country,
        "phone": soft_text(node, "phone", warnings),
    }
    if not any(address[key] for key in ("name", "address1", "city", "postal_code")):
        return None
    return address


def _payment(
    order: Node, gift_cards: list[dict[str, Any]], due: Decimal | None, warnings: Warnings
) -> dict[str, Any] | None:
    details = soft_child(order, "payment_details", warnings)
    method = (
        soft_text(order, "payment_method_title", warnings)
        or humanize(soft_text(order, "payment_method", warnings))
        or soft_text(details, "method_title", warnings)
        or humanize(soft_text(details, "method_id", warnings))
    )
    if not method and not gift_cards and due is None:
        return None
    return {"method": method, "gift_cards": gift_cards, "due": due}
