"""Hostile input is normal input: bombs of a few bytes are refused fast, with the field named,
and nothing outside DelightmailError escapes the models or the adapters."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import (
    DelightmailError,
    Mailer,
    Merchant,
    OrderValidationError,
    PackError,
    TemplateError,
)
from delightmail.adapters import to_order
from delightmail.adapters._common import plain_text
from delightmail.models import _bounded_decimal, validate_order
from delightmail.packs import MAX_LINE_OUTPUT

from .conftest import ORDER_FILES, ROOT, copy_templates, load, sample

BASE = load(ORDER_FILES[0])

BOMBS = [
    Decimal("1e30000000"), Decimal("-1e30000000"), Decimal("1e-30000000"), Decimal("1e27"),
    "1e999999", "1_0.00", "NaN", "Infinity", "-0x10", "١٢", 10**40, -(10**40), True,
    "9" * 5000, 1.5, [], {}, "12.5.1", "1e3",
]  # fmt: skip


def with_field(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    target[int(last) if last.isdigit() else last] = value
    return data


FIELDS = [
    "total", "subtotal", "lines.0.quantity", "lines.0.unit_price", "lines.0.total",
    "shipping.amount", "taxes.0.amount", "customer.previous_orders", "placed_at",
]  # fmt: skip


@pytest.mark.parametrize("path", FIELDS)
@pytest.mark.parametrize("value", BOMBS, ids=[repr(b)[:20] for b in BOMBS])
def test_numeric_bombs_are_refused_fast_naming_the_field(path: str, value: Any) -> None:
    """Every hostile number is an OrderValidationError naming its field, at once (a bomb
    took seconds; the bound here only catches one coming back, it measures nothing)."""
    data = with_field(path, value)
    start = time.perf_counter()
    with pytest.raises(OrderValidationError) as info:
        validate_order(data)
    elapsed = time.perf_counter() - start
    field = path.split(".")[0]
    assert any(p.path.startswith(field) for p in info.value.problems), info.value
    assert elapsed < 0.5, f"{elapsed * 1000:.1f} ms"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("shipping.amount", "-5.00", "must not be negative"),
        ("taxes.0.amount", "-0.01", "must not be negative"),
        ("lines.0.unit_price", "-32.00", "must not be negative"),
        ("lines.0.quantity", "0", "greater than 0"),
        ("placed_at", "9999-12-31T23:59:59-12:00", "between 1970 and 2200"),
        ("total", "1_0.00", "plain decimal number"),
    ],
)
def test_meaningless_values_are_refused(path: str, value: Any, message: str) -> None:
    """Negative money, a zero quantity, a date no clock survives, a number with underscores."""
    with pytest.raises(OrderValidationError, match=message):
        validate_order(with_field(path, value))


NUMBER_TEXT = st.builds(
    lambda sign, zeros, whole, point, places: f"{sign}{'0' * zeros}{whole}{point}{places}",
    st.sampled_from(["", "+", "-"]),
    st.integers(0, 3),
    st.text("0123456789", max_size=16),
    st.sampled_from(["", "."]),
    st.text("0123456789", max_size=32),
)


@given(text=NUMBER_TEXT)
def test_a_number_in_text_is_sized_as_the_number_is(text: str) -> None:
    """Text is sized from its digits before it becomes a number: it is refused exactly
    when the Decimal it reads as would be (or when it is over 40 characters), and reads
    as that Decimal."""
    try:
        number = Decimal(text)
    except ArithmeticError:
        number = None
    if number is None or len(text) > 40:
        with pytest.raises(ValueError, match="plain decimal number"):
            _bounded_decimal(text)
        return
    try:
        expected = _bounded_decimal(number)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            _bounded_decimal(text)
        return
    got = _bounded_decimal(text)
    assert got == expected and str(got) == str(number)


def test_gift_cards_cannot_pay_more_than_the_total() -> None:
    """Gift cards larger than the total mean nothing: refused, with the numbers."""
    data = with_field("payment", {"gift_cards": [{"amount": "99.00"}]})
    expected = r"gift cards pay 99\.00 but the total is 36\.50"
    with pytest.raises(OrderValidationError, match=expected):
        validate_order(data)


def test_discounts_cannot_make_a_line_negative() -> None:
    """A line discount larger than the line is refused."""
    data = with_field("lines.0.discounts", [{"amount": "100.00"}])
    with pytest.raises(OrderValidationError, match="discounts"):
        validate_order(data)


def test_plain_text_is_linear() -> None:
    """40 KB of "<" (and of "<a") strip in well under a second."""
    for text in ("<" * 40_000, "<a" * 20_000, "<" * 20_000 + ">"):
        start = time.perf_counter()
        plain_text(text)
        assert time.perf_counter() - start < 0.2


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    | st.sampled_from(["1e999999", "-1", "0", "1_0", "NaN", "", "<" * 200])
    | st.decimals(allow_nan=True, allow_infinity=True),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)  # fmt: skip

PAYLOADS = {
    "shopify": "rest-docs-2026-07-create-order-eur.json",
    "woocommerce": "rest-docs-v3-create-order-727.json",
    "saleor": "smtp-app-order-created-example.json",
}


def mutate(payload: Any, path: list[int], value: Any) -> Any:
    """*payload* with the node that *path* walks to replaced by *value*."""
    if not path or not isinstance(payload, dict | list) or not payload:
        return value
    if isinstance(payload, dict):
        keys = sorted(payload)
        key = keys[path[0] % len(keys)]
        return {**payload, key: mutate(payload[key], path[1:], value)}
    index = path[0] % len(payload)
    return [*payload[:index], mutate(payload[index], path[1:], value), *payload[index + 1 :]]


@pytest.mark.parametrize("platform", sorted(PAYLOADS))
@settings(max_examples=150, deadline=None)
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=6), value=JSON)
def test_mutated_platform_payloads_fail_only_as_ours(
    platform: str, path: list[int], value: Any
) -> None:
    """A real payload with any one node replaced by hostile JSON either maps to an order
    or fails with a DelightmailError, quickly, never with anything else."""
    payload = mutate(sample(platform, PAYLOADS[platform]), path, value)
    start = time.perf_counter()
    with contextlib.suppress(DelightmailError):
        to_order(json.loads(json.dumps(payload, default=str), parse_float=Decimal), platform)
    assert time.perf_counter() - start < 1.0


BOMB_LINES = [
    "{{ 10**(10**8) }}",
    "{{ 9**9**9 }}",
    "{{ who.zfill(300000000) }}",
    "{{ who.center(10**9) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ who * 100000000 }}",
    "{% for a in who %}{% for b in who %}{% for c in who %}x{% endfor %}{% endfor %}{% endfor %}",
    "{{ who|join(who)|join(who) }}",
    "{{ range(10**9)|list }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{% set x = who %}{{ x }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{{ (" * 400 + "who" + ")" * 400 + " }}",
    "{{ who[10**9] }}",
    "{{ {}.a.b }}",
    "x" * 3000,
    "{{ who.format(who) }}",
    "{{ who|format(who) }}",
    "{{ who.encode() }}",
    "{% include 'x' %}",
]


@pytest.mark.parametrize("text", BOMB_LINES, ids=[line[:30] for line in BOMB_LINES])
def test_pack_bombs_are_refused_at_load(merchant: Merchant, tmp_path: Path, text: str) -> None:
    """A hostile pack line is a PackError naming the file and entry, at once, whatever it
    tries: huge numbers, growing strings, loops, recursion, reaching for Python."""
    folder = tmp_path / "packs"
    folder.mkdir()
    (folder / "playful.toml").write_text(
        '[pack]\ntone = "playful"\n[lines]\nopening = [' + json.dumps(text) + "]\n",
        encoding="utf-8",
    )
    start = time.perf_counter()
    with pytest.raises(PackError) as info:
        Mailer(merchant=merchant, pack_dirs=(folder,))
    assert "playful.toml: lines.opening[0]" in str(info.value)
    assert time.perf_counter() - start < 2.0


def test_a_long_customer_value_cannot_blow_up_a_line(merchant: Merchant, tmp_path: Path) -> None:
    """What a line prints is cut: a 5,000-character name in a subject line stays bounded."""
    folder = tmp_path / "packs"
    folder.mkdir()
    line = "{{ who|upper }} {{ who|title }} {{ who }} " * 20
    (folder / "playful.toml").write_text(
        '[pack]\ntone = "playful"\n[lines]\nopening = [{ text = '
        + json.dumps(line)
        + ", name = true }]\n",
        encoding="utf-8",
    )
    mailer = Mailer(merchant=merchant, pack_dirs=(folder,))
    data = copy.deepcopy(BASE)
    data["customer"]["first_name"] = "A" * 5000
    story = mailer.context(data)["story"]
    assert len(story.opening) <= MAX_LINE_OUTPUT


TEMPLATE_BOMBS = [
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ 10**(10**8) }}",
    "{{ 'x' * 10**9 }}",
    "{{ merchant.name.zfill(300000000) }}",
    "{{ merchant.name|center(1000000000) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ range(10**9)|list }}",
    "{% set x = merchant.name %}{{ x.__class__ }}",
]


@pytest.fixture(scope="module")
def template_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The postcard design in a copy of the built-in templates, to write a merchant's
    hostile line into (its story partial)."""
    return copy_templates(tmp_path_factory.mktemp("merchant-template")) / "postcard"


@pytest.mark.parametrize("bomb", TEMPLATE_BOMBS, ids=[b[:30] for b in TEMPLATE_BOMBS])
def test_a_sandboxed_template_refuses_what_a_merchant_should_not_do(
    merchant: Merchant, template_folder: Path, bomb: str
) -> None:
    """Mailer(sandbox=True) runs a merchant's template: reaching for Python, huge numbers
    and growing strings are a TemplateError naming the file and line, at once."""
    text = template_folder.parent / "partials" / "story.txt.j2"
    original = (ROOT / "templates" / "partials" / "story.txt.j2").read_text(encoding="utf-8")
    text.write_text(bomb + "\n" + original, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(TemplateError) as info:
        Mailer(merchant, template=template_folder, sandbox=True).render(BASE)
    assert info.value.filename == str(text) and info.value.lineno == 1
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize(
    "text",
    ["{{ " + "-" * 250 + "merchant.name }}", "{% for x in [1] %}" * 25 + "{% endfor %}" * 25],
    ids=["250 minus signs", "25 nested loops"],
)
@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox", "trusted"])
def test_a_template_nested_past_pythons_limits_is_a_template_error(
    merchant: Merchant, template_folder: Path, text: str, sandbox: bool
) -> None:
    """Jinja makes Python code that Python will not compile (200 nested parentheses, 20
    nested blocks): a TemplateError naming the file, never a SyntaxError."""
    path = template_folder / "email.txt.j2"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="nested too deeply") as info:
        Mailer(merchant, template=template_folder, sandbox=sandbox)
    assert info.value.filename == str(path)


def test_the_sandbox_renders_the_built_in_template_the_same(merchant: Merchant) -> None:
    """The sandbox changes nothing a reader sees for a well-behaved template."""
    plain, sandboxed = Mailer(merchant), Mailer(merchant, sandbox=True)
    for path in ORDER_FILES:
        data = load(path)
        assert plain.render(data) == sandboxed.render(data)


CONTROLS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85,
                            0x9F, 0xFFFE, 0xFFFF]))  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(noise=st.text(alphabet=CONTROLS, min_size=1, max_size=4))
def test_control_characters_never_reach_an_email(merchant_data: dict[str, Any], noise: str) -> None:
    """A control character in any text of an order or a merchant is dropped when it is
    validated: neither part shows one, and both paths render the same email."""
    data = copy.deepcopy(load(ORDER_FILES[3]))
    data["number"] += noise
    data["note"] = f"Ring{noise} twice\r\nthanks"
    data["gift_message"] = f"Happy{noise} birthday"
    data["lines"][0]["name"] = f"Blue{noise} Train"
    data["customer"]["first_name"] = f"S{noise}am"
    data["shipping"]["method"] = f"UPS{noise} Ground"
    shop = {**merchant_data, "name": f"Groove{noise} Harbor", "city": {"en": f"Port{noise}land"}}
    fast = Mailer(shop).render(data)
    slow = Mailer(shop, precompile=False).render(data)
    for part in (fast.html, fast.text, fast.subject, fast.preheader):
        assert not any(char in CONTROLS for char in part)
    assert "Blue Train" in fast.text and "Ring twice\n" in fast.text
    assert fast.text == slow.text and fast.subject == slow.subject


RAW_BODIES = [
    b"\xff\xfe\x00not text",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"order": ' * 50_000 + b"{}" + b"}" * 50_000,
    b'{"line_items": [' + b"{}," * 1000 + b"{}]}",
    b"webhook_id=12",
    b"",
]


@pytest.mark.parametrize("platform", sorted(PAYLOADS))
@pytest.mark.parametrize("body", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_raw_webhook_bodies_fail_only_as_ours(platform: str, body: bytes) -> None:
    """What a webhook receiver hands the adapters: bytes, not always UTF-8, not always JSON,
    sometimes nested past what json can read."""
    with pytest.raises(DelightmailError):
        to_order(body, platform, lenient=True)


@pytest.mark.parametrize("platform", sorted(PAYLOADS))
@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=200))
def test_any_bytes_fail_only_as_ours(platform: str, body: bytes) -> None:
    with contextlib.suppress(DelightmailError):
        to_order(body, platform, lenient=True)
