"""Sent records (delightmail.records): claims, leases and records, in every store.

Redis is a real ``redis-server`` on loopback; SQLite is shared by real processes.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delightmail import StoreError
from delightmail.exceptions import InputError
from delightmail.records import (
    Claim,
    MemorySentStore,
    RedisSentStore,
    SentStore,
    SQLiteSentStore,
    record_key,
)

from .cluster import free_port

STORES = ["memory", "sqlite", "redis"]


@pytest.fixture(params=STORES)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Makes stores of one kind, all sharing the same records."""
    kind = request.param
    if kind == "memory":
        shared: dict[str, Any] = {}

        def memory(**options: Any) -> SentStore:
            store = MemorySentStore(**options)
            store._records = shared.setdefault("records", store._records)
            return store

        yield memory
    elif kind == "sqlite":
        yield lambda **options: SQLiteSentStore(tmp_path / "sent.db", **options)
    else:
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{request.node.name}:{time.monotonic_ns()}:"
        yield lambda **options: RedisSentStore(url, prefix=prefix, **options)


def test_a_claim_is_yours_until_it_is_sent_then_nobody_sends_it(make_store: Any) -> None:
    one, other = make_store(), make_store()
    assert one.claim("shop:1001", "a", lease=30) is Claim.CLAIMED
    assert other.claim("shop:1001", "b", lease=30) is Claim.BUSY
    assert one.claim("shop:1001", "a", lease=30) is Claim.BUSY  # even for the same token
    one.mark_sent("shop:1001")
    assert other.claim("shop:1001", "b", lease=30) is Claim.SENT
    # Another order, or another resend of the same one, is another record.
    assert other.claim("shop:1002", "b", lease=30) is Claim.CLAIMED
    assert other.claim(record_key("shop", "1001", 1), "b", lease=30) is Claim.CLAIMED


def test_a_released_claim_is_free_and_only_its_holder_can_release_it(make_store: Any) -> None:
    one, other = make_store(), make_store()
    assert one.claim("k", "a", lease=30) is Claim.CLAIMED
    other.release("k", "b")  # not its claim: nothing happens
    assert other.claim("k", "b", lease=30) is Claim.BUSY
    one.release("k", "a")
    assert other.claim("k", "b", lease=30) is Claim.CLAIMED
    one.release("k", "a")  # a's claim is gone; b's stays
    assert one.claim("k", "a", lease=30) is Claim.BUSY


def test_a_dead_holders_lease_runs_out_and_a_record_is_kept_for_keep(make_store: Any) -> None:
    store = make_store(keep=1.2)
    assert store.claim("lost", "dead-worker", lease=0.3) is Claim.CLAIMED
    assert store.claim("lost", "next", lease=30) is Claim.BUSY
    time.sleep(0.5)
    assert store.claim("lost", "next", lease=30) is Claim.CLAIMED  # nothing lost
    store.mark_sent("lost")
    assert store.claim("lost", "again", lease=30) is Claim.SENT
    time.sleep(1.5)  # Redis keeps whole seconds
    assert store.claim("lost", "again", lease=30) is Claim.CLAIMED


@pytest.mark.parametrize("lease", [0, -1, float("nan")])
def test_a_lease_must_be_some_seconds(make_store: Any, lease: float) -> None:
    with pytest.raises(InputError, match="lease"):
        make_store().claim("k", "a", lease=lease)


@given(
    st.tuples(st.text(max_size=12), st.text(max_size=12), st.integers(0, 3)),
    st.tuples(st.text(max_size=12), st.text(max_size=12), st.integers(0, 3)),
)
def test_no_two_confirmations_share_a_record(one: Any, other: Any) -> None:
    """Whatever the merchant's name and the order number hold (":" included)."""
    assert (record_key(*one) == record_key(*other)) == (one == other)


def _claim_all(path: str, keys: list[str], token: str, out: Any) -> None:
    store = SQLiteSentStore(path)
    out.put([key for key in keys if store.claim(key, token, lease=60) is Claim.CLAIMED])


def test_sqlite_processes_racing_for_the_same_orders_claim_each_once(tmp_path: Path) -> None:
    keys = [f"shop:{n}" for n in range(300)]
    SQLiteSentStore(tmp_path / "sent.db")  # the table, made once
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(target=_claim_all, args=(str(tmp_path / "sent.db"), keys, f"w{n}", out))
        for n in range(4)
    ]
    for worker in workers:
        worker.start()
    claimed = [key for _ in workers for key in out.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(claimed) == sorted(keys)  # every order once, none twice


def test_sqlite_survives_a_restart(tmp_path: Path) -> None:
    SQLiteSentStore(tmp_path / "sent.db").mark_sent("shop:1001")
    assert SQLiteSentStore(tmp_path / "sent.db").claim("shop:1001", "a", 30) is Claim.SENT


def test_sqlite_in_a_folder_it_cannot_write_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="file"):
        SQLiteSentStore(tmp_path / "file" / "sent.db")


def test_redis_that_cannot_be_reached_is_a_store_error() -> None:
    store = RedisSentStore(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    for call in (
        lambda: store.claim("k", "a", 30),
        lambda: store.mark_sent("k"),
        lambda: store.release("k", "a"),
    ):
        with pytest.raises(StoreError, match="Redis"):
            call()


def test_redis_needs_one_way_to_reach_it() -> None:
    with pytest.raises(InputError, match="url or a client"):
        RedisSentStore()
    with pytest.raises(InputError, match="not a Redis URL"):
        RedisSentStore("http://127.0.0.1/")


def test_the_outbox_keeps_a_task_until_it_starts_and_lets_go_when_it_is_done(
    redis_url: str,
) -> None:
    import redis

    from delightmail.records import RedisOutbox

    outbox = RedisOutbox(redis.Redis.from_url(redis_url), prefix=f"test:{time.monotonic_ns()}:")
    outbox.add("queued-now", '{"args": [1]}')
    outbox.add("queued-long-ago", '{"args": [2]}', starts_in=-120)
    outbox.add("retry-later", '{"args": [3]}', starts_in=600)  # a retry's countdown
    assert outbox.lost(60) == [("queued-long-ago", '{"args": [2]}')]
    assert {task for task, _ in outbox.lost(-1000)} == {
        "queued-now",
        "queued-long-ago",
        "retry-later",
    }
    outbox.started("queued-long-ago")  # a worker holds it: not lost
    assert outbox.lost(60) == []
    outbox.done("queued-long-ago")
    outbox.done("queued-now")
    assert [task for task, _ in outbox.lost(-1000)] == ["retry-later"]
    # One sweeper at a time, across every worker.
    assert outbox.sweeping(5) and not outbox.sweeping(5)


def test_an_outbox_that_cannot_be_reached_is_a_store_error() -> None:
    import redis

    from delightmail.records import RedisOutbox

    outbox = RedisOutbox(redis.Redis(port=free_port(), socket_timeout=1, socket_connect_timeout=1))
    for call in (lambda: outbox.add("t", "{}"), lambda: outbox.lost(1), lambda: outbox.done("t")):
        with pytest.raises(StoreError, match="Redis"):
            call()
