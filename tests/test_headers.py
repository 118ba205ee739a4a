"""Headers safe by construction: whatever a customer or merchant types, no header is added,
the header block never ends early, no line passes 998 bytes, and addresses are exactly one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delightmail import Mailer, MessageError, RenderedEmail
from delightmail.headers import clean, parse_address, raw_value, unstructured

from .conftest import ORDER_FILES, load

SENDER = "Groove Harbor <orders@groove-harbor.example.com>"
EXPECTED = {
    "Subject",
    "From",
    "To",
    "Reply-To",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
}

# What attackers type: encoded words carrying CR LF, raw breaks, NULs, Unicode
# line separators, header look-alikes, long runs without a space.
NASTY = st.sampled_from([
    "=?utf-8?q?x=0D=0AReply-To:_attacker@evil.example=0D=0A?=",
    "=?utf-8?q?=0D=0A=0D=0A?=", "=?UTF-8?B?DQpCY2M6IGV2aWxAZXZpbC5leGFtcGxlDQo=?=",
    "\r\nBcc: evil@evil.example", "\n\nbody", "\x00", "\u2028", "\u2029", "\u0085", "\x1b[31m",
    "Bcc: evil@evil.example <sam@example.com>", '"', "\\", "<", ">", ",", ";", ":", "@",
    "x" * 1200, "é" * 400, "😀" * 50, "\u202e", "\ufeff", " ",
])  # fmt: skip
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=40)), max_size=6).map("".join)


def header_block(raw: bytes) -> bytes:
    head, sep, _ = raw.partition(b"\r\n\r\n")
    assert sep, "no end of headers"
    return head


def assert_safe(raw: bytes) -> Any:
    """The message bytes have exactly our headers, none longer than 998 bytes a line."""
    head = header_block(raw)
    for line in head.split(b"\r\n"):
        assert len(line) <= 998, len(line)
        assert b"\r" not in line and b"\n" not in line and b"\x00" not in line
    starts = {
        line.split(b":", 1)[0].decode()
        for line in head.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    }
    assert starts == EXPECTED, starts
    parsed = message_from_bytes(raw, policy=policy.default)
    assert set(parsed.keys()) == EXPECTED
    assert len(parsed["To"].addresses) == 1 and len(parsed["Reply-To"].addresses) == 1
    return parsed


def email_with(subject: str, name: str, signer: str, number: str) -> RenderedEmail:
    return RenderedEmail(
        subject=subject,
        preheader="",
        html="<p>hi</p>",
        text="hi\n",
        order_number=number,
        placed_at=datetime(2026, 11, 22, 10, tzinfo=UTC),
        recipient=(name, "sam@example.com"),
        reply_to=(signer, "maya@example.com"),
    )


@settings(max_examples=400, deadline=None)
@given(subject=TEXT, name=TEXT, signer=TEXT, number=TEXT)
def test_no_value_reaches_beyond_its_header(
    subject: str, name: str, signer: str, number: str
) -> None:
    """Subject, display names and the order number, whatever they hold, stay in their
    header; the subject reads back as the cleaned text."""
    email = email_with(subject, name, signer, number)
    parsed = assert_safe(email.to_message(sender=SENDER).as_bytes())
    assert str(parsed["Subject"]) == clean(subject)
    assert parsed["To"].addresses[0].addr_spec == "sam@example.com"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=TEXT, last=TEXT, number=st.one_of(NASTY, st.text(min_size=1, max_size=30)))
def test_customer_fields_through_a_real_render(
    mailer: Mailer, first: str, last: str, number: str
) -> None:
    """The customer's names and the order number, rendered by the mailer, cannot add a
    header to the message bytes."""
    data = load(ORDER_FILES[0])
    data["customer"] = {**data["customer"], "first_name": first, "last_name": last}
    # Control characters are dropped when the order is validated: a number of only those
    # is no number (the models say so), so the example's own stays.
    if re.sub("[\x00-\x1f\x7f-\x9f\ufffe\uffff]", "", number).strip():
        data["number"] = number
    assert_safe(mailer.render(data).to_message(sender=SENDER).as_bytes())


@pytest.mark.parametrize(
    "value",
    [
        "Bcc: evil@evil.example <sam@example.com>",
        "sam@example.com, evil@evil.example",
        "Sam <sam@example.com> <evil@evil.example>",
        "Sam <sam@example.com>, Eve <eve@evil.example>",
        "sam@example.com\r\nBcc: evil@evil.example",
        "sam@example.com\u2028Bcc: evil@evil.example",
        "Sam <sam@example.com",
        "<>",
        "nobody",
        "",
    ],
)
def test_an_address_is_exactly_one_address(value: str) -> None:
    """Anything but exactly one valid address is refused, never read as two."""
    with pytest.raises(MessageError):
        parse_address(value, "recipient")


@pytest.mark.parametrize(
    ("value", "name", "address"),
    [
        ("sam@example.com", "", "sam@example.com"),
        ("Sam Rivera <sam@example.com>", "Sam Rivera", "sam@example.com"),
        ('"Rivera, Sam" <sam@example.com>', "Rivera, Sam", "sam@example.com"),
        ("Jörg <joerg@bücher.example>", "Jörg", "joerg@xn--bcher-kva.example"),
    ],
)
def test_addresses_that_are_one(value: str, name: str, address: str) -> None:
    """A bare address, a named one, a quoted name with a comma, an international domain."""
    box = parse_address(value)
    assert (box.display_name, box.address) == (name, address)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("X-Tag", "a\u2028b", "line break"),
        ("X-Tag", "a\x85b", "line break"),
        ("X-Tag", "a\x00b", "line break"),
        ("X-Tag", "café", "ASCII"),
        ("X Tag", "a", "not a valid header name"),
        ("X-Tag", "y" * 1000, "too long"),
    ],
)
def test_extra_headers_are_refused_not_changed(name: str, value: str, message: str) -> None:
    """A developer's header with a separator, a NUL or a non-ASCII letter is a MessageError."""
    with pytest.raises(MessageError, match=message):
        raw_value(name, value)


def test_long_headers_fold_within_78_columns() -> None:
    """A long subject and a long List-Unsubscribe fold into lines of at most 78."""
    for value in (
        unstructured("Subject", "word " * 100),
        raw_value("List-Unsubscribe", "<x> " * 60),
    ):
        lines = value.split("\r\n")
        assert len(lines) > 1 and all(len(line) <= 78 - len("Subject: ") + 9 for line in lines)
