"""What a template sees: every name of a render's context, every filter and gettext
function, and the models behind them, described once.

This is the description the code is checked against: the tests hold
:meth:`~delightmail.rendering.Mailer.context` to :data:`CONTEXT` (every name
it makes is here, with a type its value has), :data:`~delightmail.filters.FILTERS`
to :data:`FILTER_EXAMPLES`, and the gettext functions to :data:`GLOBAL_EXAMPLES`.
The template reference (``delightmail templates --context``,
``docs/templates.md``) is generated from it by :mod:`delightmail.reference`,
with each example rendered from the example order, so that it cannot drift.

>>> [c.name for c in CONTEXT][:3]
['order', 'merchant', 'theme']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .colors import DarkTheme
from .models import (
    Address,
    Customer,
    Discount,
    GiftCardPayment,
    LineDiscount,
    LineItem,
    Merchant,
    Money,
    Order,
    Payment,
    Property,
    Shipping,
    Signer,
    TaxLine,
    Theme,
    Voice,
    WebUrl,
)
from .rendering import MAX_LINES_SHOWN
from .story import Story

__all__ = ["CONTEXT", "FILTER_EXAMPLES", "GLOBAL_EXAMPLES", "MODELS", "ContextName"]


@dataclass(frozen=True)
class ContextName:
    """One name every template can read.

    :param name: the name, as a template writes it (``order``).
    :param type: what its value is, as a Python type (``list[LineItem]``, ``str | None``).
    :param description: what it is for, in a sentence or two (Markdown code spans allowed).
    :param example: a Jinja expression that shows it, rendered for the example order.
    """

    name: str
    type: Any
    description: str
    example: str


#: Every name :meth:`Mailer.context() <delightmail.rendering.Mailer.context>` gives a
#: template, in the order the reference lists them. Names that start with ``_`` are
#: the renderer's own.
CONTEXT: tuple[ContextName, ...] = (
    ContextName(
        "order",
        Order,
        "The order, validated (see `Order`). Loop over `lines_shown`, not `order.lines`.",
        "order.number",
    ),
    ContextName(
        "merchant",
        Merchant,
        "The shop: its name, town, people, voice and theme (see `Merchant`). The same in "
        "every email of one mailer: what reads only the merchant is folded in when the "
        "template compiles.",
        "merchant.name",
    ),
    ContextName(
        "theme",
        Theme,
        "`merchant.theme`: the colours and the font; `theme.dark` the colours for dark mode, "
        "derived from them (see `DarkTheme`).",
        "theme.dark.brand",
    ),
    ContextName(
        "customer", Customer, "`order.customer`: who placed the order.", "customer.first_name"
    ),
    ContextName(
        "story",
        Story,
        "The story told about this order (see `Story`): greet with `story.name` when "
        "`story.has_name`, print each of `story.paragraphs`. In a language no story is told "
        "in (a catalog of yours), it has no paragraphs.",
        "story.opening",
    ),
    ContextName("subject", str, "The subject line (`story.subject`).", "subject"),
    ContextName(
        "preheader",
        str,
        "The inbox preview after the subject (`story.preheader`), for `<mj-preview>`; may be "
        "empty.",
        "preheader",
    ),
    ContextName(
        "tone",
        str,
        "How the story is told, `playful`, `warm` or `plain`: the order's tone, else the mailer's.",
        "tone",
    ),
    ContextName(
        "locale",
        str,
        "The customer's locale: the order's, else the mailer's. Money, numbers and dates in "
        "digits are formatted for it.",
        "locale",
    ),
    ContextName(
        "lang",
        str,
        "The language the words are in, its catalog's: `en` for a locale without one. For "
        "`<html lang>`; dates written in words are in it.",
        "lang",
    ),
    ContextName("dir", str, "`ltr` or `rtl`: the direction of `lang`'s script.", "dir"),
    ContextName(
        "start",
        str,
        "The side lines start on: `left`, or `right` when `dir` is `rtl`. For what email "
        'clients have no logical (start, end) form of: `align="{{ start }}"`, '
        "`text-align: {{ start }}`, `border-{{ start }}: 4px solid`.",
        "start",
    ),
    ContextName(
        "end",
        str,
        "The side lines end on: `right`, or `left` when `dir` is `rtl` (where amounts line up).",
        "end",
    ),
    ContextName(
        "catalog",
        str,
        "The key of the catalog the words come from: `en`, `de`, `de@formal`, or one that "
        "names catalogs of yours by their digest (`fr+3f2a…`).",
        "catalog",
    ),
    ContextName(
        "show_prices",
        bool,
        "False when the order hides its prices (`order.hide_prices`, a gift receipt): then "
        "print no amount at all.",
        "show_prices",
    ),
    ContextName(
        "lines_shown",
        list[LineItem],
        f"The lines to list: the first {MAX_LINES_SHOWN} of `order.lines`, which keeps the "
        "longest order under Gmail's clipping size.",
        "lines_shown | length",
    ),
    ContextName(
        "lines_hidden", int, "How many lines are not listed (0 for most orders).", "lines_hidden"
    ),
    ContextName(
        "whole_order_url",
        str | None,
        "Where the whole order is, when lines are hidden (`order.status_url`, else the shop's "
        "website); else none.",
        "whole_order_url",
    ),
    ContextName(
        "placed_at",
        datetime,
        "When the order was placed, on the customer's clock (`order.timezone`, else the "
        "merchant's).",
        "placed_at",
    ),
    ContextName(
        "delivery",
        str,
        "How the order reaches the customer, as a whole (`order.delivery`): `standard`, "
        "`express`, `local_delivery`, `pickup`, `unnamed` (it ships, by a method the order "
        "does not name), `digital` (all of it by email) or `service` (nothing is sent).",
        "delivery",
    ),
    ContextName(
        "line_ways",
        list[str],
        "For each of `lines_shown`, how it comes when the order has a parcel and the line is "
        "not in it: `digital` (by email) or `service` (nothing to ship); else empty.",
        "line_ways",
    ),
    ContextName(
        "pickup",
        bool,
        "Whether the customer collects the order (`order.delivery` is `pickup`).",
        "pickup",
    ),
    ContextName(
        "pickup_lines",
        list[str],
        "Where a pick-up waits, as the lines of an address: `order.shipping.location`, else "
        "the merchant's `address`; empty when neither is known (then say the method alone).",
        "pickup_lines",
    ),
    ContextName(
        "shipping_lines",
        list[str],
        "The shipping address as the lines of an envelope, in the destination country's "
        "order, the country named in the email's language; empty without an address, and "
        "for an order that does not travel to it (a pick-up, a download, a service).",
        "shipping_lines",
    ),
    ContextName(
        "billing_lines",
        list[str],
        "The billing address, the same way; empty when there is none.",
        "billing_lines",
    ),
)

#: For each filter of :data:`~delightmail.filters.FILTERS`, expressions that show it.
FILTER_EXAMPLES: Mapping[str, tuple[str, ...]] = {
    "money": ("order.total | money",),
    "minus_money": ("order.lines[1].unit_price | minus_money",),
    "number": ("order.item_count | number",),
    "date": ("placed_at | date", 'placed_at | date("short")', 'placed_at | date("EEEE d MMMM")'),
    "datetime": ("placed_at | datetime",),
    "wrap": ("order.gift_message | wrap(36)",),
    "row": ('"Subtotal" | row(order.line_subtotal | money, 36)',),
    "utm": ("merchant.website | utm",),
    "tel": ("merchant.support_phone | tel",),
    "local": ("merchant.signer.role | local",),
    "one_line": ("order.gift_message | one_line",),
    "caps": ('_("Order %(number)s", number=order.number) | caps(keep=order.number)',),
    "as_written": ("order.number | as_written",),
    "bidi": ("order.lines[0].name | bidi",),
    "rtl_text": ('"Sam Rivera" | rtl_text(dir)',),
}

#: For each gettext function a template can call, expressions that show it; the reference
#: renders them in English and in German.
GLOBAL_EXAMPLES: Mapping[str, tuple[str, ...]] = {
    "_": ('_("Subtotal")', '_("Order %(number)s", number=order.number)'),
    "gettext": ('gettext("Total")',),
    "ngettext": ('ngettext("…and %(num)d more thing", "…and %(num)d more things", 3)',),
    "pgettext": ('pgettext("heading", "Payment")',),
    "npgettext": ('npgettext("heading", "%(num)d gift", "%(num)d gifts", 2)',),
}

#: The models behind the context, in the order the reference lists them.
MODELS: tuple[type, ...] = (
    Order,
    LineItem,
    Money,
    Customer,
    Address,
    Shipping,
    Discount,
    LineDiscount,
    TaxLine,
    Payment,
    GiftCardPayment,
    Property,
    WebUrl,
    Merchant,
    Signer,
    Theme,
    DarkTheme,
    Voice,
    Story,
)
