"""The adapters facade: one entry point and the list of platforms the CLI offers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delightmail import Mailer
from delightmail.adapters import PLATFORMS, to_order
from delightmail.exceptions import DelightmailError, OrderValidationError

from .conftest import ADAPTER_FIXTURES, SAMPLES

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


# -- any payload a store may send: read, or refused by name, never a crash ------------------

_PAYLOADS = [
    (platform, path)
    for platform in PLATFORMS
    for path in [
        *sorted((SAMPLES / platform).glob("*.json")),
        *sorted(ADAPTER_FIXTURES.glob(f"{platform}-*.json")),
    ]
]
_ODD_VALUES = st.sampled_from(
    [None, "", "x", 0, -1, Decimal("1e20"), Decimal("-0.01"), [], {}, [{}], {"a": 1}, True,
     "2026-13-45", "NaN", "<b>&amp;</b>", "\u202e\u0000"]
)  # fmt: skip


def _places(value: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if where:
        yield where
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _places(inner, (*where, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:3]):
            yield from _places(inner, (*where, index))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_field_of_a_real_payload_changed_gives_an_order_or_a_named_refusal(
    mailer: Mailer, data: st.DataObject
) -> None:
    """A real payload with one to three fields removed or set to something odd (a list
    where a text was, a date that is no date, a huge number): the adapter gives an order,
    and the email renders, or it refuses with a DelightmailError; never another exception."""
    platform, path = data.draw(st.sampled_from(_PAYLOADS), label="payload")
    payload = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    places = list(_places(payload))
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        where = data.draw(st.sampled_from(places), label="field")
        parent = payload
        try:
            for key in where[:-1]:
                parent = parent[key]
            if data.draw(st.booleans(), label="remove") and isinstance(parent, dict):
                parent.pop(where[-1], None)
            else:
                parent[where[-1]] = data.draw(_ODD_VALUES, label="value")
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change took this field's parent away
    try:
        order = to_order(payload, platform, lenient=True)
        mailer.render(order, any_status=True)
    except DelightmailError:
        pass


@pytest.mark.parametrize(
    ("platform", "path", "change"),
    [
        ("shopify", ADAPTER_FIXTURES / "shopify-presentment-eur-gift-card.json",
         lambda p: p["discount_applications"][1].update(target_selection=["explicit"])),
        ("woocommerce", SAMPLES / "woocommerce" / "ios-fixture-order-gift-cards.json",
         lambda p: [m.update(key=["pa_color"])
                    for i in p["data"]["line_items"] for m in i["meta_data"]]),
    ],
    ids=["shopify-selection-a-list", "woocommerce-meta-key-a-list"],
)  # fmt: skip
def test_a_list_where_a_label_was_is_no_crash(
    platform: str, path: Any, change: Any, mailer: Mailer
) -> None:
    """Found by changing real payloads at random: a list where Shopify's
    ``target_selection`` or a WooCommerce meta ``key`` is text used to raise TypeError."""
    payload = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    change(payload)
    with contextlib.suppress(DelightmailError):  # refused by name: fine; anything else: not
        mailer.render(to_order(payload, platform, lenient=True), any_status=True)
