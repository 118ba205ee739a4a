"""How wide plain text is, in the columns of a fixed-width font (a text part, a terminal).

A character is not a column: East Asian wide characters (漢字, かな, the
fullwidth ￥) take two, combining marks and zero-width characters none.
The text part's filters wrap and align by this width, and the inbox checks
measure its lines by it. Widths come from :mod:`wcwidth`.

>>> display_width("￥3,200"), display_width("Cafe\\u0301"), display_width("abc")
(7, 4, 3)
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "WIDE_LANGUAGES",
    "char_width",
    "display_width",
    "is_narrow",
    "is_wide",
    "preview_size",
]

#: Text whose every character takes one column, as wcwidth measures them: printable
#: ASCII, the Latin letters and signs below the combining marks (U+00A0 to U+02FF), the
#: Cyrillic letters and the Hebrew ones (without their marks and points), the narrow
#: no-break space French writes before "?" and in "12,00 €", and the dashes, quotes and
#: currency signs of General Punctuation and Currency Symbols (without their other spaces,
#: separators and invisible marks). The usual line of a story in a language of Europe or
#: in Hebrew ("it’s — €12"), measured without wcwidth's tables.
NARROW_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x2FF),
    (0x400, 0x482),
    (0x48A, 0x52F),
    (0x5D0, 0x5EA),
    (0x5EF, 0x5F4),
    (0x2010, 0x2027),
    (0x202F, 0x202F),
    (0x2030, 0x205E),
    (0x20A0, 0x20C0),
)
_NARROW = re.compile(
    "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in NARROW_RANGES) + "]*"
).fullmatch
#: The direction marks and isolates (LRM, RLM, LRI... PDI) that a right-to-left email
#: puts around every left-to-right run: invisible, so no column.
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """The columns one character takes: 2 wide, 1 narrow, 0 a mark or a control."""
    if char.isascii():
        return 1 if char.isprintable() else 0
    if _NARROW(char):
        return 1
    # wcwidth's tables take tens of milliseconds to import: only for text that needs them.
    from wcwidth import wcwidth

    return max(wcwidth(char), 0)


def is_narrow(text: str) -> bool:
    """Whether every character of *text* takes one column (so its width is its length)."""
    return (text.isascii() and text.isprintable()) or _NARROW(text) is not None


def display_width(text: str) -> int:
    """The columns *text* takes; a control character (which has no width of its own) takes none."""
    if is_narrow(text):  # measured in C
        return len(text)
    visible = text.translate(_DIRECTION_MARKS)
    if len(visible) < len(text) and is_narrow(visible):
        return len(visible)
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else sum(char_width(char) for char in text)


def is_wide(char: str) -> bool:
    """Whether *char* takes two columns (an East Asian wide or fullwidth character)."""
    return char_width(char) == 2


#: Languages written in wide characters: an inbox preview shows about half as many of
#: them, so their subjects are measured in columns where others count characters.
WIDE_LANGUAGES = frozenset({"ja"})


def preview_size(text: str, language: str) -> int:
    """How much of an inbox preview *text* takes: its characters, or its columns in a
    language written in wide characters (Japanese)."""
    return display_width(text) if language in WIDE_LANGUAGES else len(text)
