"""delightmail: an order goes in, a personal, playful, ready-to-send email comes out.

>>> from delightmail import Mailer
>>> email = Mailer(merchant=merchant).render(order)  # doctest: +SKIP
>>> email.subject, email.html, email.text  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from .exceptions import (
    CompileError,
    CurrencyMismatchError,
    DelightmailError,
    MessageError,
    OrderValidationError,
    PackError,
    TemplateError,
    TemplateNotFound,
)
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
from .rendering import Mailer, RenderedEmail

try:
    __version__ = version("delightmail")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "TONES",
    "Address",
    "CompileError",
    "CurrencyMismatchError",
    "Customer",
    "DelightmailError",
    "Discount",
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
    "Shipping",
    "Signer",
    "TaxLine",
    "TemplateError",
    "TemplateNotFound",
    "Theme",
    "Voice",
    "__version__",
]
