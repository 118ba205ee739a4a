"""Per-email render time: the reference slow path vs Mailer.render vs a bare Jinja render.

Run: .venv/bin/python benchmarks/render.py  (or: make bench)

All figures come from one run on this machine, so the ratios are what counts:
the machines are shared and noisy, absolute times are not comparable across runs.
Each figure is the median, over several batches, of the mean time per email.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from delightmail import Mailer, Merchant, Order
from delightmail.models import validate_order

ROOT = Path(__file__).resolve().parents[1]


def make_order(lines: int) -> Order:
    """An order of *lines* different lines, in dollars, totals reconciled."""
    items = []
    subtotal = Decimal(0)
    for i in range(lines):
        price = Decimal(5 + i % 40) + Decimal("0.99")
        quantity = 1 + i % 3
        subtotal += price * quantity
        items.append(
            {
                "sku": f"SKU-{i:05d}",
                "name": f"Record number {i} & friends",
                "variant": "Black vinyl" if i % 2 else None,
                "kind": "record",
                "quantity": quantity,
                "unit_price": str(price),
                "image_url": f"https://shop.example.com/img/{i}.jpg",
            }
        )
    shipping = Decimal("4.90")
    return validate_order(
        {
            "number": f"#{lines}",
            "placed_at": "2026-11-22T10:15:00-08:00",
            "currency": "USD",
            "lines": items,
            "shipping": {"method": "Standard", "amount": str(shipping)},
            "total": str(subtotal + shipping),
            "customer": {"first_name": "Sam", "email": "sam@example.org"},
            "shipping_address": {
                "name": "Sam Rivera",
                "address1": "1425 SE Alder St",
                "city": "Portland",
                "region": "OR",
                "postal_code": "97214",
                "country_code": "US",
            },
            "status_url": "https://shop.example.com/orders/1",
        }
    )


def per_call(fn: Callable[[], Any], budget: float, batches: int = 5) -> float:
    """Median over *batches* of the mean seconds per call, spending about *budget* seconds."""
    start = time.perf_counter()
    fn()  # warm caches
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(budget / batches / once))
    means = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        means.append((time.perf_counter() - start) / calls)
    return statistics.median(means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,3,10,100,1000", help="line counts to measure")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per figure")
    args = parser.parse_args()

    merchant = Merchant.model_validate(json.loads((ROOT / "examples/merchant.json").read_text()))
    start = time.perf_counter()
    fast = Mailer(merchant=merchant)
    compile_ms = (time.perf_counter() - start) * 1000
    slow = Mailer(merchant=merchant, precompile=False)
    sandboxed = Mailer(merchant=merchant, sandbox=True)
    print(f"compile once (MJML + premailer + Jinja): {compile_ms:.1f} ms")
    print()
    header = (
        f"{'lines':>6} {'reference':>12} {'render':>10} {'render(dict)':>13} "
        f"{'bare jinja':>11} {'sandboxed':>10} {'ref/render':>11} {'render/bare':>12} "
        f"{'sandbox/render':>15}"
    )
    print(header)
    print("-" * len(header))
    for size in (int(s) for s in args.sizes.split(",")):
        order = make_order(size)
        data = order.model_dump(mode="json")
        context = fast.context(order)
        template = fast.html_template()
        reference = per_call(lambda o=order: slow.render(o), args.budget, batches=3)
        render = per_call(lambda o=order: fast.render(o), args.budget)
        render_dict = per_call(lambda d=data: fast.render(d), args.budget)
        bare = per_call(lambda c=context, t=template: t.render(c), args.budget)
        sandbox = per_call(lambda o=order: sandboxed.render(o), args.budget)
        print(
            f"{size:>6} {reference * 1000:>10.2f}ms {render * 1000:>8.3f}ms "
            f"{render_dict * 1000:>11.3f}ms {bare * 1000:>9.3f}ms {sandbox * 1000:>8.3f}ms "
            f"{reference / render:>10.0f}x {render / bare:>11.2f}x {sandbox / render:>14.2f}x"
        )
    print()
    print("render = Mailer.render(Order): story, HTML and text parts, subject and preheader.")
    print("render(dict) adds validating a plain dict into an Order.")
    print("bare jinja = the compiled HTML template's render() with a prepared context.")
    print("sandboxed = Mailer(..., sandbox=True).render(Order): a merchant's own template.")


if __name__ == "__main__":
    main()
