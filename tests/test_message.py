"""The email message: multipart/alternative, safe headers, the same message on a retry."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import Mailer, MessageError
from delightmail.message import message_bytes

from .conftest import ORDER_FILES, load

SENDER = "Groove Harbor <orders@groove-harbor.example.com>"


def reparse(msg: EmailMessage) -> EmailMessage:
    """What a receiving server would see: the message as bytes, parsed again."""
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_message_is_multipart_alternative(mailer: Mailer) -> None:
    """Text first, HTML last, both UTF-8, with the rendered content."""
    email = mailer.render(load(ORDER_FILES[2]))
    msg = reparse(email.to_message(sender=SENDER))
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    # SMTP wants CRLF line ends on the wire; the content is otherwise unchanged.
    assert parts[0].get_content().replace("\r\n", "\n") == email.text
    assert parts[1].get_content().replace("\r\n", "\n") == email.html
    assert all(p.get_content_charset() == "utf-8" for p in parts)


def test_default_headers_come_from_the_order(mailer: Mailer) -> None:
    """To: the customer; Reply-To: the merchant's real person; Subject as rendered."""
    email = mailer.render(load(ORDER_FILES[0]))
    msg = reparse(email.to_message(sender=SENDER))
    assert msg["To"] == "Sam Rivera <sam.rivera@example.org>"
    assert msg["Reply-To"] == "Maya Okafor <maya@groove-harbor.example.com>"
    assert msg["From"] == SENDER
    assert msg["Subject"] == email.subject
    assert msg["Message-ID"].endswith("@groove-harbor.example.com>")
    assert msg["Date"]


def test_retry_gives_the_same_message(mailer: Mailer) -> None:
    """Rendering and building again, with the first attempt's date, gives identical bytes,
    Message-ID included."""
    data = load(ORDER_FILES[3])
    when = datetime.now(UTC)
    first = mailer.render(data).to_message(sender=SENDER, date=when).as_bytes()
    second = mailer.render(data).to_message(sender=SENDER, date=when).as_bytes()
    assert first == second


@pytest.fixture
def injecting_order() -> dict[str, Any]:
    """An order whose customer's name tries to add a Bcc header."""
    data: dict[str, Any] = copy.deepcopy(load(ORDER_FILES[0]))
    data["customer"]["first_name"] = "Sam\r\nBcc: x@example.com"
    data["customer"]["last_name"] = "Rivera\nX-Evil: 1"
    return data


def test_names_cannot_inject_headers(mailer: Mailer, injecting_order: dict[str, Any]) -> None:
    """A name containing CRLF + 'Bcc:' stays inside the Subject and To headers."""
    msg = reparse(mailer.render(injecting_order).to_message(sender=SENDER))
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert msg["To"].addresses[0].addr_spec == "sam.rivera@example.org"
    assert set(msg.keys()) == {
        "Subject", "From", "To", "Reply-To", "Date", "Message-ID", "Content-Type", "MIME-Version",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sender": "not an address"}, "sender"),
        ({"sender": SENDER, "to": "x@example.com\r\nBcc: y@example.com"}, "line break"),
        ({"sender": SENDER, "headers": {"X-Tag": "a\r\nBcc: y@example.com"}}, "line break"),
        ({"sender": SENDER, "headers": {"Bad Name": "x"}}, "not a valid header name"),
    ],
    ids=["bad-sender", "crlf-in-to", "crlf-in-header", "bad-header-name"],
)
def test_bad_addresses_and_headers_are_refused(
    mailer: Mailer, kwargs: dict[str, Any], message: str
) -> None:
    """Addresses must be valid and extra headers single-line."""
    email = mailer.render(load(ORDER_FILES[0]))
    with pytest.raises(MessageError, match=message):
        email.to_message(**kwargs)


def test_order_without_email_needs_explicit_recipient(mailer: Mailer) -> None:
    """No customer email and no to=: a clear error rather than a message to nobody."""
    data = copy.deepcopy(load(ORDER_FILES[4]))
    data["customer"] = {}
    email = mailer.render(data)
    with pytest.raises(MessageError, match="pass to="):
        email.to_message(sender=SENDER)
    msg = email.to_message(sender=SENDER, to=("Guest", "guest@example.com"))
    assert msg["To"] == "Guest <guest@example.com>"


def test_bytes_are_the_message(mailer: Mailer) -> None:
    """to_bytes() parses back to the headers and parts of to_message(), and is what
    to_message().as_bytes() sends."""
    for path in ORDER_FILES:
        email = mailer.render(load(path))
        to = None if email.recipient else ("Guest", "guest@example.com")
        data = email.to_bytes(sender=SENDER, to=to)
        msg = email.to_message(sender=SENDER, to=to)
        assert msg.as_bytes() == data
        parsed = message_from_bytes(data, policy=policy.default)
        assert list(parsed.keys()) == list(msg.keys())
        text, html = (p.get_content().replace("\r\n", "\n") for p in parsed.iter_parts())
        assert (text, html) == (email.text, email.html)


def test_the_date_is_when_it_is_sent_unless_pinned(mailer: Mailer) -> None:
    """An old order goes out dated now, not the day it was placed; a pinned date gives the
    same bytes on every retry; a date without a time zone is refused."""
    email = mailer.render(load(ORDER_FILES[0]))
    before = datetime.now(UTC).replace(microsecond=0)
    sent = email.to_message(sender=SENDER)
    assert before <= sent["Date"].datetime <= datetime.now(UTC)
    assert email.placed_at is not None and sent["Date"].datetime != email.placed_at
    pinned = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = email.to_bytes(sender=SENDER, date=pinned)
    time.sleep(1.1)
    assert email.to_bytes(sender=SENDER, date=pinned) == first
    assert email.to_message(sender=SENDER, date=pinned)["Date"].datetime == pinned
    with pytest.raises(MessageError, match="time zone"):
        email.to_bytes(sender=SENDER, date=datetime(2027, 1, 2))


@pytest.mark.parametrize("resend", [1, 2, 37])
def test_a_resend_gets_a_message_id_of_its_own(mailer: Mailer, resend: int) -> None:
    """ "Send my confirmation again" is a new message to the inbox (a new Message-ID), while
    the same resend retried is the same one; the parts are the same."""
    email = mailer.render(load(ORDER_FILES[0]))
    when = datetime(2027, 1, 2, tzinfo=UTC)
    original = email.to_message(sender=SENDER, date=when)
    again = email.to_message(sender=SENDER, date=when, resend=resend)
    assert again["Message-ID"] != original["Message-ID"]
    assert (
        again["Message-ID"]
        == email.to_message(sender=SENDER, date=when, resend=resend)["Message-ID"]
    )
    assert again.get_body(("html",)).get_content() == original.get_body(("html",)).get_content()


@pytest.mark.parametrize("resend", [-1, True, 1.5, 10_001])
def test_a_resend_is_a_count(mailer: Mailer, resend: object) -> None:
    """A resend number that is not a small count is a MessageError."""
    email = mailer.render(load(ORDER_FILES[0]))
    with pytest.raises(MessageError, match="resend"):
        email.to_bytes(sender=SENDER, resend=resend)  # type: ignore[arg-type]


def test_no_recipient_is_said_up_front_and_refused_before_anything_is_written(
    mailer: Mailer,
) -> None:
    """An order without a customer email renders (recipient is None) and refuses to
    become a message without an explicit to=, naming customer.email."""
    data = load(ORDER_FILES[0])
    data["customer"] = {**data["customer"], "email": None}
    email = mailer.render(data)
    assert email.recipient is None
    with pytest.raises(MessageError, match=r"customer\.email"):
        email.to_bytes(sender=SENDER)
    assert email.to_message(sender=SENDER, to="sam@example.org")["To"] == "sam@example.org"


@dataclass(frozen=True)
class _Content:
    """The fields a message is written from, with any bodies at all."""

    text: str
    html: str
    subject: str = "Your order"
    order_number: str = "1001"
    placed_at: datetime | None = None
    recipient: tuple[str, str] | None = ("Sam", "sam@example.org")
    reply_to: tuple[str, str] | None = None


#: Bodies as they come: any characters (lone CRs, NULs, no-break spaces, emoji),
#: long lines and short, trailing spaces, lines of only a dot.
_BODIES = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
        st.sampled_from([".", " ", "=", "From here", "a" * 2000, "é" * 700, "=?utf-8?q?x?="]),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=_BODIES, html=_BODIES)
def test_the_bytes_carry_any_body_whole_in_short_ascii_lines(text: str, html: str) -> None:
    """Whatever the bodies hold, the message is 7-bit ASCII in lines of at most 78
    characters, CRLF between (never a bare CR or LF), and each part decodes to its body
    exactly, every line end (CRLF, LF or a lone CR) as the wire's CRLF: the text
    quoted-printable, the HTML base64."""
    data = message_bytes(_Content(text=text, html=html), sender=SENDER, date=datetime.now(UTC))
    assert data.isascii()
    lines = data.split(b"\r\n")
    assert not any(b"\r" in line or b"\n" in line for line in lines)
    assert max(len(line) for line in lines) <= 78
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    plain, rich = parsed.iter_parts()
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert rich["Content-Transfer-Encoding"] == "base64"
    for part, body in ((plain, text), (rich, html)):
        wire = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        assert part.get_payload(decode=True) == wire.encode("utf-8")
