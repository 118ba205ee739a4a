"""The template filters: wrapping, columns, one-line headers, and which of them are pure."""

from __future__ import annotations

import jinja2
import pytest

from delightmail._templates import environment
from delightmail.filters import is_pure, one_line, pure, row_filter, wrap_filter

PARAGRAPH = (
    "We lifted it off the shelf with both hands, checked it over under the good lamp, "
    "and wrapped it in paper so crisp it crackles. https://shop.example.com/orders/"
    + "x" * 90
    + " and that was that."
)


def test_wrap_keeps_lines_within_width_and_urls_whole() -> None:
    """Every line fits 78 columns unless it is one long word, which is never broken."""
    wrapped = wrap_filter(PARAGRAPH)
    for line in wrapped.splitlines():
        assert len(line) <= 78 or " " not in line
    assert "https://shop.example.com/orders/" + "x" * 90 in wrapped.splitlines()
    assert " ".join(wrapped.split()) == " ".join(PARAGRAPH.split())


def test_wrap_indents_and_keeps_paragraphs() -> None:
    """Each paragraph is wrapped on its own, with the indent on every line."""
    wrapped = wrap_filter("first line\n\nsecond " + "word " * 30, width=40, indent="  ")
    lines = wrapped.splitlines()
    assert lines[0] == "  first line" and lines[1] == ""
    assert all(line.startswith("  ") and len(line) <= 40 for line in lines[2:])


@pytest.mark.parametrize(
    ("label", "value", "expected"),
    [
        ("Subtotal", "$1.00", "Subtotal" + " " * 65 + "$1.00"),
        ("L" * 80, "$1.00", "L" * 80 + "\n" + " " * 73 + "$1.00"),
    ],
    ids=["fits", "too-long"],
)
def test_row_aligns_the_value_right(label: str, value: str, expected: str) -> None:
    """A label and an amount share a 78-column line, or the amount gets its own."""
    assert row_filter(label, value) == expected


def test_one_line_folds_line_breaks() -> None:
    """A value bound for a header never keeps a line break."""
    assert one_line("Sam\r\nBcc: x@example.com\t ") == "Sam Bcc: x@example.com"


@pytest.mark.parametrize(
    ("name", "folds"),
    [
        ("money", False), ("minus_money", False), ("number", False), ("date", False),
        ("datetime", False), ("local", False), ("utm", True), ("random", False),
        ("map", False), ("select", False), ("selectattr", False), ("reject", False),
        ("wrap", True), ("row", True), ("one_line", True), ("upper", True), ("join", True),
        ("default", True), ("wordwrap", True), ("safe", True),
    ],
)  # fmt: skip
def test_only_filters_declared_pure_fold(name: str, folds: bool) -> None:
    """What reads the render's locale, a random number or filters by name is not pure;
    our text helpers, ``utm`` (which reads only the merchant) and Jinja's own pure filters
    are, also through the sandbox's guard."""
    for html, sandbox in [(True, False), (False, False), (True, True)]:
        assert is_pure(environment(html=html, sandbox=sandbox).filters[name]) is folds


def test_purity_is_declared_not_guessed() -> None:
    """A new filter is not pure until declared so, whatever it is; Jinja's tests are."""

    def shout(text: str) -> str:
        return text.upper()

    assert not is_pure(shout) and not is_pure(jinja2.pass_context(lambda c, v: v))
    assert is_pure(pure(shout)) and not is_pure(None) and not is_pure("upper")
    assert all(is_pure(test) for test in environment(html=True).tests.values())
