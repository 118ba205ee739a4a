"""The short way a big order's lines are checked (models._plain_line and its parts, and
models._plain_lines, a field of every line at a time) is the usual validation, only
cheaper: for any order, valid or not, validate_order gives the very Order (same fields,
same types, same fields set) or the very problems that Order.model_validate gives."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import product
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from delightmail import OrderValidationError
from delightmail.models import (
    _COLUMNS_FROM,
    _DECIMALS,
    _DECLINED,
    LineItem,
    Money,
    Order,
    WebUrl,
    _bounded_decimal,
    _plain_decimal,
    _plain_line,
    _plain_lines,
    _plain_text,
    _plain_url,
    _strip_or_none,
    problems_from,
    validate_order,
)

from .conftest import ORDER_FILES, load

# -- the reference: the usual validation, and an exact comparison ------------------


def reference(data: dict[str, Any]) -> Order | list[tuple[str, str]]:
    """What the usual validation makes of *data*: the Order, or its problems."""
    try:
        return Order.model_validate(dict(data))
    except ValidationError as exc:
        return [(p.path, p.message) for p in problems_from(exc)]


def fast(data: dict[str, Any]) -> Order | list[tuple[str, str]]:
    try:
        return validate_order(data)
    except OrderValidationError as exc:
        return [(p.path, p.message) for p in exc.problems]


def same(a: Any, b: Any, where: str = "order") -> None:
    """*a* and *b* are the same value: same types all the way down, the same Decimal
    digits and exponents, models with the same fields set."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, BaseModel):
        assert a == b, where
        assert a.model_fields_set == b.model_fields_set, where
        for name in type(a).model_fields:
            same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, Decimal):
        assert a.as_tuple() == b.as_tuple(), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def check(data: dict[str, Any]) -> Order | list[tuple[str, str]]:
    expected = reference(data)
    got = fast(data)
    if isinstance(expected, list):
        assert got == expected
        return got
    assert isinstance(got, Order), got
    same(got, expected)
    # What the order computes from its lines, too.
    assert got.discrepancy == expected.discrepancy
    for name in ("computed_subtotal", "line_subtotal", "computed_total", "item_count"):
        same(getattr(got, name), getattr(expected, name), name)
    for i, (x, y) in enumerate(zip(got.lines, expected.lines, strict=True)):
        same(x.line_total, y.line_total, f"lines[{i}].line_total")
        same(x.computed_total, y.computed_total, f"lines[{i}].computed_total")
    return got


# -- the parts -------------------------------------------------------------------

NUMBER_TEXT = st.one_of(
    st.from_regex(r"\A[ ]?[+-]?0{0,3}[0-9]{0,15}(\.[0-9]{0,30})?[ ]?\Z"),
    st.text(alphabet="0123456789+-.eE_ \t\u00a0\u0663", max_size=12),
    st.sampled_from(["", ".", "-.", "1.", ".5", "+0", "-0", "00000000000000001", "1e3", "NaN"]),
)
NUMBERS = st.one_of(
    NUMBER_TEXT,
    st.integers(min_value=-(2**50), max_value=2**50),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([True, False, 1.5, None, Decimal("1e13"), Decimal("1e-28"), Decimal("1e-29")]),
)


@settings(max_examples=400, deadline=None)
@given(value=NUMBERS)
@example(value=" " * 100 + "5")
def test_a_plain_number_is_what_the_decimal_check_makes_of_it(value: Any) -> None:
    got = _plain_decimal(value)
    assert all(len(key) <= 40 for key in _DECIMALS)  # a padded number is not kept
    if type(value) not in (str, int, Decimal):
        assert got is _DECLINED  # pydantic's to name what is wrong
        return
    try:
        expected = Decimal(_bounded_decimal(value))
    except ValueError:
        assert got is _DECLINED
        return
    # Every number the check takes is taken, as the same Decimal.
    assert type(got) is Decimal
    assert got.as_tuple() == expected.as_tuple()


#: The pieces of a URL, each put with each: a scheme, a host, a path, an end.
URL_PIECES = (
    ["https://", "http://", "HTTPS://", "ftp://", "https:/", "", " https://"],
    [
        "shop.example.com",
        "Shop.Example",
        "a",
        "a-",
        "-a",
        "bücher.example",
        "user@shop.example",
        "shop.example.com:8080",
        "shop.example:99999",
        "shop.example:",
        "[::1]",
        "1.2.3.4",
        "",
    ],
    ["/", "/img/1.jpg", "", "/a b", "/a\x00", "/?q=1#x", "/ü", "/a\u2028b", "/@x", "?x", "/a\tb"],
    ["", " ", "\n", "\u3000"],
)
URL_PARTS = st.tuples(*map(st.sampled_from, URL_PIECES))


@settings(max_examples=400, deadline=None)
@given(parts=URL_PARTS, noise=st.text(max_size=3))
def test_a_plain_url_is_what_weburl_makes_of_it(parts: tuple[str, ...], noise: str) -> None:
    for text in ("".join(parts), "".join(parts) + noise):
        got = _plain_url(text)
        try:
            expected = WebUrl.parse(text)
        except ValueError:
            assert got is _DECLINED
            continue
        if got is not _DECLINED:
            assert type(got) is WebUrl
            assert got == expected


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.none(), st.text(max_size=8), st.sampled_from([" a ", "\u200b", "\x00"])))
def test_a_plain_text_is_what_the_text_check_makes_of_it(value: Any) -> None:
    got = _plain_text(value)
    if got is not _DECLINED:
        assert got == _strip_or_none(value)
        line = {"name": "x", "quantity": "1", "unit_price": "1", "sku": value}
        with_currency = Order.model_validate(
            {
                "number": "1",
                "placed_at": "2026-11-22T10:15:00+01:00",
                "currency": "EUR",
                "lines": [line],
                "total": "1",
            }
        )
        assert with_currency.lines[0].sku == got


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=8))
@example(value=" \u200b ")
@example(value="\x00")
def test_an_optional_text_is_cleaned_as_it_always_was(value: str) -> None:
    from delightmail.models import _clean, _shows_nothing

    cleaned = _clean(value).strip()
    assert _strip_or_none(value) == (None if _shows_nothing(cleaned) else cleaned)


# -- whole orders ----------------------------------------------------------------

TEXT_VALUES = [
    "Blue Train",
    "  padded  ",
    "",
    "   ",
    "a\x00b",
    "two\r\nlines",
    "x" * 5001,
    " " + "y" * 5000 + " ",
    "\u200b",
    "Ünïcödé",
    "tab\there",
    5,
    None,
]
TEXTS = st.one_of(st.sampled_from(TEXT_VALUES), st.text(max_size=6))
QUANTITY_VALUES = [
    "1", "2", " 3 ", "0", "-1", "1.5", "1e3", "1000000", "1000001", 1, 0, 2, True, 1.5,
    Decimal("2"), Decimal("0.001"), Decimal("NaN"), "abc", None, "\u0663", "0.0000001"
]  # fmt: skip
QUANTITIES = st.sampled_from(QUANTITY_VALUES)
AMOUNT_VALUES = [
    "5.99", "0", "-1", "-0", "1e3", "24", " 7.50 ", "0.005", "9999999999999", "99999999999999",
    5, 0, -3, Decimal("5.99"), Decimal("-2"), True, 1.5, None, "abc", "1_000"
]  # fmt: skip
AMOUNTS = st.sampled_from(AMOUNT_VALUES)
CURRENCY_CODES = st.sampled_from(["EUR", "eur", " EUR", "JPY", "USD", "ZZZ", 5])


@st.composite
def prices(draw: st.DrawFn) -> Any:
    amount = draw(AMOUNTS)
    shape = draw(st.integers(0, 5))
    if shape <= 2:
        return amount
    if shape == 3:
        return {"amount": amount, "currency": draw(CURRENCY_CODES)}
    if shape == 4:
        return draw(
            st.sampled_from(
                [
                    {"amount": "1"},
                    {"amount": "1", "currency": "EUR", "x": 1},
                    {"currency": "EUR"},
                    [],
                    "€5",
                ]
            )
        )
    return Money(amount=Decimal("3.50"), currency=draw(st.sampled_from(["EUR", "JPY"])))


URLS = st.sampled_from(
    [None, "https://shop.example.com/img/1.jpg", "HTTPS://Shop.Example/a", "https://shop.example",
     "https://shop.example:99999/x", "https://user@shop.example/", "ftp://shop.example/",
     "https://bücher.example/", " https://shop.example/x ", "https://shop.example/a b", "", 5]
)  # fmt: skip
PART_VALUES = [
    [], None, "none", [{"amount": "1.00"}], [{"amount": "-1"}], [{"amount": "100000"}],
    [{"code": " SAVE ", "amount": {"amount": "0.50", "currency": "EUR"}}], [{"title": "x"}],
    [{"amount": "0.5"}] * 101, [{"name": "Engraving", "value": " Hi "}], [{"name": ""}], ["x"],
    [{"name": "a", "value": "b", "c": 1}], {}, [[]]
]  # fmt: skip
DISCOUNTS = st.sampled_from(PART_VALUES[:9])
PROPERTIES = st.sampled_from([[], *PART_VALUES[1:2], *PART_VALUES[9:13]])
FULFILLMENT_VALUES = [None, "physical", "digital", "service", "Physical", 5, "", ["physical"]]


#: Values each field of a line usually has (as platforms and JSON write them).
USUAL: dict[str, st.SearchStrategy[Any]] = {
    "name": st.sampled_from(["Blue Train", " Kind of Blue ", "Ünïcödé & co", "x" * 5000]),
    "sku": st.sampled_from([None, "BT-1", "", " sku ", "  "]),
    "variant": st.sampled_from([None, "Black vinyl", "Size M / Blue"]),
    "kind": st.sampled_from([None, "record", "tip", "Book"]),
    "quantity": st.sampled_from(["1", "2", "3", " 4 ", 1, 2, "1.5", "0.001", "1000000", "007"]),
    "unit_price": st.one_of(
        st.sampled_from(["12.50", "0", "24", "0.005", "-0", "9999999999999", 3, Decimal("1.10")]),
        st.sampled_from(["12.50", "0.99", "7"]).map(lambda a: {"amount": a, "currency": "EUR"}),
    ),
    "discounts": st.sampled_from([[], [], [{"amount": "0.50"}], [{"code": "X", "amount": "1"}]]),
    "total": st.sampled_from([None, "computed", "computed", "1.00"]),
    "image_url": st.sampled_from([None, "https://shop.example/bt.jpg", "http://a.example/x"]),
    "product_url": st.sampled_from([None, "https://shop.example/products/bt"]),
    "properties": st.sampled_from([[], [{"name": "Engraving", "value": "Hi"}]]),
    "fulfillment": st.sampled_from([None, "physical", "digital", "service"]),
}
#: And anything else they may have (many of them wrong).
UNUSUAL: dict[str, st.SearchStrategy[Any]] = {
    "name": TEXTS,
    "sku": TEXTS,
    "variant": TEXTS,
    "kind": TEXTS,
    "quantity": QUANTITIES,
    "unit_price": prices(),
    "discounts": DISCOUNTS,
    "total": st.one_of(st.none(), prices()),
    "image_url": URLS,
    "product_url": URLS,
    "properties": PROPERTIES,
    "fulfillment": st.sampled_from(FULFILLMENT_VALUES),
}
REQUIRED = ("name", "quantity", "unit_price")


@st.composite
def lines(draw: st.DrawFn, usual: bool = False) -> Any:
    """A line: an unusual one or a wrong one now and then, unless *usual*."""
    shape = 0 if usual else draw(st.integers(0, 40))
    if shape == 39:
        return draw(st.sampled_from([None, "line", [], 5]))
    if shape == 40:
        return LineItem(name="Made", quantity=Decimal(1), unit_price=Money.zero("EUR"))
    surprises = 0 if usual else draw(st.sampled_from([0, 0, 0, 1, 2, 20]))  # in 20
    line: dict[str, Any] = {}
    for name in USUAL:
        if name not in REQUIRED and draw(st.booleans()):
            continue  # not given
        if draw(st.integers(0, 19)) < surprises:
            if name in REQUIRED and draw(st.integers(0, 9)) == 0:
                continue  # missing
            line[name] = draw(UNUSUAL[name])
        else:
            line[name] = draw(USUAL[name])
    if not usual and draw(st.integers(0, 40)) == 40:
        line["colour"] = "red"
    return line


@st.composite
def orders(draw: st.DrawFn, usual: bool = False) -> dict[str, Any]:
    """An order, wrong now and then, unless *usual*: then only its totals may not add up."""
    codes = ["EUR"] if usual else ["EUR"] * 12 + [" eur ", "JPY", "ZZZ", 5, None]
    currency = draw(st.sampled_from(codes))
    at_least = 1 if usual else draw(st.integers(0, 20)) < 20
    items = draw(st.lists(lines(usual), min_size=at_least, max_size=5))
    data: dict[str, Any] = {
        "number": "1001",
        "placed_at": "2026-11-22T10:15:00+01:00",
        "currency": currency,
        "lines": items if draw(st.integers(0, 20)) else tuple(items),
        "total": "0",
        "customer": {"first_name": "Ada"},
    }
    if draw(st.booleans()):
        amounts = st.sampled_from(["4.90", "0", 5]) if usual else AMOUNTS
        data["shipping"] = {"method": "Standard", "amount": draw(amounts)}
    if not usual and draw(st.integers(0, 10)) == 10:
        data["subtotal"] = draw(AMOUNTS)
    if currency is None:
        del data["currency"]
    return settle(data, totals_as_given=draw(st.booleans()))


def settle(data: dict[str, Any], *, totals_as_given: bool) -> dict[str, Any]:
    """*data* with each line total drawn as "computed" made the one that adds up, and the
    order's total too (unless its totals are taken as given), when the rest is valid."""
    computed = [
        i
        for i, line in enumerate(data["lines"])
        if isinstance(line, dict) and line.get("total") == "computed"
    ]
    for i in computed:
        data["lines"][i]["total"] = None
    probe = reference({**data, "totals_as_given": True})
    if isinstance(probe, Order):
        for i in computed:
            data["lines"][i]["total"] = str(probe.lines[i].computed_total.amount)
    if totals_as_given:
        data["totals_as_given"] = True
        return data
    probe = reference({**data, "totals_as_given": True})
    if isinstance(probe, Order):
        data["total"] = str(probe.computed_total.amount)
    return data


@st.composite
def alike_lines(draw: st.DrawFn) -> list[Any]:
    """Lines that all give the same fields (as a platform or a JSON dump writes them),
    usual values but for one odd value, now and then (anything a field may hold; for a
    URL, any of URL_PARTS), in one of the lines."""
    optional = [name for name in USUAL if name not in REQUIRED]
    fields = [*REQUIRED, *draw(st.lists(st.sampled_from(optional), unique=True))]
    items = []
    for _ in range(draw(st.integers(1, 5))):
        items.append({name: draw(USUAL[name]) for name in draw(st.permutations(fields))})
    if draw(st.integers(0, 3)):
        field = draw(st.sampled_from(fields))
        odd = UNUSUAL[field]
        if field in ("image_url", "product_url"):
            odd = st.one_of(URL_PARTS.map("".join), odd)
        draw(st.sampled_from(items))[field] = draw(odd)
    return items


def same_line_by_line(items: list[Any], currency: str) -> None:
    """_plain_lines takes *items* only when _plain_line takes each, and makes of each what
    _plain_line makes of it; it declines lines _plain_line takes only for a part of their
    own (a discount, a property), which its model checks."""
    one_by_one = [_plain_line(line, currency) for line in items]
    together = _plain_lines(items, currency)
    if together is not None:
        assert None not in one_by_one
        for i, (got, expected) in enumerate(zip(together, one_by_one, strict=True)):
            same(got, expected, f"lines[{i}]")
            assert got.model_fields_set == set(items[i])
    elif None not in one_by_one and all(line.keys() == items[0].keys() for line in items):
        assert any(line.get("discounts") or line.get("properties") for line in items)


@settings(max_examples=600, deadline=None)
@given(items=alike_lines(), currency=st.sampled_from(["EUR", "JPY"]))
def test_lines_alike_checked_a_column_at_a_time_are_each_line_checked(
    items: list[Any], currency: str
) -> None:
    """Lines that give the same fields, checked together: as each is, and the order is
    the order validated."""
    for line in items:
        if line.get("total") == "computed":
            line["total"] = None
    same_line_by_line(items, currency)
    # As many of them as an order checks a column at a time (copies: a line is its own).
    many = [dict(items[i % len(items)]) for i in range(max(len(items), _COLUMNS_FROM))]
    for lines in (items, many):
        data = {"number": "1", "placed_at": "2026-11-22T10:15:00+01:00", "currency": currency,
                "lines": lines, "total": "0"}  # fmt: skip
        check(settle(data, totals_as_given=True))


#: Every URL of URL_PIECES, one of 2,048 characters (the most a URL may have) and a longer one.
URL_VALUES = [
    *map("".join, product(*URL_PIECES)),
    *("https://shop.example/" + "a" * n for n in (2027, 2028)),
]
#: For each field, every odd value the tests know of it (every URL of URL_PIECES).
ODD_VALUES: dict[str, list[Any]] = {
    **dict.fromkeys(("name", "sku", "variant", "kind"), TEXT_VALUES),
    "quantity": QUANTITY_VALUES,
    "unit_price": AMOUNT_VALUES,
    "total": AMOUNT_VALUES,
    **dict.fromkeys(("image_url", "product_url"), URL_VALUES),
    **dict.fromkeys(("discounts", "properties"), PART_VALUES),
    "fulfillment": FULFILLMENT_VALUES,
}
#: A line every field of which is plain.
PLAIN_LINE = {
    "name": "Blue Train", "sku": "BT-1", "variant": "Black vinyl", "kind": "record",
    "quantity": "2", "unit_price": "12.50", "discounts": [], "total": None,
    "image_url": "https://shop.example/bt.jpg", "product_url": "https://shop.example/p/bt",
    "properties": [], "fulfillment": "physical",
}  # fmt: skip


@pytest.mark.parametrize("field", ODD_VALUES)
def test_each_odd_value_among_lines_alike_is_checked_as_its_line_is(field: str) -> None:
    """Every value of ODD_VALUES, in one line of two that give the same fields (and in
    both): what _plain_lines makes of them is what _plain_line makes of each."""
    for value in ODD_VALUES[field]:
        odd = {**PLAIN_LINE, field: value}
        same_line_by_line([dict(PLAIN_LINE), odd], "EUR")
        same_line_by_line([odd, dict(odd)], "EUR")
        same_line_by_line([{"name": "x", "quantity": "1", "unit_price": "1", field: value}], "EUR")


@settings(max_examples=600, deadline=None)
@given(data=orders())
def test_any_order_validates_the_same_the_short_way(data: dict[str, Any]) -> None:
    check(data)


@settings(max_examples=300, deadline=None)
@given(data=orders(usual=True))
def test_a_usual_order_validates_the_same_the_short_way(data: dict[str, Any]) -> None:
    check(data)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(lines(), min_size=1, max_size=4), currency=st.sampled_from(["EUR", "JPY"]))
def test_a_line_checked_the_short_way_is_the_line_validated(
    items: list[Any], currency: str
) -> None:
    data = {
        "number": "1",
        "placed_at": "2026-11-22T10:15:00+01:00",
        "currency": currency,
        "lines": items,
        "total": "0",
    }
    data = settle(data, totals_as_given=True)
    check(data)
    for item in items:
        if isinstance(item, dict):
            got = _plain_line(item, currency)
            if got is not None:  # else the line's own validation decides
                expected = reference({**data, "lines": [item]})
                if isinstance(expected, Order):  # else the order's own checks refuse it
                    same(got, expected.lines[0], "line")


@pytest.mark.parametrize("path", ORDER_FILES, ids=lambda p: p.stem)
def test_every_example_order_validates_the_same_the_short_way(path: Any) -> None:
    data = load(path)
    check(data)
    check(json.loads(json.dumps(validate_order(data).model_dump(mode="json"))))
    check(validate_order(data).model_dump())


def test_a_big_order_validates_the_same_the_short_way() -> None:
    items = [
        {
            "name": f"Record {i}",
            "sku": f"R-{i}",
            "quantity": str(1 + i % 3),
            "unit_price": {"amount": f"{5 + i % 40}.99", "currency": "USD"},
            "image_url": f"https://shop.example.com/img/{i}.jpg",
            "discounts": [{"amount": "1.00"}] if i % 7 == 0 else [],
        }
        for i in range(1000)
    ]
    data = {
        "number": "1",
        "placed_at": "2026-11-22T10:15:00+01:00",
        "currency": "USD",
        "lines": items,
        "total": "0",
        "totals_as_given": True,
    }
    order = check(data)
    assert isinstance(order, Order) and order.discrepancy
    broken = [dict(item) for item in items]
    broken[812]["unit_price"] = {"amount": "12.5.1", "currency": "USD"}
    broken[900]["unit_price"] = {"amount": "1", "currency": "EUR"}
    problems = check({**data, "lines": broken})
    assert isinstance(problems, list) and problems[0][0] == "lines[812].unit_price.amount"
    broken[812] = items[812]
    problems = check({**data, "lines": broken})
    assert problems == [
        ("", "lines[900].unit_price is in EUR but the order is in USD; every amount of an "
             "order must share its currency")
    ]  # fmt: skip


def test_lines_that_give_the_same_fields_stay_lines_of_their_own() -> None:
    """Lines checked the short way share the set of the fields they give (it is never
    added to): a copy with a change marks that field on the copy alone, and a line that
    gives other fields says so."""
    lines = [{"name": f"Record {i}", "quantity": "1", "unit_price": "5.00"} for i in range(3)]
    lines.append({"name": "Mug", "quantity": "1", "unit_price": "5.00", "sku": "M-1"})
    order = validate_order(
        {"number": "1", "placed_at": "2026-11-22T10:15:00+01:00", "currency": "EUR",
         "lines": lines, "total": "20.00"}
    )  # fmt: skip
    first, second, _, mug = order.lines
    assert first.model_fields_set == {"name", "quantity", "unit_price"}
    assert mug.model_fields_set == {"name", "quantity", "unit_price", "sku"}
    changed = first.model_copy(update={"variant": "Blue"})
    assert changed.model_fields_set == {"name", "quantity", "unit_price", "variant"}
    assert first.model_fields_set == second.model_fields_set == {"name", "quantity", "unit_price"}
    assert first.model_dump(exclude_unset=True) == {
        "name": "Record 0", "quantity": Decimal("1"),
        "unit_price": {"amount": Decimal("5.00"), "currency": "EUR"},
    }  # fmt: skip
    # An amount the order computes dumps as one it was given.
    assert order.computed_subtotal.model_dump(exclude_unset=True) == {
        "amount": Decimal("20.00"), "currency": "EUR"
    }  # fmt: skip
    with pytest.raises(ValidationError):
        first.name = "Changed"  # type: ignore[misc]
