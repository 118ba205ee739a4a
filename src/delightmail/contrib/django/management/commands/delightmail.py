"""``manage.py delightmail render|send ORDER.json``: the configured merchant's email for an order.

::

    python manage.py delightmail render order.json              # the text part
    python manage.py delightmail render order.json --format eml # the whole message
    python manage.py delightmail send order.json --to me@example.com

``send`` goes through ``EMAIL_BACKEND``, as :func:`~delightmail.contrib.django.send_confirmation`
does. A bad order, file or setting is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ....._files import load_json
from .....exceptions import DelightmailError
from ...mail import get_mailer, send_confirmation, to_django


class Command(BaseCommand):
    """Render or send the confirmation of one order with the ``DELIGHTMAIL`` setting."""

    help = "Render or send the order-confirmation email of ORDER.json (the DELIGHTMAIL setting)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("render", "send"))
        parser.add_argument("order", type=Path, help="an order JSON file")
        parser.add_argument("--locale", help="the locale (default: DELIGHTMAIL['LOCALE'])")
        parser.add_argument(
            "--format",
            choices=("text", "html", "eml"),
            default="text",
            help="render: what to print (default: the text part)",
        )
        parser.add_argument("--to", help="send: the recipient (default: the order's customer)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            order = load_json(options["order"])
            if options["action"] == "send":
                self._send(order, options)
            else:
                self._render(order, options)
        except (DelightmailError, ImproperlyConfigured) as exc:
            raise CommandError(f"{options['order']}: {exc}") from None

    def _render(self, order: Any, options: dict[str, Any]) -> None:
        email = get_mailer(options["locale"]).render(order)
        if options["format"] == "html":
            self.stdout.write(email.html)
        elif options["format"] == "eml":
            message = to_django(email, to=options["to"]).message()
            # Django writes its text parts as 8-bit UTF-8.
            self.stdout.write(message.as_bytes().decode("utf-8"))
        else:
            self.stdout.write(f"Subject: {email.subject}\n\n{email.text}")

    def _send(self, order: Any, options: dict[str, Any]) -> None:
        if options["to"]:
            message = to_django(get_mailer(options["locale"]).render(order), to=options["to"])
            message.send()
        else:
            message = send_confirmation(order, locale=options["locale"])
        self.stdout.write(f"sent {message.extra_headers['Message-ID']} to {', '.join(message.to)}")
