"""delightmail.contrib.celery: a real worker (in a thread) on Celery's in-memory broker, sending
through SMTPTransport to a real SMTP server (aiosmtpd) on loopback.

The messages go through the broker as JSON, as they would through Redis; the
scale-out test (test_scale_out.py) runs worker processes on a real Redis.
"""

from __future__ import annotations

import smtplib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

celery = pytest.importorskip("celery")

from celery import Celery  # noqa: E402
from celery.contrib.testing.worker import start_worker  # noqa: E402

from delightmail import Mailer, MessageError, Order, OrderValidationError, SendError  # noqa: E402
from delightmail.contrib.celery import confirmation_task  # noqa: E402
from delightmail.exceptions import InputError, StoreError  # noqa: E402
from delightmail.records import Claim, MemorySentStore, record_key  # noqa: E402
from delightmail.sending import SMTPTransport  # noqa: E402

from .cluster import free_port  # noqa: E402
from .conftest import EXAMPLES, load  # noqa: E402

SENDER = "Groove Harbor Records <orders@groove-harbor.example.com>"


class Server:
    """An SMTP server whose answer to each message the test decides; keeps what it got."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.answers: list[str] = []  # popped per message; "250 OK" once they run out
        self.connections = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.original_content)
        return self.answers.pop(0) if self.answers else "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Server]]:
    from aiosmtpd.controller import Controller

    server = Server()
    port = free_port()
    # Hangs up on a session idle for half a second, as servers do after a while.
    controller = Controller(server, hostname="127.0.0.1", port=port, timeout=0.5)
    controller.start()
    try:
        yield f"127.0.0.1:{port}", server
    finally:
        controller.stop()


@pytest.fixture
def order() -> dict[str, Any]:
    data: dict[str, Any] = load(EXAMPLES / "orders" / "01-one-item.json")
    return data


def make_app() -> Celery:
    app = Celery(f"test-{uuid.uuid4().hex[:8]}", broker="memory://", backend="cache+memory://")
    app.conf.update(
        # A queue of its own: the in-memory broker is shared by the whole process.
        task_default_queue=f"confirmations-{uuid.uuid4().hex}",
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
        broker_transport_options={"polling_interval": 0.01},
    )
    return app


@pytest.fixture
def worker(merchant_data: dict[str, Any]) -> Callable[..., Any]:
    """Starts a worker for a confirmation task made with the given options; yields the task."""
    stack: list[Any] = []

    def start(**options: Any) -> Any:
        app = make_app()
        options.setdefault("mailer", lambda: Mailer(merchant_data))
        options.setdefault("backoff", 0.05)
        task = confirmation_task(app, **options)
        context = start_worker(app, pool="solo", perform_ping_check=False)
        context.__enter__()
        stack.append(context)
        return task

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def result(async_result: Any) -> Any:
    return async_result.get(timeout=30, propagate=True)


def test_an_order_model_goes_as_json_and_a_second_delivery_sends_nothing(
    smtp: Any, worker: Any, order: dict[str, Any]
) -> None:
    server_address, server = smtp
    task = worker(transport=SMTPTransport(server_address, SENDER))
    # An Order is not JSON; the task sends its JSON data (the broker serializes JSON).
    assert result(task.delay(Order.model_validate(order))) == {"order": "#1001", "outcome": "sent"}
    # The same order again, as the dict a webhook parsed: a redelivery.
    assert result(task.delay(order)) == {"order": "#1001", "outcome": "duplicate"}
    [data] = server.received
    message = message_from_bytes(data, policy=policy.default)
    assert message["To"] == "Sam Rivera <sam.rivera@example.org>"
    assert message["From"] == SENDER
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None


def test_a_resend_is_sent_again_with_a_new_message_id(
    smtp: Any, worker: Any, order: dict[str, Any]
) -> None:
    server_address, server = smtp
    task = worker(transport=SMTPTransport(server_address, SENDER))
    assert result(task.delay(order))["outcome"] == "sent"
    assert result(task.delay(order, resend=1))["outcome"] == "sent"
    assert result(task.delay(order, resend=1))["outcome"] == "duplicate"
    ids = [message_from_bytes(data, policy=policy.default)["Message-ID"] for data in
           server.received]  # fmt: skip
    assert len(ids) == 2 and ids[0] != ids[1]
    assert ".resend1@" in ids[1]


def test_temporary_refusals_are_retried_and_every_attempt_is_the_same_bytes(
    smtp: Any, worker: Any, order: dict[str, Any]
) -> None:
    server_address, server = smtp
    server.answers = ["451 4.3.0 try again later", "421 4.7.0 too busy"]
    task = worker(transport=SMTPTransport(server_address, SENDER))
    assert result(task.delay(order))["outcome"] == "sent"
    assert len(server.received) == 3
    assert server.received[0] == server.received[1] == server.received[2]  # the Date pinned
    date = message_from_bytes(server.received[0], policy=policy.default)["Date"].datetime
    assert abs((datetime.now(UTC) - date).total_seconds()) < 60  # the time of sending


def test_a_pinned_date_is_the_date_sent(smtp: Any, worker: Any, order: dict[str, Any]) -> None:
    server_address, server = smtp
    task = worker(transport=SMTPTransport(server_address, SENDER))
    result(task.delay(order, date="2026-11-30T09:15:00+01:00"))
    message = message_from_bytes(server.received[0], policy=policy.default)
    assert message["Date"] == "Mon, 30 Nov 2026 09:15:00 +0100"


@pytest.mark.parametrize(
    ("answer", "match"),
    [("550 5.1.1 no such mailbox", "550"), ("554 5.7.1 rejected as spam", "554")],
)
def test_a_permanent_refusal_fails_at_once_and_frees_the_order(
    smtp: Any, worker: Any, order: dict[str, Any], answer: str, match: str
) -> None:
    server_address, server = smtp
    server.answers = [answer]
    store = MemorySentStore()
    task = worker(transport=SMTPTransport(server_address, SENDER), store=store)
    with pytest.raises(SendError, match=match):
        result(task.delay(order))
    assert len(server.received) == 1  # no retry can change the answer
    # Not recorded as sent: once someone fixes the address, it can be sent.
    key = record_key("Groove Harbor Records", "#1001")
    assert store.claim(key, "someone", lease=5) is Claim.CLAIMED


def test_retries_run_out(smtp: Any, worker: Any, order: dict[str, Any]) -> None:
    server_address, server = smtp
    server.answers = ["451 4.3.0 later"] * 10
    task = worker(transport=SMTPTransport(server_address, SENDER), max_retries=2)
    with pytest.raises(SendError, match="451"):
        result(task.delay(order))
    assert len(server.received) == 3  # the first attempt and two retries


def test_an_unreachable_server_is_retried(worker: Any, order: dict[str, Any]) -> None:
    attempts: list[datetime] = []
    sent = threading.Event()

    def transport(email: Any, *, date: datetime, resend: int) -> None:
        attempts.append(date)
        if len(attempts) < 3:
            raise ConnectionRefusedError(111, "Connection refused")
        sent.set()

    task = worker(transport=transport)
    assert result(task.delay(order))["outcome"] == "sent"
    assert len(attempts) == 3 and len(set(attempts)) == 1


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda o: o.pop("lines"), OrderValidationError, "lines"),
        (lambda o: o["customer"].pop("email"), MessageError, "customer.email"),
        (lambda o: o.update(total="1.00"), OrderValidationError, "total"),
    ],
    ids=["no lines", "no email", "wrong total"],
)
def test_an_order_that_cannot_be_sent_fails_at_once_naming_the_field(
    worker: Any, order: dict[str, Any], change: Any, error: type[Exception], match: str
) -> None:
    calls: list[Any] = []
    task = worker(transport=lambda email, **_: calls.append(email))
    change(order)
    with pytest.raises(error, match=match):
        result(task.delay(order))
    assert calls == []


def eager(merchant_data: dict[str, Any], **options: Any) -> Any:
    """The task run in this process (``task_always_eager``): retries run at once."""
    app = Celery(f"eager-{uuid.uuid4().hex[:8]}", broker="memory://")
    # Errors come back through the result (.get() raises them), as from a worker.
    app.conf.update(task_always_eager=True, task_eager_propagates=False)
    return confirmation_task(app, mailer=Mailer(merchant_data), backoff=0.01, **options)


@pytest.mark.parametrize(
    ("error", "attempts"),
    [
        (smtplib.SMTPRecipientsRefused({"sam@example.org": (550, b"5.1.1 no such user")}), 1),
        (smtplib.SMTPRecipientsRefused({"sam@example.org": (450, b"4.2.1 mailbox busy")}), 3),
        (smtplib.SMTPDataError(554, b"5.7.1 looks like spam"), 1),
        (smtplib.SMTPDataError(451, b"4.3.0 try later"), 3),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), 3),
        (TimeoutError("timed out"), 3),
        (ValueError("a bug in the transport"), 1),
    ],
    ids=["550-rcpt", "450-rcpt", "554-data", "451-data", "disconnected", "timeout", "bug"],
)
def test_what_a_transport_raises_decides_whether_it_is_retried(
    merchant_data: dict[str, Any], order: dict[str, Any], error: Exception, attempts: int
) -> None:
    """What a Django email backend raises (smtplib's errors) is judged like SendError: a 4xx
    answer or a lost connection is retried, a 5xx answer or a bug is not."""
    calls: list[Any] = []

    def transport(email: Any, **_: Any) -> None:
        calls.append(email)
        if len(calls) < 3:
            raise error

    task = eager(merchant_data, transport=transport)
    if attempts == 1:
        with pytest.raises(type(error)):
            task.delay(order).get()
    else:
        assert task.delay(order).get()["outcome"] == "sent"
    assert len(calls) == attempts


def test_a_transports_own_errors_can_be_named_worth_a_retry(
    merchant_data: dict[str, Any], order: dict[str, Any]
) -> None:
    class ServiceUnavailable(Exception):
        pass

    calls: list[Any] = []

    def transport(email: Any, **_: Any) -> None:
        calls.append(email)
        if len(calls) < 2:
            raise ServiceUnavailable("503 from the email service")

    task = eager(merchant_data, transport=transport, retry_for=(ServiceUnavailable,))
    assert task.delay(order).get()["outcome"] == "sent"
    assert len(calls) == 2


def test_a_store_that_cannot_be_reached_is_retried(worker: Any, order: dict[str, Any]) -> None:
    class Flaky(MemorySentStore):
        failures = 2

        def claim(self, key: str, token: str, lease: float) -> Claim:
            if self.failures:
                self.failures -= 1
                raise StoreError("Redis: Connection refused")
            return super().claim(key, token, lease)

    calls: list[Any] = []
    task = worker(transport=lambda email, **_: calls.append(email), store=Flaky())
    assert result(task.delay(order))["outcome"] == "sent"
    assert len(calls) == 1


def test_an_order_another_worker_is_sending_waits_for_its_lease(
    worker: Any, order: dict[str, Any]
) -> None:
    store = MemorySentStore()
    # A worker claimed the order and died: nobody sends it until the lease runs out.
    assert store.claim(record_key("Groove Harbor Records", "#1001"), "dead", 0.4) is Claim.CLAIMED
    calls: list[Any] = []
    task = worker(transport=lambda email, **_: calls.append(email), store=store, lease=0.4)
    assert result(task.delay(order))["outcome"] == "sent"
    assert len(calls) == 1


def test_the_mailer_is_made_at_worker_start_not_on_the_first_order(
    merchant_data: dict[str, Any], order: dict[str, Any]
) -> None:
    made: list[Mailer] = []

    def make() -> Mailer:
        made.append(Mailer(merchant_data))
        return made[-1]

    app = make_app()
    calls: list[Any] = []
    task = confirmation_task(
        app, mailer=make, transport=lambda email, **_: calls.append(email), locales=("de",)
    )
    assert made == []  # a producer that imports the task compiles nothing
    with start_worker(app, pool="solo", perform_ping_check=False):
        assert len(made) == 1  # before any order
        order["locale"] = "de"
        assert result(task.delay(order))["outcome"] == "sent"
    assert len(made) == 1
    assert calls[0].subject.startswith("Sam")


def test_a_broker_without_a_store_is_refused_with_what_to_do(
    merchant_data: dict[str, Any], order: dict[str, Any]
) -> None:
    app = Celery("amqp-shop", broker="amqp://guest@127.0.0.1//")
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    task = confirmation_task(app, mailer=Mailer(merchant_data), transport=lambda e, **_: None)
    with pytest.raises(InputError, match="SQLiteSentStore"):
        task.delay(order)


def test_a_redis_broker_keeps_the_records_in_redis(
    redis_url: str, merchant_data: dict[str, Any], order: dict[str, Any]
) -> None:
    import redis

    app = Celery("redis-shop", broker=redis_url)
    app.conf.task_always_eager = True
    calls: list[Any] = []
    task = confirmation_task(
        app, mailer=Mailer(merchant_data), transport=lambda email, **_: calls.append(email)
    )
    order["number"] = f"R-{uuid.uuid4().hex[:8]}"
    assert task.delay(order).get()["outcome"] == "sent"
    assert task.delay(order).get()["outcome"] == "duplicate"
    key = "delightmail:sent:" + record_key("Groove Harbor Records", order["number"])
    assert redis.Redis.from_url(redis_url).get(key) == b"sent"
    assert len(calls) == 1


def test_smtp_transport_keeps_one_connection_and_opens_another_when_dropped(
    smtp: Any, mailer: Mailer, order: dict[str, Any]
) -> None:
    server_address, server = smtp
    transport = SMTPTransport(server_address, SENDER, recheck_after=0.2)
    for number in range(5):
        order["number"] = str(number)
        transport(mailer.render(order))
    assert len(server.received) == 5 and server.connections == 1
    # The server hangs up on an idle session: the next email connects again.
    time.sleep(1.0)
    transport(mailer.render(order))
    assert len(server.received) == 6 and server.connections == 2
    transport.close()


def test_smtp_transport_to_a_closed_port_is_a_transient_send_error(
    mailer: Mailer, order: dict[str, Any]
) -> None:
    transport = SMTPTransport(f"127.0.0.1:{free_port()}", SENDER, timeout=2)
    with pytest.raises(SendError, match="could not talk to") as caught:
        transport(mailer.render(order))
    assert caught.value.transient


def test_smtp_transport_checks_its_settings_first() -> None:
    with pytest.raises(InputError, match="HOST:PORT"):
        SMTPTransport("localhost", SENDER)
    with pytest.raises(MessageError, match="sender"):
        SMTPTransport("localhost:25", "not an address\r\nBcc: x@example.com")


def test_the_example_worker_module_imports_without_compiling() -> None:
    """examples/celery/tasks.py is what the scale-out test runs; a producer imports it."""
    import runpy

    namespace = runpy.run_path(str(EXAMPLES / "celery" / "tasks.py"))
    task = namespace["send_confirmation"]
    assert task.name == "delightmail.send_confirmation"
    assert task.acks_late and task.reject_on_worker_lost
    assert task.confirmations._mailer is None
    assert Path(EXAMPLES / "celery" / "producer.py").is_file()
