"""Column widths: the shortcuts that spare wcwidth's tables measure as wcwidth does."""

from __future__ import annotations

import wcwidth
from hypothesis import given
from hypothesis import strategies as st

from delightmail.columns import NARROW_RANGES, char_width, display_width, is_narrow


def test_each_character_the_shortcuts_answer_for_is_measured_as_wcwidth_measures_it() -> None:
    """Every code point below the combining marks (ASCII, C1 controls, Latin), and every
    one of the narrow ranges (dashes, quotes, currency signs)."""
    points = set(range(0x300))
    for low, high in NARROW_RANGES:
        points.update(range(low, high + 1))
        assert is_narrow("".join(map(chr, range(low, high + 1))))
    for point in sorted(points):
        char = chr(point)
        assert char_width(char) == max(wcwidth.wcwidth(char), 0), hex(point)
        expected = wcwidth.wcswidth(char)
        assert display_width(char) == (expected if expected >= 0 else 0), hex(point)


def test_a_combining_mark_or_a_wide_character_still_goes_to_wcwidth() -> None:
    assert display_width("Cafe\u0301") == 4
    assert display_width("ＡＢ") == 4
    assert display_width("Grüße aus Köln") == 14
    assert display_width("it’s — €12") == 10 and is_narrow("it’s — €12")
    assert is_narrow("12,00\u202f€ ?") and is_narrow("שלום")
    for text in ("\u200bx", "a\u2028b", "\u2009x", "漢", "e\u0301", "\u05b0", "\x85"):
        assert not is_narrow(text), repr(text)


@given(
    st.text(st.characters(max_codepoint=0x3100), max_size=40)
    | st.text("ab ’—€\u200b\u2028\u202f\xa0\u200e\u200f\u2066\u2068\u2069שׁ")
)
def test_display_width_is_wcwidths_or_the_sum_of_its_characters(text: str) -> None:
    expected = wcwidth.wcswidth(text)
    if expected < 0:
        expected = sum(max(wcwidth.wcwidth(char), 0) for char in text)
    assert display_width(text) == expected
