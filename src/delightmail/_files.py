"""Reading order files and writing output files safely."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from .exceptions import DelightmailError

__all__ = ["InputError", "atomic_write", "load_json", "load_orders"]


class InputError(DelightmailError, ValueError):
    """A file given to delightmail is missing or is not the JSON it should be."""


def load_json(path: Path) -> Any:
    """Parse the JSON file at *path*, numbers with a fraction as ``Decimal``, never float."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def load_orders(path: Path) -> Iterator[tuple[str, Any]]:
    """Yield ``(label, data)`` for each order in *path*.

    A ``.jsonl`` file holds one order a line (label ``file:line``); any other
    file holds one order (label: the file's stem).
    """
    if path.suffix != ".jsonl":
        yield path.stem, load_json(path)
        return
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield f"{path.stem}-{number}", json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}: invalid JSON at line {number}, column {exc.colno}: {exc.msg}"
            ) from None


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write *data* to *path* so that it is either all there or not changed at all.

    The bytes go to a temporary file beside *path*, are flushed to disk, and the
    file is renamed over *path*: an interrupted run leaves nothing half-written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
