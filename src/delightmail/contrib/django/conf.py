"""The ``DELIGHTMAIL`` setting, read once and checked, and read again when a test changes it.

>>> from delightmail.contrib.django.conf import get_config  # doctest: +SKIP
>>> get_config().merchant.name  # doctest: +SKIP
'Groove Harbor Records'

Every mistake in the setting is an :class:`~django.core.exceptions.ImproperlyConfigured`
that names the key (``DELIGHTMAIL['MERCHANT']: ...``), raised the first time the
setting is needed, so that ``manage.py check`` and the first request say the same.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from ..._files import load_json
from ...exceptions import InputError, OrderValidationError

if TYPE_CHECKING:
    from ...models import Merchant

__all__ = ["KEYS", "Config", "get_config", "reset"]

#: The keys ``DELIGHTMAIL`` may hold; ``MERCHANT`` is the only one it must.
KEYS = (
    "FROM_EMAIL",
    "LOCALE",
    "LOCALE_DIRS",
    "MERCHANT",
    "PACK_DIRS",
    "PREVIEW_ORDERS",
    "SANDBOX",
    "TEMPLATE",
    "TEMPLATE_DIRS",
    "TONE",
)


@dataclass(frozen=True)
class Config:
    """The checked ``DELIGHTMAIL`` setting: what every :class:`~delightmail.Mailer` is made from."""

    merchant: Merchant
    template: str = "postcard"
    tone: str | None = None
    locale: str = "en"
    template_dirs: tuple[Path, ...] = ()
    pack_dirs: tuple[Path, ...] = ()
    locale_dirs: tuple[Path, ...] = ()
    sandbox: bool = False
    #: The From address; ``None`` for Django's ``DEFAULT_FROM_EMAIL``.
    from_email: str | None = None
    #: A folder of example orders (``*.json``) for the preview view.
    preview_orders: Path | None = None


def _fail(key: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"DELIGHTMAIL[{key!r}]: {problem}")


def _text(raw: Mapping[str, Any], key: str, default: str | None) -> str | None:
    value = raw.get(key, default)
    if value is not None and not isinstance(value, str):
        raise _fail(key, f"expected a string, got {type(value).__name__}")
    return value


def _folders(raw: Mapping[str, Any], key: str) -> tuple[Path, ...]:
    value = raw.get(key, ())
    if isinstance(value, str | Path) or not isinstance(value, Sequence):
        raise _fail(key, "expected a list of folders")
    folders = []
    for item in value:
        if not isinstance(item, str | Path):
            raise _fail(key, f"expected a folder, got {type(item).__name__}")
        if not Path(item).is_dir():
            raise _fail(key, f"{item}: no such folder")
        folders.append(Path(item))
    return tuple(folders)


def _merchant(raw: Mapping[str, Any]) -> Merchant:
    # The models (pydantic) are imported when the setting is first read, not when Django
    # loads the app: every manage.py command loads it.
    from ...models import Merchant, validate_merchant

    if "MERCHANT" not in raw:
        raise _fail("MERCHANT", "missing: a merchant JSON file or a dict")
    value = raw["MERCHANT"]
    try:
        if isinstance(value, str | Path):
            return validate_merchant(load_json(Path(value)))
        if isinstance(value, Merchant | Mapping):
            return validate_merchant(value)
    except (InputError, OrderValidationError) as exc:
        raise _fail("MERCHANT", str(exc)) from None
    raise _fail("MERCHANT", f"expected a file path or a dict, got {type(value).__name__}")


def _read() -> Config:
    raw = getattr(settings, "DELIGHTMAIL", None)
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(
            "DELIGHTMAIL: set it to a dict, at least {'MERCHANT': 'path/to/merchant.json'}"
        )
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise _fail(unknown[0], f"unknown key (known: {', '.join(KEYS)})")
    sandbox = raw.get("SANDBOX", False)
    if not isinstance(sandbox, bool):
        raise _fail("SANDBOX", f"expected True or False, got {type(sandbox).__name__}")
    tone = _text(raw, "TONE", None)
    from ...models import TONES

    if tone is not None and tone not in TONES:
        raise _fail("TONE", f"unknown tone {tone!r} (known: {', '.join(TONES)})")
    preview = raw.get("PREVIEW_ORDERS")
    if preview is not None and not (isinstance(preview, str | Path) and Path(preview).is_dir()):
        raise _fail("PREVIEW_ORDERS", f"{preview}: no such folder")
    return Config(
        merchant=_merchant(raw),
        template=_text(raw, "TEMPLATE", "postcard") or "postcard",
        tone=tone,
        locale=_text(raw, "LOCALE", "en") or "en",
        template_dirs=_folders(raw, "TEMPLATE_DIRS"),
        pack_dirs=_folders(raw, "PACK_DIRS"),
        locale_dirs=_folders(raw, "LOCALE_DIRS"),
        sandbox=sandbox,
        from_email=_text(raw, "FROM_EMAIL", None),
        preview_orders=Path(preview) if preview is not None else None,
    )


_lock = threading.Lock()
_config: Config | None = None


def get_config() -> Config:
    """The ``DELIGHTMAIL`` setting, checked; read once per process (and after each change).

    :raises ImproperlyConfigured: the setting is missing or wrong; the message names the key.
    """
    global _config
    with _lock:
        if _config is None:
            _config = _read()
        return _config


def reset() -> None:
    """Forget the setting read, so that the next :func:`get_config` reads it again."""
    global _config
    with _lock:
        _config = None


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    # What override_settings sends, in tests: the next email reads the new setting.
    if setting == "DELIGHTMAIL":
        reset()
