"""Celery workers on Redis, measured in one run: throughput by number of workers, and what a
worker killed mid-run costs (orders lost, orders sent twice).

Run: .venv/bin/python benchmarks/workers.py                 (2,000 orders per run)
     .venv/bin/python benchmarks/workers.py --orders 10000 --workers 1,2,3

Everything is real and on loopback: Debian's redis-server (broker and sent records),
``celery worker --pool=solo`` processes running examples/celery/tasks.py, and an
aiosmtpd sink in a process of its own (the tests' cluster, tests/cluster.py). The
orders are queued first; a run is timed from the workers' start to the last email
received. On a 2-core machine the workers, the sink and Redis share two cores, so
throughput stops growing at two workers; the sink's own cost per email is printed
beside them, as it bounds what any worker count can reach.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cluster import (  # noqa: E402
    TIMINGS,
    kill_worker,
    queue_orders,
    redis_server,
    smtp_sink,
    start_worker,
    stop_worker,
    worker_env,
)

from delightmail import Mailer, Merchant  # noqa: E402

SENDER = "Groove Harbor Records <orders@groove-harbor.example.com>"


def run(folder: Path, orders: int, workers: int, *, kill: bool = False) -> dict[str, float]:
    with redis_server(folder / "redis") as broker, smtp_sink(folder / "sink") as sink:
        queue_orders(broker, sink.server, orders)
        env = worker_env(broker, sink.server, **TIMINGS)
        processes = [start_worker(f"w{n}", env, folder / f"w{n}.log") for n in range(workers)]
        started = time.perf_counter()
        killed = False
        try:
            while len(sink.tally()) < orders:
                if kill and not killed and sink.count() >= orders * 0.3:
                    kill_worker(processes[0])
                    killed = True
                if time.perf_counter() - started > 1800:
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            time.sleep(2 if kill else 0)  # anything sent twice arrives now
        finally:
            for process in processes[1:] if killed else processes:
                stop_worker(process)
        tally = sink.tally()
    return {
        "seconds": elapsed,
        "per_second": len(tally) / elapsed,
        "lost": orders - len(tally),
        "duplicates": sum(count - 1 for count in tally.values()),
    }


def sink_cost(folder: Path, count: int = 300) -> tuple[float, float]:
    """Milliseconds per email for delightmail alone (render + bytes) and for the sink alone
    (the same bytes over one SMTP connection from this process)."""
    merchant = Merchant.model_validate_json((ROOT / "examples" / "merchant.json").read_text())
    mailer = Mailer(merchant)
    order = json.loads(
        (ROOT / "examples" / "orders" / "02-many-items.json").read_text(), parse_float=Decimal
    )
    started = time.perf_counter()
    messages = []
    for n in range(count):
        order["number"] = f"B{n}"
        messages.append(mailer.render(order).to_bytes(SENDER))
    render_ms = (time.perf_counter() - started) / count * 1000
    with smtp_sink(folder / "alone") as sink, smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        started = time.perf_counter()
        for data in messages:
            smtp.sendmail("orders@groove-harbor.example.com", ["sam@example.org"], data)
        sink_ms = (time.perf_counter() - started) / count * 1000
    return render_ms, sink_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--workers", default="1,2", help="worker counts, such as 1,2,3")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="delightmail-bench-celery-") as tmp:
        folder = Path(tmp)
        render_ms, sink_ms = sink_cost(folder)
        print(f"one email, in one process: render + bytes {render_ms:.2f} ms; "
              f"the aiosmtpd sink taking it {sink_ms:.2f} ms")  # fmt: skip
        print(f"\n{args.orders} orders queued on Redis, then workers started:")
        print(
            f"{'workers':>8} {'seconds':>8} {'emails/s':>9} {'× one':>6} {'lost':>5} {'twice':>6}"
        )
        base = None
        for count in counts:
            result = run(folder / f"run{count}", args.orders, count)
            base = base or result["per_second"]
            print(f"{count:>9} {result['seconds']:>8.1f} {result['per_second']:>8.0f} "
                  f"{result['per_second'] / base:>8.2f} {result['lost']:>8.0f} "
                  f"{result['duplicates']:>8.0f}")  # fmt: skip
        most = max(counts)
        if most >= 2:
            result = run(folder / "killed", args.orders, most, kill=True)
            print(f"\n{most} workers, one killed (SIGKILL) after 30% of the orders: "
                  f"{result['seconds']:.1f} s, {result['per_second']:.0f} emails/s, "
                  f"{result['lost']:.0f} lost, {result['duplicates']:.0f} sent twice")  # fmt: skip


if __name__ == "__main__":
    main()
