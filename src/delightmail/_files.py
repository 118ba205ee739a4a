"""Reading order files and writing output files safely."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .exceptions import DelightmailError

__all__ = ["InputError", "OrderSource", "atomic_write", "load_json", "order_sources"]


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


@dataclass(frozen=True)
class OrderSource:
    """One order to read: a JSON file, or one line of a JSON Lines file."""

    path: Path
    line: int | None = None
    text: str = ""

    @property
    def label(self) -> str:
        """The name of its output files: the file's stem, plus the line for JSON Lines."""
        return self.path.stem if self.line is None else f"{self.path.stem}-{self.line}"

    @property
    def where(self) -> str:
        return str(self.path) if self.line is None else f"{self.path}, line {self.line}"

    def load(self) -> Any:
        """The order's JSON, numbers with a fraction as ``Decimal``."""
        if self.line is None:
            return load_json(self.path)
        try:
            return json.loads(self.text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{self.where}: invalid JSON at column {exc.colno}: {exc.msg}"
            ) from None


def order_sources(paths: Iterable[Path]) -> list[OrderSource]:
    """Every order in *paths*: a ``.jsonl`` file holds one a line, any other file one."""
    sources = []
    for path in paths:
        if path.suffix != ".jsonl":
            sources.append(OrderSource(path))
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        sources.extend(
            OrderSource(path, number, text)
            for number, text in enumerate(lines, start=1)
            if text.strip()
        )
    return sources


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
