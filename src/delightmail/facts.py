"""The facts of an order that decide which story lines are true of it.

A story line may carry conditions (``shipping = "pickup"``, ``gift =
"to_other"``); it is told only when the order's :class:`Facts` meet them.
:data:`FACTS` lists every fact and the values it can take, and
:data:`GROUPS` the names that stand for several values at once
(``shipping = "shipped"`` is standard, express or local delivery).

Every fact is read off the order and the merchant, never guessed: the time
of day and the weekday are the shop's, on the shop's clock (the story
happens in the shop's town); the customer's own day is kept beside them
for the lines that speak of it.

>>> facts = facts_of(order, merchant)  # doctest: +SKIP
>>> facts.shipping, facts.gift, facts.time  # doctest: +SKIP
('pickup', 'no', 'evening')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .models import LineItem, Merchant, Order

__all__ = [
    "FACTS",
    "GROUPS",
    "MILESTONES",
    "Facts",
    "facts_of",
    "time_of_day",
]

#: Order counts that earn a milestone line.
MILESTONES = frozenset({5, 10, 25, 50, 100, 250, 500, 1000})

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: Every fact a line can be conditioned on, and the values it takes.
FACTS: Mapping[str, tuple[str | bool, ...]] = {
    # How the order travels (what of it travels: see Order.parcel): by post,
    # by express, by one of the shop's own people, by a way the order does not
    # name, collected from a counter; or not at all: everything by email or
    # download (digital), or nothing sent and not all of it by email (service:
    # a booking, a donation).
    "shipping": (
        "standard",
        "express",
        "local_delivery",
        "unnamed",
        "pickup",
        "digital",
        "service",
    ),
    # Some of the things travel and some come by email (a record and a gift card).
    "mixed": (True, False),
    # Whether the order is paid, or placed with its payment still to come (a bank
    # transfer, cash on delivery, payment terms, part paid).
    "payment": ("paid", "pending"),
    # Whether it is a gift, and whether it goes straight to someone else.
    "gift": ("no", "to_buyer", "to_other"),
    # Whether the customer gave a first name.
    "name": (True, False),
    # The time of day and the weekday in the shop's town, when the order came in.
    "time": ("morning", "afternoon", "evening", "night"),
    "weekday": WEEKDAYS,
    # The customer's first order, a returning customer, a milestone (5th, 10th...).
    "history": ("first", "returning", "milestone"),
    # How many things: one, a few (2 to 4), many (5 or more).
    "items": ("one", "few", "many"),
    # Surprises in the parcel (the merchant's voice) or added to this order.
    "extras": (True, False),
    # Whether the merchant has a town for the story to happen in.
    "town": (True, False),
    # A parcel going to a known town other than the shop's own.
    "destination": (True, False),
    # The customer's note to the shop; an engraving (or other personal text) on a line.
    "note": (True, False),
    "engraving": (True, False),
}

#: Names that stand for several values of one fact.
GROUPS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "shipping": {
        "shipped": ("standard", "express", "local_delivery", "unnamed"),
        "physical": ("standard", "express", "local_delivery", "unnamed", "pickup"),
        "not_shipped": ("pickup", "digital", "service"),
        "nothing_to_ship": ("digital", "service"),
    },
    "gift": {"yes": ("to_buyer", "to_other"), "not_to_other": ("no", "to_buyer")},
    "weekday": {"weekend": ("saturday", "sunday"), "workday": WEEKDAYS[:5]},
    "history": {"back": ("returning", "milestone")},
    "items": {"several": ("few", "many")},
    "time": {"day": ("morning", "afternoon"), "dark": ("evening", "night")},
}

_PHYSICAL = frozenset(GROUPS["shipping"]["physical"])
_UNPAID = frozenset({"pending", "partially_paid"})

#: Where the hours of the day fall: morning from 5, afternoon from 12,
#: evening from 17, night from 22.
_TIMES = ((5, "night"), (12, "morning"), (17, "afternoon"), (22, "evening"), (24, "night"))

# Honorifics that are not a first name ("Mr Arthur Whitfield" is Arthur).
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "herr",
        "frau",
        "fr",
        "hr",
        "m",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "dhr",
        "mevr",
    ]
)
_ENGRAVING = re.compile(r"engrav|inscri|personali[sz]|gravur|monogram|widmung", re.IGNORECASE)


def time_of_day(when: datetime) -> str:
    """``morning``, ``afternoon``, ``evening`` or ``night`` for the hour of *when*."""
    for end, name in _TIMES:
        if when.hour < end:
            return name
    return "night"  # pragma: no cover - the table ends at 24


def _size(lines: Sequence[LineItem]) -> tuple[str, int]:
    count = 0
    for line in lines:
        whole = line.whole_quantity
        count += whole if whole is not None else 1
    return ("one" if count == 1 else "few" if count <= 4 else "many"), count


def _fold(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _first_name(full: str) -> str:
    words = [w for w in full.split() if w.strip(".").casefold() not in _HONORIFICS]
    return words[0] if len(words) > 1 else " ".join(words) or full


def _clean(text: str | None) -> str | None:
    """Text from an order, on one line, without control characters."""
    if text is None:
        return None
    # (Printable text, the usual, has no control or format character: checked in C.)
    kept = (
        text
        if text.isprintable()
        else "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    )
    return " ".join(kept.split()) or None


@dataclass(frozen=True)
class Facts:
    """What is true of one order, for the story to choose its lines by.

    The fields named in :data:`FACTS` are the conditions; the others are the
    values the true lines may print.
    """

    shipping: str
    mixed: bool
    payment: str
    gift: str
    name: bool
    time: str
    weekday: str
    history: str
    items: str
    extras: bool
    town: bool
    destination: bool
    note: bool
    engraving: bool
    #: When the order came in, on the shop's clock and on the customer's.
    shop_time: datetime
    customer_time: datetime
    #: The customer's first name, the gift's recipient (a first name), the
    #: parcel's destination town; ``None`` when not known or not true.
    first_name: str | None
    recipient: str | None
    destination_town: str | None
    #: This is the customer's order number *count* with the shop.
    count: int
    #: How many things, all lines together (a fractional quantity counts once).
    item_count: int
    note_text: str | None
    engraving_text: str | None

    @property
    def key(self) -> tuple[str | bool, ...]:
        """The values of every fact of :data:`FACTS`, in order: what lines are chosen by."""
        return (
            self.shipping, self.mixed, self.payment, self.gift, self.name, self.time,
            self.weekday, self.history, self.items, self.extras, self.town, self.destination,
            self.note, self.engraving,
        )  # fmt: skip

    def value(self, fact: str) -> str | bool:
        """The value of the fact named *fact* (a key of :data:`FACTS`)."""
        value: str | bool = getattr(self, fact)
        return value

    def describe(self) -> str:
        """The conditions as ``shipping=pickup, gift=no, ...``: how reports name an order."""
        return ", ".join(f"{fact}={_show(self.value(fact))}" for fact in FACTS)


def _show(value: str | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else value


def _gift(order: Order, shipping: str) -> tuple[str, str | None]:
    if not order.is_gift:
        return "no", None
    address = order.shipping_address
    # Only a parcel goes somewhere else: a pick-up is collected by the buyer,
    # a download arrives in the buyer's inbox.
    to = (
        _clean(address.name)
        if address is not None and shipping in GROUPS["shipping"]["shipped"]
        else None
    )
    if to is None:
        return "to_buyer", None
    customer = order.customer
    buyer = {_fold(n) for n in (customer.full_name, customer.first_name) if n}
    if _fold(to) in buyer or _fold(_first_name(to)) in buyer:
        return "to_buyer", None
    return "to_other", _first_name(to)


def facts_of(order: Order, merchant: Merchant) -> Facts:
    """The facts of *order* as *merchant* tells it."""
    shipping = order.delivery
    gift, recipient = _gift(order, shipping)
    shop_time = order.placed_at.astimezone(ZoneInfo(merchant.timezone))
    customer_time = order.local_placed_at(merchant.timezone)
    count = order.customer.previous_orders + 1
    history = "first" if count == 1 else "milestone" if count in MILESTONES else "returning"
    # The things the story speaks of: those that travel, when some do.
    size, item_count = _size(order.parcel)
    # The merchant's extras come in every parcel: an order with nothing to
    # ship has no parcel to find them in.
    voice_extras = merchant.voice.extras if shipping in _PHYSICAL else []
    town = _clean(order.shipping_address.city) if order.shipping_address else None
    city = merchant.city
    shop_towns = {_fold(t) for t in ([city] if isinstance(city, str) else (city or {}).values())}
    destination = (
        town
        if town and shipping in GROUPS["shipping"]["shipped"] and _fold(town) not in shop_towns
        else None
    )
    engraving = next(
        (
            _clean(prop.value)
            for line in order.lines
            for prop in line.properties
            if _ENGRAVING.search(prop.name) and _clean(prop.value)
        ),
        None,
    )
    first_name = _clean(order.customer.first_name)
    # The note the templates print, cleaned: a fact only when something is left of it.
    note = _clean(order.note)
    return Facts(
        shipping=shipping,
        mixed=order.is_mixed,
        payment="pending" if order.status in _UNPAID else "paid",
        gift=gift,
        name=first_name is not None,
        time=time_of_day(shop_time),
        weekday=WEEKDAYS[shop_time.weekday()],
        history=history,
        items=size,
        extras=bool(voice_extras or order.extras),
        town=bool(shop_towns),
        destination=destination is not None,
        note=note is not None,
        engraving=engraving is not None,
        shop_time=shop_time,
        customer_time=customer_time,
        first_name=first_name,
        recipient=recipient,
        destination_town=destination,
        count=count,
        item_count=item_count,
        note_text=note,
        engraving_text=engraving,
    )
