"""The adapters facade: one entry point and the list of platforms the CLI offers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from delightmail import Mailer
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


ALL_SAMPLES = [
    (platform, path)
    for platform in PLATFORMS
    for path in sorted((SAMPLES / platform).glob("*.json"))
    if "fulfillment" not in path.name  # not an order-created payload
]


@pytest.mark.parametrize(
    ("platform", "path"), ALL_SAMPLES, ids=[f"{p}-{path.stem}" for p, path in ALL_SAMPLES]
)
def test_lenient_confirms_every_sample_and_says_what_does_not_add_up(
    platform: str, path: Any, mailer: Mailer
) -> None:
    """lenient=True gives an order for every real payload: one whose totals add up is the
    same as in strict mode; one whose totals do not keeps the platform's total, and its
    discrepancy names the numbers."""
    text = path.read_text(encoding="utf-8")
    received = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # for a payload without a date
    lenient = to_order(text, platform, lenient=True, received_at=received)
    try:
        strict = to_order(text, platform, received_at=received)
    except OrderValidationError as exc:
        assert lenient.discrepancy is not None
        assert lenient.discrepancy.split(";")[0] in str(exc)
        assert str(lenient.total.amount) in lenient.discrepancy
    else:
        assert lenient.discrepancy is None and strict.discrepancy is None
        assert lenient.model_dump(exclude={"totals_as_given"}) == strict.model_dump(
            exclude={"totals_as_given"}
        )
    email = mailer.render(lenient, any_status=True)  # a cancelled one is checked as well
    shown = lenient.total.amount
    assert f"{shown:,.2f}".replace(",", "") in email.text.replace(",", "")  # what was charged


def test_lenient_still_refuses_what_is_not_an_order() -> None:
    with pytest.raises(OrderValidationError, match="invalid Shopify order: got an object"):
        to_order('{"id": 1, "topic": "ping"}', "shopify", lenient=True)


def test_an_order_with_totals_as_given_survives_json_and_pickle() -> None:
    import pickle

    from delightmail import Order

    text = (SAMPLES / "shopify" / "python-api-fixture-order-1001.json").read_text()
    order = to_order(text, "shopify", lenient=True)
    assert order.discrepancy
    for copy in (
        Order.model_validate_json(order.model_dump_json()),
        pickle.loads(pickle.dumps(order)),
    ):
        assert copy.discrepancy == order.discrepancy and copy.total == order.total
