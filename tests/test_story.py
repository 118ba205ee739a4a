"""The story: woven from the order's facts, stable for one order, varied across orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from delightmail import LineItem, Merchant, Money
from delightmail.models import validate_order
from delightmail.story import _day, items_phrase, tell

from .conftest import ORDER_FILES, load


def line(kind: str | None, quantity: str, name: str = "Item") -> LineItem:
    return LineItem(
        name=name,
        kind=kind,
        quantity=Decimal(quantity),
        unit_price=Money(amount=Decimal(1), currency="USD"),
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([line("record", "1")], "your record"),
        ([line("record", "3"), line("T-shirt", "1")], "your three records and a T-shirt"),
        ([line(None, "42")], "your 42 things"),
        ([line(None, "1", "Blue Train")], "your Blue Train"),
        ([line("record", "1"), line("book", "1"), line("mug", "2")],
         "your record, a book and two mugs"),
        ([line("box", "2")], "your two boxes"),
        ([line("pack of sleeves", "3")], "your three packs of sleeves"),
        ([line("a", "1"), line("b", "1"), line("c", "1"), line("d", "2")], "your 5 things"),
        ([line("coffee", "1.5", "Beans")], "your Beans"),
        ([line("umbrella", "1"), line("apron", "1")], "your umbrella and an apron"),
    ],
    ids=["one", "three-and-one", "many-unknown", "named", "list", "plural-es", "of-phrase",
         "too-many-kinds", "fractional", "article-an"],
)  # fmt: skip
def test_items_phrase_counts_and_plurals(lines: list[LineItem], expected: str) -> None:
    """Items are named by kind with counts and plurals, or by name when alone."""
    assert items_phrase(lines) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Sunday, November 22"),
        ("en_GB", "Sunday, 22 November"),
        ("de", "Sonntag, 22. November"),
        ("fr", "dimanche 22 novembre"),
        ("ja", "11月22日日曜日"),
    ],
)
def test_day_is_in_the_locales_words(locale: str, expected: str) -> None:
    """The weekday and date, without the year, as the locale writes them."""
    assert _day(datetime(2026, 11, 22, 12, tzinfo=ZoneInfo("UTC")), locale) == expected


def test_story_uses_the_orders_facts(merchant: Merchant) -> None:
    """The story names the customer, the items, the merchant's town and the date."""
    order = validate_order(load(ORDER_FILES[0]))
    story = tell(order, merchant, "en")
    text = " ".join(story.paragraphs)
    assert story.name == "Sam"
    assert "your record" in text
    assert "Portland" in text or "Groove Harbor" in text
    assert story.day == "Sunday, November 22"  # 18:42 in Los Angeles, the customer's zone


def test_story_is_stable_and_varies(merchant: Merchant) -> None:
    """One order always tells the same story; different order numbers tell different ones."""
    data = load(ORDER_FILES[0])
    order = validate_order(data)
    assert tell(order, merchant) == tell(order, merchant)
    openings = {
        tell(validate_order({**data, "number": f"#{n}"}), merchant).opening for n in range(40)
    }
    assert len(openings) >= 3


def test_nameless_customer_gets_a_warm_fallback(merchant: Merchant) -> None:
    """No first name: the story still greets someone, and the subject does not say 'None'."""
    order = validate_order(load(ORDER_FILES[4]))
    story = tell(order, merchant)
    assert story.name == "friend"
    assert "None" not in story.subject and story.subject.startswith("Your ")
