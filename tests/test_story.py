"""The story: woven from the order's facts, stable for one order, varied across orders."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from delightmail import LineItem, Mailer, Merchant, Money
from delightmail.models import TONES, validate_order
from delightmail.packs import load_pack
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
        ([line(None, "42", "Mixtape")], "your Mixtape (42 of them)"),
        ([line(None, "2", "Mixtape"), line("record", "1")],
         "your three things (Mixtape among them)"),
        ([line(None, "1", "Blue Train")], "your Blue Train"),
        ([line("record", "1"), line("book", "1"), line("mug", "2")],
         "your record, a book and two mugs"),
        ([line("box", "2")], "your two boxes"),
        ([line("pack of sleeves", "3")], "your three packs of sleeves"),
        ([line("a", "1", "A"), line("b", "1"), line("c", "1"), line("d", "2")],
         "your five things (A among them)"),
        ([line("coffee", "1.5", "Beans")], "your Beans"),
        ([line("umbrella", "1"), line("apron", "1")], "your umbrella and an apron"),
    ],
    ids=["one", "three-and-one", "many-unknown", "unknown-and-known", "named", "list",
         "plural-es", "of-phrase", "too-many-kinds", "fractional", "article-an"],
)  # fmt: skip
def test_items_phrase_counts_and_plurals(lines: list[LineItem], expected: str) -> None:
    """Items are named by kind with counts and plurals, or by name when alone."""
    assert items_phrase(lines) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([line("record", "1")], "deine Platte"),
        ([line("record", "3"), line("T-shirt", "1")], "deine drei Platten und dein T-Shirt"),
        ([line("mug", "1")], "dein Becher"),
        ([line("banjo", "1", "Blue Train")], "„Blue Train“"),
        ([line("banjo", "2", "Banjo"), line("record", "1")],
         "deine drei Sachen (darunter „Banjo“)"),
    ],
    ids=["one", "three-and-one", "masculine", "unknown-kind-named", "unknown-kinds"],
)  # fmt: skip
def test_items_phrase_in_german(lines: list[LineItem], expected: str) -> None:
    """German names the things with the right possessive and plural, or falls back."""
    assert items_phrase(lines, "de") == expected


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


# -- 200 generated orders ------------------------------------------------------------

FIRST_NAMES = ["Sam", "Priya", "Jörg", "Eleanor", None, "Ana", "Kwame", "Mei", "Olu", "Zoë"]
KINDS = ["record", "book", "T-shirt", "mug", None, "poster", "cassette"]
SHIPPING = [
    {"method": "USPS Ground", "amount": "5.00", "kind": "standard"},
    {"method": "FedEx Overnight", "amount": "25.00", "kind": "express"},
    {"method": "Shop counter, Alder St", "amount": "0", "kind": "pickup"},
    None,
]


def generated_order(i: int) -> dict[str, Any]:
    """Order number *i* of a deterministic, varied stream of orders."""
    customer = i % 37  # the same customers come back, with a growing count
    lines = []
    for j in range(1 + i % 4):
        kind = KINDS[(i + j) % len(KINDS)]
        lines.append(
            {"name": f"Item {i}-{j}", "kind": kind, "quantity": 1 + (i * j) % 3,
             "unit_price": f"{10 + j}.50"}
        )  # fmt: skip
    subtotal = sum(Decimal(x["unit_price"]) * x["quantity"] for x in lines)
    shipping = SHIPPING[i % len(SHIPPING)]
    total = subtotal + (Decimal(shipping["amount"]) if shipping else 0)
    placed = datetime(2026, 11, 1, 9, tzinfo=ZoneInfo("UTC")) + timedelta(hours=7 * i)
    return {
        "number": f"#{2000 + i}",
        "placed_at": placed.isoformat(),
        "currency": "USD",
        "lines": lines,
        "shipping": shipping,
        "total": str(total),
        "customer": {
            "first_name": FIRST_NAMES[customer % len(FIRST_NAMES)],
            "email": f"customer{customer}@example.com",
            "previous_orders": i // 37,
        },
        "gift": i % 9 == 0,
        "extras": ["a sticker in the box"] if i % 11 == 0 else [],
    }


ORDERS = [generated_order(i) for i in range(200)]


@pytest.fixture(scope="module")
def rendered(mailer: Mailer) -> list[tuple[dict[str, Any], Any]]:
    """The 200 generated orders, each with its context (story) and rendered email."""
    return [(data, mailer.context(data), mailer.render(data)) for data in ORDERS]


def test_every_story_names_the_facts(rendered: list[Any], merchant: Merchant) -> None:
    """Each email names the customer (or the fallback), an item, the town and the date."""
    for data, context, email in rendered:
        story = context["story"]
        told = " ".join(story.paragraphs)
        text = " ".join(lxml.html.document_fromstring(email.html).text_content().split())
        name = data["customer"]["first_name"] or "friend"
        assert f"Hi {name}!" in text and f"Hi {name}!" in email.text
        assert story.items in told
        assert any(
            (line["kind"] or "thing").lower() in story.items.lower() or line["name"] in story.items
            for line in data["lines"]
        ), story.items
        assert merchant.city and merchant.city in told
        assert story.day in told


def test_openings_vary(rendered: list[Any]) -> None:
    """Across 200 orders, at least 8 different openings are told."""
    openings = {context["story"].opening for _, context, _ in rendered}
    assert len(openings) >= 8


def test_consecutive_orders_of_a_customer_open_differently(rendered: list[Any]) -> None:
    """A customer's next order never opens with the line their last one did."""
    by_customer: dict[str, list[tuple[int, str]]] = {}
    for data, context, _ in rendered:
        customer = data["customer"]
        by_customer.setdefault(customer["email"], []).append(
            (customer["previous_orders"], context["story"].sources[1])
        )
    checked = 0
    for history in by_customer.values():
        history.sort()
        for (count_a, source_a), (count_b, source_b) in itertools.pairwise(history):
            assert count_b == count_a + 1
            assert "opening" in source_a and source_a != source_b
            checked += 1
    assert checked > 100


def test_rendering_twice_is_byte_identical(mailer: Mailer, merchant: Merchant) -> None:
    """Retries are safe: the same order gives the same bytes, even from a fresh mailer."""
    again = Mailer(merchant=merchant)
    for data in ORDERS[:50]:
        assert mailer.render(data) == again.render(data)


def test_subjects_fit_an_inbox_preview(rendered: list[Any]) -> None:
    """Every subject is short enough for an inbox preview."""
    for _, _, email in rendered:
        assert 0 < len(email.subject) <= 78, email.subject


def test_story_follows_shipping_and_history(merchant: Merchant) -> None:
    """Express gets its own line, pick-up is never 'travelling', milestones are marked."""
    pickup = validate_order({**ORDERS[2], "customer": {"previous_orders": 9}})
    story = tell(pickup, merchant, "en", "playful")
    assert any("shipping_pickup" in s for s in story.sources)
    assert "travelling by" not in " ".join(story.paragraphs)
    assert any("history_milestone" in s for s in story.sources)  # the 10th order
    express = tell(validate_order(ORDERS[1]), merchant, "en", "playful")
    assert any("shipping_express" in s for s in express.sources)
    assert "FedEx Overnight" in " ".join(express.paragraphs)


def test_extras_are_named(merchant: Merchant) -> None:
    """The merchant's and the order's surprises both appear in the story."""
    voiced = merchant.model_copy(
        update={"voice": merchant.voice.model_copy(update={"extras": ["a free sticker"]})}
    )
    story = tell(validate_order(ORDERS[11]), voiced, "en", "playful")
    told = " ".join(story.paragraphs)
    assert "a free sticker and a sticker in the box" in told


@pytest.mark.parametrize("tone", TONES)
def test_each_tone_tells_only_its_own_lines(merchant: Merchant, tone: str) -> None:
    """A plain story carries no gag lines; each tone draws only on its own pack."""
    for data in ORDERS[:60]:
        story = tell(validate_order(data), merchant, "en", tone)
        assert story.sources and all(
            s.split(":")[0].endswith(f"{tone}.toml") for s in story.sources
        )


def test_order_tone_overrides_the_merchant(mailer: Mailer) -> None:
    """A single order can ask for another tone (a sympathy gift, say)."""
    story = mailer.context({**ORDERS[3], "tone": "plain"})["story"]
    assert story.tone == "plain"
    assert story.subject.startswith("Order confirmation")


def test_playful_pack_has_the_variety_it_promises() -> None:
    """At least 8 openings, 8 parcel journeys and 8 closings in the playful English pack."""
    pack = load_pack("playful")
    for slot in ("opening", "journey", "closing"):
        assert len(pack.slot(slot)) >= 8, slot


def test_nameless_customer_gets_a_warm_fallback(merchant: Merchant) -> None:
    """No first name: the story greets a friend, and nothing says 'None'."""
    story = tell(validate_order(load(ORDER_FILES[4])), merchant)
    assert story.name == "friend" and not story.has_name
    assert "None" not in story.subject and "None" not in " ".join(story.paragraphs)
