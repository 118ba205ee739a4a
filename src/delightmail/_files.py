"""Reading order files and writing output files safely."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .exceptions import DelightmailError

__all__ = [
    "InputError",
    "OrderSource",
    "atomic_write",
    "load_json",
    "order_sources",
    "parse_json",
    "unique_labels",
    "writable_folder",
]


class InputError(DelightmailError, ValueError):
    """A file given to delightmail is missing or is not the JSON it should be."""


#: The largest JSON file delightmail reads (an order, a merchant): far more than
#: a 10,000-line order needs.
MAX_FILE_BYTES = 64 * 1024 * 1024


def _read_text(path: Path) -> str:
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
    return parse_json(_read_text(path), str(path))


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


def order_sources(paths: Iterable[Path]) -> list[OrderSource]:
    """Every order in *paths*: a ``.jsonl`` file holds one a line, any other file one."""
    sources = []
    for path in paths:
        if path.suffix != ".jsonl":
            sources.append(OrderSource(path))
            continue
        lines = _read_text(path).splitlines()
        sources.extend(
            OrderSource(path, number, text)
            for number, text in enumerate(lines, start=1)
            if text.strip()
        )
    return sources


def unique_labels(sources: Iterable[OrderSource]) -> None:
    """Refuse, before anything is written, two orders whose output files would have the
    same name (``a/order.json`` and ``b/order.json``)."""
    seen: dict[str, OrderSource] = {}
    for source in sources:
        first = seen.setdefault(source.label, source)
        if first is not source:
            raise InputError(
                f"{first.where} and {source.where} would both be written as {source.label}.*: "
                "rename one, or render them into different folders"
            )


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


@functools.cache
def _file_mode() -> int:
    """The mode a new file gets under the process's umask (0644 under the usual 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write *data* to *path* so that it is either all there or not changed at all.

    The bytes go to a temporary file beside *path*, are flushed to disk, and the
    file is renamed over *path*: an interrupted run leaves nothing half-written.
    The file gets the mode the umask gives a new file, as ``open`` would.

    :raises InputError: *path* cannot be written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    writable_folder(path.parent)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), _file_mode())
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
