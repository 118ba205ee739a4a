"""Send a built message through an SMTP server, for ``delightmail send``.

>>> msg = mailer.render(order).to_message(sender="Shop <shop@example.com>")  # doctest: +SKIP
>>> send_message(msg, "smtp.example.com:587", starttls=True)  # doctest: +SKIP

Production systems hand messages to their own queue or ESP; this is for trying
an email in a real inbox (or a local catcher such as Mailpit) by hand.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import getaddresses

# SendError lives with the other errors; importable from here too, where it was first defined.
from .exceptions import InputError, SendError

__all__ = ["SendError", "parse_server", "send_message"]

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
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password or "")
            # Explicit envelope: only these addresses, whatever the headers say.
            if isinstance(msg, bytes):
                smtp.sendmail(sender, recipients, msg)
            else:
                smtp.send_message(msg, to_addrs=recipients)
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"{host}:{port} does not support that: {_reason(exc)}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"{host}:{port} refused the login for {user!r}: {_reason(exc)}") from exc
    except smtplib.SMTPException as exc:
        raise SendError(f"{host}:{port} refused the message: {_reason(exc)}") from exc
    except OSError as exc:  # refused, unreachable, timed out, TLS failed
        raise SendError(f"could not talk to {host}:{port}: {exc.strerror or exc}") from exc
    return recipients


def _reason(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    return str(exc)
