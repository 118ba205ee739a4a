"""An order-webhook receiver: a platform's "order created" in, one confirmation out, once.

>>> from delightmail.webhooks import app  # doctest: +SKIP
>>> application = app(
...     mailer=lambda: Mailer(merchant),
...     secrets={"shopify": os.environ["SHOPIFY_WEBHOOK_SECRET"]},
...     send=SMTPTransport("smtp.example.com:587", "Shop <orders@shop.example>"),
... )  # doctest: +SKIP
>>> uvicorn.run(application, host="0.0.0.0", port=8000)  # doctest: +SKIP

An ASGI application (Starlette) to mount in any ASGI server, or to run alone
with ``delightmail serve``. Each platform posts to ``/webhooks/<platform>``
(``shopify``, ``woocommerce``, ``saleor``); every delivery goes through the
same steps, and each step's failure has its own answer:

1. **Verify** the signature on the raw body (:mod:`delightmail.adapters.signatures`);
   nothing is parsed before it passes. A bad or missing signature: ``401``.
2. **Adapt** the payload to an :class:`~delightmail.Order`, leniently by default: an
   order whose totals do not add up is still confirmed with the platform's own
   totals, and the discrepancy is logged with the numbers. A topic that is not
   an order created, a test ping, or a body that is no order: ``200`` and a log
   line, so that the platform does not retry it for days.
3. **Claim** the order in a store of sent records (:mod:`delightmail.records`), keyed
   by platform, the platform's order id and the order number (only what the
   signature covers, so that a replay with other headers is the same order): a
   redelivered webhook, or twenty copies at once, send one email. Already sent:
   ``200``. Being sent by another request right now: ``503`` with ``Retry-After``,
   so that the platform asks again (and then finds it sent, or sends it if the
   other attempt failed).
4. **Render and send**, off the event loop, within ``respond_within`` seconds
   (well inside every platform's time limit). Sent: ``200``. A failure that a
   retry may cure (the mail server is down or answers 4xx, the queue given as
   ``enqueue`` takes nothing): ``503``, the claim
   released, so the platform's own retries carry the email. A send still
   running when time is up goes on after the answer (``503``): the platform's
   retry finds it sent, or sends it if it failed. The shop's own set-up failing
   (a template, a story pack): ``503`` too, logged as an error, so the email
   waits for the fix. A failure no retry can cure (the address is refused with
   5xx): ``200``, logged as ``failed``.

The one window left is a crash after the mail server took the message and
before the record was written: the next delivery sends it again, with the same
Message-ID. The receiver errs towards one duplicate, never towards a lost email.

``GET /metrics`` gives the counters (``received``, ``verified``, ``sent``,
``duplicate``, ``rejected``...) in Prometheus's text format, per process;
``GET /healthz`` says whether the mailer is ready. Every delivery is one log
line on the ``delightmail.webhooks`` logger, with ``platform``, ``order``,
``outcome`` and ``duration_ms`` as structured fields.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .adapters import read_payload, to_order
from .adapters.signatures import is_woocommerce_ping, verify
from .exceptions import (
    CatalogError,
    DelightmailError,
    InputError,
    OrderValidationError,
    PackError,
    SignatureError,
    StoreError,
    TemplateError,
)
from .records import Claim, SentStore, SQLiteSentStore, record_key, record_sent, release_claim
from .sending import transient

if TYPE_CHECKING:
    from .models import Order
    from .rendered import RenderedEmail
    from .rendering import Mailer

__all__ = ["OUTCOMES", "PLATFORMS", "Platform", "Receiver", "app"]

logger = logging.getLogger("delightmail.webhooks")

#: What the counters count: a delivery ends in exactly one of the last six.
OUTCOMES = (
    "received",
    "verified",
    "sent",
    "duplicate",
    "rejected",
    "ignored",
    "failed",
    "retry",
)

#: The largest body read, in bytes: a Shopify order of 250 lines is well under 2 MB.
MAX_BODY = 5 * 1024 * 1024


@dataclass(frozen=True)
class Platform:
    """How a platform delivers its webhooks: the headers it sends and its order topics."""

    name: str
    #: The header naming the event, and its values for an order created (lower case).
    topic_header: str
    order_topics: frozenset[str]
    #: The header naming the shop that sent it: part of the key of its sent record.
    shop_header: str


PLATFORMS: Mapping[str, Platform] = {
    "shopify": Platform(
        "shopify", "X-Shopify-Topic", frozenset({"orders/create"}), "X-Shopify-Shop-Domain"
    ),
    "woocommerce": Platform(
        "woocommerce", "X-WC-Webhook-Topic", frozenset({"order.created"}), "X-WC-Webhook-Source"
    ),
    "saleor": Platform("saleor", "Saleor-Event", frozenset({"order_created"}), "Saleor-Domain"),
}


class _Counters:
    """Counts per outcome, safe across threads; Prometheus's text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(OUTCOMES, 0)

    def add(self, outcome: str) -> None:
        with self._lock:
            self._counts[outcome] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def text(self) -> str:
        lines = [
            "# HELP delightmail_webhooks_total Order webhooks by outcome, in this process.",
            "# TYPE delightmail_webhooks_total counter",
        ]
        lines += [
            f'delightmail_webhooks_total{{outcome="{outcome}"}} {count}'
            for outcome, count in self.snapshot().items()
        ]
        return "\n".join(lines) + "\n"


@dataclass
class _Delivery:
    """One request's progress, for its log line."""

    platform: str
    started: float
    order: str = ""
    shop: str = ""

    def answer(
        self,
        counters: _Counters,
        outcome: str,
        status: int,
        detail: str,
        *,
        level: int = logging.INFO,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        counters.add(outcome)
        duration = round((time.perf_counter() - self.started) * 1000, 1)
        fields = {
            "platform": self.platform,
            "shop": self.shop,
            "order": self.order,
            "outcome": outcome,
            "status": status,
            "duration_ms": duration,
        }
        logger.log(
            level,
            "%s %s: %s (%s) in %s ms",
            self.platform,
            self.order or "-",
            outcome,
            detail,
            duration,
            extra=fields,
        )
        body = {"outcome": outcome, "detail": detail}
        if self.order:
            body["order"] = self.order
        return JSONResponse(body, status_code=status, headers=headers)


class Receiver:
    """What :func:`app` serves; see the module's docs for each step and its answer.

    :param mailer: the :class:`~delightmail.Mailer`, or a function that makes it (at
        start-up, before the first request).
    :param secrets: per platform, what its signatures are checked with: Shopify's and
        WooCommerce's webhook secret; Saleor's JWKS (a dict, or PEM text), or its
        legacy secret key. Only these platforms are served.
    :param send: sends one rendered email (an :class:`~delightmail.sending.SMTPTransport`,
        or a function of yours); or give *enqueue*, which is handed the order instead
        (a Celery task's ``delay``), and renders nothing here.
    :param store: where sent records are kept; by default an SQLite file in the working
        folder (safe for every process of one machine); a
        :class:`~delightmail.records.RedisSentStore` for many machines.
    :param lenient: confirm orders whose totals do not add up (the platform's totals
        shown, the discrepancy logged). ``False`` refuses them (``200``, ``ignored``).
    :param respond_within: seconds a delivery may take before the platform is answered.
    :param lease: seconds a claim holds an order while it is sent.
    :param locales: compiled at start-up, besides the mailer's own.
    :param topics: per platform, the topics that confirm an order, if not only "order
        created" (``{"saleor": ["order_created", "order_confirmed"]}``): an order that
        comes under two of them is still sent once.
    """

    def __init__(
        self,
        *,
        mailer: Mailer | Callable[[], Mailer] | None = None,
        secrets: Mapping[str, Any],
        send: Callable[[RenderedEmail], Any] | None = None,
        enqueue: Callable[[Order], Any] | None = None,
        store: SentStore | None = None,
        lenient: bool = True,
        respond_within: float = 4.0,
        lease: float = 60.0,
        locales: Iterable[str] = (),
        max_body: int = MAX_BODY,
        topics: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        unknown = sorted(set(secrets) - set(PLATFORMS))
        if unknown:
            raise InputError(
                f"secrets: unknown platform {unknown[0]!r} (known: {', '.join(PLATFORMS)})"
            )
        if not secrets:
            raise InputError("secrets: give at least one platform's secret (or keys)")
        for name, secret in secrets.items():
            if not secret:
                raise InputError(f"secrets[{name!r}] is empty: every delivery would be refused")
        if (send is None) == (enqueue is None):
            raise InputError("give send= (render and send here) or enqueue= (hand it on)")
        if send is not None and mailer is None:
            raise InputError("send= renders here, and needs mailer=")
        if not respond_within > 0:
            raise InputError(f"respond_within must be some seconds, not {respond_within!r}")
        self.topics = {
            name: frozenset(t.strip().lower() for t in (topics or {}).get(name, ()))
            or PLATFORMS[name].order_topics
            for name in PLATFORMS
        }
        self.secrets = dict(secrets)
        self.send = send
        self.enqueue = enqueue
        self._make = mailer if callable(mailer) else None
        self._mailer: Mailer | None = None if callable(mailer) else mailer
        self.lenient = lenient
        self.respond_within = respond_within
        self.lease = lease
        self.locales = tuple(locales)
        self.max_body = max_body
        self.counters = _Counters()
        self.ready = False
        self._starting = threading.Lock()
        for name in self.secrets:
            # Keys that cannot check a signature (a JWKS with no RSA key, a private key)
            # fail here, at start-up, not as a 500 on every delivery.
            try:
                verify(name, b"", {}, **self._verifier(name))
            except SignatureError:
                pass  # sound: an unsigned request is refused, as it should be
            except InputError as exc:
                raise InputError(f"secrets[{name!r}]: {exc}") from None
        # Made last: a setup refused above leaves no file behind.
        self.store = store or SQLiteSentStore(Path("delightmail-sent.sqlite3"))

    # -- start-up ----------------------------------------------------------------

    def start(self) -> None:
        """Make the mailer and compile every locale: what the app's start-up runs (or, where
        the server runs no start-up for it, as a mounted sub-app, its first delivery)."""
        with self._starting:
            if self.ready:
                return
            if self.send is not None:
                if self._mailer is None:
                    assert self._make is not None
                    self._mailer = self._make()
                self._mailer.warm(self.locales)
            self.ready = True

    @property
    def mailer(self) -> Mailer:
        if self._mailer is None:
            raise RuntimeError("the receiver has not started (its mailer is not made yet)")
        return self._mailer

    # -- one delivery -------------------------------------------------------------

    async def receive(self, request: Request) -> Response:
        platform = PLATFORMS.get(request.path_params["platform"])
        if platform is None or platform.name not in self.secrets:
            return JSONResponse({"detail": "no such webhook"}, status_code=404)
        delivery = _Delivery(platform.name, time.perf_counter())
        self.counters.add("received")
        if not self.ready:
            await anyio.to_thread.run_sync(self.start)
        body = await self._body(request)
        if body is None:
            return delivery.answer(
                self.counters, "rejected", 413, f"the body is over {self.max_body} bytes",
                level=logging.WARNING,
            )  # fmt: skip
        if platform.name == "woocommerce" and is_woocommerce_ping(body, request.headers):
            # Sent unsigned when a webhook is saved; WooCommerce wants a 200 to it.
            return delivery.answer(self.counters, "ignored", 200, "WooCommerce's ping")
        try:
            verify(platform.name, body, request.headers, **self._verifier(platform.name))
        except SignatureError as exc:
            return delivery.answer(self.counters, "rejected", 401, str(exc), level=logging.WARNING)
        self.counters.add("verified")
        delivery.shop = request.headers.get(platform.shop_header, "")[:200]
        topic = request.headers.get(platform.topic_header, "").strip().lower()
        if topic and topic not in self.topics[platform.name]:
            return delivery.answer(self.counters, "ignored", 200, f"topic {topic!r}")
        try:
            # Off the event loop: a 250-line order takes milliseconds to read and check.
            order, order_id = await anyio.to_thread.run_sync(self._adapt, platform.name, body)
        except OrderValidationError as exc:
            return delivery.answer(
                self.counters, "ignored", 200, f"not an order to confirm: {exc}",
                level=logging.WARNING,
            )  # fmt: skip
        delivery.order = order.number
        for warning in order.warnings:
            logger.warning(
                "%s %s: %s", platform.name, order.number, warning,
                extra={"platform": platform.name, "order": order.number, "warning": warning},
            )  # fmt: skip
        if not order.confirmed:
            # Refunded, cancelled, voided, failed: no confirmation is true of it, and a
            # delivery again changes nothing, so the platform is told it is done with.
            status = order.status.replace("_", " ")
            return delivery.answer(
                self.counters, "ignored", 200, f"the order is {status}: nothing to confirm"
            )
        if order.discrepancy:
            logger.warning(
                "%s %s: confirmed with the platform's totals, which do not add up: %s",
                platform.name, order.number, order.discrepancy,
                extra={"platform": platform.name, "order": order.number,
                       "discrepancy": order.discrepancy},
            )  # fmt: skip
        if order.customer.email is None:
            return delivery.answer(
                self.counters, "ignored", 200, "the order has no customer email",
                level=logging.WARNING,
            )  # fmt: skip
        return await self._confirm(delivery, order, order_id)

    def _adapt(self, platform: str, body: bytes) -> tuple[Order, str]:
        data = read_payload(body, platform)  # parsed once, for the order and its id
        order = to_order(data, platform, received_at=datetime.now(UTC), lenient=self.lenient)
        return order, _platform_id(data)

    def _verifier(self, platform: str) -> dict[str, Any]:
        """Saleor's keys (a JWKS, a JWK, PEM) or legacy secret key; the others' secret."""
        secret = self.secrets[platform]
        if platform == "saleor" and not (
            isinstance(secret, str)
            and "-----BEGIN" not in secret
            and not secret.lstrip().startswith("{")
        ):
            return {"keys": secret}
        return {"secret": secret}

    async def _body(self, request: Request) -> bytes | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _confirm(self, delivery: _Delivery, order: Order, order_id: str) -> Response:
        # Only what the signature covers: a replay with another shop header is the same order.
        key = record_key(f"{delivery.platform}:{order_id}", order.number)
        token = uuid.uuid4().hex
        try:
            claim = await anyio.to_thread.run_sync(self.store.claim, key, token, self.lease)
        except StoreError as exc:
            return self._later(delivery, f"the sent records cannot be reached: {exc}")
        if claim is Claim.SENT:
            return delivery.answer(self.counters, "duplicate", 200, "sent before")
        if claim is Claim.BUSY:
            return self._later(delivery, "another delivery of it is being sent")
        outcome: list[tuple[str, str]] = []
        with anyio.move_on_after(self.respond_within):
            # Abandoned, not stopped, when time is up: the send goes on after the answer.
            await anyio.to_thread.run_sync(
                self._deliver, order, key, token, outcome, abandon_on_cancel=True
            )
        if not outcome:
            return self._later(delivery, f"still sending after {self.respond_within} s")
        result, detail = outcome[0]
        if result == "retry":
            return self._later(delivery, detail)
        if result == "failed":
            return delivery.answer(self.counters, "failed", 200, detail, level=logging.ERROR)
        return delivery.answer(self.counters, "sent", 200, detail)

    def _later(self, delivery: _Delivery, detail: str) -> Response:
        return delivery.answer(
            self.counters, "retry", 503, detail, level=logging.WARNING,
            headers={"Retry-After": str(max(int(self.lease // 2), 1))},
        )  # fmt: skip

    def _deliver(self, order: Order, key: str, token: str, outcome: list[tuple[str, str]]) -> None:
        """Render and send (or hand on) one claimed order, in a worker thread; records it
        sent, or releases the claim."""
        if self.enqueue is not None:
            try:
                self.enqueue(order)
            except Exception as exc:
                # A queue that takes nothing (its broker down) is for the platform to retry.
                release_claim(self.store, key, token)
                logger.error("order %s could not be handed on: %s", order.number, exc)
                outcome.append(("retry", f"the queue did not take it: {exc}"))
                return
            record_sent(self.store, key, f"order {order.number}")
            outcome.append(("sent", "handed on"))
            return
        assert self.send is not None
        try:
            self.send(self.mailer.render(order))
        except Exception as exc:
            release_claim(self.store, key, token)
            if isinstance(exc, _OURS):
                # The template, a pack, a catalog: ours to fix, not the order's fault. Let
                # the platform's retries carry the email until it is fixed.
                logger.error("order %s could not be rendered: %s", order.number, exc)
                outcome.append(("retry", f"the shop's set-up failed: {exc}"))
            elif transient(exc):
                outcome.append(("retry", f"the send may work later: {exc}"))
            else:
                outcome.append(("failed", f"{type(exc).__name__}: {exc}"))
                if not isinstance(exc, DelightmailError):
                    logger.exception("sending order %s failed", order.number)
            return
        record_sent(self.store, key, f"order {order.number}")
        outcome.append(("sent", "sent to the customer"))

    # -- the app -------------------------------------------------------------------

    async def metrics(self, request: Request) -> Response:
        return PlainTextResponse(
            self.counters.text(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    async def health(self, request: Request) -> Response:
        ready = self.ready
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    def asgi(self) -> Starlette:
        @asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            # Compiled before the first request, off the event loop.
            await anyio.to_thread.run_sync(self.start)
            try:
                yield
            finally:
                self.ready = False
                close = getattr(self.send, "close", None)  # an SMTPTransport's connection
                if callable(close):
                    await anyio.to_thread.run_sync(close)

        return Starlette(
            routes=[
                Route("/webhooks/{platform}", self.receive, methods=["POST"]),
                Route("/metrics", self.metrics, methods=["GET"]),
                Route("/healthz", self.health, methods=["GET"]),
            ],
            lifespan=lifespan,
        )


#: Errors of the shop's own set-up, which a fix (and the platform's retry) cures.
_OURS = (TemplateError, PackError, CatalogError, InputError)


def _platform_id(data: Any) -> str:
    """The platform's own id of the order in *data* (a body already read as an order):
    unique in a Shopify or Saleor instance, or a WooCommerce site, where order numbers
    may not be."""
    for _ in range(4):  # the envelopes the adapters read: {"order"}, {"orders": [one]},
        # {"data"} (WordPress.com), {"payload": {"order"}} (Saleor's NOTIFY), [one]
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        if not isinstance(data, dict):
            break
        inner = next(
            (
                value[0] if isinstance(value, list) and len(value) == 1 else value
                for key in ("order", "orders", "data", "payload")
                if (value := data.get(key)) is not None
            ),
            None,
        )
        if not isinstance(inner, dict):
            break
        data = inner
    found = data.get("id") if isinstance(data, dict) else None
    if isinstance(found, str | int) and not isinstance(found, bool):
        return str(found)[:200]
    return ""


def app(**options: Any) -> Starlette:
    """The receiver as an ASGI application; *options* as for :class:`Receiver`.

    Mount it (``Mount("/", app(...))``), or serve it: ``uvicorn.run(app(...))``. The
    :class:`Receiver` is ``application.state.receiver``.
    """
    receiver = Receiver(**options)
    application = receiver.asgi()
    application.state.receiver = receiver
    return application
