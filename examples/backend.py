"""How a backend uses delightmail: render an order and hand the message to SMTP.

Run it: .venv/bin/python examples/backend.py
"""

import json
from decimal import Decimal
from pathlib import Path

from delightmail import Mailer, Merchant

here = Path(__file__).parent
merchant = Merchant.model_validate_json((here / "merchant.json").read_text())
mailer = Mailer(merchant=merchant)  # once, at start-up: this compiles the template


def on_order_created(payload: dict[str, object]) -> None:
    """A webhook handler: render the confirmation and send it."""
    email = mailer.render(payload)  # validates the order; raises OrderValidationError
    message = email.to_message(sender="Groove Harbor <orders@groove-harbor.example.com>")
    # with smtplib.SMTP("localhost") as smtp: smtp.send_message(message)
    print(message["Subject"], "→", message["To"])


order = json.loads((here / "orders" / "01-one-item.json").read_text(), parse_float=Decimal)
on_order_created(order)
