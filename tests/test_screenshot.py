"""The emails as Chromium draws them (the browser ``delightmail screenshot`` drives).

Images off, as Outlook shows an email by default; dark mode; right to left; a
phone's 375 pixels. Each test measures what a reader would see with
``page.evaluate``. One browser serves the module, each test a page or two.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from delightmail import Mailer, Merchant
from delightmail.preview import dark_html
from delightmail.screenshot import chromium_path

from .conftest import FIXTURES, ORDER_FILES, load

DESIGNS = ["postcard", "receipt"]
#: A product name no thumbnail could hold, with a word no line can break.
LONG_NAME = "Supercalifragilisticexpialidocious: The Complete Harborside Sessions Box"

pytestmark = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium is not installed (make system-deps installs it)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, shared by this module's tests."""
    from playwright.sync_api import sync_playwright

    from delightmail.screenshot import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def mailers(merchant: Merchant) -> dict[str, Mailer]:
    """A mailer for each design, with an Arabic catalog of yours beside the built-in ones."""
    return {d: Mailer(merchant, d, locale_dirs=(FIXTURES / "locale",)) for d in DESIGNS}


@contextmanager
def opened(browser: Any, html: str, *, width: int = 375, dark: bool = False) -> Iterator[Any]:
    """*html* in a page *width* pixels wide, light or dark, with nothing fetched: every
    image shows its alt text, as where images are off."""
    context = browser.new_context(
        viewport={"width": width, "height": 800}, color_scheme="dark" if dark else "light"
    )
    try:
        page = context.new_page()
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        yield page
    finally:
        context.close()


def many_items() -> dict[str, Any]:
    """The five-line example, every line with a picture, one with a very long name."""
    data: dict[str, Any] = load(ORDER_FILES[1])
    for number, line in enumerate(data["lines"]):
        line["image_url"] = f"https://groove-harbor.example.com/img/{number}.jpg"
    data["lines"][1]["name"] = LONG_NAME
    return data


_THUMBNAILS = """() => [...document.querySelectorAll("table.items tr")].map(row => {
    const [thumb, name, price] = row.cells;
    const img = thumb.querySelector("img").getBoundingClientRect();
    const words = document.createRange();
    words.selectNodeContents(name.querySelector("strong"));
    const end = Math.max(...[...words.getClientRects()].map(r => r.right));
    const amount = price.getBoundingClientRect().left
        + parseFloat(getComputedStyle(price).paddingLeft);
    return {thumb: thumb.getBoundingClientRect().width, img: [img.width, img.height],
            name: name.getBoundingClientRect().left, gap: amount - end};
})"""


@pytest.mark.parametrize("design", DESIGNS)
def test_images_off_keep_thumbnails_small_and_say_nothing_twice(
    browser: Any, mailers: dict[str, Mailer], design: str
) -> None:
    """With images off at 375 px, no alt text is crammed into a thumbnail (the name is
    beside it): each stays within its 56 × 56 px, its cell 56 px and a 12 px gap wide, a
    long name does not stretch it, every name starts in line, at least 12 px short of its
    price, and nothing is wider than the phone."""
    with opened(browser, mailers[design].render(many_items()).html) as page:
        rows = page.evaluate(_THUMBNAILS)
        assert len(rows) == 5
        for row in rows:
            assert row["thumb"] <= 68 and max(row["img"]) <= 56, row
            assert row["gap"] >= 12, row
        assert len({round(row["name"]) for row in rows}) == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


_LOGO_CONTRAST = """() => {
    const rgb = text => text.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => [r, g, b].map(v => v / 255)
        .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const img = document.querySelector("img");
    let behind = img.parentElement, background = null;
    for (; behind && !background; behind = behind.parentElement) {
        const color = rgb(getComputedStyle(behind).backgroundColor);
        if (color.length < 4 || color[3] > 0) background = color;
    }
    const [a, b] = [luminance(rgb(getComputedStyle(img).color)), luminance(background)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("design", DESIGNS)
def test_the_logos_alt_text_reads_in_dark_mode(
    browser: Any, mailers: dict[str, Mailer], design: str
) -> None:
    """With images off in dark mode, the logo's alt text (the shop's name) has 4.5:1
    contrast on the page behind it: in a client's dark mode, and in the preview's."""
    html = mailers[design].render(load(ORDER_FILES[0])).html
    with opened(browser, html, width=600, dark=True) as page:
        assert page.evaluate(_LOGO_CONTRAST) >= 4.5
    with opened(browser, dark_html(html), width=600) as page:
        assert page.evaluate(_LOGO_CONTRAST) >= 4.5


_SIDES = """() => {
    const box = el => el.getBoundingClientRect();
    const row = document.querySelector("table.items tr");
    const [thumb, name, price] = [...row.cells].map(box);
    const total = document.querySelector("table.totals tr.grand");
    const [label, amount] = [...total.cells].map(box);
    const h1 = document.querySelector("h1"), cell = h1.closest("td");
    const words = document.createRange();
    words.selectNodeContents(h1);
    const quote = getComputedStyle(document.querySelector(".quote"));
    return {thumb: [thumb.left, thumb.right], name: [name.left, name.right],
            price: [price.left, price.right], label: label.left, amount: amount.left,
            h1Right: Math.max(...[...words.getClientRects()].map(r => r.right)),
            textRight: box(cell).right - parseFloat(getComputedStyle(cell).paddingRight),
            h1Align: getComputedStyle(h1).textAlign,
            quote: [parseFloat(quote.borderLeftWidth), parseFloat(quote.borderRightWidth)]};
}"""


@pytest.mark.parametrize("design", DESIGNS)
def test_right_to_left_is_mirrored(browser: Any, mailers: dict[str, Mailer], design: str) -> None:
    """In Arabic at 600 px the columns run right to left: the thumbnail rightmost, the
    amounts on the left of the names (and of the totals' labels), the greeting ending on
    the right margin, a quote's rule on its right."""
    data = {**many_items(), "locale": "ar_EG"}
    with opened(browser, mailers[design].render(data).html, width=600) as page:
        sides = page.evaluate(_SIDES)
    assert sides["price"][1] <= sides["name"][0] <= sides["name"][1] <= sides["thumb"][0]
    assert sides["amount"] < sides["label"]
    assert sides["h1Align"] == "right"
    assert abs(sides["h1Right"] - sides["textRight"]) < 2
    assert sides["quote"][0] == 0 and sides["quote"][1] >= 2


@pytest.mark.parametrize("design", DESIGNS)
def test_the_phone_number_stays_on_one_line_on_a_phone(
    browser: Any, mailers: dict[str, Mailer], design: str
) -> None:
    """At 375 px the shop's phone number is one link on one line, never broken mid-number."""
    with opened(browser, mailers[design].render(load(ORDER_FILES[0])).html) as page:
        lines = page.evaluate(
            """() => [...document.querySelector('a[href^="tel:"]').getClientRects()]
                .map(r => Math.round(r.top))"""
        )
    assert len(set(lines)) == 1
