"""Turn a :class:`~delightmail.rendering.RenderedEmail` into a stdlib email message.

The message is multipart/alternative (plain text first, HTML last, as
RFC 2046 wants the preferred part last). Headers are built so that nothing
from an order can inject another header: every value is folded onto one line
and addresses go through :class:`email.headerregistry.Address`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from .exceptions import MessageError

if TYPE_CHECKING:
    from .rendering import RenderedEmail

__all__ = ["build_message", "parse_address"]

AddressLike = str | tuple[str, str]
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 field name: printable, no colon


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_address(value: AddressLike, what: str = "address") -> Address:
    """``"Ada <ada@example.com>"`` or ``("Ada", "ada@example.com")`` as a safe header address.

    The display name is folded onto one line (a name cannot smuggle in a
    ``Bcc:``), the address itself must be a valid email address.
    """
    if isinstance(value, tuple):
        name, addr = value
    else:
        if "\r" in value or "\n" in value:
            raise MessageError(f"{what} {value!r} contains a line break")
        name, addr = parseaddr(value)
    try:
        checked = validate_email(addr.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise MessageError(f"{what} {addr!r} is not a valid email address: {exc}") from None
    local, _, domain = checked.normalized.rpartition("@")
    return Address(display_name=_one_line(name), username=local, domain=domain)


def _digest(email: RenderedEmail) -> str:
    # Derived from the content, so a retried job sends the same Message-ID and
    # MIME boundary: the same bytes, which receiving servers can deduplicate.
    content = "\x1f".join((email.order_number, email.subject, email.text, email.html))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]


def _message_id(email: RenderedEmail, digest: str, domain: str) -> str:
    number = re.sub(r"[^A-Za-z0-9]+", "", email.order_number) or "order"
    return f"<order-{number}.{digest}@{domain}>"


def build_message(
    email: RenderedEmail,
    *,
    sender: AddressLike,
    to: AddressLike | None = None,
    reply_to: AddressLike | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """Build the multipart/alternative message for *email*. See ``RenderedEmail.to_message``."""
    from_address = parse_address(sender, "sender")
    recipient = to if to is not None else email.recipient
    if recipient is None:
        raise MessageError("the order has no customer email: pass to=... explicitly")
    to_address = parse_address(recipient, "recipient")
    reply = reply_to if reply_to is not None else email.reply_to

    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = _one_line(email.subject)
    msg["From"] = from_address
    msg["To"] = to_address
    if reply is not None:
        msg["Reply-To"] = parse_address(reply, "reply-to address")
    if email.placed_at is not None:
        msg["Date"] = format_datetime(email.placed_at)
    digest = _digest(email)
    msg["Message-ID"] = _message_id(email, digest, from_address.domain)
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name):
            raise MessageError(f"{name!r} is not a valid header name")
        if "\r" in value or "\n" in value:
            raise MessageError(f"header {name} contains a line break")
        msg[name] = value
    msg.set_content(email.text, subtype="plain", charset="utf-8")
    msg.add_alternative(email.html, subtype="html", charset="utf-8")
    msg.set_boundary(f"=_delightmail_{digest}")
    return msg
