"""Render with the configured mailer, hand the email to Django, send it through ``EMAIL_BACKEND``.

>>> from delightmail.contrib.django import send_confirmation  # doctest: +SKIP
>>> send_confirmation(order)  # through EMAIL_BACKEND  # doctest: +SKIP

The Django message is made from delightmail's own (:meth:`RenderedEmail.to_message
<delightmail.RenderedEmail.to_message>`), so that it keeps the deterministic
Message-ID, the Date of the order, the Reply-To of the merchant's real person,
every extra header and the MIME boundary: a retried job sends the same message,
and an email service (django-anymail) gets the same fields as SMTP does.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.core.signals import setting_changed
from django.dispatch import receiver

from ...exceptions import MessageError, TemplateNotFound
from .conf import get_config

if TYPE_CHECKING:
    from ...models import Merchant, Order
    from ...rendered import RenderedEmail
    from ...rendering import Mailer

__all__ = ["MAX_MERCHANTS", "DelightmailMessage", "get_mailer", "send_confirmation", "to_django"]

AddressLike = str | tuple[str, str]

# The headers Django writes from its own fields (or for its own MIME tree);
# every other header of delightmail's message is passed on as it is.
_OWN_HEADERS = frozenset(
    ("subject", "from", "to", "cc", "bcc", "reply-to", "mime-version", "content-type",
     "content-transfer-encoding")
)  # fmt: skip


_UNFOLD = re.compile(r"\r?\n(?=[ \t])")


class DelightmailMessage(EmailMultiAlternatives):
    """An :class:`~django.core.mail.EmailMultiAlternatives` that writes delightmail's own
    Subject, From, To and Reply-To (its RFC 2047 words, which decode to exactly its text)
    and its MIME boundary (derived from the content), so the same email gives the same message.

    Django's attributes (``subject``, ``to``...) hold the decoded text, which is what
    django-anymail hands an email service; change one and Django writes that one itself.
    """

    #: The boundary of delightmail's multipart/alternative message.
    boundary: str | None = None
    #: delightmail's header values, unfolded, by name; each with the attribute it stands for.
    written: dict[str, tuple[str, Any]]

    def message(self, *args: Any, **kwargs: Any) -> Any:
        """Django's message, with delightmail's headers and boundary where they still apply."""
        message = super().message(*args, **kwargs)
        # Django's RFC 2047 words for a long Subject can start with a fold, which a
        # receiver reads as a space before the text.
        current = {"Subject": self.subject, "From": self.from_email, "To": self.to}
        current["Reply-To"] = self.reply_to
        for name, (value, made_from) in getattr(self, "written", {}).items():
            if current[name] == made_from and name in message:
                del message[name]
                message[name] = value
        if self.boundary and message.get_content_type() == "multipart/alternative":
            message.set_boundary(self.boundary)
        return message


_lock = threading.Lock()
_mailers: dict[tuple[str, str, str], Mailer] = {}
#: How many mailers are kept for merchants other than the setting's (a platform with many
#: shops); the one used longest ago goes first.
MAX_MERCHANTS = 128
_others: OrderedDict[tuple[str, str, str], Mailer] = OrderedDict()


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "DELIGHTMAIL":
        with _lock:
            _mailers.clear()
            _others.clear()


def get_mailer(
    locale: str | None = None,
    *,
    template: str | None = None,
    merchant: Merchant | Mapping[str, Any] | None = None,
) -> Mailer:
    """The configured merchant's :class:`~delightmail.Mailer` for *locale* (by default the
    setting's ``LOCALE``) and *template* (by default its ``TEMPLATE``), made once per
    process: its template compiles once.

    *merchant* is another shop's :class:`~delightmail.Merchant` (or its dict), for a project
    that sends for many: its mailers share the setting's template, tone and folders, and the
    last :data:`MAX_MERCHANTS` of them are kept.

    An order's own ``locale`` still wins over the mailer's, as with any mailer.

    :raises django.core.exceptions.ImproperlyConfigured: the ``DELIGHTMAIL`` setting is wrong
        (a ``TEMPLATE`` that does not exist included).
    :raises OrderValidationError: *merchant* is not a valid merchant; the message names the field.
    """
    from ...models import validate_merchant
    from ...rendering import Mailer  # on first use: the renderer imports the models

    config = get_config()
    shop = config.merchant if merchant is None else validate_merchant(merchant)
    own = merchant is None or shop == config.merchant
    key = (template or config.template, locale or config.locale, "" if own else _id(shop))
    with _lock:
        mailer = _mailers.get(key) if own else _others.get(key)
        if mailer is not None:
            if not own:
                _others.move_to_end(key)
            return mailer
    # Made outside the lock: a compile must not hold up every other thread's email.
    try:
        made = Mailer(
            shop,
            key[0],
            key[1],
            tone=config.tone,
            template_dirs=config.template_dirs,
            pack_dirs=config.pack_dirs,
            locale_dirs=config.locale_dirs,
            sandbox=config.sandbox,
        )
    except TemplateNotFound as exc:
        raise ImproperlyConfigured(f"DELIGHTMAIL['TEMPLATE']: {exc}") from None
    with _lock:
        if own:
            return _mailers.setdefault(key, made)
        mailer = _others.setdefault(key, made)
        while len(_others) > MAX_MERCHANTS:
            _others.popitem(last=False)
        return mailer


def _id(merchant: Merchant) -> str:
    """A merchant's identity for the cache: everything it says (two shops with one name differ)."""
    return hashlib.sha256(merchant.model_dump_json().encode()).hexdigest()


def _from_email(merchant: Merchant | None = None) -> AddressLike:
    """``DELIGHTMAIL['FROM_EMAIL']``, else the project's ``DEFAULT_FROM_EMAIL``, else the
    merchant's name and support email (Django's own default, ``webmaster@localhost``, is no
    address a customer can read or reply to)."""
    config = get_config() if getattr(settings, "DELIGHTMAIL", None) is not None else None
    if config is not None and config.from_email:
        return config.from_email
    if settings.is_overridden("DEFAULT_FROM_EMAIL") or config is None:
        return str(settings.DEFAULT_FROM_EMAIL)
    merchant = merchant or config.merchant
    if merchant.support_email:
        return (merchant.name, str(merchant.support_email))
    raise MessageError(
        "no From address: set DELIGHTMAIL['FROM_EMAIL'] or DEFAULT_FROM_EMAIL, or give the "
        "merchant a support_email"
    )


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    if part is None:  # pragma: no cover - message_bytes always writes both parts
        raise MessageError(f"the message has no text/{subtype} part")
    # Parsed from CRLF bytes: Django writes its own line ends.
    return str(part.get_content()).replace("\r\n", "\n")


def to_django(
    email: RenderedEmail,
    *,
    from_email: AddressLike | None = None,
    to: AddressLike | None = None,
    reply_to: AddressLike | None = None,
    headers: Mapping[str, str] | None = None,
    connection: Any = None,
    date: datetime | None = None,
    resend: int = 0,
) -> DelightmailMessage:
    """*email* as a Django :class:`~django.core.mail.EmailMultiAlternatives`: the text part as
    the body, the HTML part as the alternative, and delightmail's Subject, From, To,
    Reply-To, Date, Message-ID, extra headers and boundary.

    :param from_email: the sender; by default ``DELIGHTMAIL['FROM_EMAIL']``, else Django's
        ``DEFAULT_FROM_EMAIL`` if the project sets it, else the merchant's support email.
    :param to: the recipient; by default the order's customer.
    :param reply_to: where replies go; by default the merchant's real person.
    :param headers: extra headers (``List-Unsubscribe``...); one printable line each.
    :param connection: a Django email connection (``get_connection()``); by default
        ``EMAIL_BACKEND``'s.
    :param date: the Date header, by default now; pin it for byte-identical retries.
    :param resend: ``1``, ``2``... for a deliberate resend: a new Message-ID.
    :raises MessageError: an address or a header is not valid, or the order has no
        customer email and no *to* was given.
    """
    message = email.to_message(
        from_email or _from_email(), to=to, reply_to=reply_to, headers=headers, date=date,
        resend=resend,
    )  # fmt: skip
    # The parsed header values are the decoded text: Django encodes them again, the same text.
    extra = {
        name: str(value) for name, value in message.items() if name.lower() not in _OWN_HEADERS
    }
    reply = message["Reply-To"]
    django_message = DelightmailMessage(
        subject=str(message["Subject"]),
        body=_part(message, "plain"),
        from_email=str(message["From"]),
        to=[str(message["To"])],
        reply_to=[str(reply)] if reply is not None else None,
        headers=extra,
        connection=connection,
    )
    django_message.attach_alternative(_part(message, "html"), "text/html")
    django_message.boundary = message.get_boundary()
    raw = BytesHeaderParser(policy=compat32).parsebytes(message.as_bytes())
    django_message.written = {
        name: (_UNFOLD.sub(" ", str(raw[name])), made_from)
        for name, made_from in (
            ("Subject", django_message.subject),
            ("From", django_message.from_email),
            # Copies: a list changed in place is a changed list.
            ("To", list(django_message.to)),
            ("Reply-To", list(django_message.reply_to)),
        )
        if raw[name] is not None
    }
    return django_message


def send_confirmation(
    order: Order | Mapping[str, Any],
    *,
    locale: str | None = None,
    merchant: Merchant | Mapping[str, Any] | None = None,
    connection: Any = None,
    fail_silently: bool = False,
    date: datetime | None = None,
    resend: int = 0,
) -> DelightmailMessage:
    """Render *order* (an :class:`~delightmail.Order` or a dict such as parsed JSON) with the
    configured mailer and send it to its customer through ``EMAIL_BACKEND``.

    Returns the message sent. Nothing is sent when the order or its email is not valid.
    *merchant* sends for another shop than the setting's (see :func:`get_mailer`); its
    support email is then the default From.
    *date* and *resend* are as for :func:`to_django`: a task that retries should pin
    *date*; "send my confirmation again" passes ``resend=1``, ``2``...

    :raises OrderValidationError: the order is not valid; the message names each field.
    :raises MessageError: the order has no ``customer.email``, or an address is not valid.
    """
    mailer = get_mailer(locale, merchant=merchant)
    email = mailer.render(order)
    if email.recipient is None:
        raise MessageError(
            "customer.email: the order has no customer email, so its confirmation has "
            "nobody to go to"
        )
    sender = _from_email(mailer.merchant) if merchant is not None else None
    message = to_django(email, from_email=sender, connection=connection, date=date, resend=resend)
    message.send(fail_silently=fail_silently)
    return message
