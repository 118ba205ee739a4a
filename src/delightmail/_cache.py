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

The folder stays within :data:`MAX_BYTES`: each edit of a template or a pack,
and each new version, leaves entries no key will ask for again, so past the
bound the entries used longest ago are removed (a hit marks its entry used).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "MAX_BYTES", "cache_dir", "fetch", "key", "store"]

CACHE_ENV = "DELIGHTMAIL_CACHE_DIR"
#: The most the folder holds: past it, a store removes the entries used longest ago
#: until it holds three quarters of it.
MAX_BYTES = 64 * 1024 * 1024
_PRUNED_TO = 0.75
#: A hit marks its entry used (its modification time) when it was marked longer ago
#: than this, in seconds: not a write for every hit.
_MARK_AFTER = 3600.0
#: A temporary file this old was left by a process that stopped while storing.
_LEFT_BEHIND = 3600.0
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
    path = folder / f"{entry}.pickle"
    try:
        value = pickle.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
        return None
    try:
        if time.time() - path.stat().st_mtime > _MARK_AFTER:
            os.utime(path)
    except OSError:  # (removed meanwhile, or a folder this process may only read)
        pass
    return value


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
        return
    _prune(folder, keep=f"{entry}.pickle")


def _prune(folder: Path, keep: str) -> None:
    """Bring *folder* within :data:`MAX_BYTES` by removing the entries used longest ago
    (never *keep*, just stored), and any temporary file a stopped process left behind.

    Other processes may prune at the same time: an entry already gone is passed over,
    and an entry removed under a process that wanted it is a miss, compiled again.
    """
    now = time.time()
    entries: list[tuple[float, int, str]] = []
    total = 0
    try:
        with os.scandir(folder) as found:
            for item in found:
                try:
                    if not item.is_file(follow_symlinks=False):
                        continue
                    stat = item.stat(follow_symlinks=False)
                    if item.name.endswith(".tmp"):
                        if now - stat.st_mtime > _LEFT_BEHIND:
                            os.unlink(item.path)
                    elif item.name.endswith(".pickle"):
                        total += stat.st_size
                        if item.name != keep:
                            entries.append((stat.st_mtime, stat.st_size, item.path))
                except OSError:
                    continue
    except OSError:
        return
    if total <= MAX_BYTES:
        return
    entries.sort()
    for _, size, path in entries:
        if total <= MAX_BYTES * _PRUNED_TO:
            break
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            continue
        total -= size
