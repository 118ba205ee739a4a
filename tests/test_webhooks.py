"""The order-webhook receiver over real HTTP: uvicorn on loopback, an SMTP server (aiosmtpd)
on loopback, and every shared platform sample signed and posted as the platform posts it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from delightmail import Mailer, SendError
from delightmail.adapters import to_order
from delightmail.records import MemorySentStore, SQLiteSentStore
from delightmail.sending import SMTPTransport
from delightmail.webhooks import _platform_id, app

from .cluster import free_port
from .conftest import EXAMPLES, SAMPLES

SECRET = "test-webhook-secret-🔑"
#: Saleor's signing key (its JWKS is what the receiver is given: no network).
SALEOR_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SALEOR_JWKS = {
    "keys": [{**json.loads(RSAAlgorithm.to_jwk(SALEOR_KEY.public_key())), "use": "sig", "kid": "1"}]
}
SENDER = "Groove Harbor Records <orders@groove-harbor.example.com>"
MERCHANT = EXAMPLES / "merchant.json"
TOPICS = {"shopify": "orders/create", "woocommerce": "order.created", "saleor": "order_created"}


def _hmac(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed(
    platform: str, body: bytes, *, secret: str = SECRET, shop: str = "shop.example"
) -> dict[str, str]:
    """The headers *platform* sends with *body*."""
    if platform == "shopify":
        return {
            "X-Shopify-Hmac-Sha256": _hmac(body, secret),
            "X-Shopify-Topic": TOPICS[platform],
            "X-Shopify-Shop-Domain": shop,
            "Content-Type": "application/json",
        }
    if platform == "woocommerce":
        return {
            "X-WC-Webhook-Signature": _hmac(body, secret),
            "X-WC-Webhook-Topic": TOPICS[platform],
            "X-WC-Webhook-Source": f"https://{shop}/",
            "Content-Type": "application/json",
        }
    if platform == "saleor":
        return {
            "Saleor-Signature": jwt.api_jws.encode(
                body,
                key=SALEOR_KEY,
                algorithm="RS256",
                headers={"kid": "1"},
                is_payload_detached=True,
            ),
            "Saleor-Event": TOPICS[platform],
            "Saleor-Domain": shop,
            "Content-Type": "application/json",
        }
    raise AssertionError(platform)


class Inbox:
    """An SMTP server's handler: keeps every message; waits *delay* seconds first if told."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.delay = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(envelope.original_content)
        return "250 OK"

    def recipients(self) -> list[str]:
        return [
            str(message_from_bytes(data, policy=policy.default)["To"]) for data in self.messages
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"127.0.0.1:{port}", inbox
    finally:
        controller.stop()


class Served:
    """A receiver served by uvicorn on loopback."""

    def __init__(self, application: Any) -> None:
        self.app = application
        self.receiver = application.state.receiver
        self.port = free_port()
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, platform: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(
            f"{self.url}/webhooks/{platform}", content=body, headers=headers, timeout=30
        )


@pytest.fixture
def serve(merchant_data: dict[str, Any]) -> Iterator[Callable[..., Served]]:
    running: list[Served] = []

    def start(**options: Any) -> Served:
        options.setdefault(
            "secrets", {"shopify": SECRET, "woocommerce": SECRET, "saleor": SALEOR_JWKS}
        )
        options.setdefault("store", MemorySentStore())
        if "enqueue" not in options:
            options.setdefault("mailer", lambda: Mailer(merchant_data))
        served = Served(app(**options)).__enter__()
        running.append(served)
        return served

    yield start
    for served in running:
        served.__exit__()


def samples(platform: str) -> list[Path]:
    return [p for p in sorted((SAMPLES / platform).glob("*.json")) if "fulfillment" not in p.name]


ALL_SAMPLES = [(platform, path) for platform in TOPICS for path in samples(platform)]


@pytest.mark.parametrize(
    ("platform", "path"), ALL_SAMPLES, ids=[f"{p}-{path.stem}" for p, path in ALL_SAMPLES]
)
def test_every_signed_sample_is_confirmed_once(
    platform: str, path: Path, smtp: Any, serve: Any
) -> None:
    """Each real payload, signed and posted as its platform does: an order with a customer
    email gets one email (lenient: even when its totals do not add up); posted again, it is
    a duplicate and sends nothing. One without an email, or cancelled, is acknowledged and
    sends nothing."""
    server, inbox = smtp
    served = serve(send=SMTPTransport(server, SENDER))
    body = path.read_bytes()
    first = served.post(platform, body, signed(platform, body))
    assert first.status_code == 200, first.text
    if first.json()["outcome"] == "ignored":
        order = to_order(body, platform, lenient=True)
        why = "no customer email" if order.confirmed else f"is {order.status}"
        assert why in first.json()["detail"]
        assert inbox.messages == []
        return
    assert first.json()["outcome"] == "sent"
    assert len(inbox.messages) == 1
    again = served.post(platform, body, signed(platform, body))
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda h, b: {**h, "X-Shopify-Hmac-Sha256": _hmac(b, "another secret")},
        lambda h, b: {k: v for k, v in h.items() if k != "X-Shopify-Hmac-Sha256"},
        lambda h, b: {**h, "X-Shopify-Hmac-Sha256": ""},
        lambda h, b: {**h, "X-Shopify-Hmac-Sha256": "not base64 at all!"},
        lambda h, b: {**h, "X-Shopify-Hmac-Sha256": _hmac(b + b" ")},
    ],
    ids=["other-secret", "missing", "empty", "garbage", "other-body"],
)
def test_a_forged_delivery_is_refused_and_sends_nothing(forge: Any, smtp: Any, serve: Any) -> None:
    server, inbox = smtp
    served = serve(send=SMTPTransport(server, SENDER))
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    answer = served.post("shopify", body, forge(signed("shopify", body), body))
    assert answer.status_code == 401
    assert answer.json()["outcome"] == "rejected"
    assert SECRET not in answer.text
    assert inbox.messages == []
    counts = served.receiver.counters.snapshot()
    assert counts["rejected"] == 1 and counts["verified"] == 0


def test_twenty_copies_at_once_send_one_email(smtp: Any, serve: Any, tmp_path: Path) -> None:
    server, inbox = smtp
    inbox.delay = 0.3  # the first one is still sending while the others arrive
    served = serve(
        send=SMTPTransport(server, SENDER),
        store=SQLiteSentStore(tmp_path / "sent.db"),
    )
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    headers = signed("shopify", body)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(f"{served.url}/webhooks/shopify", content=body, headers=headers)
                        for _ in range(20)
                    )
                )
            )

    answers = asyncio.run(burst())
    statuses = sorted(answer.status_code for answer in answers)
    assert 500 not in statuses
    assert [a.json()["outcome"] for a in answers].count("sent") == 1
    assert set(statuses) <= {200, 503}
    time.sleep(0.5)
    assert len(inbox.messages) == 1
    # The platform's retries of the ones told to come back find it sent.
    again = served.post("shopify", body, headers)
    assert again.json()["outcome"] == "duplicate"
    assert len(inbox.messages) == 1


def test_a_slow_mail_server_is_answered_in_time_and_sent_once(smtp: Any, serve: Any) -> None:
    server, inbox = smtp
    inbox.delay = 2.5
    served = serve(send=SMTPTransport(server, SENDER), respond_within=0.5, lease=5)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    started = time.monotonic()
    answer = served.post("shopify", body, signed("shopify", body))
    assert time.monotonic() - started < 2.0  # well inside Shopify's 5 seconds
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    # The platform retries while it is still being sent: come back later.
    busy = served.post("shopify", body, signed("shopify", body))
    assert busy.status_code == 503
    time.sleep(3)  # it went, after the answer
    assert len(inbox.messages) == 1
    done = served.post("shopify", body, signed("shopify", body))
    assert (done.status_code, done.json()["outcome"]) == (200, "duplicate")
    assert len(inbox.messages) == 1


def test_a_failure_that_may_pass_is_left_to_the_platforms_retry(serve: Any) -> None:
    sent: list[Any] = []

    def send(email: Any) -> None:
        if not sent:
            sent.append(None)
            raise SendError("127.0.0.1:25 refused the message: 451 try later", 451)
        sent.append(email)

    served = serve(send=send)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    first = served.post("shopify", body, signed("shopify", body))
    assert (first.status_code, first.json()["outcome"]) == (503, "retry")
    second = served.post("shopify", body, signed("shopify", body))
    assert (second.status_code, second.json()["outcome"]) == (200, "sent")
    assert len(sent) == 2


def test_a_failure_no_retry_cures_is_answered_200_and_logged(serve: Any) -> None:
    def send(email: Any) -> None:
        raise SendError("127.0.0.1:25 refused sam@example.org (550 no such mailbox)", 550)

    served = serve(send=send)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    answer = served.post("shopify", body, signed("shopify", body))
    assert (answer.status_code, answer.json()["outcome"]) == (200, "failed")
    assert "550" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (b'{"id": 1, "topic": "ping"}', "invalid Shopify order: got an object with keys id, topic"),
        (b"[]", "expected a JSON object"),
        (b"", "not valid JSON"),
    ],
    ids=["text", "binary", "deep", "not-order", "list", "empty"],
)
def test_a_signed_body_that_is_no_order_gets_200_never_500(
    body: bytes, detail: str, serve: Any
) -> None:
    calls: list[Any] = []
    served = serve(send=calls.append)
    answer = served.post("shopify", body, signed("shopify", body))
    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
    assert detail in answer.json()["detail"]
    assert calls == []


def test_a_body_over_the_limit_is_refused_unread(serve: Any) -> None:
    served = serve(send=lambda email: None, max_body=1000)
    body = b'{"line_items": [' + b"{}," * 2000 + b"{}]}"
    answer = served.post("shopify", body, signed("shopify", body))
    assert answer.status_code == 413


def test_other_topics_and_pings_are_acknowledged_not_sent(serve: Any) -> None:
    calls: list[Any] = []
    served = serve(send=calls.append)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    answer = served.post(
        "shopify", body, {**signed("shopify", body), "X-Shopify-Topic": "orders/updated"}
    )
    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
    ping = b"webhook_id=42"  # sent unsigned, when the webhook is saved
    answer = served.post("woocommerce", ping, {"Content-Type": "application/x-www-form-urlencoded"})
    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
    forged = served.post("woocommerce", b'{"id": 1}', {})  # anything else unsigned: refused
    assert forged.status_code == 401
    assert calls == []
    other = serve(send=calls.append, secrets={"shopify": SECRET})
    assert other.post("saleor", b"{}", {}).status_code == 404  # no Saleor keys given


def test_strict_totals_refuse_what_lenient_confirms(serve: Any) -> None:
    body = (SAMPLES / "shopify" / "python-api-fixture-order-1001.json").read_bytes()
    sent: list[Any] = []
    lenient = serve(send=sent.append)
    answer = lenient.post("shopify", body, signed("shopify", body))
    assert answer.json()["outcome"] == "sent"
    assert "409.94" in sent[0].text  # what Shopify charged
    strict = serve(send=sent.append, lenient=False)
    answer = strict.post("shopify", body, signed("shopify", body))
    assert answer.json()["outcome"] == "ignored" and "do not add up" in answer.json()["detail"]


def test_enqueue_hands_the_order_on_without_rendering(serve: Any) -> None:
    queued: list[Any] = []
    served = serve(enqueue=queued.append)
    body = (SAMPLES / "woocommerce" / "rest-docs-v3-create-order-727.json").read_bytes()
    answer = served.post("woocommerce", body, signed("woocommerce", body))
    assert answer.json()["outcome"] == "sent"
    [order] = queued
    assert order.number == answer.json()["order"]


@pytest.mark.parametrize("status", ["refunded", "cancelled", "failed"])
def test_an_order_refunded_or_cancelled_is_acknowledged_never_confirmed(
    serve: Any, status: str
) -> None:
    """A delivery of an order no confirmation is true of: answered 200 (a retry changes
    nothing), naming its status; nothing is sent, and nothing handed on."""
    sent: list[Any] = []
    queued: list[Any] = []
    data = json.loads((SAMPLES / "woocommerce" / "rest-docs-v3-create-order-727.json").read_bytes())
    body = json.dumps({**data, "status": status}).encode()
    for served in (serve(send=sent.append), serve(enqueue=queued.append)):
        answer = served.post("woocommerce", body, signed("woocommerce", body))
        assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
        assert status in answer.json()["detail"]
    assert sent == [] and queued == []


def test_metrics_and_health(serve: Any) -> None:
    served = serve(send=lambda email: None)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    served.post("shopify", body, signed("shopify", body))
    served.post("shopify", body, signed("shopify", body))
    served.post("shopify", body, {})
    text = httpx.get(f"{served.url}/metrics").text
    for outcome, count in [
        ("received", 3),
        ("verified", 2),
        ("sent", 1),
        ("duplicate", 1),
        ("rejected", 1),
    ]:
        assert f'delightmail_webhooks_total{{outcome="{outcome}"}} {count}' in text
    assert httpx.get(f"{served.url}/healthz").json() == {"ready": True}


def test_the_receiver_refuses_a_setup_that_cannot_work(
    merchant_data: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each setup that cannot work is refused, naming what, and leaves nothing behind (no
    record of sent emails in the folder it was started from)."""
    from delightmail.exceptions import InputError

    monkeypatch.chdir(tmp_path)

    with pytest.raises(InputError, match="unknown platform 'magento'"):
        app(secrets={"magento": "x"}, send=print, mailer=Mailer(merchant_data))
    with pytest.raises(InputError, match="empty"):
        app(secrets={"shopify": ""}, send=print, mailer=Mailer(merchant_data))
    with pytest.raises(InputError, match=r"send= .* or enqueue="):
        app(secrets={"shopify": "x"}, mailer=Mailer(merchant_data))
    # Saleor keys that cannot check an RS256 signature: at start-up, not per delivery.
    with pytest.raises(InputError, match=r"secrets\['saleor'\]: keys: the JWKS has no RSA key"):
        app(secrets={"saleor": {"keys": []}}, send=print, mailer=Mailer(merchant_data))
    with pytest.raises(InputError, match=r"secrets\['saleor'\]: keys: JSON text that is not"):
        app(secrets={"saleor": "{not a jwks"}, send=print, mailer=Mailer(merchant_data))
    assert list(tmp_path.iterdir()) == []


def start_serve(
    smtp_server: str, store: list[str], log: Any = subprocess.DEVNULL
) -> tuple[subprocess.Popen[bytes], str]:
    """``delightmail serve`` in a process of its own, as a shop owner runs it; its URL."""
    port = free_port()
    env = {**os.environ, "DELIGHTMAIL_SHOPIFY_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "delightmail", "serve", "--merchant", str(MERCHANT),
         "--smtp", smtp_server, "--port", str(port), *store],
        env=env, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process, f"http://127.0.0.1:{port}"
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("delightmail serve did not start")
        time.sleep(0.1)


def burst(urls: list[str], body: bytes, headers: dict[str, str], copies: int) -> list[Any]:
    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(f"{urls[n % len(urls)]}/webhooks/shopify", content=body,
                                    headers=headers)
                        for n in range(copies)
                    )
                )
            )  # fmt: skip

    return asyncio.run(send_all())


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_two_receivers_sharing_their_records_send_once(
    kind: str, smtp: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two ``delightmail serve`` processes (two workers of one machine sharing the SQLite
    file, or two machines sharing Redis) get the same delivery twenty times at once."""
    server, inbox = smtp
    inbox.delay = 0.2
    if kind == "sqlite":
        store = ["--store", str(tmp_path / "sent.db")]
    else:
        store = ["--redis", request.getfixturevalue("redis_url")]
    processes = [start_serve(server, store) for _ in range(2)]
    try:
        body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
        body = body.replace(b"450789469", str(time.monotonic_ns()).encode())  # a new order id
        answers = burst([url for _, url in processes], body, signed("shopify", body), 20)
        assert {a.status_code for a in answers} <= {200, 503}
        assert [a.json()["outcome"] for a in answers].count("sent") == 1
        time.sleep(0.5)
        assert len(inbox.messages) == 1
    finally:
        for process, _ in processes:
            process.terminate()
            process.wait(10)


def test_delightmail_serve_receives_and_sends(smtp: Any, tmp_path: Path) -> None:
    """The command line, as a shop owner runs it: secrets from the environment, one log
    line per delivery."""
    server, inbox = smtp
    with (tmp_path / "serve.log").open("wb") as log:
        process, url = start_serve(server, ["--store", str(tmp_path / "sent.db")], log)
        try:
            body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
            answer = httpx.post(
                f"{url}/webhooks/shopify", content=body, headers=signed("shopify", body)
            )
            assert answer.json()["outcome"] == "sent"
            assert len(inbox.messages) == 1
        finally:
            process.terminate()
            process.wait(10)
    said = (tmp_path / "serve.log").read_text()
    assert f"delightmail.webhooks: shopify {answer.json()['order']}: sent" in said


def test_delightmail_serve_without_a_secret_is_bad_input() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_SECRET", "_KEYS"))}
    result = subprocess.run(
        [sys.executable, "-m", "delightmail", "serve", "--merchant", str(MERCHANT),
         "--smtp", "127.0.0.1:25"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "DELIGHTMAIL_SHOPIFY_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_mounted_in_another_app_it_starts_on_its_first_delivery(
    merchant_data: dict[str, Any],
) -> None:
    """Starlette (and FastAPI) run no start-up for a mounted app: the first delivery makes
    the mailer instead, once, however many arrive together."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    made: list[Mailer] = []

    def make() -> Mailer:
        made.append(Mailer(merchant_data))
        return made[-1]

    sent: list[Any] = []
    receiver = app(
        mailer=make, secrets={"shopify": SECRET}, send=sent.append, store=MemorySentStore()
    )
    shop = Starlette(routes=[Mount("/hooks", receiver)])
    shop.state.receiver = receiver.state.receiver
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    with Served(shop) as served:
        answer = httpx.post(
            f"{served.url}/hooks/webhooks/shopify", content=body, headers=signed("shopify", body)
        )
    assert answer.json()["outcome"] == "sent"
    assert len(made) == 1 and len(sent) == 1


def test_a_replay_with_other_unsigned_headers_is_the_same_order(serve: Any) -> None:
    """The shop header is not signed: the record is keyed by what the signature covers."""
    sent: list[Any] = []
    served = serve(send=sent.append)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    assert served.post("shopify", body, signed("shopify", body)).json()["outcome"] == "sent"
    for shop in ("other.myshopify.com", "", "x" * 5000):
        answer = served.post("shopify", body, signed("shopify", body, shop=shop))
        assert answer.json()["outcome"] == "duplicate"
    assert len(sent) == 1


def test_a_broken_template_leaves_the_email_to_the_platforms_retry(
    merchant_data: dict[str, Any], serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shop's own set-up failing is not the order's fault: 503, so the email waits for
    the fix instead of being dropped with a 200."""
    from delightmail import TemplateError

    mailer = Mailer(merchant_data)
    sent: list[Any] = []
    served = serve(mailer=mailer, send=sent.append)

    def broken(order: Any) -> Any:
        raise TemplateError("'gift' is undefined", "partials/story.mjml.j2", 3)

    monkeypatch.setattr(mailer, "render", broken)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    answer = served.post("shopify", body, signed("shopify", body))
    assert (answer.status_code, answer.json()["outcome"]) == (503, "retry")
    monkeypatch.undo()  # the fix is deployed; the platform delivers again
    answer = served.post("shopify", body, signed("shopify", body))
    assert answer.json()["outcome"] == "sent" and len(sent) == 1


def test_enqueue_to_the_celery_task_confirms_with_the_platforms_totals(
    merchant_data: dict[str, Any], serve: Any
) -> None:
    """The receiver hands the order to contrib.celery's task (its ``delay``): an order whose
    totals do not add up travels as JSON with ``totals_as_given`` and is still sent."""
    pytest.importorskip("celery")
    from celery import Celery

    from delightmail.contrib.celery import confirmation_task

    worker = Celery("shop-webhooks", broker="memory://")
    worker.conf.update(task_always_eager=True, task_eager_propagates=True)
    emails: list[Any] = []
    task = confirmation_task(
        worker, mailer=Mailer(merchant_data), transport=lambda email, **_: emails.append(email)
    )
    served = serve(enqueue=task.delay)
    body = (SAMPLES / "shopify" / "python-api-fixture-order-1001.json").read_bytes()
    answer = served.post("shopify", body, signed("shopify", body))
    assert answer.json()["outcome"] == "sent"
    [email] = emails
    assert "409.94" in email.text


def test_a_queue_that_takes_nothing_is_left_to_the_platforms_retry(serve: Any) -> None:
    """enqueue= raising (the broker is down, whatever the queue's own error type) is a 503,
    and the order is not recorded: the redelivery hands it on."""
    queued: list[Any] = []

    class BrokerDown(Exception):
        pass

    def enqueue(order: Any) -> None:
        if not queued:
            queued.append(None)
            raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        queued.append(order)

    served = serve(enqueue=enqueue)
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    first = served.post("shopify", body, signed("shopify", body))
    assert (first.status_code, first.json()["outcome"]) == (503, "retry")
    second = served.post("shopify", body, signed("shopify", body))
    assert (second.status_code, second.json()["outcome"]) == (200, "sent")
    assert len(queued) == 2


def test_more_topics_can_confirm_and_an_order_under_two_is_sent_once(serve: Any) -> None:
    sent: list[Any] = []
    served = serve(send=sent.append, topics={"shopify": ["orders/create", "orders/paid"]})
    body = (SAMPLES / "shopify" / "rest-docs-2026-07-get-order-450789469.json").read_bytes()
    paid = {**signed("shopify", body), "X-Shopify-Topic": "orders/paid"}
    assert served.post("shopify", body, paid).json()["outcome"] == "sent"
    assert served.post("shopify", body, signed("shopify", body)).json()["outcome"] == "duplicate"
    updated = {**signed("shopify", body), "X-Shopify-Topic": "orders/updated"}
    assert served.post("shopify", body, updated).json()["outcome"] == "ignored"
    assert len(sent) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"id": 42, "line_items": []},
        {"order": {"id": 42}},
        {"orders": [{"id": 42}]},
        {"data": {"id": 42}},
        {"notify_event": "order_confirmation", "payload": {"order": {"id": 42}}},
        [{"order": {"id": 42}}],
    ],
    ids=["bare", "order", "orders-list", "jetpack-data", "saleor-notify", "legacy-list"],
)
def test_the_platforms_id_is_read_through_every_envelope(body: Any) -> None:
    """The order's own id keys its sent record whatever envelope it came in: two orders
    that share a number (a site's numbering plugin reset) never share a record."""
    assert _platform_id(body) == "42"
