"""The facts a story's lines are chosen by: read off the order, on the right clock."""

from __future__ import annotations

import sys
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delightmail import Merchant
from delightmail.facts import _clean, facts_of, time_of_day
from delightmail.models import validate_order


def order(**changes: Any) -> Any:
    data: dict[str, Any] = {
        "number": "#1",
        "placed_at": "2026-11-21T23:30:00-08:00",  # Saturday night in Portland
        "currency": "USD",
        "lines": [{"name": "Blue Train", "kind": "record", "quantity": 1, "unit_price": "10"}],
        "shipping": {"method": "USPS", "amount": "0", "kind": "standard"},
        "total": "10",
        "customer": {"first_name": "Eleanor", "last_name": "Whitfield"},
        "shipping_address": {"name": "Eleanor Whitfield", "city": "Bristol"},
    }
    data.update(changes)
    return validate_order(data)


@pytest.mark.parametrize(
    ("hour", "expected"),
    [(0, "night"), (4, "night"), (5, "morning"), (11, "morning"), (12, "afternoon"),
     (16, "afternoon"), (17, "evening"), (21, "evening"), (22, "night"), (23, "night")],
)  # fmt: skip
def test_time_of_day_boundaries(hour: int, expected: str) -> None:
    """Morning from 5, afternoon from 12, evening from 17, night from 22."""
    assert time_of_day(datetime(2026, 11, 22, hour, 30)) == expected


def test_the_shop_clock_and_the_customers(merchant: Merchant) -> None:
    """The time of day and weekday are the shop's; the customer's day is kept beside them."""
    facts = facts_of(order(timezone="Europe/Berlin"), merchant)
    assert (facts.time, facts.weekday) == ("night", "saturday")
    assert facts.customer_time.tzinfo == ZoneInfo("Europe/Berlin")
    assert facts.customer_time.strftime("%A %H:%M") == "Sunday 08:30"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ("standard", "no", None)),
        ({"shipping": None, "shipping_address": None}, ("digital", "no", None)),
        ({"gift": True}, ("standard", "to_buyer", None)),
        ({"gift": True, "shipping_address": {"name": "Mr Arthur Whitfield", "city": "Bath"}},
         ("standard", "to_other", "Arthur")),
        ({"gift_message": "Love, E.", "shipping_address": {"name": "eleanor  whitfield"}},
         ("standard", "to_buyer", None)),
        ({"gift": True, "shipping": {"method": "Counter", "amount": "0", "kind": "pickup"},
          "shipping_address": {"name": "Arthur Whitfield"}}, ("pickup", "to_buyer", None)),
        ({"gift": True, "customer": {}, "shipping_address": {"name": "Arthur"}},
         ("standard", "to_other", "Arthur")),
    ],
    ids=["plain", "nothing-to-ship", "gift-to-self", "gift-to-arthur", "same-name-other-case",
         "gift-picked-up", "no-buyer-name"],
)  # fmt: skip
def test_how_it_travels_and_whose_it_is(
    merchant: Merchant, changes: dict[str, Any], expected: tuple[str, str, str | None]
) -> None:
    """A gift goes to someone else only when a parcel is addressed to another name."""
    facts = facts_of(order(**changes), merchant)
    assert (facts.shipping, facts.gift, facts.recipient) == expected


@pytest.mark.parametrize(
    ("previous", "history"), [(0, "first"), (1, "returning"), (4, "milestone"), (9, "milestone"),
                              (10, "returning")],
)  # fmt: skip
def test_history(merchant: Merchant, previous: int, history: str) -> None:
    """First order, returning customer, or a milestone (the 5th, the 10th...)."""
    customer = {"first_name": "Sam", "previous_orders": previous}
    assert facts_of(order(customer=customer), merchant).history == history


def test_extras_in_every_parcel_are_not_in_a_download(merchant: Merchant) -> None:
    """The merchant's parcel extras do not come with an order that has no parcel."""
    voiced = merchant.model_copy(
        update={"voice": merchant.voice.model_copy(update={"extras": ["a sticker"]})}
    )
    assert facts_of(order(), voiced).extras
    assert not facts_of(order(shipping=None, shipping_address=None), voiced).extras
    assert facts_of(
        order(shipping=None, shipping_address=None, extras=["a bonus track"]), voiced
    ).extras


def test_destination_is_another_town(merchant: Merchant) -> None:
    """A parcel has a destination when it goes to a known town other than the shop's."""
    assert facts_of(order(), merchant).destination_town == "Bristol"
    local = order(shipping_address={"name": "Sam", "city": "portland"})
    assert not facts_of(local, merchant).destination


@pytest.mark.parametrize("nothing", ["\u200b", "\x00 \x07", " \u2028 "], ids=["zwsp", "nul", "ls"])
def test_a_note_that_shows_nothing_is_no_note(merchant: Merchant, nothing: str) -> None:
    """A note (or gift message) with nothing visible in it is absent: no note fact, no
    note text, and not a gift; the templates, which print none, agree."""
    facts = facts_of(order(note=nothing, gift_message=nothing), merchant)
    assert not facts.note and facts.note_text is None and facts.gift == "no"


def test_control_characters_never_reach_a_fact(merchant: Merchant) -> None:
    """A name or town with control or private-use characters is cleaned before a line can
    print it (control characters are dropped already when the order is validated)."""
    facts = facts_of(
        order(
            gift=True,
            shipping_address={"name": "Arthur\u2028\x00 Whitfield", "city": "Bri\x1bstol"},
            customer={"first_name": "Ele\ue000anor"},
        ),
        merchant,
    )
    assert facts.recipient == "Arthur" and facts.destination_town == "Bristol"
    assert facts.first_name == "Ele anor"


def _cleaned(text: str) -> str | None:
    """What a fact's text is: each control, format, private or unassigned character (the
    Unicode categories C*) a space, the spaces one, at neither end; or nothing."""
    kept = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(kept.split()) or None


@given(st.text())
def test_a_facts_text_is_clean(text: str) -> None:
    assert _clean(text) == _cleaned(text)


def test_every_character_is_cleaned_as_its_category_says() -> None:
    """Alone and inside a word: printable text takes the short way, the rest the long."""
    for code in range(sys.maxunicode + 1):
        for text in (chr(code), f"a{chr(code)}b"):
            assert _clean(text) == _cleaned(text), hex(code)
