"""Rendering many orders at once: streamed from their files, in parallel, each file whole.

:func:`render_batch` reads the orders as it needs them (a JSON Lines file a
line at a time, so memory stays flat however long it is), renders them in
*jobs* worker processes forked after the mailer has compiled (so no worker
compiles again), writes each output file whole through a rename, and syncs
the batch to disk once at its end rather than once a file.

>>> summary = render_batch(mailer, sources, Path("out"), jobs=4)  # doctest: +SKIP
>>> summary.rendered, summary.failed  # doctest: +SKIP
(20000, 0)
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

from ._files import OrderSource, atomic_write, sync_all
from .exceptions import EXIT_FAILED, DelightmailError

__all__ = ["Outcome", "Summary", "default_jobs", "render_batch"]

#: Orders handed to a worker at a time, and how many such chunks may wait per worker.
CHUNK = 32
_IN_FLIGHT = 4


@dataclass(frozen=True)
class Outcome:
    """What became of one order: the files written, or the error (one line) and its exit code."""

    where: str
    files: tuple[str, ...] = ()
    error: str | None = None
    code: int = 0


@dataclass
class Summary:
    """The batch as a whole."""

    rendered: int = 0
    failed: int = 0
    files: int = 0
    codes: list[int] = field(default_factory=list)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


#: What each worker renders with: set in the parent before the workers fork.
_WORK: dict[str, Any] = {}


def _render_one(source: OrderSource) -> Outcome:
    render: Callable[[OrderSource], dict[str, str | bytes]] = _WORK["render"]
    folder: str = _WORK["folder"]
    # Each process makes its files in a folder of its own, and renames each into the
    # batch's: the file system locks a folder while a file is made in it, and one
    # folder for every worker keeps them waiting on each other (a third of what a
    # file cost here, with two).
    temporary = os.path.join(_WORK["temporary"], str(os.getpid()))
    written = []
    try:
        # (As strings: pathlib would cost a fast disk's writes over again.)
        stem = os.path.join(folder, source.label)
        for suffix, content in render(source).items():
            target = f"{stem}.{suffix}"
            atomic_write(target, content, sync=False, temporary=temporary)
            written.append(target)
    except Exception as exc:
        if _WORK["debug"]:
            raise
        return _failure(source, exc)
    return Outcome(source.where, tuple(written))


def _failure(source: OrderSource, exc: Exception) -> Outcome:
    if isinstance(exc, DelightmailError):
        return Outcome(source.where, error=str(exc), code=exc.exit_code)
    # A failure of ours: reported as one line, and the batch goes on.
    return Outcome(source.where, error=f"unexpected {type(exc).__name__}: {exc}", code=EXIT_FAILED)


def _render_chunk(chunk: list[OrderSource]) -> list[Outcome]:
    return [_render_one(source) for source in chunk]


def _chunks(sources: Iterable[OrderSource]) -> Iterator[list[OrderSource]]:
    iterator = iter(sources)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def render_batch(
    render: Callable[[OrderSource], dict[str, str | bytes]],
    sources: Iterable[OrderSource],
    folder: Path,
    *,
    jobs: int = 1,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    debug: bool = False,
) -> Summary:
    """Render every order of *sources* with *render* (an order → its files' contents by
    suffix) into *folder*, in *jobs* processes; report each to *on_outcome*.

    Memory stays flat: orders are read as the workers ask for them, at most a
    few chunks ahead. The batch is synced to disk once, at the end.

    :param debug: raise the first failure instead of reporting it (in one process).
    """
    # The processes' own folders, inside the batch's (the same file system): removed
    # at its end, when empty (a process that was killed while writing leaves its file).
    temporary = os.path.join(folder, f".delightmail-{os.getpid()}")
    _WORK.update(render=render, folder=str(folder), temporary=temporary, debug=debug)
    summary = Summary()

    def count(outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.error is None:
                summary.rendered += 1
                summary.files += len(outcome.files)
            else:
                summary.failed += 1
                summary.codes.append(outcome.code)
            on_outcome(outcome)

    chunks = _chunks(sources)
    first = next(chunks, [])
    second = next(chunks, None)
    # What is compiled lives as long as the batch: frozen (as the gc docs advise before
    # a fork), it stays in pages every worker shares, and no collection walks it again.
    gc.freeze()
    try:
        if jobs <= 1 or second is None or debug:
            # One process: a few orders are not worth a pool.
            for chunk in itertools.chain([first], [second] if second else [], chunks):
                count(_render_chunk(chunk))
        else:
            # Forked after the mailer compiled: every worker starts warm.
            context = multiprocessing.get_context("fork")
            with context.Pool(jobs) as pool:
                pending: deque[AsyncResult[list[Outcome]]] = deque()
                for chunk in itertools.chain([first, second], chunks):
                    pending.append(pool.apply_async(_render_chunk, (chunk,)))
                    while len(pending) >= jobs * _IN_FLIGHT:
                        count(pending.popleft().get())
                while pending:
                    count(pending.popleft().get())
    finally:
        gc.unfreeze()
        _WORK.clear()
        _remove_empty(temporary)
        if summary.files:
            sync_all()
    return summary


def _remove_empty(temporary: str) -> None:
    """Remove *temporary* and the processes' folders in it, those that are empty."""
    try:
        with os.scandir(temporary) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):  # a file is still in it: left as it is
                    os.rmdir(entry.path)
        os.rmdir(temporary)
    except OSError:
        pass
