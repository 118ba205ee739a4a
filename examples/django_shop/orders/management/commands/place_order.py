"""``python manage.py place_order ORDER.json [--roll-back]``: what a checkout does, by hand."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from orders.models import Order


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Save an order (its confirmation goes out when the transaction commits)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order", type=Path)
        parser.add_argument("--roll-back", action="store_true", help="fail the checkout")

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.loads(options["order"].read_text(), parse_float=Decimal)
        try:
            with transaction.atomic():
                Order.objects.create(number=data["number"], data=data)
                if options["roll_back"]:
                    raise Rollback  # say, the payment failed after the order was saved
        except Rollback:
            self.stdout.write(f"order {data['number']} rolled back: no confirmation sent")
            return
        self.stdout.write(f"order {data['number']} placed")
