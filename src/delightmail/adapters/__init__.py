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

__all__ = ["PLATFORMS", "saleor", "shopify", "to_order", "woocommerce"]

#: The platforms an order can come from, as the CLI's ``--from`` offers them.
PLATFORMS: tuple[str, ...] = ("shopify", "woocommerce", "saleor")

_ADAPTERS: Mapping[str, Callable[..., Order]] = {
    "shopify": shopify.to_order,
    "woocommerce": woocommerce.to_order,
    "saleor": saleor.to_order,
}


def to_order(
    payload: Mapping[str, Any] | str | bytes,
    platform: str,
    *,
    received_at: datetime | None = None,
    lenient: bool = False,
) -> Order:
    """Map *payload*, an order from *platform*, onto a validated :class:`Order`.

    :param payload: the platform's order as a mapping or as JSON text.
    :param platform: one of :data:`PLATFORMS` (case does not matter).
    :param received_at: when the payload arrived; used only if it has no order date.
    :param lenient: confirm the order even if its totals do not add up (the platform's
        totals shown, ``Order.discrepancy`` saying what is off); strict by default.
    :raises OrderValidationError: *platform* is unknown, the payload is not an
        order of that platform, or its totals do not reconcile.
    """
    adapter = _ADAPTERS.get(platform.strip().lower())
    if adapter is None:
        choices = ", ".join(PLATFORMS)
        raise OrderValidationError(
            [FieldProblem("", f"unknown platform {platform!r}; choose one of {choices}")]
        )
    return adapter(payload, received_at=received_at, lenient=lenient)
