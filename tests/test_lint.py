"""The copy linter: every built-in pack reads clean; a merchant's broken copy is named exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from delightmail.cli import cli
from delightmail.facts import FACTS, facts_of
from delightmail.i18n import has_formal
from delightmail.lint import LOCALES, CopyReport, lint_packs, merchants, order_matrix
from delightmail.models import TONES, validate_order

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def built_in() -> CopyReport:
    """Every tone of the built-in packs, in English and German (both registers), read over
    1,000 generated orders each."""
    return lint_packs(locales=("en_US", "de_DE"), count=1000)


def test_built_in_packs_read_clean(built_in: CopyReport) -> None:
    """No repetition, contradiction, other language, wrong register, long subject or
    repeated preheader in any email of any built-in pack."""
    assert built_in.emails == 1000 * len(TONES) * 3  # en, de informal, de formal
    assert built_in.ok, "\n".join(str(f) for f in built_in.findings[:20])


def test_the_matrix_meets_every_fact() -> None:
    """The generated orders cover every way of travelling (a parcel with no named method,
    a download, a service and a parcel with a download beside it too), paid and pending,
    every gift, name, time of day, weekday, history and size, and midnight on the shop's
    clock."""
    shop = merchants()[0]
    seen: dict[str, set[object]] = {}
    midnight = 0
    for data in order_matrix(1000, shop.timezone):
        facts = facts_of(validate_order(data), shop)
        for fact in (
            "shipping",
            "mixed",
            "payment",
            "gift",
            "name",
            "time",
            "weekday",
            "history",
            "items",
        ):
            seen.setdefault(fact, set()).add(facts.value(fact))
        midnight += facts.shop_time.hour in (23, 0) and facts.shop_time.minute in (59, 1)
    assert seen["shipping"] == set(FACTS["shipping"])
    assert seen["mixed"] == {True, False} and seen["payment"] == {"paid", "pending"}
    assert seen["gift"] == {"no", "to_buyer", "to_other"} and seen["name"] == {True, False}
    assert len(seen["time"]) == 4 and len(seen["weekday"]) == 7 and len(seen["history"]) == 3
    assert seen["items"] == {"one", "few", "many"} and midnight > 50


def merchant_pack(tmp_path: Path, lines: str, name: str = "playful.toml") -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f'[pack]\ntone = "playful"\n\n[lines]\n{lines}\n', encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("lines", "check", "said", "facts"),
    [
        ('journey = ["{{ packer }} taped the parcel shut and sent it off."]',
         "contradiction", "words of shipping", "shipping=(pickup|digital|service)"),
        ('journey = ["We packed {{ items.acc }} in a box for you."]',
         "contradiction", "packing a parcel", "shipping=(pickup|digital|service)"),
        ('journey = ["It all comes by email."]', "contradiction", "words of email",
         "shipping=(standard|express|local_delivery|unnamed|pickup), mixed=false"),
        ('closing = ["Enjoy it, it is all yours."]', "contradiction", "the buyer's own",
         "gift=to_(buyer|other)"),
        ('closing = [{ text = "Soon it will be with you soon, we hope.", shipping = "shipped" }]',
         "contradiction", "coming to the buyer", "gift=to_other"),
        ('history = ["Welcome back, it is good to see you again."]',
         "contradiction", "first order", "history=first"),
        ('closing = ["We packed this one this morning."]', "contradiction", "morning", "time="),
        ('closing = ["We will think of you all Tuesday."]', "contradiction", "tuesday", "weekday="),
        ('opening = ["We love {{ items.acc }}, und das ist schön."]', "language", "not en", ""),
        ('subject = ["{{ order_number }}: a subject that goes on and on and on, far past what '
         'any inbox would ever show of it"]', "subject", "over 78", ""),
        ('preheader = ["Order {{ order_number }} is in, and we are all aflutter."]\n'
         'subject = ["Order {{ order_number }} is in, and we are all aflutter"]',
         "preheader", "repeats the subject", ""),
        ('closing = ["Thank you so much for your order, thank you!"]\n'
         'opening = ["Thank you for choosing {{ items.acc }}."]', "repetition", "thank-yous", ""),
    ],
    ids=["pickup-shipped", "digital-packed", "parcel-by-email", "gift-all-yours", "gift-to-you",
         "first-as-returning", "wrong-time", "wrong-weekday", "other-language", "long-subject",
         "preheader-repeats", "two-thank-yous"],
)  # fmt: skip
def test_each_defect_is_found_with_its_line_and_order(
    tmp_path: Path, lines: str, check: str, said: str, facts: str
) -> None:
    """A merchant pack with one defect: the linter names the check, the pack line and the
    order's facts, and only where the defect is true."""
    folder = merchant_pack(tmp_path, lines)
    report = lint_packs((folder,), tones=["playful"], locales=["en_US"], count=120)
    found = [f for f in report.findings if f.check == check and said in f.message]
    assert found, [str(f) for f in report.findings[:5]]
    assert any(str(folder) in f.where or f.slot for f in found)
    assert all(re.search(facts, f.facts) for f in found)


def test_a_pack_whose_only_journey_ships_fails_check(tmp_path: Path) -> None:
    """`delightmail packs check` fails on a merchant pack whose only journey line ships
    a parcel, naming the slot and the combination of facts, and exits 1."""
    folder = merchant_pack(tmp_path, 'journey = ["We sealed your parcel and sent it on its way."]')
    result = CliRunner().invoke(cli, ["packs", "check", str(folder), "--orders", "60", "--tone",
                                      "playful", "--locale", "en_US"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "playful.toml: lines.journey[0]: contradiction" in result.output
    assert "shipping=pickup" in result.output or "shipping=digital" in result.output


def test_packs_check_passes_on_the_built_in_packs() -> None:
    """The built-in packs pass `delightmail packs check` in every locale it reads."""
    result = CliRunner().invoke(cli, ["packs", "check", "--orders", "30"])
    assert result.exit_code == 0, result.output
    readings = sum(2 if has_formal(locale) else 1 for locale in LOCALES)  # both registers
    assert f"read {30 * 3 * readings} emails: no findings" in result.output


def test_the_example_merchant_pack_reads_clean() -> None:
    """examples/packs (the README's own example) passes the linter with the demo merchant."""
    merchant = str(EXAMPLES / "merchant.json")
    command = ["packs", "check", str(EXAMPLES / "packs"), "--merchant", merchant, "--orders", "60"]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output


def test_packs_check_names_a_broken_pack_and_exits_2(tmp_path: Path) -> None:
    """A pack that does not load is bad input: one line, exit code 2, no traceback."""
    folder = merchant_pack(tmp_path, 'opening = ["{{ nope }}"]')
    result = CliRunner().invoke(cli, ["packs", "check", str(folder), "--orders", "5"])
    assert result.exit_code == 2
    assert "unknown variable 'nope'" in result.output and "Traceback" not in result.output
