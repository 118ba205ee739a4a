"""Reading order files and writing output files safely."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

# InputError lives with the other errors; importable from here too, where it was first defined.
from .exceptions import InputError

__all__ = [
    "InputError",
    "OrderSource",
    "atomic_write",
    "file_labels_are_unique",
    "iter_order_sources",
    "load_json",
    "parse_json",
    "read_text",
    "sync_all",
    "writable_folder",
]


#: The largest JSON file delightmail reads (an order, a merchant): far more than
#: a 10,000-line order needs.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_text(path: Path) -> str:
    """The UTF-8 text of the file at *path*, at most 64 MB; every failure an :class:`InputError`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def parse_json(text: str, where: str, *, one_line: bool = False) -> Any:
    """Parse JSON *text* (numbers with a fraction as ``Decimal``); every failure,
    a 100,000-deep nesting or a 5,000-digit number included, an :class:`InputError`.

    :param one_line: *text* is one line of a JSON Lines file: name the column only.
    """
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if one_line else f"line {exc.lineno}, column {exc.colno}"
        raise InputError(f"{where}: invalid JSON at {at}: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise InputError(f"{where}: invalid JSON: {exc}") from None


def load_json(path: Path) -> Any:
    """Parse the JSON file at *path*, numbers with a fraction as ``Decimal``, never float."""
    return parse_json(read_text(path), str(path))


@dataclass(frozen=True)
class OrderSource:
    """One order to read: a JSON file, or one line of a JSON Lines file."""

    path: Path
    line: int | None = None
    text: str = ""
    #: Why the file could not be read, for an entry that shows it (the preview).
    problem: str = ""

    @property
    def label(self) -> str:
        """The name of its output files: the file's stem, plus the line for JSON Lines."""
        return self.path.stem if self.line is None else f"{self.path.stem}-{self.line}"

    @property
    def where(self) -> str:
        return str(self.path) if self.line is None else f"{self.path}, line {self.line}"

    def load(self) -> Any:
        """The order's JSON, numbers with a fraction as ``Decimal``."""
        if self.problem:
            raise InputError(self.problem)
        if self.line is None:
            return load_json(self.path)
        return parse_json(self.text, self.where, one_line=True)


#: The longest line of a JSON Lines file: one order, however large, is far less.
MAX_LINE_BYTES = 16 * 1024 * 1024


def iter_order_sources(paths: Iterable[Path]) -> Iterator[OrderSource]:
    """Every order in *paths*, read as it is needed: a ``.jsonl`` file a line at a
    time, so that a file of a million orders costs the memory of one.

    A file that cannot be read yields one source whose :meth:`~OrderSource.load`
    raises the reason, so that the orders before it still count.
    """
    for path in paths:
        if path.suffix != ".jsonl":
            yield OrderSource(path)
            continue
        try:
            handle = path.open("rb")
        except OSError as exc:
            yield OrderSource(path, problem=f"{path}: cannot read: {exc.strerror or exc}")
            continue
        with handle:
            number = 0
            while raw := handle.readline(MAX_LINE_BYTES + 1):
                number += 1
                if len(raw) > MAX_LINE_BYTES:
                    yield OrderSource(path, number, problem=f"{path}, line {number}: too long")
                    return
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield OrderSource(path, number, problem=f"{path}, line {number}: not UTF-8")
                    continue
                if text.strip():
                    yield OrderSource(path, number, text)


def file_labels_are_unique(paths: Sequence[Path]) -> None:
    """Refuse, before anything is read or written, two order files whose outputs would
    share a name (``a/order.json`` and ``b/order.json``; ``x.json`` and line 1 of
    ``x.jsonl``... named ``x-1``)."""
    seen: dict[str, Path] = {}
    for path in paths:
        stem = path.stem if path.suffix != ".jsonl" else f"{path.stem}-"
        first = seen.setdefault(stem, path)
        if first != path:
            raise InputError(
                f"{first} and {path} would both be written as {path.stem}*: "
                "rename one, or render them into different folders"
            )
    for stem, path in seen.items():
        head, _, tail = stem.rpartition("-")
        if path.suffix != ".jsonl" and tail.isdigit() and f"{head}-" in seen:
            raise InputError(f"{path} and line {tail} of {seen[head + '-']} share a name: {stem}")


def writable_folder(folder: Path) -> None:
    """Check that *folder* can be written to, or made, without making it yet: the
    nearest part of it that exists must be a folder this process may write in.

    :raises InputError: a file is in the way, or writing there is not allowed.
    """
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{folder}: a file is in the way ({existing} is not a folder)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{folder}: cannot write in {existing}")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def atomic_write(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    sync: bool = True,
    temporary: str | None = None,
) -> None:
    """Write *data* to *path* so that it is either all there or not changed at all.

    The bytes go to a temporary file beside *path*, are flushed to disk, and the
    file is renamed over *path*: an interrupted run leaves nothing half-written.
    The file gets the mode the umask gives a new file, as ``open`` would.

    :param sync: flush this file to disk before the rename. A batch of many files
        passes ``False`` and syncs once at its end (see :func:`sync_all`).
    :param temporary: the folder to make the temporary file in, made if need be,
        rather than beside *path*: one inside *path*'s folder (the same file system,
        where a rename moves a file whole).
    :raises InputError: *path* cannot be written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # (As strings: a batch writes thousands of files, and pathlib costs more than the
    # system calls on a fast disk.)
    target = os.fspath(path)
    folder, name = os.path.split(target)
    where = folder if temporary is None else temporary
    # Named for this process and file (no other writer uses it), created new, with
    # the mode the umask gives (0o666 minus the umask).
    tmp = os.path.join(where, f".{name}.{os.getpid()}.tmp")
    try:
        try:
            fd = os.open(tmp, _CREATE, 0o666)
        except (FileNotFoundError, NotADirectoryError):
            # No folder yet (a batch's, for its first file), or a file in its way.
            writable_folder(Path(folder))
            os.makedirs(where or ".", exist_ok=True)
            fd = os.open(tmp, _CREATE, 0o666)
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    try:
        try:
            view = memoryview(payload)
            while view:  # a write may take less than all of it
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync_all() -> None:
    """Flush every file written so far to disk: once for a whole batch."""
    os.sync()
