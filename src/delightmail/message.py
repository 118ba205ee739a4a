"""Turn a :class:`~delightmail.rendered.RenderedEmail` into a stdlib email message.

The message is multipart/alternative (plain text first, HTML last, as
RFC 2046 wants the preferred part last), written directly as bytes
(:func:`message_bytes`): every header that carries text from an order or a
merchant is written by :mod:`delightmail.headers` (the standard library's
header parser, which decodes encoded words found in a value, never writes
one), so nothing from an order can add a header, end the header block or
change where mail goes. :func:`build_message` parses those bytes into an
:class:`~email.message.EmailMessage` for code that wants one.

The functions take any :class:`EmailContent` (a ``RenderedEmail`` is one), so
that this module sits below the email value and imports nothing above the
headers: ``RenderedEmail.to_message`` calls down into it, never round.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from . import headers as _headers
from .exceptions import MessageError
from .headers import Mailbox, parse_address

__all__ = ["POLICY", "EmailContent", "build_message", "message_bytes", "parse_address"]

AddressLike = str | tuple[str, str]

#: SMTP's policy (CRLF, 78-column folding), storing the headers written here
#: exactly as written: they are already folded and encoded.
POLICY = policy.SMTP.clone(refold_source="none")


class EmailContent(Protocol):
    """What a message is written from: the fields of a :class:`~delightmail.RenderedEmail`."""

    @property
    def subject(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def order_number(self) -> str: ...
    @property
    def placed_at(self) -> datetime | None: ...
    @property
    def recipient(self) -> tuple[str, str] | None: ...
    @property
    def reply_to(self) -> tuple[str, str] | None: ...


def _digest(email: EmailContent, text: bytes, html: bytes) -> str:
    # Derived from the content, so a retried job sends the same Message-ID and
    # MIME boundary: the same bytes, which receiving servers can deduplicate.
    # (The SHA-256 of "number␟subject␟text␟html" in UTF-8, the parts as written.)
    content = hashlib.sha256(f"{email.order_number}\x1f{email.subject}\x1f".encode())
    content.update(text)
    content.update(b"\x1f")
    content.update(html)
    return content.hexdigest()[:24]


def _message_id(email: EmailContent, digest: str, domain: str, resend: int) -> str:
    number = re.sub(r"[^A-Za-z0-9]+", "", email.order_number)[:40] or "order"
    again = f".resend{resend}" if resend else ""
    return f"<order-{number}.{digest}{again}@{domain}>"


def _date(date: datetime | None) -> str:
    """The Date header: *date* as pinned, else now, in whole seconds."""
    if date is None:
        date = datetime.now(UTC).replace(microsecond=0)
    elif date.tzinfo is None or date.utcoffset() is None:
        raise MessageError("date must carry a time zone, such as datetime.now(UTC)")
    return format_datetime(date)


_CRLF = b"\r\n"
#: A base64 body's lines: 76 characters (RFC 2045), the last one shorter.
_BASE64_LINE = re.compile(rb".{1,76}", re.DOTALL)


def _utf8(body: str) -> bytes:
    """*body* in UTF-8, its line ends LF (a part's are written CRLF). A lone CR is a
    line end too: on the wire it would be a bare CR, which SMTP forbids."""
    data = body.encode("utf-8")
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in data else data


def _text_part(data: bytes) -> bytes:
    """The plain-text part: quoted-printable (binascii's C encoder), which leaves the
    words readable in the message's source, with CRLF line ends."""
    encoded = binascii.b2a_qp(data, istext=True).replace(b"\n", _CRLF)
    head = (
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    # The line break before the next boundary belongs to the boundary (RFC 2046).
    return head + encoded + _CRLF


def _html_part(data: bytes) -> bytes:
    """The HTML part: base64 in lines of 76. An inlined email's HTML has lines of
    thousands of characters and an ``=`` in every attribute, which quoted-printable
    escapes and folds byte by byte (0.3 ms for 27 KB, as long as half the render);
    base64 is one pass of C, and every mail client reads it. Labelled UTF-8, so no
    filter takes it for ASCII text in disguise (SpamAssassin's MIME_BASE64_TEXT)."""
    # Line ends in their canonical CRLF before encoding (RFC 2045, 6.8).
    encoded = binascii.b2a_base64(data.replace(b"\n", _CRLF), newline=False)
    head = b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    return head + _CRLF.join(_BASE64_LINE.findall(encoded)) + _CRLF


def message_bytes(
    email: EmailContent,
    *,
    sender: AddressLike,
    to: AddressLike | None = None,
    reply_to: AddressLike | None = None,
    headers: Mapping[str, str] | None = None,
    date: datetime | None = None,
    resend: int = 0,
) -> bytes:
    """The multipart/alternative message for *email*, as the bytes to send.

    Written directly, at about the cost of the render: every header by
    :mod:`delightmail.headers`, the text quoted-printable and the HTML base64. Message-ID and
    boundary come from the email's content, so a retry of the same email with
    the same pinned *date* gives the same bytes (and receiving servers can
    deduplicate it).

    :param date: the Date header; by default the time of the call (when it is
        sent), never the order's: an old order must not arrive dated years ago.
        Pin it (the time of the first attempt) for byte-identical retries.
    :param resend: ``1``, ``2``... for a deliberate resend ("send my confirmation
        again"): a new Message-ID, so the inbox does not drop it as a duplicate.
    :raises MessageError: an address is not exactly one valid address, the
        order has no customer email and no *to* was given, an extra header is
        not one line of printable ASCII, or *date* has no time zone.
    """
    if isinstance(resend, bool) or not isinstance(resend, int) or not 0 <= resend <= 10_000:
        raise MessageError(f"resend must be a count from 0 to 10000, not {resend!r}")
    from_address = parse_address(sender, "sender")
    recipient = to if to is not None else email.recipient
    if recipient is None:
        raise MessageError("the order has no customer email (customer.email): pass to=...")
    to_address = parse_address(recipient, "recipient")
    reply = reply_to if reply_to is not None else email.reply_to
    reply_address: Mailbox | None = (
        parse_address(reply, "reply-to address") if reply is not None else None
    )
    extra = [(name, _headers.raw_value(name, value)) for name, value in (headers or {}).items()]
    text, html = _utf8(email.text), _utf8(email.html)
    digest = _digest(email, text, html)
    boundary = f"=_delightmail_{digest}"

    lines = [
        f"Subject: {_headers.unstructured('Subject', email.subject)}",
        f"From: {_headers.mailbox('From', from_address)}",
        f"To: {_headers.mailbox('To', to_address)}",
    ]
    if reply_address is not None:
        lines.append(f"Reply-To: {_headers.mailbox('Reply-To', reply_address)}")
    lines.append(f"Date: {_date(date)}")
    lines.append(f"Message-ID: {_message_id(email, digest, from_address.domain, resend)}")
    lines += [f"{name}: {value}" for name, value in extra]
    lines += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    delimiter = f"--{boundary}\r\n".encode("ascii")
    return b"".join(
        (
            head,
            delimiter,
            _text_part(text),
            delimiter,
            _html_part(html),
            f"--{boundary}--\r\n".encode("ascii"),
        )
    )


def build_message(
    email: EmailContent,
    *,
    sender: AddressLike,
    to: AddressLike | None = None,
    reply_to: AddressLike | None = None,
    headers: Mapping[str, str] | None = None,
    date: datetime | None = None,
    resend: int = 0,
) -> EmailMessage:
    """The message of :func:`message_bytes`, as a stdlib :class:`~email.message.EmailMessage`
    (parsed from those very bytes, so both say the same). See ``RenderedEmail.to_message``."""
    data = message_bytes(
        email, sender=sender, to=to, reply_to=reply_to, headers=headers, date=date, resend=resend
    )
    message = message_from_bytes(data, policy=POLICY)
    if not isinstance(message, EmailMessage):  # pragma: no cover - POLICY makes EmailMessage
        raise MessageError("the message did not parse back")
    return message
