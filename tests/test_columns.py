"""Column widths: the shortcuts that spare wcwidth's tables measure as wcwidth does."""

from __future__ import annotations

import wcwidth
from hypothesis import given
from hypothesis import strategies as st

from delightmail.columns import char_width, display_width


def test_each_character_below_the_combining_marks_is_measured_as_wcwidth_measures_it() -> None:
    """Every code point the shortcuts answer for (ASCII, C1 controls, U+00A0–U+02FF)."""
    for point in range(0x300):
        char = chr(point)
        assert char_width(char) == max(wcwidth.wcwidth(char), 0), hex(point)
        expected = wcwidth.wcswidth(char)
        assert display_width(char) == (expected if expected >= 0 else 0), hex(point)


def test_a_combining_mark_or_a_wide_character_still_goes_to_wcwidth() -> None:
    assert display_width("Cafe\u0301") == 4
    assert display_width("ＡＢ") == 4
    assert display_width("Grüße aus Köln") == 14


@given(st.text(st.characters(max_codepoint=0x3100), max_size=40))
def test_display_width_is_wcwidths_or_the_sum_of_its_characters(text: str) -> None:
    expected = wcwidth.wcswidth(text)
    if expected < 0:
        expected = sum(max(wcwidth.wcwidth(char), 0) for char in text)
    assert display_width(text) == expected
