"""delightmail: an order goes in, a personal, playful, ready-to-send email comes out.

>>> from delightmail import Mailer
>>> email = Mailer(merchant=merchant).render(order)  # doctest: +SKIP
>>> email.subject, email.html, email.text  # doctest: +SKIP
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .exceptions import (
    CatalogError,
    CheckerError,
    CompileError,
    CurrencyMismatchError,
    DelightmailError,
    InputError,
    MessageError,
    OrderValidationError,
    PackError,
    ScreenshotError,
    SendError,
    SignatureError,
    StoreError,
    TemplateError,
    TemplateNotFound,
)

if TYPE_CHECKING:
    from .models import (
        TONES,
        Address,
        Customer,
        Discount,
        LineItem,
        Merchant,
        Money,
        Order,
        Payment,
        Shipping,
        Signer,
        TaxLine,
        Theme,
        Voice,
    )
    from .rendered import RenderedEmail
    from .rendering import Mailer

# The models and the renderer are imported on first use: `import delightmail`
# (a Django settings module, a CLI's --help) costs next to nothing.
_LAZY = {
    **dict.fromkeys(
        ("TONES", "Address", "Customer", "Discount", "LineItem", "Merchant", "Money", "Order",
         "Payment", "Shipping", "Signer", "TaxLine", "Theme", "Voice"),
        "models",
    ),
    "Mailer": "rendering",
    "RenderedEmail": "rendered",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    # importlib.metadata costs tens of milliseconds: read it only when asked.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("delightmail")
        except PackageNotFoundError:  # a source tree that was never installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module 'delightmail' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "TONES",
    "Address",
    "CatalogError",
    "CheckerError",
    "CompileError",
    "CurrencyMismatchError",
    "Customer",
    "DelightmailError",
    "Discount",
    "InputError",
    "LineItem",
    "Mailer",
    "Merchant",
    "MessageError",
    "Money",
    "Order",
    "OrderValidationError",
    "PackError",
    "Payment",
    "RenderedEmail",
    "ScreenshotError",
    "SendError",
    "Shipping",
    "SignatureError",
    "Signer",
    "StoreError",
    "TaxLine",
    "TemplateError",
    "TemplateNotFound",
    "Theme",
    "Voice",
    "__version__",
]
