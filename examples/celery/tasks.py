"""Celery workers that send the order confirmations: start as many as you like, anywhere.

Run it from the repository root (``make example`` has set up ``.venv``)::

    redis-server --port 6379 &                      # the broker, and the sent records
    .venv/bin/python -m aiosmtpd -n -l 127.0.0.1:1025 &   # an SMTP server that prints mail
    .venv/bin/celery -A examples.celery.tasks worker --loglevel=info   # one per machine, or more
    .venv/bin/python -m examples.celery.producer examples/orders/*.json

Every worker that reaches the same Redis takes orders from the same queue and
keeps its sent records in the same place: adding machines is adding workers.
The environment says where things are: ``CELERY_BROKER_URL``, ``SHOP_SMTP``
(``HOST:PORT``), ``SHOP_VISIBILITY_TIMEOUT`` (seconds before the orders a dead
worker held go to another worker; longer than the longest retry delay, 600 s)
``SHOP_LEASE`` (seconds a worker holds an order while it sends it) and
``SHOP_OUTBOX_GRACE`` (seconds before an order that never started is queued again).
"""

import os
from pathlib import Path

from celery import Celery

from delightmail import Mailer, Merchant
from delightmail.contrib.celery import confirmation_task
from delightmail.sending import SMTPTransport

EXAMPLES = Path(__file__).resolve().parents[1]

app = Celery("shop", broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
app.conf.update(
    task_ignore_result=True,
    # A worker holds one order besides the one it is sending: a worker that dies
    # takes little with it, and nothing for good (the task is acknowledged late).
    worker_prefetch_multiplier=1,
    broker_transport_options={
        "visibility_timeout": float(os.environ.get("SHOP_VISIBILITY_TIMEOUT", 3600)),
        # Look for a dead worker's orders every 10 s (kombu's default looks every 100 s).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    },
    broker_connection_retry_on_startup=True,
)


def make_mailer() -> Mailer:
    """Called once per worker, at start-up: the templates compile there, not on an order."""
    merchant = Merchant.model_validate_json((EXAMPLES / "merchant.json").read_text())
    return Mailer(merchant, "postcard")


send_confirmation = confirmation_task(
    app,
    mailer=make_mailer,
    transport=SMTPTransport(
        os.environ.get("SHOP_SMTP", "127.0.0.1:1025"),
        "Groove Harbor Records <orders@groove-harbor.example.com>",
    ),
    locales=("en", "de"),  # the orders' own locales, compiled at start-up too
    # How long one worker holds an order while it sends it; if it dies holding it,
    # the order waits that long for another worker. Both timings must stay below
    # the visibility timeout.
    lease=float(os.environ.get("SHOP_LEASE", 30)),
    # An order that has waited this long past its time, with the queue empty, is queued
    # again (Redis loses a message whose worker dies as it takes it): above the timeout.
    outbox_grace=float(os.environ.get("SHOP_OUTBOX_GRACE", 3900)),
)
