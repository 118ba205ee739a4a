"""Colours: WCAG contrast, and the dark-mode palette derived from a light theme.

A merchant picks its colours for a light email; a client in dark mode shows
the email's ``prefers-color-scheme: dark`` styles instead, and those colours
are computed here from the merchant's own (:func:`dark_theme`), so that the
brand still looks like itself and every text keeps WCAG AA contrast.

>>> round(contrast("#ffffff", "#000000"), 1)
21.0
>>> dark = dark_theme(brand="#5b3cc4", accent="#ff6f61", text="#222222", muted="#595959",
...                   background="#f4f1ec", card="#ffffff")
>>> contrast(dark.brand, dark.card) >= 4.5
True
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "SAVING_COLOR",
    "TEXT_CONTRAST",
    "UI_CONTRAST",
    "DarkTheme",
    "contrast",
    "dark_theme",
    "luminance",
    "mix",
    "readable",
]

#: WCAG AA for text (1.4.3): 4.5:1 against what it is drawn on.
TEXT_CONTRAST = 4.5
#: WCAG AA for the parts of an interface that are not text (1.4.11), such as a rule.
UI_CONTRAST = 3.0
#: The green the built-in designs print a saving in, on their light card.
SAVING_COLOR = "#1e7b34"

# The lightness (HLS) of the dark surfaces: the page, and the card on it, a
# little lighter, as a raised surface is in a dark interface.
_PAGE_LIGHTNESS = 0.07
_CARD_LIGHTNESS = 0.12
_QUOTE_LIGHTNESS = 0.16
# Dark surfaces keep a hint of the light ones' hue, never their full colour.
_SURFACE_SATURATION = 0.2
# Text starts near white, muted text a step down, before any is checked.
_TEXT_LIGHTNESS = 0.92
_MUTED_LIGHTNESS = 0.7
_TEXT_SATURATION = 0.12


def _rgb(color: str) -> tuple[float, float, float]:
    """``#5b3cc4`` or ``#53c`` as red, green and blue from 0 to 1."""
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in (red, green, blue))


def luminance(color: str) -> float:
    """The relative luminance of *color* (WCAG 2): 0 for black, 1 for white."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _rgb(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(color: str, other: str, amount: float) -> str:
    """*color* with *amount* (0 to 1) of *other* mixed in."""
    return _hex(*(a + (b - a) * amount for a, b in zip(_rgb(color), _rgb(other), strict=True)))


def readable(
    color: str, *backgrounds: str, ratio: float = TEXT_CONTRAST, toward: str = "#ffffff"
) -> str:
    """*color*, mixed toward *toward* (white) as little as it takes to reach *ratio* against
    every one of *backgrounds*; *color* itself when it already does.

    With white and dark backgrounds this always succeeds: white has more than
    12:1 against any of the dark surfaces of :func:`dark_theme`.
    """
    for step in range(101):
        candidate = mix(color, toward, step / 100)
        if all(contrast(candidate, background) >= ratio for background in backgrounds):
            return candidate
    return toward


def _shade(color: str, lightness: float, saturation: float) -> str:
    """*color*'s hue at *lightness*, its saturation at most *saturation* (HLS)."""
    hue, _, own = colorsys.rgb_to_hls(*_rgb(color))
    return _hex(*colorsys.hls_to_rgb(hue, lightness, min(own, saturation)))


@dataclass(frozen=True)
class DarkTheme:
    """The colours of an email in dark mode, derived from the merchant's light
    :class:`~delightmail.models.Theme` (``theme.dark``): the same hues, on dark
    surfaces, every text at 4.5:1 or more against what it is printed on."""

    #: The page behind the card: the light background's hue, nearly black.
    background: str
    #: The card the email is printed on, a little lighter than the page.
    card: str
    #: Body text, near white.
    text: str
    #: Headings of sections, small print and the footer.
    muted: str
    #: The brand colour, lightened until it reads on the card and the page: the greeting, links.
    brand: str
    #: The accent (a quote's rule), at 3:1 against the quote's background.
    accent: str
    #: A saving (a discount), the designs' green lightened as the brand is.
    saving: str
    #: The background of a quote (the gift message, the customer's note).
    quote: str
    #: Thin rules between the lines of the order.
    rule: str


@lru_cache(maxsize=256)
def dark_theme(
    *, brand: str, accent: str, text: str, muted: str, background: str, card: str
) -> DarkTheme:
    """The dark-mode palette of a light theme given by its colours.

    The surfaces keep a hint of the light ones' hue; the text colours keep their
    own hues, light. Each text colour is then lightened as little as it takes
    to reach 4.5:1 against every surface it is printed on (the card, the page,
    a quote), and the accent 3:1 against a quote: the brand colour as it is
    when it already reads on the dark card.
    """
    page = _shade(background, _PAGE_LIGHTNESS, _SURFACE_SATURATION)
    surface = _shade(card, _CARD_LIGHTNESS, _SURFACE_SATURATION)
    quote = _shade(card, _QUOTE_LIGHTNESS, _SURFACE_SATURATION)
    # Body text is printed on all three; the others on the card and the page (the
    # header and the footer sit on the page), a saving on the card alone.
    body = readable(_shade(text, _TEXT_LIGHTNESS, _TEXT_SATURATION), page, surface, quote)
    return DarkTheme(
        background=page,
        card=surface,
        text=body,
        muted=readable(_shade(muted, _MUTED_LIGHTNESS, _TEXT_SATURATION), page, surface),
        brand=readable(brand, page, surface),
        accent=readable(accent, quote, ratio=UI_CONTRAST),
        saving=readable(SAVING_COLOR, surface),
        quote=quote,
        rule=mix(surface, body, 0.2),
    )
