"""Sent records: whether an order's confirmation has gone out, shared by every worker.

>>> store = RedisSentStore("redis://127.0.0.1:6379/0")  # doctest: +SKIP
>>> key = record_key("Groove Harbor Records", "1001")  # doctest: +SKIP
>>> store.claim(key, "task-7f3a", lease=120.0)  # doctest: +SKIP
<Claim.CLAIMED: 'claimed'>

Whatever sends a confirmation in the background (a Celery task, a webhook
receiver) may run more than once for the same order: a broker redelivers a
task whose worker died, a platform delivers its webhook again. Before sending,
the sender *claims* the order; after sending, it records it *sent*; a second
run then finds the record and sends nothing.

A claim is a lease: if its holder dies before sending, the lease runs out and
the next delivery claims the order again, so no email is lost. The one window
left is a crash after the mail server took the message and before the record
is written: the next delivery then sends it again, with the same Message-ID
(the same email, which mail clients show once). The design errs towards one
duplicate, never towards a lost confirmation.

Three stores keep the records: :class:`MemorySentStore` (one process: tests,
eager tasks), :class:`SQLiteSentStore` (every process of one machine) and
:class:`RedisSentStore` (every machine that reaches the Redis server). Any
object with the three methods of :class:`SentStore` will do.
"""

from __future__ import annotations

import enum
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from .exceptions import InputError, StoreError

if TYPE_CHECKING:
    import redis

__all__ = [
    "KEEP",
    "Claim",
    "MemorySentStore",
    "RedisOutbox",
    "RedisSentStore",
    "SQLiteSentStore",
    "SentStore",
    "record_key",
    "record_sent",
    "release_claim",
]

logger = logging.getLogger("delightmail.records")

#: How long a sent record is kept by default, in seconds: a week, well past every
#: platform's webhook retries (Shopify's span 4 hours) and any broker's redelivery.
KEEP = 7 * 24 * 3600.0

_SENT = "sent"


class Claim(enum.Enum):
    """What :meth:`SentStore.claim` found."""

    #: The order is yours: send it, then :meth:`~SentStore.mark_sent` (or
    #: :meth:`~SentStore.release` it if the send failed).
    CLAIMED = "claimed"
    #: Its confirmation has gone out already: send nothing.
    SENT = "sent"
    #: Someone else holds a live claim (is sending it now): try again after the lease.
    BUSY = "busy"


class SentStore(Protocol):
    """Where sent records are kept. Every method may raise :class:`~delightmail.StoreError`
    when the store cannot be reached, which a caller treats as worth a retry."""

    def claim(self, key: str, token: str, lease: float) -> Claim:
        """Claim *key* for *token* for *lease* seconds, unless it is sent or claimed."""

    def mark_sent(self, key: str) -> None:
        """Record *key* as sent (kept for the store's ``keep`` seconds)."""

    def release(self, key: str, token: str) -> None:
        """Give up *token*'s claim on *key* (the send failed); anyone else's stays."""


def record_key(merchant: str, order_number: str, resend: int = 0) -> str:
    """The record of one confirmation: the merchant, the order's number and which resend.

    Each part is percent-encoded, so that no merchant name or order number can
    make another's key (``"a:b", "c"`` and ``"a", "b:c"`` differ).
    """
    parts = [quote(merchant, safe=""), quote(order_number, safe="")]
    if resend:
        parts.append(f"resend{resend}")
    return ":".join(parts)


def record_sent(store: SentStore, key: str, what: str) -> bool:
    """Record *key* sent, after its email went: tried three times, then logged as an error
    rather than raised (the email has gone; a retry must not send it again).

    :param what: the order, for the log line.
    :returns: whether the record was written.
    """
    for attempt in range(3):
        try:
            store.mark_sent(key)
            return True
        except StoreError as exc:
            if attempt == 2:
                logger.error(
                    "%s was sent, but its record could not be written (%s): a redelivery "
                    "would send it again", what, exc, extra={"outcome": "unrecorded"},
                )  # fmt: skip
            else:
                time.sleep(0.2 * (attempt + 1))
    return False


def release_claim(store: SentStore, key: str, token: str) -> None:
    """Give up a claim after a failed send; if the store cannot be reached, the lease runs
    out by itself (logged, not raised)."""
    try:
        store.release(key, token)
    except StoreError as exc:
        logger.warning("could not release the claim on %s: %s", key, exc)


def _seconds(name: str, value: float) -> None:
    if not value > 0:
        raise InputError(f"{name} must be a number of seconds above 0, not {value!r}")


# -- in memory -------------------------------------------------------------------


class MemorySentStore:
    """Sent records in this process's memory: for tests and eager tasks, never for workers
    that run as several processes (each would have its own)."""

    def __init__(self, *, keep: float = KEEP) -> None:
        _seconds("keep", keep)
        self.keep = keep
        self._lock = threading.Lock()
        # key -> (token or _SENT, expires on time.monotonic())
        self._records: dict[str, tuple[str, float]] = {}

    def claim(self, key: str, token: str, lease: float) -> Claim:
        _seconds("lease", lease)
        now = time.monotonic()
        with self._lock:
            found = self._records.get(key)
            if found is not None and found[1] > now:
                return Claim.SENT if found[0] == _SENT else Claim.BUSY
            self._records[key] = (f"claim:{token}", now + lease)
            return Claim.CLAIMED

    def mark_sent(self, key: str) -> None:
        with self._lock:
            self._records[key] = (_SENT, time.monotonic() + self.keep)

    def release(self, key: str, token: str) -> None:
        with self._lock:
            found = self._records.get(key)
            if found is not None and found[0] == f"claim:{token}":
                del self._records[key]


# -- SQLite ----------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID
"""


class SQLiteSentStore:
    """Sent records in an SQLite file: shared by every process and thread of one machine
    (its write lock makes a claim atomic), kept across restarts.

    Workers on several machines need :class:`RedisSentStore`: a file on a network
    share is not a safe place for SQLite.

    :param path: the database file; made (with its folder) if missing.
    :param keep: how long a sent record is kept, in seconds.
    :param timeout: how long to wait for another process's write, in seconds.
    """

    def __init__(self, path: str | Path, *, keep: float = KEEP, timeout: float = 10.0) -> None:
        _seconds("keep", keep)
        self.path = Path(path)
        self.keep = keep
        self.timeout = timeout
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._transaction() as db:
                db.execute(_SCHEMA)
        except OSError as exc:
            raise StoreError(f"{self.path}: {exc.strerror or exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread, and a new one in a forked child: SQLite
        # connections must not cross either.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    def claim(self, key: str, token: str, lease: float) -> Claim:
        _seconds("lease", lease)
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT holder, expires FROM sent WHERE key = ?", (key,)).fetchone()
            if row is not None and row[1] > now:
                return Claim.SENT if row[0] == _SENT else Claim.BUSY
            db.execute(
                "INSERT OR REPLACE INTO sent (key, holder, expires) VALUES (?, ?, ?)",
                (key, f"claim:{token}", now + lease),
            )
            return Claim.CLAIMED

    def mark_sent(self, key: str) -> None:
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO sent (key, holder, expires) VALUES (?, ?, ?)",
                (key, _SENT, now + self.keep),
            )
            # Forget what has run out, a little at a time.
            db.execute(
                "DELETE FROM sent WHERE key IN (SELECT key FROM sent WHERE expires < ? LIMIT 100)",
                (now,),
            )

    def release(self, key: str, token: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM sent WHERE key = ? AND holder = ?", (key, f"claim:{token}"))


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``: the write lock from the first read, so that two
    processes never both find a key free; SQLite's errors as :class:`StoreError`."""

    def __init__(self, store: SQLiteSentStore) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.db = self.store._connection()
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.store.path}: {exc}") from exc
        return self.db

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        try:
            self.db.execute("ROLLBACK" if kind is not None else "COMMIT")
        except sqlite3.Error as error:
            if kind is None:
                raise StoreError(f"{self.store.path}: {error}") from error
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{self.store.path}: {exc}") from exc


# -- Redis -----------------------------------------------------------------------


@contextmanager
def _redis_errors() -> Iterator[None]:
    """Redis's failures (unreachable, timed out, refused) as :class:`StoreError`: the one
    place a Redis store's dependency fails into ours."""
    import redis

    try:
        yield
    except redis.RedisError as exc:
        raise StoreError(f"Redis: {exc}") from exc


# Delete the key only if it still holds this claim (compare and delete, atomically).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisSentStore:
    """Sent records in Redis: shared by every worker on every machine that reaches it.

    A claim is one ``SET … NX PX`` (atomic on the server), a record one ``SET … EX``.

    :param url: a ``redis://`` (or ``rediss://``, ``unix://``) URL, such as the Celery
        broker's; or give *client*, a :class:`redis.Redis` of your own.
    :param prefix: put before every key, so that the records share a database safely.
    :param keep: how long a sent record is kept, in seconds.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | None = None,
        prefix: str = "delightmail:sent:",
        keep: float = KEEP,
        timeout: float = 10.0,
    ) -> None:
        _seconds("keep", keep)
        if (url is None) == (client is None):
            raise InputError("RedisSentStore needs a url or a client (one of them)")
        if client is None:
            import redis  # only where Redis keeps the records

            try:
                client = redis.Redis.from_url(
                    str(url), socket_timeout=timeout, socket_connect_timeout=timeout
                )
            except ValueError as exc:
                raise InputError(f"not a Redis URL: {url!r} ({exc})") from None
        self.client = client
        self.prefix = prefix
        self.keep = keep
        self._release = client.register_script(_RELEASE)

    def _call(self, what: str, *args: Any, **kwargs: Any) -> Any:
        with _redis_errors():
            return getattr(self.client, what)(*args, **kwargs)

    def claim(self, key: str, token: str, lease: float) -> Claim:
        _seconds("lease", lease)
        name = self.prefix + key
        for _ in range(3):
            if self._call("set", name, f"claim:{token}", nx=True, px=max(int(lease * 1000), 1)):
                return Claim.CLAIMED
            holder = self._call("get", name)
            if holder is not None:
                return Claim.SENT if holder == _SENT.encode() else Claim.BUSY
            # It ran out between the two calls: claim again.
        return Claim.BUSY  # pragma: no cover - three expiries in a row

    def mark_sent(self, key: str) -> None:
        self._call("set", self.prefix + key, _SENT, ex=max(int(self.keep), 1))

    def release(self, key: str, token: str) -> None:
        with _redis_errors():
            self._release(keys=[self.prefix + key], args=[f"claim:{token}"])


# -- the outbox ------------------------------------------------------------------


class RedisOutbox:
    """Confirmations queued and not yet started, kept beside the broker, so that one the
    broker lost can be queued again.

    Celery's Redis transport takes a message off the queue and then, in a second
    command, files it among the unacknowledged; a worker killed between the two loses
    it for good, acknowledged late or not. The task's producer writes each task here
    before it is queued, the task takes it off when it starts, and a sweeper queues
    again what has waited too long while the queue is empty (a message lost, not one
    still waiting its turn). The task's sent record keeps a task queued twice from
    sending twice.

    :param client: the :class:`redis.Redis` of the sent records (``RedisSentStore.client``).
    """

    def __init__(self, client: redis.Redis, *, prefix: str = "delightmail:outbox:") -> None:
        self.client = client
        self.prefix = prefix
        self._tasks = prefix + "tasks"
        self._waiting = prefix + "waiting"

    def _run(self, what: str, *args: Any, **kwargs: Any) -> Any:
        with _redis_errors():
            return getattr(self.client, what)(*args, **kwargs)

    def add(self, task_id: str, message: str, *, starts_in: float = 0.0) -> None:
        """Keep *message* (the task's arguments) until the task *task_id* starts."""
        pipe = self.client.pipeline()
        pipe.hset(self._tasks, task_id, message)
        pipe.zadd(self._waiting, {task_id: time.time() + starts_in})
        self._pipe(pipe)

    def started(self, task_id: str) -> None:
        """The task has started: a worker holds it (and the broker, unacknowledged)."""
        self._run("zrem", self._waiting, task_id)

    def done(self, task_id: str) -> None:
        """The task is over (sent, a duplicate, or failed for good)."""
        pipe = self.client.pipeline()
        pipe.hdel(self._tasks, task_id)
        pipe.zrem(self._waiting, task_id)
        self._pipe(pipe)

    def lost(self, older_than: float, limit: int = 500) -> list[tuple[str, str]]:
        """Tasks that should have started *older_than* seconds ago: ``(task_id, message)``."""
        ids = self._run(
            "zrangebyscore", self._waiting, "-inf", time.time() - older_than, start=0, num=limit
        )
        if not ids:
            return []
        messages = self._run("hmget", self._tasks, ids)
        return [
            (task_id.decode(), message.decode())
            for task_id, message in zip(ids, messages, strict=True)
            if message is not None
        ]

    def sweeping(self, seconds: float) -> bool:
        """Whether this caller is the one sweeper for the next *seconds* (of all workers)."""
        return bool(
            self._run("set", self.prefix + "sweeper", "1", nx=True, ex=max(int(seconds), 1))
        )

    def _pipe(self, pipe: Any) -> None:
        with _redis_errors():
            pipe.execute()
