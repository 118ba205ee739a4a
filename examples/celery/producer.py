"""Queue order confirmations for the workers of ``tasks.py``: what an order-created hook does.

    .venv/bin/python -m examples.celery.producer examples/orders/*.json
    .venv/bin/python -m examples.celery.producer examples/orders/*.json --copies 1000

``--copies N`` queues each order N times under new order numbers (``1001-0001``...),
for a load test. A file queued twice is sent once: the workers keep sent records.
"""

import argparse
import json
from decimal import Decimal
from pathlib import Path

from delightmail import Order

from .tasks import send_confirmation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", nargs="+", type=Path, help="order JSON files")
    parser.add_argument("--copies", type=int, default=1, help="queue each order N times")
    args = parser.parse_args()
    queued = 0
    for path in args.orders:
        order = Order.model_validate(json.loads(path.read_text(), parse_float=Decimal))
        for copy in range(args.copies):
            number = order.number if args.copies == 1 else f"{order.number}-{copy:04d}"
            # An Order goes as its JSON data: the task knows, the producer need not.
            send_confirmation.delay(order.model_copy(update={"number": number}))
            queued += 1
    print(f"queued {queued} confirmation(s)")


if __name__ == "__main__":
    main()
