"""The rendered email: the value every stage after the render hands on.

>>> email = Mailer(merchant=merchant).render(order)  # doctest: +SKIP
>>> email.subject, email.preheader, email.html, email.text  # doctest: +SKIP
>>> data = email.to_bytes(sender="Shop <shop@example.com>")  # doctest: +SKIP

A module of its own, below the renderer, so that the checks and the command
line can take a :class:`RenderedEmail` without importing the renderer; its
only dependency is :mod:`delightmail.message`, which writes it as a message
and imports nothing above the headers. It is imported when an email is first written
(the stdlib's email package costs a process that only renders tens of milliseconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import EmailMessage

__all__ = ["RenderedEmail"]


@dataclass(frozen=True)
class RenderedEmail:
    """One rendered email: what goes into the inbox, ready to send."""

    subject: str
    preheader: str
    html: str
    text: str
    order_number: str = ""
    placed_at: datetime | None = None
    recipient: tuple[str, str] | None = field(default=None, repr=False)
    reply_to: tuple[str, str] | None = field(default=None, repr=False)

    def to_message(
        self,
        sender: str | tuple[str, str],
        to: str | tuple[str, str] | None = None,
        reply_to: str | tuple[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        date: datetime | None = None,
        resend: int = 0,
    ) -> EmailMessage:
        """This email as a stdlib :class:`~email.message.EmailMessage`, multipart/alternative.

        :param sender: ``"Shop <shop@example.com>"`` or ``("Shop", "shop@example.com")``.
        :param to: the recipient; by default the order's customer (see :attr:`recipient`:
            ``None`` when the order has no email, and then *to* is required).
        :param reply_to: where replies go; by default the merchant's real person.
        :param headers: extra headers (``List-Unsubscribe``...); no line breaks allowed.
        :param date: the Date header, by default now (the time of sending); pin it to
            the first attempt's for byte-identical retries.
        :param resend: ``1``, ``2``... for a deliberate resend: a new Message-ID.
        """
        from .message import build_message

        return build_message(
            self, sender=sender, to=to, reply_to=reply_to, headers=headers, date=date,
            resend=resend,
        )  # fmt: skip

    def to_bytes(
        self,
        sender: str | tuple[str, str],
        to: str | tuple[str, str] | None = None,
        reply_to: str | tuple[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        date: datetime | None = None,
        resend: int = 0,
    ) -> bytes:
        """This email as the bytes of a multipart/alternative message, ready for SMTP
        (``smtp.sendmail(from, [to], data)``) or an email service's raw API.

        The fast path: the same message as :meth:`to_message`, without building
        one. Parameters as for :meth:`to_message`.
        """
        from .message import message_bytes

        return message_bytes(
            self, sender=sender, to=to, reply_to=reply_to, headers=headers, date=date,
            resend=resend,
        )  # fmt: skip
