"""Real servers on loopback for the Celery tests and benchmark: Redis, an SMTP sink, workers.

Each is started here, on a free port of 127.0.0.1, and stopped (and its files
removed with the test's folder) after: Debian's ``redis-server`` (the project's
``make system-deps`` installs it), aiosmtpd in a process of its own
(``tests/smtp_sink.py``), and ``celery worker`` processes running
``examples/celery/tasks.py`` as a user would.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# Short timings, so that a dead worker's orders come back within seconds, not an hour.
TIMINGS = {"SHOP_VISIBILITY_TIMEOUT": "20", "SHOP_LEASE": "10", "SHOP_OUTBOX_GRACE": "30"}
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port}")


def _stop(process: subprocess.Popen[bytes], *, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis server on loopback, in memory only; yields its URL."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


@dataclass
class Sink:
    """What the SMTP sink received: one Message-ID per message, in order."""

    port: int
    log: Path

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def message_ids(self) -> list[str]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="ascii").split("\n")[:-1]  # whole lines only
        return [line.split("\t", 1)[0] for line in lines]

    def count(self) -> int:
        return len(self.message_ids())

    def tally(self) -> Counter[str]:
        return Counter(self.message_ids())


@contextmanager
def smtp_sink(folder: Path) -> Iterator[Sink]:
    """aiosmtpd on loopback, in its own process."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "received.tsv"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "smtp_sink.py"), str(port), str(log)],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, "the SMTP sink")
        yield Sink(port, log)
    finally:
        _stop(process)


def worker_env(broker: str, smtp: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    env.update(CELERY_BROKER_URL=broker, SHOP_SMTP=smtp, **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT / "src"), str(ROOT))))
    return env


def start_worker(
    name: str, env: dict[str, str], log: Path, *, loglevel: str = "WARNING"
) -> subprocess.Popen[bytes]:
    """``celery -A examples.celery.tasks worker``: one process that sends one order at a time."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "examples.celery.tasks", "worker",
             "--pool=solo", "--hostname", f"{name}@127.0.0.1", "--without-gossip",
             "--without-mingle", "--without-heartbeat", f"--loglevel={loglevel}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """A warm shutdown (SIGTERM): the worker finishes its order and stops."""
    _stop(process, timeout=30)


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """What a machine that loses power does: SIGKILL, nothing finishes, nothing is acked."""
    process.send_signal(signal.SIGKILL)
    process.wait()


def queue_orders(broker: str, smtp: str, count: int) -> list[str]:
    """What an order-created hook does, *count* times: ``send_confirmation.delay(order)``."""
    saved = {name: os.environ.get(name) for name in ("CELERY_BROKER_URL", "SHOP_SMTP")}
    os.environ.update(CELERY_BROKER_URL=broker, SHOP_SMTP=smtp)
    try:
        tasks = runpy.run_path(str(EXAMPLES / "celery" / "tasks.py"), run_name="shop_tasks")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    send_confirmation = tasks["send_confirmation"]
    # Every example order in turn: one line or many, a gift, English, German, Japanese.
    orders: list[dict[str, Any]] = [
        json.loads(path.read_text(), parse_float=Decimal)
        for path in sorted((EXAMPLES / "orders").glob("*.json"))
    ]
    numbers = [f"S{n:05d}" for n in range(count)]
    try:
        for n, number in enumerate(numbers):
            order = orders[n % len(orders)]
            order["number"] = number
            send_confirmation.delay(order)
    finally:
        tasks["app"].close()
    return numbers
