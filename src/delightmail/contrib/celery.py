"""Order confirmations sent by Celery workers: once each, retried when it helps, never lost.

::

    from celery import Celery
    from delightmail import Mailer
    from delightmail.contrib.celery import confirmation_task
    from delightmail.sending import SMTPTransport

    app = Celery("shop", broker="redis://127.0.0.1:6379/0")
    send_confirmation = confirmation_task(
        app,
        mailer=lambda: Mailer(merchant, "postcard"),  # made (and compiled) at worker start
        transport=SMTPTransport("smtp.example.com:587", "Shop <orders@shop.example>"),
    )

    send_confirmation.delay(order)  # an Order, or a dict such as parsed JSON

What the task does, so that nobody writes it again:

- **Any order goes in.** An :class:`~delightmail.Order` is sent as its JSON data
  (``model_dump(mode="json")``), so the producer never has to know.
- **Retries that help, and only those.** An order, template or address that is
  not valid fails at once: no retry can fix it. A mail server that cannot be
  reached, answers 4xx, or a store that cannot be reached, is retried with
  exponential backoff and jitter. The Date of the first attempt is pinned, so a
  retry sends the very same bytes.
- **Once per order.** Before sending, the task claims ``(merchant, order number,
  resend)`` in a store of sent records (:mod:`delightmail.records`); a redelivered
  task finds it sent and sends nothing. With a Redis broker the records live in
  the same Redis; give ``store=`` for anything else.
- **Nothing lost with a worker.** The task is acknowledged late and rejected
  (requeued) when its worker dies, so the broker hands it to another worker.
  Celery's Redis transport still loses a message whose worker is killed as it
  takes it off the queue, so with Redis every queued task is also kept in an
  outbox (:class:`~delightmail.records.RedisOutbox`) until it starts, and the
  workers queue again one that never did. A crash after the mail server took
  the message and before the record was written sends it once more, with the
  same Message-ID: the design errs towards one duplicate, never towards a lost
  confirmation.
- **No order pays the compile.** The mailer is made and warmed (every locale of
  ``locales=``) when the worker starts, before the pool forks.

A deliberate "send my confirmation again" is ``send_confirmation.delay(order,
resend=1)``: a record of its own, and a new Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from celery import Celery, Task
from celery.exceptions import Retry
from celery.signals import worker_init, worker_ready, worker_shutdown
from kombu.utils.json import dumps as json_dumps
from kombu.utils.json import loads as json_loads

from ..exceptions import (
    InputError,
    MessageError,
    OrderStatusError,
    StoreError,
)
from ..records import (
    Claim,
    MemorySentStore,
    RedisOutbox,
    RedisSentStore,
    SentStore,
    record_key,
    record_sent,
    release_claim,
)
from ..sending import transient

if TYPE_CHECKING:
    from ..rendered import RenderedEmail
    from ..rendering import Mailer

__all__ = ["ConfirmationTask", "Transport", "confirmation_task", "django_transport"]

logger = logging.getLogger("delightmail.celery")


class Transport(Protocol):
    """Sends one rendered email to its customer: an :class:`~delightmail.sending.SMTPTransport`,
    :func:`django_transport`, or a function of your own (an email service's API).

    It raises :class:`~delightmail.SendError` (or any :class:`OSError`) when the send
    may work later, anything else when it will not.
    """

    def __call__(self, email: RenderedEmail, *, date: datetime, resend: int) -> None: ...


def django_transport(email: RenderedEmail, *, date: datetime, resend: int) -> None:
    """Send through the Django project's ``EMAIL_BACKEND`` (SMTP, django-anymail's services...)
    with :func:`delightmail.contrib.django.to_django`: for workers of a Django project, with
    ``mailer=delightmail.contrib.django.get_mailer``."""
    from .django import to_django

    to_django(email, date=date, resend=resend).send()


def _ready(value: Any) -> Any:
    """An order as data any serializer takes: an :class:`~delightmail.Order` as its JSON data."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    return value


class ConfirmationTask(Task):  # type: ignore[type-arg]
    """The task class :func:`confirmation_task` makes: sends an :class:`~delightmail.Order`
    as its JSON data, whatever the serializer."""

    #: What the task sends with; set by :func:`confirmation_task`.
    confirmations: _Confirmations

    def apply_async(
        self,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *rest: Any,
        **options: Any,
    ) -> Any:
        args = tuple(_ready(value) for value in args or ())
        kwargs = {name: _ready(value) for name, value in (kwargs or {}).items()}
        outbox = self.confirmations.outbox() if not self.app.conf.task_always_eager else None
        if outbox is not None:
            # Kept before it is queued: a message the broker loses is queued again.
            task_id = options.setdefault("task_id", str(uuid.uuid4()))
            starts_in = float(options.get("countdown") or 0)
            eta = options.get("eta")
            if isinstance(eta, datetime):
                starts_in = (eta - datetime.now(eta.tzinfo or UTC)).total_seconds()
            message = json_dumps({"args": list(args), "kwargs": kwargs})
            try:
                outbox.add(task_id, message, starts_in=starts_in)
            except StoreError as exc:
                logger.warning("order queued without its outbox entry: %s", exc)
        return super().apply_async(args, kwargs, *rest, **options)

    def sweep(self) -> int:
        """Queue again every confirmation that should have started ``outbox_grace`` seconds
        ago, if the queue is empty (lost by the broker, not waiting its turn); returns how
        many. Workers run it every ``sweep_every`` seconds, one worker at a time."""
        confirmations = self.confirmations
        outbox = confirmations.outbox()
        if outbox is None:
            return 0
        queue = getattr(self, "queue", None) or self.app.conf.task_default_queue
        if outbox.client.llen(queue) or not outbox.sweeping(confirmations.sweep_every):
            return 0
        lost = outbox.lost(confirmations.grace)
        for task_id, message in lost:
            data = json_loads(message)
            self.apply_async(data["args"], data["kwargs"], task_id=task_id)
        if lost:
            logger.warning(
                "queued %d confirmation(s) again that never started (lost by the broker?)",
                len(lost), extra={"outcome": "requeued", "count": len(lost)},
            )  # fmt: skip
        return len(lost)

    def warm(self) -> None:
        """Make the mailer and compile every locale now (done at worker start)."""
        self.confirmations.mailer()


class _Confirmations:
    """What one confirmation task sends with, made on first use in each worker."""

    def __init__(
        self,
        app: Celery,
        mailer: Mailer | Callable[[], Mailer],
        transport: Transport,
        store: SentStore | None,
        locales: Sequence[str],
        tones: Sequence[str],
        outbox: bool,
        grace: float,
    ) -> None:
        self.app = app
        self.use_outbox = outbox
        self.grace = grace
        self.sweep_every = min(30.0, max(grace / 4, 1.0))
        self._outbox: RedisOutbox | None = None
        self._make = mailer if callable(mailer) else None
        self._given = None if callable(mailer) else mailer
        self._mailer: Mailer | None = None  # made (or given) and warmed
        self.transport = transport
        self._store = store
        self.locales = tuple(locales)
        self.tones = tuple(tones)
        self._lock = threading.Lock()

    def mailer(self) -> Mailer:
        mailer = self._mailer
        if mailer is None:
            with self._lock:
                mailer = self._mailer
                if mailer is None:
                    mailer = self._given if self._make is None else self._make()
                    assert mailer is not None
                    mailer.warm(self.locales, self.tones)
                    self._mailer = mailer
        return mailer

    def outbox(self) -> RedisOutbox | None:
        """Beside the sent records, when they are in Redis (the broker's)."""
        if not self.use_outbox:
            return None
        if self._outbox is None:
            store = self.store()
            if not isinstance(store, RedisSentStore):
                return None
            self._outbox = RedisOutbox(store.client)
        return self._outbox

    def store(self) -> SentStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = _default_store(self.app)
        return self._store


def _default_store(app: Celery) -> SentStore:
    """The broker's Redis, or this process's memory for the in-memory broker."""
    url = str(app.conf.broker_url or "")
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        return RedisSentStore(url)
    if scheme == "memory":
        return MemorySentStore()
    raise InputError(
        f"confirmation_task: a {scheme or 'default'!r} broker keeps no sent records; give "
        "store=RedisSentStore(url) (workers on many machines) or SQLiteSentStore(path) "
        "(one machine)"
    )


def confirmation_task(
    app: Celery,
    *,
    mailer: Mailer | Callable[[], Mailer],
    transport: Transport,
    store: SentStore | None = None,
    locales: Sequence[str] = (),
    tones: Sequence[str] = (),
    name: str = "delightmail.send_confirmation",
    max_retries: int = 12,
    backoff: float = 2.0,
    backoff_max: float = 600.0,
    lease: float = 60.0,
    retry_for: tuple[type[BaseException], ...] = (),
    outbox: bool = True,
    outbox_grace: float = 900.0,
    **options: Any,
) -> ConfirmationTask:
    """Register on *app* the task that renders one order and sends it to its customer, once.

    Call it ``task.delay(order)``, ``task.delay(order, resend=1)`` for a deliberate
    resend, or ``task.delay(order, date=...)`` to pin the Date yourself. It returns
    ``{"order": "1001", "outcome": "sent"}`` (or ``"duplicate"``, when it had been sent).

    :param mailer: the :class:`~delightmail.Mailer`, or a function that makes it: then
        it is made in the worker, at start-up, and never in a producer that only queues.
    :param transport: what sends: an :class:`~delightmail.sending.SMTPTransport`,
        :func:`django_transport`, or a function of your own (see :class:`Transport`).
    :param store: where sent records are kept; by default the broker's Redis (or memory,
        for the ``memory://`` broker). Another broker needs one given.
    :param locales: every locale the worker compiles at start-up, besides the mailer's.
    :param tones: every tone it compiles at start-up, besides the mailer's.
    :param max_retries: how many times a transient failure is retried; then the task fails.
    :param backoff: the first retry's delay, in seconds, doubled each time up to
        *backoff_max* (each with jitter, so that a server coming back is not stampeded).
    :param lease: seconds a claim holds an order while one worker sends it; longer than a
        send takes, shorter than the broker's visibility timeout.
    :param retry_for: exceptions of your transport, besides :class:`OSError`, worth a retry.
    :param outbox: with the sent records in Redis, keep every queued task in an outbox
        (:class:`~delightmail.records.RedisOutbox`) until it starts, and let the workers
        queue again one the broker lost (Celery's Redis transport loses a message whose
        worker is killed as it takes it off the queue).
    :param outbox_grace: seconds a task may wait past its time, with the queue empty,
        before it counts as lost; longer than the broker's ``visibility_timeout``.
    :param options: passed on to ``app.task`` (``queue=``, ``rate_limit=``...).
    """
    confirmations = _Confirmations(
        app, mailer, transport, store, locales, tones, outbox, outbox_grace
    )

    def send_confirmation(
        self: ConfirmationTask,
        order: Mapping[str, Any],
        resend: int = 0,
        date: str | None = None,
    ) -> dict[str, str]:
        started = time.perf_counter()
        task_id = self.request.id
        box = confirmations.outbox() if task_id and not self.request.is_eager else None
        if box is not None and task_id:
            with contextlib.suppress(StoreError):  # then a sweep may queue it again: no harm
                box.started(task_id)
        try:
            result = _send(self, order, resend, date, started)
        except Retry:
            raise  # queued again, and kept in the outbox
        except BaseException:
            _finished(box, task_id)
            raise
        _finished(box, task_id)
        return result

    def _send(
        self: ConfirmationTask,
        order: Mapping[str, Any],
        resend: int,
        date: str | None,
        started: float,
    ) -> dict[str, str]:
        pinned = _pinned(date)
        mailer = confirmations.mailer()
        try:
            email = mailer.render(order)
        except OrderStatusError as exc:
            # Refunded or cancelled before the task ran: nothing to confirm, nothing to retry.
            _log(exc.number, "skipped", started, error=exc)
            return {"order": exc.number, "outcome": "skipped", "status": exc.status}
        if email.recipient is None:
            raise MessageError(
                "customer.email: the order has no customer email, so its confirmation has "
                "nobody to go to"
            )
        number = email.order_number
        key = record_key(mailer.merchant.name, number, resend)
        token = self.request.id or f"local-{random.getrandbits(64):x}"
        retries = int(self.request.retries or 0)
        retry_kwargs = {"order": order, "resend": resend, "date": pinned.isoformat()}

        def again(exc: Exception | None, countdown: float) -> Exception:
            _log(number, "retry", started, retries=retries, error=exc)
            return self.retry(args=(), kwargs=retry_kwargs, exc=exc, countdown=countdown)

        try:
            claim = confirmations.store().claim(key, token, lease)
        except StoreError as exc:
            raise again(exc, _delay(retries, backoff, backoff_max)) from exc
        if claim is Claim.SENT:
            _log(number, "duplicate", started)
            return {"order": number, "outcome": "duplicate"}
        if claim is Claim.BUSY:
            # Another worker is sending it; if it dies, its lease runs out: look again then.
            raise again(None, lease / 2)
        try:
            confirmations.transport(email, date=pinned, resend=resend)
        except BaseException as exc:
            release_claim(confirmations.store(), key, token)
            if isinstance(exc, Exception) and transient(exc, retry_for):
                raise again(exc, _delay(retries, backoff, backoff_max)) from exc
            _log(number, "failed", started, error=exc)
            raise
        record_sent(confirmations.store(), key, f"order {number}")
        _log(number, "sent", started, retries=retries)
        return {"order": number, "outcome": "sent"}

    send_confirmation.__doc__ = "Render one order and send it to its customer, once."
    register: Any = app.task  # its stubs know no **options
    task: ConfirmationTask = register(
        bind=True,
        shared=False,  # this app's task, not every app's
        base=ConfirmationTask,
        name=name,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=max_retries,
        **options,
    )(send_confirmation)
    task.confirmations = confirmations

    def warm(sender: Any = None, **_: Any) -> None:
        # At worker start, in the main process: the pool's children inherit the compiled
        # templates, and the first order pays nothing.
        if getattr(sender, "app", None) is app:
            confirmations.mailer()

    stop = threading.Event()

    def sweep_now_and_then(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", None) is not app or confirmations.outbox() is None:
            return

        def sweeper() -> None:
            while not stop.wait(confirmations.sweep_every):
                try:
                    task.sweep()
                except Exception as exc:  # the next sweep tries again
                    logger.warning("the outbox sweep failed: %s", exc)

        threading.Thread(target=sweeper, name="delightmail-outbox", daemon=True).start()

    worker_init.connect(warm, weak=False)
    worker_ready.connect(sweep_now_and_then, weak=False)
    worker_shutdown.connect(lambda **_: stop.set(), weak=False)
    return task


def _finished(outbox: RedisOutbox | None, task_id: str | None) -> None:
    if outbox is not None and task_id:
        with contextlib.suppress(StoreError):
            outbox.done(task_id)


def _pinned(date: str | None) -> datetime:
    """The Date header: the first attempt's, carried by every retry."""
    if date is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        pinned = datetime.fromisoformat(date)
    except (TypeError, ValueError):
        raise MessageError(f"date: not an ISO 8601 time: {date!r}") from None
    if pinned.tzinfo is None:
        raise MessageError(f"date: {date!r} carries no time zone")
    return pinned


def _delay(retries: int, backoff: float, backoff_max: float) -> float:
    """Exponential backoff with jitter: between half and all of ``backoff × 2^retries``."""
    ceiling = min(backoff_max, backoff * 2 ** min(retries, 30))
    return random.uniform(ceiling / 2, ceiling)


def _log(
    number: str,
    outcome: str,
    started: float,
    *,
    retries: int = 0,
    error: BaseException | None = None,
) -> None:
    duration = round((time.perf_counter() - started) * 1000, 1)
    fields = {"order": number, "outcome": outcome, "duration_ms": duration, "retries": retries}
    level = logging.WARNING if error is not None else logging.INFO
    reason = f": {error}" if error is not None else ""
    logger.log(level, "order %s: %s in %s ms%s", number, outcome, duration, reason, extra=fields)
