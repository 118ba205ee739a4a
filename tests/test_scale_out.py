"""Scale-out, for real: Redis on loopback, two worker processes, 10,000 orders, one worker killed.

Everything here is what a shop would run: Debian's ``redis-server`` as broker and
sent-record store, ``celery worker`` processes running ``examples/celery/tasks.py``,
the producer's ``delay`` for every order, and an SMTP server (aiosmtpd, in a process
of its own) that writes down every message it takes. One worker is killed with
SIGKILL in the middle of the run, as a machine losing power would be: its orders
must still arrive, and none twice.

``DELIGHTMAIL_SCALE_ORDERS`` changes the number of orders (10,000 by default);
``benchmarks/workers.py`` runs the same cluster for throughput figures.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery")

from .cluster import (
    REDIS_SERVER,
    TIMINGS,
    kill_worker,
    queue_orders,
    redis_server,
    smtp_sink,
    start_worker,
    stop_worker,
    worker_env,
)

ORDERS = int(os.environ.get("DELIGHTMAIL_SCALE_ORDERS", "10000"))
_ORDER_NUMBER = re.compile(r"^<order-([A-Za-z0-9]+)\.")

pytestmark = pytest.mark.skipif(
    not Path(REDIS_SERVER).exists(), reason="redis-server is not installed (make system-deps)"
)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_two_workers_one_killed_every_order_arrives_once(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as broker, smtp_sink(tmp_path / "sink") as sink:
        numbers = queue_orders(broker, sink.server, ORDERS)
        env = worker_env(broker, sink.server, **TIMINGS)
        workers = [start_worker(f"w{n}", env, tmp_path / f"w{n}.log") for n in range(2)]
        started = time.monotonic()
        try:
            # Kill one in the middle of the run, when both have been sending for a while.
            wait_for(lambda: sink.count() >= ORDERS * 0.3, 600, "a third of the orders")
            kill_worker(workers[0])
            killed_at = sink.count()
            # The survivor finishes the queue, and the dead one's orders come back to it.
            wait_for(lambda: len(sink.tally()) >= ORDERS, 900, "every order")
            time.sleep(3)  # anything sent twice would arrive now
        finally:
            for worker in workers[1:]:
                stop_worker(worker)
        elapsed = time.monotonic() - started
        tally = sink.tally()

    by_order: Counter[str] = Counter()
    for message_id in tally:
        found = _ORDER_NUMBER.match(message_id)
        assert found, message_id
        by_order[found.group(1)] += 1
    duplicates = sum(count - 1 for count in tally.values())
    print(
        f"\n{ORDERS} orders, 2 workers, one killed after {killed_at}: "
        f"{len(by_order)} delivered, {duplicates} duplicate(s), in {elapsed:.0f} s"
    )
    # Every order arrived, and each as one email (one Message-ID).
    assert sorted(by_order) == sorted(numbers)
    assert set(by_order.values()) == {1}
    # None twice. The one window left is a kill after the server took the message and
    # before its record was written: at most one email, sent again with the same
    # Message-ID (the same email to a mail client). Anything more is a bug.
    assert duplicates <= 1, f"{duplicates} orders were sent twice"


def test_an_order_the_broker_lost_is_queued_again(tmp_path: Path) -> None:
    """Celery's Redis transport takes a message off the queue, then files it among the
    unacknowledged: a worker killed between the two loses it. What it leaves behind is the
    task's outbox entry and no message; a worker's sweeper queues it again."""
    import redis
    from kombu.utils.json import dumps

    from delightmail.records import RedisOutbox

    from .cluster import EXAMPLES

    order = json.loads((EXAMPLES / "orders" / "03-eur-discount-two-taxes.json").read_text())
    order["number"] = "LOST1"
    with redis_server(tmp_path / "redis") as broker, smtp_sink(tmp_path / "sink") as sink:
        outbox = RedisOutbox(redis.Redis.from_url(broker))
        outbox.add("lost-task-1", dumps({"args": [order], "kwargs": {}}), starts_in=-60)
        env = worker_env(broker, sink.server, **{**TIMINGS, "SHOP_OUTBOX_GRACE": "4"})
        worker = start_worker("w0", env, tmp_path / "w0.log")
        try:
            wait_for(lambda: sink.count() >= 1, 90, "the lost order")
            time.sleep(2)
        finally:
            stop_worker(worker)
        [message_id] = sink.message_ids()
        assert outbox.lost(0) == []  # done: nothing left to queue again
    assert message_id.startswith("<order-LOST1.")
