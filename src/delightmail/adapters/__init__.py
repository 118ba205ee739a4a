"""Platform adapters: a Shopify, WooCommerce or Saleor order in, an :class:`Order` out.

>>> from delightmail.adapters import to_order
>>> order = to_order(payload, "shopify")  # doctest: +SKIP

Each adapter maps what the payload has, falls back where a field is missing
(no address, an empty email, a null name), and raises
:class:`~delightmail.exceptions.OrderValidationError` naming the field when
the payload is not an order of that platform, or when its totals do not
reconcile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..exceptions import FieldProblem, OrderValidationError
from ..models import Order
from . import saleor, shopify, woocommerce
from ._common import parse_payload

__all__ = ["PLATFORMS", "read_payload", "saleor", "shopify", "to_order", "woocommerce"]

#: The platforms an order can come from, as the CLI's ``--from`` offers them.
PLATFORMS: tuple[str, ...] = ("shopify", "woocommerce", "saleor")

#: Each platform's name as its adapter's messages spell it.
_NAMES = {
    "shopify": shopify.PLATFORM,
    "woocommerce": woocommerce.PLATFORM,
    "saleor": saleor.PLATFORM,
}

_ADAPTERS: Mapping[str, Callable[..., Order]] = {
    "shopify": shopify.to_order,
    "woocommerce": woocommerce.to_order,
    "saleor": saleor.to_order,
}


def _adapter(platform: str) -> Callable[..., Order]:
    adapter = _ADAPTERS.get(platform.strip().lower())
    if adapter is None:
        choices = ", ".join(PLATFORMS)
        raise OrderValidationError(
            [FieldProblem("", f"unknown platform {platform!r}; choose one of {choices}")]
        )
    return adapter


def read_payload(payload: str | bytes, platform: str) -> Any:
    """*payload*, a body *platform* sent, parsed as :func:`to_order` parses it (numbers
    with a fraction as ``Decimal``): for a caller that reads more of it than the order,
    and parses it once.

    :raises OrderValidationError: *platform* is unknown, or the body is not UTF-8 JSON.
    """
    _adapter(platform)  # an unknown platform is refused as to_order refuses it
    return parse_payload(payload, _NAMES[platform.strip().lower()])


def to_order(
    payload: Mapping[str, Any] | list[Any] | str | bytes,
    platform: str,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map *payload*, an order from *platform*, onto a validated :class:`Order`.

    :param payload: the platform's order as parsed JSON (:func:`read_payload`) or as JSON text.
    :param platform: one of :data:`PLATFORMS` (case does not matter).
    :param received_at: when the payload arrived; used only if it has no order date.
    :param lenient: confirm the order even if its totals do not add up (the platform's
        totals shown, ``Order.discrepancy`` saying what is off); strict by default.
    :raises OrderValidationError: *platform* is unknown, the payload is not an
        order of that platform, or its totals do not reconcile.
    """
    return _adapter(platform)(payload, received_at=received_at, lenient=lenient)
