"""Send a built message through an SMTP server, for ``delightmail send``.

>>> msg = mailer.render(order).to_message(sender="Shop <shop@example.com>")  # doctest: +SKIP
>>> send_message(msg, "smtp.example.com:587", starttls=True)  # doctest: +SKIP

Production systems hand messages to their own queue or ESP; this is for trying
an email in a real inbox (or a local catcher such as Mailpit) by hand.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from typing import TYPE_CHECKING

# SendError lives with the other errors; importable from here too, where it was first defined.
from .exceptions import DelightmailError, InputError, MessageError, SendError, StoreError
from .headers import parse_address

if TYPE_CHECKING:
    from .rendered import RenderedEmail

__all__ = ["SMTPTransport", "SendError", "parse_server", "send_message", "transient"]

#: Where ``delightmail send`` reads the SMTP password from; never a command-line flag,
#: which would leave it in the shell history and in ``ps`` output.
PASSWORD_ENV = "DELIGHTMAIL_SMTP_PASSWORD"


def parse_server(value: str) -> tuple[str, int]:
    """``"HOST:PORT"`` (``"[::1]:25"`` for IPv6) as ``(host, port)``.

    :raises InputError: the value has no port or the port is not a number.
    """
    host, sep, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--smtp {value!r}: expected HOST:PORT, such as localhost:1025")
    return host, int(port)


def send_message(
    msg: EmailMessage | bytes,
    server: str,
    *,
    starttls: bool = False,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    envelope: tuple[str, list[str]] | None = None,
) -> list[str]:
    """Send *msg* through *server* (``HOST:PORT``) to the addresses in its ``To`` header.

    :param msg: an :class:`~email.message.EmailMessage`, or message bytes
        (:meth:`~delightmail.RenderedEmail.to_bytes`) with their *envelope*.
    :param envelope: ``(from, [to, ...])``: the SMTP envelope, needed for bytes.
    :param starttls: upgrade the connection with STARTTLS (certificate checked) before
        logging in; the server must offer it.
    :param user: log in as *user* with *password*.
    :returns: the envelope recipients.
    :raises SendError: the server is unreachable, refused the login or the message.
    """
    host, port = parse_server(server)
    if envelope is not None:
        sender, recipients = envelope[0], list(envelope[1])
    elif isinstance(msg, EmailMessage):
        sender = ""
        recipients = [addr for _, addr in getaddresses(msg.get_all("To", [])) if addr]
    else:
        raise InputError("message bytes need their envelope: (from, [to])")
    if not recipients:
        raise InputError("the message has no recipient")
    with (
        _translated(host, port, user),
        _open(host, port, timeout, starttls, user, password) as smtp,
    ):
        # Explicit envelope: only these addresses, whatever the headers say.
        if isinstance(msg, bytes):
            smtp.sendmail(sender, recipients, msg)
        else:
            smtp.send_message(msg, to_addrs=recipients)
    return recipients


def _open(
    host: str, port: int, timeout: float, starttls: bool, user: str | None, password: str | None
) -> smtplib.SMTP:
    """A connection to *host*, upgraded with STARTTLS (certificate checked) and logged in
    as asked; closed again if either fails."""
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
        if user:
            smtp.login(user, password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


@contextmanager
def _translated(host: str, port: int, user: str | None) -> Iterator[None]:
    """smtplib's and the socket's errors as :class:`SendError`, with the server's reply code."""
    try:
        yield
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"{host}:{port} does not support that: {_reason(exc)}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(
            f"{host}:{port} refused the login for {user!r}: {_reason(exc)}", exc.smtp_code
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        refused = ", ".join(
            f"{address} ({code} {_text(reply)})"
            for address, (code, reply) in exc.recipients.items()
        )
        # Permanent only if every refusal is.
        raise SendError(f"{host}:{port} refused {refused}", codes[0] if codes else None) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise SendError(f"{host}:{port} closed the connection: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            f"{host}:{port} refused the message: {_reason(exc)}", exc.smtp_code
        ) from exc
    except smtplib.SMTPException as exc:
        raise SendError(f"{host}:{port} refused the message: {_reason(exc)}") from exc
    except OSError as exc:  # refused, unreachable, timed out, TLS failed
        raise SendError(f"could not talk to {host}:{port}: {exc.strerror or exc}") from exc


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reason(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc)


class SMTPTransport:
    """Sends rendered emails through one SMTP server, over a connection kept open.

    >>> transport = SMTPTransport("smtp.example.com:587", "Shop <orders@shop.example>",
    ...                           starttls=True, user="orders")  # doctest: +SKIP
    >>> transport(mailer.render(order), date=datetime.now(UTC))  # doctest: +SKIP

    What a background worker sends with: one connection per process (opened on
    the first email, opened again in a forked child, and once more if the
    server dropped it while idle), so an email costs one SMTP transaction, not
    a connection and a login. Safe to share between threads.

    :param server: ``HOST:PORT``.
    :param sender: the From header, ``"Shop <orders@shop.example>"``; its address is
        the envelope sender.
    :param password: by default read from ``DELIGHTMAIL_SMTP_PASSWORD`` when *user* is given.
    :param recheck_after: seconds a kept connection may sit idle before it is checked
        (``NOOP``) before use: servers hang up on idle sessions.
    :raises InputError: *server* is not ``HOST:PORT``.
    :raises MessageError: *sender* is not one valid address.
    """

    def __init__(
        self,
        server: str,
        sender: str | tuple[str, str],
        *,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        recheck_after: float = 5.0,
    ) -> None:
        self.host, self.port = parse_server(server)
        self.sender = sender
        self.envelope_sender = parse_address(sender, "sender").address
        self.starttls = starttls
        self.user = user
        self._password = password if password is not None else os.environ.get(PASSWORD_ENV)
        self.timeout = timeout
        self.recheck_after = recheck_after
        self._lock = threading.Lock()
        self._smtp: smtplib.SMTP | None = None
        self._pid = 0
        self._used = 0.0

    def __repr__(self) -> str:
        return f"SMTPTransport('{self.host}:{self.port}', {self.envelope_sender!r})"

    def __call__(
        self, email: RenderedEmail, *, date: datetime | None = None, resend: int = 0
    ) -> None:
        """Send *email* to its customer.

        :param date: the Date header, by default now; pin it for byte-identical retries.
        :param resend: ``1``, ``2``... for a deliberate resend: a new Message-ID.
        :raises MessageError: the order has no customer email, or an address is not valid.
        :raises SendError: the server is unreachable or refused the message;
            :attr:`SendError.transient` says whether a retry may help.
        """
        data = email.to_bytes(self.sender, date=date, resend=resend)
        if email.recipient is None:  # pragma: no cover - to_bytes refuses it first
            raise MessageError("the order has no customer email (customer.email)")
        # The envelope says what the To header says, as parsed (and checked) for it.
        self.send(data, [parse_address(email.recipient, "recipient").address])

    def send(self, data: bytes, recipients: list[str]) -> None:
        """Send message bytes to *recipients* (the envelope), from :attr:`envelope_sender`."""
        with self._lock, _translated(self.host, self.port, self.user):
            smtp = self._connection()
            try:
                smtp.sendmail(self.envelope_sender, recipients, data)
            except smtplib.SMTPRecipientsRefused:
                self._reset()  # the connection is fine; the next email may use it
                raise
            except (smtplib.SMTPException, OSError):
                # Never sent again here: the server may have taken it before failing.
                self._close()
                raise
            self._used = time.monotonic()

    def _connection(self) -> smtplib.SMTP:
        smtp = self._smtp
        if smtp is not None and self._pid == os.getpid():
            if time.monotonic() - self._used < self.recheck_after:
                return smtp
            # Servers close idle sessions: ask before trusting one that sat idle.
            try:
                smtp.noop()
                return smtp
            except (smtplib.SMTPException, OSError):
                self._close()
        # A connection made before a fork belongs to the parent: never write to it.
        self._smtp = None
        smtp = _open(self.host, self.port, self.timeout, self.starttls, self.user, self._password)
        self._smtp, self._pid, self._used = smtp, os.getpid(), time.monotonic()
        return smtp

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._close()

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and self._pid == os.getpid():
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def close(self) -> None:
        """Say goodbye to the server (``QUIT``); the next email connects again."""
        with self._lock:
            self._close()


def transient(exc: BaseException, also: tuple[type[BaseException], ...] = ()) -> bool:
    """Whether sending again later may work where *exc* failed: what a background sender
    (a Celery task, a webhook receiver) retries, and what it gives up on at once.

    Worth a retry: a mail server not reached or answering 4xx (:attr:`SendError.transient`,
    or smtplib's own errors from a Django backend), a store of sent records not reached,
    any other :class:`OSError`, and the types in *also*. Not: an order, template or
    address that is not valid (every other :class:`~delightmail.DelightmailError`), a 5xx
    answer, a bug.
    """
    if isinstance(exc, SendError):
        return exc.transient
    if isinstance(exc, StoreError):
        return True
    if isinstance(exc, DelightmailError):
        return False  # the order, the template, an address: the same again, every time
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int):
        return 400 <= code < 500
    return isinstance(exc, (OSError, *also))
