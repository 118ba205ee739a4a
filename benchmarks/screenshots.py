"""Screenshots in bulk: one Chromium session for every shot vs one browser per shot.

Run: .venv/bin/python benchmarks/screenshots.py             (2 orders: 16 screenshots each way)
     .venv/bin/python benchmarks/screenshots.py --orders 4

Each example order is rendered first (not timed), then shot at 375 and 600 px, light and
dark, at 1× and 2×: once by a :class:`~delightmail.screenshot.Shooter` (one Chromium, a
context per scale, its page reused), once by ``screenshot()`` per shot (a Chromium each, as
``delightmail screenshot`` took before). Both in one run, on Debian's Chromium, so the
ratio is what counts: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal
from pathlib import Path

from delightmail import Mailer, Merchant
from delightmail.screenshot import SCHEMES, Shooter, screenshot

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (375, 600)
SCALES = (1, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2, help="example orders to shoot (1-5)")
    args = parser.parse_args()
    merchant = Merchant.model_validate_json((ROOT / "examples/merchant.json").read_text())
    mailer = Mailer(merchant=merchant)
    paths = sorted((ROOT / "examples/orders").glob("*.json"))[: args.orders]
    htmls = [
        mailer.render(json.loads(path.read_text(), parse_float=Decimal)).html for path in paths
    ]
    count = len(htmls) * len(WIDTHS) * len(SCHEMES) * len(SCALES)
    print(f"{len(htmls)} orders × 2 widths × 2 schemes × 2 scales = {count} screenshots")

    started = time.perf_counter()
    with Shooter() as shooter:
        launched = time.perf_counter() - started
        shots = [
            shot
            for html in htmls
            for shot in shooter.shots(html, widths=WIDTHS, schemes=SCHEMES, scales=SCALES)
        ]
    session = time.perf_counter() - started
    assert len(shots) == count
    print(f"one session:       {session:6.2f} s  ({session / count:.2f} s a screenshot; "
          f"{launched:.2f} s of it starting Chromium)")  # fmt: skip

    started = time.perf_counter()
    for html in htmls:
        for scale in SCALES:
            for width in WIDTHS:
                for scheme in SCHEMES:
                    screenshot(html, width=width, dark=scheme == "dark", scale=scale)
    each = time.perf_counter() - started
    print(f"a browser a shot:  {each:6.2f} s  ({each / count:.2f} s a screenshot)")
    print(f"one session is {each / session:.1f}× as fast")


if __name__ == "__main__":
    main()
