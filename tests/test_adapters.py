"""The adapters facade: one entry point and the list of platforms the CLI offers."""

from __future__ import annotations

import pytest

from delightmail.adapters import PLATFORMS, to_order
from delightmail.exceptions import OrderValidationError

from .conftest import SAMPLES

ONE_SAMPLE_EACH = {
    "shopify": "shopify/rest-docs-2026-07-create-order-eur.json",
    "woocommerce": "woocommerce/rest-docs-v3-create-order-727.json",
    "saleor": "saleor/smtp-app-order-created-example.json",
}


def test_platforms_are_the_three_adapters() -> None:
    """PLATFORMS lists exactly the platforms to_order accepts, in the CLI's order."""
    assert PLATFORMS == ("shopify", "woocommerce", "saleor")


@pytest.mark.parametrize("platform", PLATFORMS, ids=PLATFORMS)
def test_to_order_dispatches_by_platform(platform: str) -> None:
    """to_order(text, platform) uses that platform's adapter, whatever the case of its name."""
    text = (SAMPLES / ONE_SAMPLE_EACH[platform]).read_text(encoding="utf-8")
    assert to_order(text, platform.upper()).lines


def test_unknown_platform_lists_the_choices() -> None:
    """An unknown platform is a clear error listing the ones there are."""
    with pytest.raises(
        OrderValidationError, match="unknown platform 'magento'; choose one of shopify"
    ):
        to_order("{}", "magento")
