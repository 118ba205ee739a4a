"""What an email says of how the order comes and where it stands, checked over orders.

How an order reaches the customer follows from its lines (physical, digital, service)
and its address, never from whether it has a shipping line; a payment still to come is
said plainly, and an order refunded or cancelled is not confirmed unless asked for.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delightmail import Mailer, Merchant
from delightmail.cli import cli
from delightmail.exceptions import OrderStatusError
from delightmail.facts import GROUPS, facts_of
from delightmail.lint import order_matrix
from delightmail.models import CONFIRMED_STATUSES, STATUSES, validate_order
from delightmail.packs import SLOTS

from .conftest import ORDER_FILES, load

MERCHANT = str(ORDER_FILES[0].parents[1] / "merchant.json")
PHYSICAL = frozenset(GROUPS["shipping"]["physical"])


def parcel_order(**changes: Any) -> dict[str, Any]:
    """The first example order (a record going by post), changed."""
    data = copy.deepcopy(load(ORDER_FILES[0]))
    data.update(changes)
    return data


def with_lines(data: dict[str, Any], *extra: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["lines"] = [*data["lines"], *extra]
    data["total"] = str(
        Decimal(data["total"]) + sum(Decimal(x["unit_price"]) * x["quantity"] for x in extra)
    )
    return data


def words_of(html: str) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


GIFT_CARD = {"name": "Gift card", "quantity": 1, "unit_price": "25.00", "fulfillment": "digital"}


# -- how it comes ---------------------------------------------------------------------


def test_a_parcel_without_a_shipping_line_is_told_as_a_parcel(mailer: Mailer) -> None:
    """No shipping line (free shipping, a draft order), but a record and an address: it
    travels, by a way the order does not name. Nothing says it comes by email, and the
    address it ships to is printed."""
    data = parcel_order(shipping=None)
    data["total"] = str(Decimal(data["total"]) - Decimal("4.50"))
    order = validate_order(data)
    assert order.delivery == "unnamed" and not order.is_mixed
    email = mailer.render(order)
    for part in (email.text, words_of(email.html)):
        assert "by email" not in part.lower() and "Nothing to ship" not in part
        assert re.search("shipping to", part, re.IGNORECASE)
        assert "1425 SE Alder St" in part
    assert "Shipping\n  " not in email.text  # no method printed under a label of nothing


def test_a_download_with_an_address_is_never_boxed(mailer: Mailer) -> None:
    """A platform copies the billing address to the shipping one for a download: the
    email still says it comes by email, prints no address to ship to, and no parcel."""
    data = parcel_order(shipping=None)
    data["lines"] = [{**line, "fulfillment": "digital"} for line in data["lines"]]
    data["total"] = str(Decimal(data["total"]) - Decimal("4.50"))
    order = validate_order(data)
    assert order.delivery == "digital"
    email = mailer.render(order)
    text = email.text
    assert "SHIPPING TO" not in text and "DELIVERY\nBy email" in text
    story = " ".join(mailer.context(order)["story"].paragraphs).lower()
    assert not re.search(r"\b(parcel|box|packed|wrapped|ships?)\b", story)


def test_a_service_makes_no_claim_of_email(mailer: Mailer) -> None:
    """A booking: nothing is sent, and nothing says it comes by email."""
    data = parcel_order(shipping=None, shipping_address=None)
    data["lines"] = [{**line, "fulfillment": "service"} for line in data["lines"]]
    data["total"] = str(Decimal(data["total"]) - Decimal("4.50"))
    email = mailer.render(data)
    assert validate_order(data).delivery == "service"
    assert "by email" not in email.text.lower() and "DELIVERY\nNothing to ship" in email.text


@pytest.mark.parametrize("tone", ["playful", "warm", "plain"])
@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_mixed_order_says_which_part_goes_how(mailer: Mailer, tone: str, locale: str) -> None:
    """A record by post and a gift card by email: the gift card's line says it comes by
    email, the story says the rest of the order does, and after its opening (which
    speaks of all the order) the story's things are the record alone (a gift card is
    never wrapped)."""
    data = with_lines(parcel_order(tone=tone, locale=locale), GIFT_CARD)
    order = validate_order(data)
    assert order.is_mixed and order.delivery == "standard"
    assert [line.name for line in order.parcel] == [order.lines[0].name]
    email = mailer.render(order)
    by_email = "Per E-Mail" if locale == "de" else "By email"
    card = email.text.split("Gift card", 1)[1].split("\n\n")[0]
    assert by_email in card
    story = " ".join(mailer.context(order)["story"].paragraphs[1:])
    assert ("per E-Mail" if locale == "de" else "by email") in story
    assert "gift card" not in story.lower()
    assert not re.search(r"\b(two things|zwei Sachen)\b", story)


def test_a_pick_up_says_where_and_never_ships(mailer: Mailer) -> None:
    """A pick-up with only a location: the email says where to collect it."""
    data = parcel_order(
        shipping={
            "amount": "0",
            "kind": "pickup",
            "location": {"address1": "2 Market Hall", "city": "Portland"},
        }
    )
    data["total"] = str(Decimal(data["total"]) - Decimal("4.50"))
    email = mailer.render(data)
    assert "COLLECT IT AT\n2 Market Hall" in email.text
    assert "SHIPPING TO" not in email.text


# -- where it stands ------------------------------------------------------------------


def pending(**payment: Any) -> dict[str, Any]:
    data = parcel_order(status="pending")
    data["payment"] = {"method": "Bank transfer", **payment}
    return data


def test_a_pending_order_says_the_payment_is_to_come(mailer: Mailer) -> None:
    """A bank transfer still to come: the email says so, with what is due and how to pay
    it, and never that it is paid in full."""
    data = pending(due="36.50", instructions="IBAN DE02 1203 0000 0000 2020 51, ref. 1001")
    email = mailer.render(data)
    for part in (email.text, words_of(email.html)):
        assert re.search("payment pending", part, re.IGNORECASE)
        assert "Still to pay: $36.50" in part and "IBAN DE02 1203" in part
        assert "Paid in full" not in part


def test_a_pending_order_is_never_told_as_packed_already(merchant: Merchant) -> None:
    """Every story line told of a pending order admits a payment to come: over the
    matrix, none of the lines kept for paid orders (the parcel already taped shut) is
    told while the payment is still to come."""
    mailers = {tone: Mailer(merchant, tone=tone) for tone in ("playful", "warm", "plain")}
    seen = 0
    for data in order_matrix(300, merchant.timezone):
        if data["status"] == "paid":
            continue
        for tone, mailer in mailers.items():
            order = validate_order(data)
            story = mailer.context(order)["story"]
            pack = mailer.pack(tone)
            told = {line.where: line for slot in SLOTS for line in pack.slot(slot)}
            for where in story.sources:
                line = told.get(where)
                if line is not None:
                    assert "pending" in line.conditions.get("payment", {"pending"}), where
                    seen += 1
    assert seen > 500


@pytest.mark.parametrize("status", sorted(set(STATUSES) - CONFIRMED_STATUSES))
def test_an_order_not_to_confirm_is_refused_by_name(mailer: Mailer, status: str) -> None:
    """Refunded, cancelled, voided, failed: a typed error naming the order and its status."""
    data = parcel_order(status=status)
    with pytest.raises(OrderStatusError) as info:
        mailer.render(data)
    assert info.value.status == status and info.value.number == "#1001"
    assert status.replace("_", " ") in str(info.value) and "\n" not in str(info.value)


def test_asked_for_anyway_it_says_its_status_and_tells_no_story(merchant: Merchant) -> None:
    """Rendered because the caller asked: the status said plainly, no story, and the
    receipt calls itself an update, not a confirmation."""
    mailer = Mailer(merchant, template="receipt")
    email = mailer.render(parcel_order(status="cancelled"), any_status=True)
    context = mailer.context(parcel_order(status="cancelled"), any_status=True)
    assert context["story"].paragraphs == ()
    assert "This order has been cancelled." in email.text
    assert "Order update" in email.text and "Order confirmation" not in email.text
    assert "Paid in full" not in email.text


def test_a_test_order_says_so(mailer: Mailer) -> None:
    email = mailer.render(parcel_order(test=True))
    assert "This is a test order." in email.text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from(STATUSES),
    ways=st.lists(
        st.sampled_from(["physical", "digital", "service", None]), min_size=1, max_size=4
    ),
    shipping=st.booleans(),
    address=st.booleans(),
)
def test_every_status_and_way_renders_true(
    mailer: Mailer, status: str, ways: list[str | None], shipping: bool, address: bool
) -> None:
    """Any mix of statuses, line kinds, shipping lines and addresses: a confirmable order
    renders, and the email's delivery block agrees with the order's own delivery."""
    data = parcel_order(status=status)
    line = data["lines"][0]
    data["lines"] = [{**line, "fulfillment": way} for way in ways]
    data["total"] = str(
        Decimal(line["unit_price"]) * len(ways) + (Decimal("4.50") if shipping else 0)
    )
    if not shipping:
        data["shipping"] = None
    if not address:
        data["shipping_address"] = None
    order = validate_order(data)
    if not order.confirmed:
        with pytest.raises(OrderStatusError):
            mailer.render(order)
        return
    text = mailer.render(order).text
    facts = facts_of(order, mailer.merchant)
    assert facts.shipping == order.delivery
    if order.delivery in PHYSICAL:
        assert "By email" not in text.split("DELIVERY", 1)[-1].split("\n\n")[0] or order.is_mixed
    if order.delivery == "digital":
        assert "DELIVERY\nBy email" in text and "SHIPPING TO" not in text


# -- the order number, as written -------------------------------------------------------


def test_a_case_sensitive_number_is_never_case_folded(mailer: Mailer) -> None:
    """The text part sets its headings in capitals, and the HTML's headings are
    uppercase by CSS: the number keeps its own case in both."""
    email = mailer.render(parcel_order(number="aB3x-9kQ"))
    assert "ORDER aB3x-9kQ · " in email.text
    assert '<span style="text-transform: none;">aB3x-9kQ</span>' in email.html


# -- the command line -------------------------------------------------------------------


def test_cli_refuses_a_refunded_order_in_one_line_and_renders_it_when_asked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "refunded.json"
    path.write_text(json.dumps(parcel_order(status="refunded")), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["render", str(path), "--merchant", MERCHANT, "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "is refunded" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "--any-status" in result.stderr
    result = runner.invoke(
        cli,
        ["render", str(path), "--merchant", MERCHANT, "-o", str(tmp_path / "out"), "--any-status"],
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "refunded.txt").read_text(encoding="utf-8")
    assert "This order has been refunded." in text
