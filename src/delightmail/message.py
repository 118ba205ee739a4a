"""Turn a :class:`~delightmail.rendering.RenderedEmail` into a stdlib email message.

The message is multipart/alternative (plain text first, HTML last, as
RFC 2046 wants the preferred part last). Every header that carries text from
an order or a merchant is written by :mod:`delightmail.headers` and stored
as it is written (the standard library's header parser, which decodes
encoded words found in a value, never sees it): nothing from an order can
add a header, end the header block or change where mail goes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from . import headers as _headers
from .exceptions import MessageError
from .headers import Mailbox, parse_address

if TYPE_CHECKING:
    from .rendering import RenderedEmail

__all__ = ["POLICY", "build_message", "parse_address"]

AddressLike = str | tuple[str, str]

#: SMTP's policy (CRLF, 78-column folding), storing the headers written here
#: exactly as written: they are already folded and encoded.
POLICY = policy.SMTP.clone(refold_source="none")


def _digest(email: RenderedEmail) -> str:
    # Derived from the content, so a retried job sends the same Message-ID and
    # MIME boundary: the same bytes, which receiving servers can deduplicate.
    content = "\x1f".join((email.order_number, email.subject, email.text, email.html))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]


def _message_id(email: RenderedEmail, digest: str, domain: str) -> str:
    number = re.sub(r"[^A-Za-z0-9]+", "", email.order_number)[:40] or "order"
    return f"<order-{number}.{digest}@{domain}>"


def build_message(
    email: RenderedEmail,
    *,
    sender: AddressLike,
    to: AddressLike | None = None,
    reply_to: AddressLike | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """Build the multipart/alternative message for *email*. See ``RenderedEmail.to_message``.

    :raises MessageError: an address is not exactly one valid address, the
        order has no customer email and no *to* was given, or an extra header
        is not one line of printable ASCII.
    """
    from_address = parse_address(sender, "sender")
    recipient = to if to is not None else email.recipient
    if recipient is None:
        raise MessageError("the order has no customer email: pass to=... explicitly")
    to_address = parse_address(recipient, "recipient")
    reply = reply_to if reply_to is not None else email.reply_to
    reply_address: Mailbox | None = (
        parse_address(reply, "reply-to address") if reply is not None else None
    )
    extra = [(name, _headers.raw_value(name, value)) for name, value in (headers or {}).items()]

    msg = EmailMessage(policy=POLICY)
    msg.set_raw("Subject", _headers.unstructured("Subject", email.subject))
    msg.set_raw("From", _headers.mailbox("From", from_address))
    msg.set_raw("To", _headers.mailbox("To", to_address))
    if reply_address is not None:
        msg.set_raw("Reply-To", _headers.mailbox("Reply-To", reply_address))
    if email.placed_at is not None:
        msg.set_raw("Date", format_datetime(email.placed_at))
    digest = _digest(email)
    msg.set_raw("Message-ID", _message_id(email, digest, from_address.domain))
    for name, value in extra:
        msg.set_raw(name, value)
    msg.set_content(email.text, subtype="plain", charset="utf-8")
    msg.add_alternative(email.html, subtype="html", charset="utf-8")
    msg.set_boundary(f"=_delightmail_{digest}")
    return msg
