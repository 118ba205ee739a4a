"""Shopify: a REST Admin order, or the body of an ``orders/create`` webhook.

>>> from delightmail.adapters import shopify
>>> order = shopify.to_order(json.loads(body, parse_float=Decimal))  # doctest: +SKIP

The bodies read are a bare order (the webhook's), ``{"order": {...}}`` (REST
``GET /orders/{id}.json``) and ``{"orders": [one order]}`` (a REST list of
exactly one; a list of several is refused, naming how many). Anything else is
refused on one line naming what it is and what is accepted. A **draft order**
(``{"draft_order": ...}``, or a bare draft: ``status`` ``open``,
``invoice_sent`` or ``completed``) is refused too: an open one is not an order
yet, and a completed one is confirmed from the order Shopify creates for it
(its own ``orders/create``), which carries the customer's order number the
draft does not have.

How Shopify's order maps onto :class:`~delightmail.models.Order`:

* The number is ``name`` as written, without its leading ``#`` (``#1001`` →
  ``1001``, ``#EU-1001`` → ``EU-1001``), else ``order_number``, else a short
  reference made from ``id`` (with a warning): ``id`` is internal, and so is
  ``number``, which is never used.
* The date is ``processed_at``, else ``created_at``; a date that cannot be
  read is a warning and the next one is used, then the time received.
* The status: ``cancelled_at`` or ``cancel_reason`` make it ``cancelled``,
  whatever was paid. Otherwise ``financial_status``: ``pending``,
  ``partially_paid``, ``paid``, ``partially_refunded``, ``refunded`` and
  ``voided`` as they are; ``authorized`` is ``paid`` (the money is held for
  the shop); ``expired`` (an authorisation not captured in time, so released)
  is ``voided``. Without a ``financial_status``, a manual gateway that is paid
  later (``Bank Deposit``, ``Money Order``, ``Cash on Delivery (COD)``) makes
  it ``pending``, anything else ``paid``; an unknown value is ``paid`` with a
  warning. ``test`` is :attr:`~delightmail.models.Order.test`.
* What is still to pay (``payment.due``) is ``total_outstanding`` (in
  presentment money, ``total_outstanding_set``) when it is more than zero and
  the order is ``pending`` or ``partially_paid``: on an authorised order it is
  the held money, not the customer's to pay, and on an order Shopify calls
  paid it is contradicted (a warning). ``payment_terms`` then give
  ``payment.instructions``: ``payment_terms_name`` and the first open
  ``payment_schedules[].due_at`` (``Net 30, due 31 December 2026``), or
  ``due_in_days``.
* Each line says how it reaches the customer: ``requires_shipping`` true is
  ``physical`` (a gift card too: a plastic card posted); false is ``digital``
  for a gift card (``gift_card``, or ``fulfillment_service`` ``gift_card``)
  and ``service`` otherwise (Shopify says only that it does not ship); absent,
  a gift card is ``digital`` and any other line unknown. Tips, duties and fees
  are charges, with no fulfillment.
* Shipping is the ``shipping_lines`` not ``is_removed``; their titles (else
  codes) are the method, and none is invented: no shipping line means no
  shipping (an order of goods that ship then tells no method, never that it is
  digital). The kind comes from Shopify's own fields before the title: a
  ``delivery_method.method_type`` of the order's ``fulfillment_orders`` or
  ``fulfillments`` (``pick_up``, ``local``, ``shipping``), the line's
  ``delivery_category``, Shopify's own local delivery (``source`` ``shopify``,
  ``code`` ``Local Delivery``) and local pickup (``source`` ``shopify``, the
  location's name as both ``code`` and ``title``, free, no carrier, and the
  order's ``shipping_address`` null); only then a guess from the title
  (``express``, ``pick up``...).
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
* What cannot be read but is not needed to tell the order true (a date, a
  status, a name, a note, an address field, a URL, an email that is no
  address, payment terms) is left out and said in
  :attr:`~delightmail.models.Order.warnings`; the lines, prices, totals and
  currency still reject the order, naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from ..exceptions import OrderValidationError
from ..models import Order, WebUrl, validate_order
from ._common import (
    Node,
    Warnings,
    email_or_none,
    fail,
    humanize,
    last4,
    locale_or_none,
    not_an_envelope,
    not_an_order,
    parse_payload,
    property_value,
    read_datetime,
    shipping_kind,
    short_reference,
    soft,
    soft_flag,
)

__all__ = ["PLATFORM", "to_order"]

PLATFORM = "Shopify"

#: The bodies :func:`to_order` reads, as its refusal names them.
ENVELOPES = ("a bare order", '{"order": {…}}', '{"orders": [one order]}')

# Shopify's names for payment gateways, in words a customer knows (by lower case).
_GATEWAYS = {
    "shopify_payments": "Credit card",
    "paypal": "PayPal",
    "gift_card": "Gift card",
    "manual": "Manual payment",
    "cash": "Cash",
    "bogus": "Test gateway",
    "bank deposit": "Bank deposit",
    "money order": "Money order",
    "cash on delivery (cod)": "Cash on delivery",
}
# Manual payment methods whose money comes after the order is placed.
_PAID_LATER = frozenset({"bank deposit", "money order", "cash on delivery (cod)"})
_LINE_TARGETED = frozenset({"entitled", "explicit"})
_REGION_AS_CODE = frozenset({"US", "CA", "AU"})

# financial_status → Order.status (see the module's docstring).
_FINANCIAL_STATUSES = {
    "pending": "pending",
    "authorized": "paid",
    "partially_paid": "partially_paid",
    "paid": "paid",
    "partially_refunded": "partially_refunded",
    "refunded": "refunded",
    "voided": "voided",
    "expired": "voided",
}
_DUE_STATUSES = frozenset({"pending", "partially_paid"})
# A draft order's status; an order has none (it has financial and fulfillment statuses).
_DRAFT_STATUSES = frozenset({"open", "invoice_sent", "completed"})
# Keys only an order has, enough to take a body as a bare order.
_ORDER_KEYS = ("line_items", "total_price", "total_price_set", "financial_status", "order_number")
# delivery_method.method_type of a fulfillment (order) → a shipping kind; "shipping"
# and "pickup_point" travel by carrier: the title may still say express.
_METHOD_TYPES = {"pick_up": "pickup", "local": "local_delivery", "shipping": "standard"}
_CARRIED = frozenset({"shipping", "pickup_point"})

# The longest text the model takes in one field (its str_max_length).
_LONGEST_TEXT = 5000
# The most properties a line may show (LineItem.properties' max_length).
_MOST_PROPERTIES = 100

# The dates an order may be placed on (as the model takes them).
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)

_T = TypeVar("_T")


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
    payload: Mapping[str, Any] | list[Any] | str | bytes,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map a Shopify order onto a validated :class:`~delightmail.models.Order`.

    :param payload: the order, bare, wrapped in ``{"order": ...}`` or alone in
        ``{"orders": [...]}``, as a mapping (ideally parsed with
        ``parse_float=Decimal``) or as JSON text.
    :param received_at: when the webhook arrived; used only when the order
        carries no readable ``processed_at`` or ``created_at``. Defaults to now.
    :param lenient: confirm the order even if its totals do not add up: the
        platform's own totals are shown and ``Order.discrepancy`` says what is off
        (what a webhook receiver does, rather than leave the order without an email).
    :raises OrderValidationError: the payload is not a Shopify order (a draft
        order, another platform's body), or its lines, prices or totals cannot be
        read or do not reconcile (the message names the field or the numbers).
    """
    data = parse_payload(payload, PLATFORM)
    order = _unwrap(data)
    if not isinstance(order.raw("line_items"), list):
        not_an_order(PLATFORM, order.at("line_items"), "no line_items list", data)
    if not order.has("total_price") and not order.has("total_price_set"):
        not_an_order(PLATFORM, order.at("total_price"), "no total_price", data)

    warnings = Warnings()
    shop_currency = order.text("currency")
    currency = order.text("presentment_currency") or shop_currency
    if currency is None:
        order.fail("currency", "missing")
    money = _Money(currency.upper(), (shop_currency or currency).upper())

    applications = order.children("discount_applications")
    lines, order_discounts = _lines(order, money, applications, warnings)
    lines.extend(_surcharges(order, money))
    shipping, shipping_discounts = _shipping(order, money, applications, warnings)
    if order.has("discount_applications"):
        discounts = _merge(order_discounts, shipping_discounts, applications, _codes(order))
    else:
        discounts = [
            {"code": soft(warnings, code.text, "code"), "amount": amount}
            for code in order.children("discount_codes")
            if (amount := money.read(code, "amount"))
        ]

    status = _status(order, warnings)
    total = money.require(order, "total_price")
    return validate_order(
        {
            "number": _number(order, warnings),
            "placed_at": _placed_at(order, received_at, warnings),
            "currency": money.currency,
            "lines": lines,
            "discounts": discounts,
            "shipping": shipping,
            "taxes": _taxes(order, money, warnings),
            "taxes_included": order.flag("taxes_included"),
            "total": total,
            "totals_as_given": lenient,
            "customer": _customer(order, warnings),
            "shipping_address": _address(soft(warnings, order.child, "shipping_address"), warnings),
            "billing_address": _address(soft(warnings, order.child, "billing_address"), warnings),
            "payment": _payment(order, money, status, total, warnings),
            "status_url": _url(order, "order_status_url", warnings),
            "note": _note(order, warnings),
            "locale": locale_or_none(soft(warnings, order.text, "customer_locale")),
            "status": status,
            "test": soft_flag(order, "test", warnings) or False,
            "warnings": warnings,
        }
    )


# -- the envelope ------------------------------------------------------------


def _unwrap(data: Any) -> Node:
    """The order inside one of the bodies Shopify sends (:data:`ENVELOPES`)."""
    if not isinstance(data, Mapping):
        # As not_an_envelope says it, and saying that a body must be a JSON object.
        seen = f"a list of {len(data)}" if isinstance(data, list) else type(data).__name__
        fail(
            PLATFORM,
            "",
            f"got {seen}, expected a JSON object: {' or '.join(ENVELOPES)}",
        )
    root = Node(data, PLATFORM)
    if isinstance(data.get("draft_order"), Mapping):
        _refuse_draft(data["draft_order"], "draft_order")
    if "order" in data:
        inner = data["order"]
        if not isinstance(inner, Mapping):
            not_an_envelope(PLATFORM, data, ENVELOPES)
        if _is_draft(inner):
            _refuse_draft(inner, "order")
        return Node(inner, PLATFORM, "order")
    if "orders" in data:
        orders = data["orders"]
        if not isinstance(orders, list):
            not_an_envelope(PLATFORM, data, ENVELOPES)
        if len(orders) != 1:
            fail(
                PLATFORM,
                "orders",
                f"expected one order, got a list of {len(orders)}; "
                "confirm each order of the list on its own",
            )
        if not isinstance(orders[0], Mapping):
            fail(PLATFORM, "orders[0]", f"expected an order object, got {type(orders[0]).__name__}")
        if _is_draft(orders[0]):
            _refuse_draft(orders[0], "orders[0]")
        return Node(orders[0], PLATFORM, "orders[0]")
    if _is_draft(data):
        _refuse_draft(data, "")
    if any(key in data for key in _ORDER_KEYS):
        return root
    not_an_envelope(PLATFORM, data, ENVELOPES)


def _is_draft(body: Mapping[str, Any]) -> bool:
    status = body.get("status")
    return (
        isinstance(status, str)
        and status.strip().lower() in _DRAFT_STATUSES
        and "financial_status" not in body
        and ("invoice_url" in body or "line_items" in body)
    )


def _refuse_draft(draft: Mapping[str, Any], path: str) -> NoReturn:
    name = draft.get("name")
    shown = f"{name} " if isinstance(name, str | int) and len(str(name)) <= 40 else ""
    status = str(draft.get("status") or "").strip().lower()
    if status == "completed":
        message = (
            f"not a Shopify order: draft order {shown}(completed) is confirmed from the "
            "order Shopify created for it (its orders/create webhook), which has the "
            "customer's order number"
        )
    else:
        shown_status = status if status in _DRAFT_STATUSES else "open"
        message = (
            f"not a Shopify order: draft order {shown}(status {shown_status}) is not an "
            "order yet; confirm the order Shopify creates when the draft is completed"
        )
    fail(PLATFORM, path, message)


# -- reading what is not essential -------------------------------------------


def _url(node: Node, key: str, warnings: Warnings) -> str | None:
    text = soft(warnings, node.text, key)
    if text is None:
        return None
    try:
        return WebUrl.parse(text)
    except ValueError as exc:
        warnings.add(node.at(key), f"{exc}; not used")
        return None


def _number(order: Node, warnings: Warnings) -> str:
    name = _printable(soft(warnings, order.text, "name")).lstrip("#").strip()
    if _visible(name):
        return name
    number = _printable(soft(warnings, order.text, "order_number"))
    if _visible(number):
        return number
    for key in ("id", "admin_graphql_api_id"):
        internal = soft(warnings, order.text, key)
        if internal:
            reference = short_reference(internal)
            warnings.add(
                order.at("name"),
                f"missing, and no order_number; the number shown, {reference}, is made from {key}",
            )
            return reference
    order.fail("name", "missing; the order has no name, order_number or id")


def _printable(text: str | None) -> str:
    """*text* without the characters a reader cannot see (controls), as the model keeps it."""
    return "".join(char for char in text or "" if char.isprintable()).strip()


def _visible(text: str) -> bool:
    """Whether *text* shows something (not only spaces)."""
    return any(not char.isspace() for char in text)


def _note(order: Node, warnings: Warnings) -> str | None:
    note = soft(warnings, order.text, "note")
    if note is not None and len(note) > _LONGEST_TEXT:
        warnings.add(
            order.at("note"), f"{len(note):,} characters, more than an email shows; not used"
        )
        return None
    return note


def _placed_at(order: Node, received_at: datetime | None, warnings: Warnings) -> datetime:
    for key in ("processed_at", "created_at"):
        moment = read_datetime(order, key, warnings)
        if moment is not None and _EARLIEST <= moment <= _LATEST:
            return moment
        if moment is not None:
            warnings.add(order.at(key), f"{moment.isoformat()} is no date an order has; not used")
    fallback = received_at or datetime.now(UTC)
    warnings.add(
        order.at("processed_at"),
        "no readable processed_at or created_at; dated when the order was received",
    )
    return fallback


# -- status and payment ------------------------------------------------------


def _status(order: Node, warnings: Warnings) -> str:
    if any(order.raw(key) not in (None, "", False) for key in ("cancelled_at", "cancel_reason")):
        return "cancelled"
    value = soft(warnings, order.text, "financial_status")
    if value is None:
        if any(gateway.lower() in _PAID_LATER for gateway in _gateway_names(order, warnings)):
            return "pending"
        return "paid"
    status = _FINANCIAL_STATUSES.get(value.strip().lower())
    if status is None:
        shown = value if len(value) <= 40 else value[:37] + "..."
        warnings.add(order.at("financial_status"), f"unknown value {shown!r}; read as paid")
        return "paid"
    return status


def _due(
    order: Node, money: _Money, status: str, total: Decimal, warnings: Warnings
) -> Decimal | None:
    outstanding = soft(warnings, money.read, order, "total_outstanding")
    if outstanding is None or outstanding <= 0:
        return None
    if status not in _DUE_STATUSES:
        if (soft(warnings, order.text, "financial_status") or "").lower() == "paid":
            warnings.add(
                order.at("total_outstanding"),
                f"{outstanding} on an order Shopify says is paid; not shown as due",
            )
        return None
    if outstanding > total:
        warnings.add(
            order.at("total_outstanding"),
            f"{outstanding} is more than the total {total}; not shown as due",
        )
        return None
    return outstanding


def _instructions(order: Node, status: str, warnings: Warnings) -> str | None:
    """Payment terms as a sentence: ``Net 30, due 31 December 2026``."""
    if status not in _DUE_STATUSES:
        return None
    terms = soft(warnings, order.child, "payment_terms")
    if terms is None:
        return None
    name = _terms_name(soft(warnings, terms.text, "payment_terms_name"))
    due_at = None
    for schedule in soft(warnings, terms.children, "payment_schedules") or []:
        # Shopify's own example writes a schedule not yet paid as "completed_at": "null".
        if schedule.raw("completed_at") not in (None, "", "null"):
            continue
        due_at = read_datetime(schedule, "due_at", warnings)
        if due_at is not None:
            break
    if due_at is not None:
        due = f"due {due_at.day} {due_at:%B %Y}"
        return f"{name}, {due}" if name else due[:1].upper() + due[1:]
    days = soft(warnings, terms.decimal, "due_in_days")
    if name:
        return name
    if days is not None and days > 0 and days == days.to_integral_value():
        return f"Due within {int(days)} days"
    return None


def _terms_name(name: str | None) -> str | None:
    """A terms template's name as words: ``NET_30`` (as the REST example has it) → ``Net 30``."""
    if name and "_" in name and name.upper() == name:
        return humanize(name.lower())
    return name


def _gateway_names(order: Node, warnings: Warnings) -> list[str]:
    gateways = order.raw("payment_gateway_names")
    names = [g for g in gateways if isinstance(g, str) and g] if isinstance(gateways, list) else []
    if not names:
        gateway = soft(warnings, order.text, "gateway")
        if gateway:
            names = [gateway]
    return names


def _payment(
    order: Node, money: _Money, status: str, total: Decimal, warnings: Warnings
) -> dict[str, Any] | None:
    names = _gateway_names(order, warnings)
    paid_by = [g for g in names if g != "gift_card"] or names
    method = _GATEWAYS.get(paid_by[0].lower(), humanize(paid_by[0])) if paid_by else None

    details = soft(warnings, order.child, "payment_details")
    brand = soft(warnings, details.text, "credit_card_company") if details else None
    digits = last4(soft(warnings, details.text, "credit_card_number")) if details else None

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

    due = _due(order, money, status, total, warnings)
    instructions = _instructions(order, status, warnings)
    if not any((method, brand, digits, gift_cards, due, instructions)):
        return None
    return {
        "method": method,
        "card_brand": brand,
        "card_last4": digits,
        "gift_cards": gift_cards,
        "due": due,
        "instructions": instructions,
    }


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


# -- discounts ---------------------------------------------------------------


def _codes(order: Node) -> frozenset[str]:
    return frozenset(
        c
        for node in order.children("discount_codes")
        if isinstance(c := node.raw("code"), str) and c
    )


def _application_label(
    applications: list[Node], index: int | None, codes: frozenset[str] = frozenset()
) -> dict[str, str | None]:
    if index is None or not 0 <= index < len(applications):
        return {"code": None, "title": "Discount"}
    app = applications[index]
    title = _text_or_none(app, "title") or _text_or_none(app, "description")
    # A manual application of a code names the code only in its title.
    code = _text_or_none(app, "code") or (title if title in codes else None)
    return {"code": code, "title": None if title == code else title}


def _text_or_none(node: Node, key: str) -> str | None:
    """A label: ``None`` when it is not text (the label then falls back to "Discount")."""
    try:
        return node.text(key)
    except OrderValidationError:
        return None


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
            and app.raw("target_type") == "line_item"
            and isinstance(selection := app.raw("target_selection"), str)
            and selection in _LINE_TARGETED
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


# -- lines -------------------------------------------------------------------


def _lines(
    order: Node, money: _Money, applications: list[Node], warnings: Warnings
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
        variant = soft(warnings, item.text, "variant_title")
        gift_card = _is_gift_card(item, warnings)
        lines.append(
            {
                "name": name,
                "sku": soft(warnings, item.text, "sku"),
                "variant": None if variant == "Default Title" else variant,
                "kind": "gift card" if gift_card else None,
                "quantity": quantity,
                "unit_price": unit_price,
                "discounts": discounts,
                "properties": _properties(item, warnings),
                "fulfillment": _fulfillment(item, gift_card, warnings),
            }
        )
    return lines, order_level


def _is_gift_card(item: Node, warnings: Warnings) -> bool:
    return (
        bool(soft_flag(item, "gift_card", warnings))
        or item.raw("fulfillment_service") == "gift_card"
    )


def _fulfillment(item: Node, gift_card: bool, warnings: Warnings) -> str | None:
    """How the line reaches the customer, from ``requires_shipping`` and ``gift_card``."""
    ships = soft_flag(item, "requires_shipping", warnings)
    if ships:
        return "physical"  # a gift card too: a card in the post
    if gift_card:
        return "digital"
    if ships is False:
        return "service"  # Shopify says only that it does not ship
    return None


def _properties(item: Node, warnings: Warnings) -> list[dict[str, str]]:
    properties = []
    for prop in soft(warnings, item.children, "properties") or []:
        name = soft(warnings, prop.text, "name")
        value = property_value(prop.raw("value"))
        # Names starting with "_" are private to the shop's theme and apps.
        if name and value and not name.startswith("_"):
            properties.append({"name": name, "value": value})
    if len(properties) > _MOST_PROPERTIES:
        warnings.add(
            item.at("properties"),
            f"{len(properties)} properties; the first {_MOST_PROPERTIES} are shown",
        )
        del properties[_MOST_PROPERTIES:]
    return properties


def _surcharges(order: Node, money: _Money) -> list[dict[str, Any]]:
    """Tips, duties and additional fees: charged on the order, so extra lines.

    They are charges, not things sent: their fulfillment stays unknown."""
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


# -- shipping ----------------------------------------------------------------


def _shipping(
    order: Node, money: _Money, applications: list[Node], warnings: Warnings
) -> tuple[dict[str, Any] | None, dict[int | None, Decimal]]:
    titles: list[str] = []
    amount = Decimal(0)
    discounts: dict[int | None, Decimal] = {}
    shipping_lines = [
        s for s in order.children("shipping_lines") if not soft_flag(s, "is_removed", warnings)
    ]
    for line in shipping_lines:
        title = soft(warnings, line.text, "title") or soft(warnings, line.text, "code")
        if title and title not in titles:
            titles.append(title)
        amount += money.require(line, "price")
        _, shared = _allocations(line, money, applications, is_line=False)
        for index, value in shared.items():
            discounts[index] = discounts.get(index, Decimal(0)) + value
    if not shipping_lines:
        return None, discounts
    method = " + ".join(titles) or None
    kind = _shipping_kind(order, shipping_lines[0], method, warnings)
    if kind == "pickup" and method is None:
        kind = "standard"  # a pick-up must say where; with no name it is told as unnamed
    return {"method": method, "amount": amount, "kind": kind}, discounts


def _shipping_kind(order: Node, line: Node, method: str | None, warnings: Warnings) -> str:
    """The kind of shipping from Shopify's own fields first, from its title last."""
    method_type = _delivery_method_type(order, warnings)
    if method_type in _METHOD_TYPES and method_type not in _CARRIED:
        return _METHOD_TYPES[method_type]
    carried = method_type in _CARRIED
    category = (soft(warnings, line.text, "delivery_category") or "").lower()
    if not carried and category:
        if "pick" in category:
            return "pickup"
        if "local" in category:
            return "local_delivery"
        carried = "ship" in category
    source = (soft(warnings, line.text, "source") or "").lower()
    code = soft(warnings, line.text, "code")
    title = soft(warnings, line.text, "title")
    if not carried and source == "shopify" and code:
        if code.lower() == "local delivery":
            return "local_delivery"
        if code.lower() in ("local pickup", "pickup", "pick up", "pick-up"):
            return "pickup"
        if (
            code == title
            and "shipping_address" in order.data
            and soft(warnings, order.child, "shipping_address") is None
            and not line.has("carrier_identifier")
            and soft(warnings, line.decimal, "price") == 0
        ):
            return "pickup"  # Shopify's local pickup: the location's name, nowhere to ship
    guess = shipping_kind(method)
    if carried and guess in ("pickup", "local_delivery"):
        return "standard"
    return guess


def _delivery_method_type(order: Node, warnings: Warnings) -> str | None:
    """The ``delivery_method.method_type`` the order's fulfillment orders (or fulfillments)
    agree on, when the payload carries them (a webhook's body does not)."""
    types: set[str] = set()
    for key in ("fulfillment_orders", "fulfillments"):
        for node in soft(warnings, order.children, key) or []:
            method = soft(warnings, node.child, "delivery_method")
            value = soft(warnings, method.text, "method_type") if method else None
            if value:
                types.add(value.strip().lower())
        if types:
            break
    return types.pop() if len(types) == 1 else None


def _taxes(order: Node, money: _Money, warnings: Warnings) -> list[dict[str, Any]]:
    taxes = []
    for line in order.children("tax_lines"):
        amount = money.require(line, "price")
        if amount:
            taxes.append(
                {
                    "title": soft(warnings, line.text, "title") or "Tax",
                    "rate": soft(warnings, line.decimal, "rate"),
                    "amount": amount,
                }
            )
    if not taxes:
        total_tax = money.read(order, "total_tax")
        if total_tax:
            taxes.append({"title": "Tax", "amount": total_tax})
    return taxes


# -- people and places -------------------------------------------------------


def _customer(order: Node, warnings: Warnings) -> dict[str, Any]:
    customer = soft(warnings, order.child, "customer")
    billing = soft(warnings, order.child, "billing_address")
    first = soft(warnings, customer.text, "first_name") if customer else None
    last = soft(warnings, customer.text, "last_name") if customer else None
    if not first and not last and billing is not None:
        first = soft(warnings, billing.text, "first_name")
        last = soft(warnings, billing.text, "last_name")
    email = None
    sources = [(order, "email"), (order, "contact_email")]
    if customer is not None:
        sources.append((customer, "email"))
    for node, key in sources:
        email = _email(node, key, warnings)
        if email:
            break
    orders_count = soft(warnings, customer.decimal, "orders_count") if customer else None
    previous = max(int(orders_count or 0) - 1, 0) if orders_count is not None else 0
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "previous_orders": min(previous, 1_000_000),
    }


def _email(node: Node, key: str, warnings: Warnings) -> str | None:
    return email_or_none(soft(warnings, node.text, key), node.at(key), warnings)


def _address(node: Node | None, warnings: Warnings) -> dict[str, Any] | None:
    if node is None:
        return None

    def text(key: str) -> str | None:
        return soft(warnings, node.text, key)

    country_code = text("country_code")
    if country_code and not (
        len(country_code) == 2 and country_code.isascii() and country_code.isalpha()
    ):
        warnings.add(node.at("country_code"), f"{country_code[:20]!r} is no country code; not used")
        country_code = None
    region = text("province")
    if country_code and country_code.upper() in _REGION_AS_CODE:
        region = text("province_code") or region
    name = text("name") or " ".join(
        part for part in (text("first_name"), text("last_name")) if part
    )
    address: dict[str, Any] = {
        "name": name or None,
        "company": text("company"),
        "address1": text("address1"),
        "address2": text("address2"),
        "city": text("city"),
        "region": region,
        "postal_code": text("zip"),
        "country_code": country_code,
        "country": text("country"),
        "phone": text("phone"),
    }
    if not any(address[key] for key in ("name", "address1", "city", "postal_code")):
        return None
    return address
