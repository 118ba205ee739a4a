"""The order models: exact money, reconciled totals, errors that name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from delightmail import CurrencyMismatchError, Money, Order, OrderValidationError, models
from delightmail.models import Address, validate_order


def money(amount: str, currency: str = "USD") -> Money:
    return Money(amount=Decimal(amount), currency=currency)


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.56", "USD", "en", "$1,234.56"),
        ("1234.56", "EUR", "de", "1.234,56\xa0€"),
        ("1235", "JPY", "en", "¥1,235"),
        ("0.5", "GBP", "en_GB", "£0.50"),
        # Swiss German groups thousands with an apostrophe: older CLDR data has
        # it typographic (’), the data in Babel 2.19 plain (').
        ("1234.56", "CHF", "de_CH", ("CHF\xa01’234.56", "CHF\xa01'234.56")),
    ],
    ids=["usd-en", "eur-de", "jpy-zero-decimals", "gbp-pads-cents", "chf-de-ch"],
)
def test_money_formats_like_babel(
    amount: str, currency: str, locale: str, expected: str | tuple[str, ...]
) -> None:
    """Money is formatted per locale, zero-decimal currencies without decimals."""
    accepted = expected if isinstance(expected, tuple) else (expected,)
    assert money(amount, currency).format(locale) in accepted


def test_money_arithmetic_refuses_mixed_currencies() -> None:
    """Adding euros to dollars is an error, not a number."""
    with pytest.raises(CurrencyMismatchError, match="USD and EUR"):
        _ = money("1") + money("1", "EUR")


def test_money_arithmetic_is_exact() -> None:
    """0.1 + 0.2 is 0.3 with Decimal money; sum() works from zero."""
    assert money("0.1") + money("0.2") == money("0.3")
    assert sum([money("1.10"), money("2.20")]) == money("3.30")
    assert money("2.50") * 3 == money("7.50")


@pytest.mark.parametrize("bad", ["XYZ", "usd1", "dollars"], ids=["unknown", "junk", "word"])
def test_money_rejects_unknown_currency(bad: str) -> None:
    """Only ISO 4217 codes are currencies."""
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(amount=Decimal(1), currency=bad)


def test_money_rejects_float() -> None:
    """A float amount is refused with advice on how to parse JSON."""
    with pytest.raises(ValueError, match="not a float"):
        Money.model_validate({"amount": 19.99, "currency": "USD"})


def test_rounded_uses_minor_unit() -> None:
    """Rounding goes to the currency's minor unit: cents for USD, yen for JPY."""
    assert money("1.005").rounded().amount == Decimal("1.01")
    assert money("1234.5", "JPY").rounded().amount == Decimal("1235")


def base_order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "number": "1001",
        "placed_at": "2026-11-22T10:15:00+01:00",
        "currency": "EUR",
        "lines": [{"name": "Blue Train", "quantity": 2, "unit_price": "24.00"}],
        "shipping": {"method": "DHL", "amount": "4.90"},
        "total": "52.90",
        "customer": {"first_name": "Ada", "email": "ada@example.com"},
    }
    order.update(changes)
    return order


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(OrderValidationError) as info:
        validate_order(data)
    return [str(p) for p in info.value.problems]


def test_bare_amounts_take_the_order_currency() -> None:
    """A bare "24.00" in an order is Money in the order's currency."""
    order = validate_order(base_order())
    assert order.lines[0].unit_price == money("24.00", "EUR")
    assert order.line_subtotal == money("48.00", "EUR")


def test_totals_that_do_not_reconcile_show_the_numbers() -> None:
    """A wrong total is refused, and the message shows each number of the sum."""
    [problem] = problems(base_order(total="50.00"))
    assert "48.00" in problem and "4.90" in problem and "52.90" in problem and "50.00" in problem


def test_taxes_included_are_not_added_again() -> None:
    """VAT-inclusive prices: the tax lines are shown but not added to the total."""
    order = validate_order(
        base_order(taxes=[{"title": "VAT 19 %", "amount": "8.45"}], taxes_included=True)
    )
    assert order.total.amount == Decimal("52.90")
    [problem] = problems(base_order(taxes=[{"title": "VAT", "amount": "8.45"}]))
    assert "61.35" in problem


def test_totals_reconcile_to_the_minor_unit() -> None:
    """Sub-cent differences in line prices round away; a cent does not."""
    lines = [{"name": "Coffee", "quantity": "1.5", "unit_price": "9.999"}]
    order = validate_order(base_order(lines=lines, shipping=None, total="15.00"))
    assert order.total.amount == Decimal("15.00")
    assert problems(base_order(lines=lines, shipping=None, total="15.01"))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"quantity": 0}, "lines[0].quantity"),
        ({"quantity": -2}, "lines[0].quantity"),
        ({"image_url": "javascript:alert(1)"}, "lines[0].image_url"),
        ({"product_url": "ftp://example.com/x"}, "lines[0].product_url"),
        ({"unit_price": {"amount": "24.00", "currency": "USD"}}, "lines[0].unit_price"),
        ({"name": ""}, "lines[0].name"),
    ],
    ids=["zero-quantity", "negative-quantity", "javascript-url", "ftp-url", "currency", "no-name"],
)
def test_line_problems_name_the_field(change: dict[str, Any], path: str) -> None:
    """Each bad line field is reported with its path, such as lines[0].quantity."""
    line = {"name": "Blue Train", "quantity": 2, "unit_price": "24.00", **change}
    found = problems(base_order(lines=[line]))
    assert any(p.startswith(path) or path in p for p in found), found


def test_invalid_email_is_refused() -> None:
    """A customer email must be an email address; an empty one means none."""
    assert any(
        p.startswith("customer.email") for p in problems(base_order(customer={"email": "x@"}))
    )
    assert validate_order(base_order(customer={"email": "  "})).customer.email is None


@pytest.mark.parametrize(
    "nothing",
    ["   ", "\u200b", "\x00\x07", "\u2028\u2029", "\u200e\ufeff", "\u3000\t"],
    ids=["spaces", "zero-width-space", "controls", "separators", "marks", "ideographic-space"],
)
def test_an_optional_text_that_shows_nothing_is_none(nothing: str) -> None:
    """Spaces and invisible characters are no gift message, no note and no name: what a
    template would print as an empty section is absent. Text with something to see is
    kept (stripped of spaces, and of control characters, which are always dropped)."""
    order = validate_order(
        base_order(gift_message=nothing, note=nothing, customer={"first_name": nothing})
    )
    assert order.gift_message is None and order.note is None
    assert order.customer.first_name is None and not order.is_gift
    kept = f"{nothing}Hi".strip().replace("\x00\x07", "")
    assert validate_order(base_order(note=f"{nothing}Hi")).note == kept


def test_placed_at_needs_a_time_zone() -> None:
    """A naive timestamp is ambiguous, so it is refused."""
    assert any(
        p.startswith("placed_at") for p in problems(base_order(placed_at="2026-11-22T10:15"))
    )


def test_line_total_is_checked() -> None:
    """A given line total must equal quantity × price − line discounts."""
    line = {
        "name": "Tee",
        "quantity": 2,
        "unit_price": "20.00",
        "discounts": [{"title": "Bundle", "amount": "5.00"}],
        "total": "35.00",
    }
    order = validate_order(base_order(lines=[line], shipping=None, total="35.00"))
    assert order.lines[0].line_total.amount == Decimal("35.00")
    found = problems(base_order(lines=[{**line, "total": "40.00"}], shipping=None, total="40.00"))
    assert any("lines[0]" in p and "35.00" in p for p in found), found


def test_not_a_mapping_is_refused() -> None:
    """Something that is not an object at all gets one clear problem."""
    with pytest.raises(OrderValidationError, match="expected an order object"):
        validate_order(["not", "an", "order"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (
            {"name": "Sam", "address1": "1 Main St", "city": "Portland", "region": "OR",
             "postal_code": "97214", "country_code": "US"},
            ["Sam", "1 Main St", "Portland, OR 97214", "United States"],
        ),
        (
            {"name": "Jörg", "address1": "Venloer Straße 221", "city": "Köln",
             "postal_code": "50823", "country_code": "DE"},
            ["Jörg", "Venloer Straße 221", "50823 Köln", "Germany"],
        ),
        (
            {"address1": "14 Gloucester Road", "city": "Bristol", "postal_code": "BS7 8AE",
             "country_code": "GB"},
            ["14 Gloucester Road", "Bristol", "BS7 8AE", "United Kingdom"],
        ),
        (
            {"address1": "Somewhere 1", "city": "Hong Kong", "country_code": "HK"},
            ["Somewhere 1", "Hong Kong", "Hong Kong SAR China"],
        ),
    ],
    ids=["us", "de", "gb", "hk-no-postcode"],
)  # fmt: skip
def test_address_lines_follow_the_country(address: dict[str, str], expected: list[str]) -> None:
    """Addresses are laid out as their country writes them; nothing is US-only."""
    assert Address.model_validate(address).lines("en") == expected


def test_country_name_is_localised() -> None:
    """The country is named in the customer's language."""
    assert Address(country_code="DE").country_name("de") == "Deutschland"


def test_json_schema_documents_the_order() -> None:
    """Order.model_json_schema() is the documented schema, with the money fields."""
    schema = Order.model_json_schema()
    assert {"number", "placed_at", "currency", "lines", "total"} <= set(schema["required"])
    assert "Money" in schema["$defs"] and "LineItem" in schema["$defs"]


def test_computed_values_are_kept_and_leave_the_order_as_it_was(
    order_data: dict[str, Any],
) -> None:
    """A line's computed values are computed once and kept; keeping one changes neither
    what the order equals nor what it dumps to."""
    order, fresh = Order.model_validate(order_data), Order.model_validate(order_data)
    line = order.lines[0]
    assert "whole_quantity" not in line.__dict__
    assert line.whole_quantity == 1 and "whole_quantity" in line.__dict__
    assert line.line_total is line.line_total
    assert order == fresh and order.lines[0] == fresh.lines[0]
    assert order.model_dump() == fresh.model_dump()
    assert "whole_quantity" not in order.lines[0].model_dump()


# -- plain addresses, taken without email_validator ---------------------------------------

_LOCAL = st.text("aZ9_+-.", min_size=1, max_size=70) | st.text("aZ9_+-.!#'\"@ ", max_size=70)
_LABEL = (
    st.text("aZ9", min_size=1, max_size=3)
    | st.text("aZ9-", min_size=1, max_size=66)
    | st.sampled_from(["xn--p1ai", "ab--c", "a", ""])
)
_TLD = st.sampled_from(
    [
        "com",
        "CO",
        "museum",
        "test",
        "local",
        "LOCALHOST",
        "onion",
        "arpa",
        "invalid",
        "c1",
        "x",
        "xn--p1ai",
        "a" * 63,
        "a" * 64,
        "example",
        "internal",
    ]
)
_FUZZY = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    _LOCAL,
    st.lists(_LABEL, max_size=4),
    _TLD,
)
_WORD = st.text("aZ9_+-", min_size=1, max_size=30)
# Near the edges of what the short way takes: word lengths, hyphens, dots and case.
_NEAR = st.builds(
    lambda words, labels, tld: f"{'.'.join(words)}@{'.'.join([*labels, tld])}",
    st.lists(_WORD, min_size=1, max_size=4),
    st.lists(
        st.from_regex(r"[aZ9][aZ9-]{0,63}[aZ9]|[aZ9]", fullmatch=True), min_size=1, max_size=4
    ),
    _TLD,
)
_ADDRESS = _NEAR | _FUZZY


@given(_ADDRESS)
@settings(max_examples=500, deadline=None)
@example("Ada@Example.COM")
@example("a@b.co")
@example(f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.{'e' * 57}.com")
@example("a..b@x.com")
@example("a@x.test")
@example("a@ab--c.com")
def test_a_plain_address_is_what_email_validator_says(address: str) -> None:
    """Where the short way takes an address, email_validator takes it too, and
    normalizes it to the very same text."""
    plain = models._plain_email(address)
    if plain is None:
        return
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AssertionError(f"{address!r} taken, but email_validator says: {exc}") from None
    assert plain == expected


def test_the_short_way_takes_the_usual_addresses() -> None:
    assert models._plain_email("Ada.Lovelace+shop@Example.COM") == "Ada.Lovelace+shop@example.com"
    assert models._plain_email("sam@mail.groove-harbor.co.uk") == "sam@mail.groove-harbor.co.uk"
    assert models._plain_email("a@b.test") is None  # email_validator's to refuse
