"""A cache on disk of compiled templates (and built-in catalogs and read story packs),
shared by every process of one user.

Compiling a template (MJML, premailer, Jinja) costs hundreds of milliseconds;
a worker that starts finds it here instead. An entry is keyed by everything
that goes into it (the template's sources, the merchant, the locale, the
sandbox, delightmail's own compiling code and catalogs, the versions of
MJML, premailer, cssutils and Jinja, the Python version), so a change to any
of them is a miss, never a stale hit. Entries are written whole (a temporary
file renamed into place), so processes can share the folder.

An entry holds compiled Python code, which is run: the folder must be the
user's own. It is made ``0700`` and is not used if anyone else can write to
it. Set ``DELIGHTMAIL_CACHE_DIR`` to choose the folder, or to ``off`` to use
none; by default it is ``$XDG_CACHE_HOME/delightmail`` (``~/.cache/delightmail``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "cache_dir", "fetch", "key", "store"]

CACHE_ENV = "DELIGHTMAIL_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent
#: What compiling reads, besides the template: the code that compiles and folds,
#: and the catalogs whose words are folded in.
_OWN_FILES = (
    "composer.py",
    "compiler.py",
    "_po.py",
    "_templates.py",
    "filters.py",
    "i18n.py",
    "links.py",
    "models.py",
    # What reading a story pack checks its lines with.
    "exceptions.py",
    "facts.py",
    "packs.py",
)
_OWN_GLOBS = ("grammar/*.py", "packs/nouns.*.toml")
_LIBRARIES = ("mjml", "premailer", "cssutils", "jinja2", "markupsafe", "babel")


def cache_dir() -> Path | None:
    """The cache folder, made if need be; ``None`` when turned off or not safe to use."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None and chosen.strip().lower() in ("", "off", "0", "none"):
        return None
    if chosen:
        folder = Path(chosen)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "delightmail"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stat = folder.stat()
    except OSError:
        return None
    # Compiled code is run from here: only from a folder nobody else can write to.
    if stat.st_mode & 0o022 or (hasattr(os, "getuid") and stat.st_uid != os.getuid()):
        return None
    return folder


def _stamp(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


@cache
def _fingerprint() -> str:
    """Everything besides a template's own inputs that its compiled form depends on."""
    parts = [sys.version, importlib.util.MAGIC_NUMBER.hex()]
    parts += [_stamp(_PACKAGE / name) for name in _OWN_FILES]
    parts += sorted(_stamp(path) for pattern in _OWN_GLOBS for path in _PACKAGE.glob(pattern))
    parts += sorted(_stamp(po) for po in (_PACKAGE / "locale").glob("*/LC_MESSAGES/*.po"))
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        parts.append(_stamp(Path(spec.origin)) if spec and spec.origin else f"{name}:none")
    return "\x1f".join(parts)


def key(*parts: object) -> str:
    """The key of an entry made from *parts* (and this installation's fingerprint)."""
    digest = hashlib.sha256(_fingerprint().encode("utf-8"))
    for part in parts:
        digest.update(b"\x1e" + repr(part).encode("utf-8"))
    return digest.hexdigest()


def fetch(entry: str) -> Any | None:
    """The value stored under *entry*, or ``None`` (missing, unreadable, from another
    version of Python: all a miss)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / f"{entry}.pickle").read_bytes()
        return pickle.loads(data)
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
        return None


def store(entry: str, value: Any) -> None:
    """Store *value* under *entry*, whole or not at all; a full disk is not an error."""
    folder = cache_dir()
    if folder is None:
        return
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{entry}.pickle")
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
