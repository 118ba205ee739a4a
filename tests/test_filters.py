"""The template filters: wrapping, columns, one-line headers."""

from __future__ import annotations

import pytest

from delightmail.filters import one_line, row_filter, wrap_filter

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
