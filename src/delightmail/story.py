"""The personalizer: a small, warm, absurd story about *this* order.

A pure function of the order, the merchant and the locale: the same order
always tells the same story (a retried job sends the same email), while
different orders pick different lines. Every fact the story mentions (the
customer's name, the items, the merchant's town, the date) comes from the
order; only the telling is playful.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date

from .models import LineItem, Merchant, Order

__all__ = ["Story", "items_phrase", "tell"]

_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def _count_word(n: int) -> str:
    return _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)


def _plural(noun: str) -> str:
    """A good-enough English plural: record → records, box → boxes, candy → candies."""
    head, sep, tail = noun.partition(" of ")
    if sep:
        # "pack of sleeves" → "packs of sleeves"
        return _plural(head) + sep + tail
    lower = noun.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if lower.endswith("y") and len(noun) > 1 and lower[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _noun(line: LineItem) -> str:
    return line.kind or "thing"


def items_phrase(lines: list[LineItem]) -> str:
    """Name what was bought, with counts: "your record", "your three records and a T-shirt".

    A single item without a kind is called by its name; more than three kinds
    of things become "your 42 things".
    """
    counts: Counter[str] = Counter()
    fractional = False
    for line in lines:
        whole = line.whole_quantity
        if whole is None:
            fractional = True
            whole = 1
        counts[_noun(line)] += whole
    total = sum(counts.values())
    if fractional:
        return "your order" if len(lines) > 1 else f"your {lines[0].name}"
    if total == 1:
        only = lines[0]
        return f"your {only.kind}" if only.kind else f"your {only.name}"
    if len(counts) > 3 or (len(counts) > 1 and "thing" in counts):
        return f"your {total} things"
    parts: list[str] = []
    for noun, n in counts.items():
        if n == 1 and not parts:
            parts.append(noun)  # "your record and a book"
        elif n == 1:
            article = "an" if noun[:1].lower() in "aeiou" else "a"
            parts.append(f"{article} {noun}")
        else:
            parts.append(f"{_count_word(n)} {_plural(noun)}")
    if len(parts) == 1:
        return f"your {parts[0]}"
    return f"your {', '.join(parts[:-1])} and {parts[-1]}"


def _it(lines: list[LineItem]) -> str:
    total = sum((line.quantity for line in lines), Decimal(0))
    return "it" if total == 1 else "them"


# Each list is one slot of the story; the order picks one line of each. Every
# closing names the merchant's town, so every story does.
# Placeholders: {name} {items} {it} {they} {is_are} {merchant} {city} {day}.
_OPENINGS = (
    "The moment your order came in, somebody rang the small brass bell we keep by the "
    "door for exactly this purpose, and all of {merchant} stopped mid-sentence to hear "
    "about {items}.",
    "We have read your order out loud three times now, and {items} sounded better every time.",
    "News travels fast in {city}: before the kettle had boiled, the whole street knew "
    "that {name} had chosen {items}.",
    "There is a chart on our wall of the best things that happened this week. As of "
    "this morning, {items} sits right at the top of it.",
)
_JOURNEYS = (
    "We lifted {it} off the shelf with both hands, checked {it} over under the good "
    "lamp, and wrapped {it} in paper so crisp it crackles when you look at it.",
    "Our packer measured the box twice, picked a cushioning one of us described as "
    "'cloud-adjacent', and sealed it all with one long, perfectly straight strip of tape.",
    "We held a short meeting about the best way to pack {items}. It ran long. "
    "There were diagrams. The box that won is now on its way.",
    "Before the lid went on, the whole team leaned over the box and said a few kind "
    "words to {items}, quietly, so as not to make a fuss.",
)
_CLOSINGS = (
    "{day} will be remembered in {city} as the day {items} set off to find you.",
    "As of {day}, {items} {is_are} officially spoken for, by the luckiest person we "
    "know. That's you. All of {city} says hi.",
    "We marked {day} with a little star on the calendar here in {city}, and we will "
    "think of you whenever we see it.",
    "If {they} could wave, {they} would be waving goodbye to {city} right now, this {day}.",
)


@dataclass(frozen=True)
class Story:
    """What the templates tell about an order, ready to print."""

    name: str
    items: str
    opening: str
    journey: str
    closing: str
    day: str
    subject: str
    preheader: str

    @property
    def paragraphs(self) -> tuple[str, str, str]:
        return (self.opening, self.journey, self.closing)


def _seed(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _pick(options: tuple[str, ...], seed: int, slot: int) -> str:
    return options[(seed >> (slot * 8)) % len(options)]


_YEAR = re.compile(r"(?:\s*'[^']*')?[\s,،.]*y+(?:\s*'[^']*'|[年년]|\s*г\.)?")


@cache
def _day_pattern(locale: str) -> str:
    """The locale's full date pattern without the year: "EEEE, d. MMMM" for German."""
    pattern = Locale.parse(locale).date_formats["full"].pattern
    return _YEAR.sub("", pattern).strip(" ,،.")


def _day(when: datetime, locale: str) -> str:
    """The weekday and date in *locale*'s words: "Sunday, November 22", "Sonntag, 22. November"."""
    return _format_day(when.date(), locale.replace("-", "_"))


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str) -> str:
    # Many orders share a day: format each (day, locale) once.
    return format_date(day, _day_pattern(locale), locale=locale)


def tell(order: Order, merchant: Merchant, locale: str = "en") -> Story:
    """The story of *order* as *merchant* tells it, in *locale*'s date format.

    Deterministic: the choice of lines is seeded by the merchant and the order
    number, never by the clock or a random generator.
    """
    name = order.customer.first_name or "friend"
    items = items_phrase(order.lines)
    city = merchant.city or "our little town"
    day = _day(order.local_placed_at(merchant.timezone), locale)
    it = _it(order.lines)
    values = {
        "name": name,
        "items": items,
        "it": it,
        "they": "it" if it == "it" else "they",
        "is_are": "is" if it == "it" else "are",
        "merchant": merchant.name,
        "city": city,
        "day": day,
    }
    seed = _seed(merchant.name, order.number)

    def fill(text: str) -> str:
        filled = text.format(**values)
        return filled[:1].upper() + filled[1:]

    subject = fill("{name}, {items} {is_are} on the way from {city}")
    if not order.customer.first_name:
        subject = fill("{items} {is_are} on the way from {city}")
    subject += f" (order {order.number})"
    preheader = f"Thank you for shopping with {merchant.name}. Here is what happened next."
    return Story(
        name=name,
        items=items,
        opening=fill(_pick(_OPENINGS, seed, 0)),
        journey=fill(_pick(_JOURNEYS, seed, 1)),
        closing=fill(_pick(_CLOSINGS, seed, 2)),
        day=day,
        subject=subject,
        preheader=preheader,
    )
