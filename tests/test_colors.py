"""Colours: WCAG contrast, and the dark-mode palette derived from a merchant's theme."""

from __future__ import annotations

import colorsys
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delightmail import Mailer
from delightmail.colors import SAVING_COLOR, DarkTheme, contrast, dark_theme, mix, readable
from delightmail.models import Theme

_COLOR = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#ffffff", "#000000", 21.0), ("#777777", "#ffffff", 4.48), ("#5b3cc4", "#5b3cc4", 1.0)],
    ids=["black-on-white", "grey-just-short", "the-same"],
)
def test_contrast_is_the_wcag_ratio(first: str, second: str, ratio: float) -> None:
    """The ratio WCAG 2 defines, whichever colour is the lighter."""
    assert contrast(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast(second, first) == pytest.approx(ratio, abs=0.01)


def _readable_everywhere(dark: DarkTheme) -> list[str]:
    """What in *dark* falls short of WCAG AA against what it is printed on."""
    wants = [
        ("text", dark.text, (dark.card, dark.background, dark.quote), 4.5),
        ("muted", dark.muted, (dark.card, dark.background), 4.5),
        ("brand", dark.brand, (dark.card, dark.background), 4.5),
        ("saving", dark.saving, (dark.card,), 4.5),
        ("accent", dark.accent, (dark.quote,), 3.0),
    ]
    return [
        f"{name} {color} on {surface}: {contrast(color, surface):.2f}"
        for name, color, surfaces, ratio in wants
        for surface in surfaces
        if contrast(color, surface) < ratio
    ]


def _hue(color: str) -> float:
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(red, green, blue)[0] * 360


def _dark_surfaces(dark: DarkTheme) -> bool:
    return all(contrast(surface, "#000000") < 1.6 for surface in (dark.background, dark.card))


@settings(max_examples=300, deadline=None)
@given(brand=_COLOR)
def test_a_brand_colour_reads_in_dark_mode_and_keeps_its_hue(brand: str) -> None:
    """Whatever the brand colour, its dark-mode version reads at 4.5:1 on the dark card and
    page, and is the same hue, lightened (as it is, when it already reads)."""
    dark = Theme(brand_color=brand).dark
    assert _readable_everywhere(dark) == []
    assert _dark_surfaces(dark)
    red, green, blue = (int(brand[i : i + 2], 16) for i in (1, 3, 5))
    if max(red, green, blue) - min(red, green, blue) > 40:  # a colour, not a grey
        assert abs((_hue(dark.brand) - _hue(brand) + 180) % 360 - 180) < 4
    if contrast(brand, dark.card) >= 4.5 and contrast(brand, dark.background) >= 4.5:
        assert dark.brand == brand


@settings(max_examples=200, deadline=None)
@given(brand=_COLOR, accent=_COLOR, text=_COLOR, muted=_COLOR, background=_COLOR, card=_COLOR)
def test_any_theme_gets_a_readable_dark_palette(
    brand: str, accent: str, text: str, muted: str, background: str, card: str
) -> None:
    """Every colour of any light theme (even an odd one) becomes a dark palette whose
    every text has WCAG AA contrast on every surface it is printed on."""
    dark = dark_theme(
        brand=brand, accent=accent, text=text, muted=muted, background=background, card=card
    )
    assert _readable_everywhere(dark) == []
    assert _dark_surfaces(dark)
    assert contrast(dark.card, "#000000") > contrast(dark.background, "#000000")  # raised


def test_readable_lightens_as_little_as_it_takes() -> None:
    """The brand is mixed with white one step at a time: one step less would not do."""
    card = "#1f1f1f"
    found = readable("#5b3cc4", card)
    assert contrast(found, card) >= 4.5
    step = next(s for s in range(101) if mix("#5b3cc4", "#ffffff", s / 100) == found)
    assert step > 0 and contrast(mix("#5b3cc4", "#ffffff", (step - 1) / 100), card) < 4.5
    assert readable("#ffffff", card) == "#ffffff"
    assert readable(SAVING_COLOR, card) != SAVING_COLOR


@pytest.mark.parametrize("design", ["postcard", "receipt"])
def test_the_dark_styles_are_the_merchants_own(
    merchant_data: dict[str, Any], order_data: dict[str, Any], design: str
) -> None:
    """Two merchants with two brand colours get two dark palettes in their emails' dark
    CSS, each derived from their own theme; none of it is hard-coded."""
    darks = []
    for brand in ("#5b3cc4", "#0a7d32"):
        merchant = {**merchant_data, "theme": {"brand_color": brand}}
        html = Mailer(merchant, template=design).render(order_data).html
        media = html[html.index("prefers-color-scheme: dark") :]
        media = media[: media.index("</style>")]
        dark = Theme(brand_color=brand).dark
        for color in (dark.background, dark.card, dark.text, dark.muted, dark.rule):
            assert color in media
        darks.append(set(re.findall(r"#[0-9a-f]{6}", media)))
        assert "#121212" not in media and "#c9bbff" not in media
    assert darks[0] != darks[1]
    assert Theme(brand_color="#0a7d32").dark.brand in darks[1]  # its links
