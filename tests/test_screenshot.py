"""The emails as Chromium draws them (the browser ``delightmail screenshot`` drives).

Images off, as Outlook shows an email by default; dark mode; right to left; a
phone's 375 pixels. Each test measures what a reader would see with
``page.evaluate``. One browser serves the module, each test a page or two.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result

from delightmail import Mailer, Merchant
from delightmail.cli import cli
from delightmail.preview import dark_html
from delightmail.screenshot import chromium_path

from .conftest import EXAMPLES, FIXTURES, ORDER_FILES, load

T = TypeVar("T")
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


# -- screenshots in bulk: many orders, widths, schemes and scales in one browser ---------

MERCHANT = EXAMPLES / "merchant.json"
BULK_ORDERS = (ORDER_FILES[0], ORDER_FILES[1])
BULK_WIDTHS = (375, 600)
BULK_SCHEMES = ("light", "dark")
BULK_SCALES = (1, 2)
#: The top of each screenshot, in CSS pixels, whose pixels are decoded and weighed: the
#: whole of a 2× PNG is millions of pixels, too many to unfilter in pure Python quickly.
BAND = 300


def aside(fn: Callable[[], T]) -> T:
    """*fn*'s result, run in a thread of its own: Playwright's sync API runs one session
    a thread, and this module's shared browser holds this one's."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def run(*args: str | Path) -> Result:
    """``delightmail ARGS`` in-process (in a thread aside), stdout and stderr apart."""
    return aside(lambda: CliRunner().invoke(cli, [str(a) for a in args]))


@contextmanager
def counted_launches() -> Iterator[list[int]]:
    """Count every Chromium that Playwright launches while in the block (one item each)."""
    from playwright.sync_api import BrowserType

    launches: list[int] = []
    real = BrowserType.launch

    def launch(self: Any, *args: Any, **kwargs: Any) -> Any:
        launches.append(1)
        return real(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BrowserType, "launch", launch)
        yield launches


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from a PNG's signature and IHDR header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def png_rows(data: bytes, limit: int) -> tuple[int, list[bytearray]]:
    """The bytes per pixel and the first *limit* rows of an 8-bit RGB(A) PNG, unfiltered."""
    width, height = png_size(data)
    depth, color, _, _, interlace = data[24:29]
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    bpp = 3 if color == 2 else 4
    idat, pos = bytearray(), 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += length + 12
    stride = width * bpp
    raw = zlib.decompressobj().decompress(bytes(idat), (stride + 1) * limit)
    # "Up" (the commonest filter) is a bytewise sum: done on whole rows as big integers.
    high = int.from_bytes(b"\x80" * stride, "big")
    low = int.from_bytes(b"\x7f" * stride, "big")
    rows: list[bytearray] = []
    prior = bytearray(stride)
    for y in range(min(height, limit)):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            x, p = int.from_bytes(line, "big"), int.from_bytes(prior, "big")
            line = bytearray((((x & low) + (p & low)) ^ ((x ^ p) & high)).to_bytes(stride, "big"))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prior[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                left, corner = (line[i - bpp], prior[i - bpp]) if i >= bpp else (0, 0)
                line[i] = (line[i] + _paeth(left, prior[i], corner)) & 255
        else:
            assert kind == 0, f"row {y}: filter {kind}"
        rows.append(line)
        prior = line
    return bpp, rows


def mean_luminance(data: bytes, limit: int) -> float:
    """The mean relative luminance (0 black, 1 white; Rec. 709 weights on the stored
    values) of the first *limit* rows of pixels of a PNG."""
    bpp, rows = png_rows(data, limit)
    total = sum(
        0.2126 * sum(row[0::bpp]) + 0.7152 * sum(row[1::bpp]) + 0.0722 * sum(row[2::bpp])
        for row in rows
    )
    return total / (255 * len(rows) * (len(rows[0]) // bpp))


@dataclass(eq=False)  # hashed by identity, for its cache
class Bulk:
    """One run of ``delightmail screenshot`` over 2 orders × 2 widths × 2 schemes × 2
    scales, with a broken order between the two."""

    result: Result
    folder: Path
    broken: Path
    launches: int

    @functools.cache  # noqa: B019 (one Bulk a module)
    def luminance(self, name: str) -> float:
        """The mean luminance of the top BAND CSS pixels of the PNG *name*."""
        data = (self.folder / name).read_bytes()
        return mean_luminance(data, BAND * int(name[-6]))


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> Bulk:
    """The bulk run, made once for this module's tests, Chromium's launches counted."""
    root = tmp_path_factory.mktemp("shots")
    broken = root / "broken.json"
    broken.write_text('{"number": "#1", "lines": []}', encoding="utf-8")
    orders = (BULK_ORDERS[0], broken, BULK_ORDERS[1])
    args: list[str | Path] = ["screenshot", *orders, "--merchant", MERCHANT, "-o", root / "out"]
    args += ["--width", "375", "--width", "600", "--scheme", "light", "--scheme", "dark"]
    args += ["--scale", "1", "--scale", "2"]
    with counted_launches() as launches:
        result = run(*args)
    return Bulk(result, root / "out", broken, len(launches))


def bulk_name(order: Path, width: int, scheme: str, scale: int) -> str:
    return f"{order.stem}-{width}-{scheme}@{scale}x.png"


BULK_NAMES = [
    bulk_name(order, width, scheme, scale)
    for order in BULK_ORDERS
    for width in BULK_WIDTHS
    for scheme in BULK_SCHEMES
    for scale in BULK_SCALES
]


def test_bulk_writes_every_shot_once_by_name(bulk: Bulk) -> None:
    """2 good orders × 2 widths × 2 schemes × 2 scales are 16 PNGs named
    <order>-<width>-<scheme>@<scale>x.png, each listed once on stdout, nothing else in the
    folder (no temporary file); the broken order between them is one error line naming its
    file, the summary line counts shots, orders, time and the failure, and the exit is 2."""
    assert bulk.result.exit_code == 2, bulk.result.output
    assert len(BULK_NAMES) == 16
    assert sorted(path.name for path in bulk.folder.iterdir()) == sorted(BULK_NAMES)
    listed = sorted(bulk.result.stdout.splitlines())
    assert listed == sorted(str(bulk.folder / name) for name in BULK_NAMES)
    error, *problems, summary = bulk.result.stderr.splitlines()
    assert error == f"error: {bulk.broken}: invalid Order (4 problems):"
    assert "  currency: Field required" in problems and len(problems) == 4
    assert re.fullmatch(
        rf"took 16 screenshots of 2 of 3 orders into {re.escape(str(bulk.folder))}/ in "
        r"[\d.]+ s, [\d.]+ s a screenshot; 1 failed",
        summary,
    ), summary


def test_bulk_is_one_browser(bulk: Bulk) -> None:
    """The whole run of 16 screenshots launches Chromium once."""
    assert bulk.launches == 1


@pytest.mark.parametrize("order", BULK_ORDERS, ids=[path.stem for path in BULK_ORDERS])
def test_bulk_pngs_are_width_times_scale_wide(bulk: Bulk, order: Path) -> None:
    """Each PNG is width × scale pixels wide and the whole email tall (more than the
    800 px viewport); a 2× shot is the 1× one drawn twice as densely: twice as tall (to
    1 %, text laid out at 2× is not exactly twice as tall), and as bright over the same
    top band."""
    for width in BULK_WIDTHS:
        for scheme in BULK_SCHEMES:
            one, two = (bulk_name(order, width, scheme, scale) for scale in BULK_SCALES)
            (w1, h1), (w2, h2) = (png_size((bulk.folder / n).read_bytes()) for n in (one, two))
            assert (w1, w2) == (width, 2 * width)
            assert h1 > 800 and abs(h2 - 2 * h1) <= 0.01 * h2, (h1, h2)
            assert abs(bulk.luminance(one) - bulk.luminance(two)) < 0.03, (one, two)


@pytest.mark.parametrize("order", BULK_ORDERS, ids=[path.stem for path in BULK_ORDERS])
def test_bulk_dark_shots_are_darker(bulk: Bulk, order: Path) -> None:
    """At each width and scale the dark shot's pixels are far darker than the light
    one's: the email's own dark-mode styles applied, in the same page."""
    for width in BULK_WIDTHS:
        for scale in BULK_SCALES:
            light, dark = (bulk.luminance(bulk_name(order, width, s, scale)) for s in BULK_SCHEMES)
            assert light > 0.8 and dark < 0.3, (width, scale, light, dark)


def test_broken_lines_are_named_and_no_browser_starts(tmp_path: Path) -> None:
    """In a .jsonl whose orders are all broken, each is one error line naming the file and
    line, the summary counts them, the exit code is 2, and no Chromium is started."""
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"number": "#1"}\n\n{not json\n', encoding="utf-8")
    with counted_launches() as launches:
        result = run("screenshot", batch, "--merchant", MERCHANT, "-o", tmp_path / "out",
                     "--width", "375", "--dark")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    first, *_, second, summary = result.stderr.splitlines()
    assert first.startswith(f"error: {batch}, line 1: invalid Order")
    assert second.startswith(f"error: {batch}, line 3: invalid JSON at column 2")
    assert summary.startswith("took 0 screenshots of 0 of 2 orders into ")
    assert summary.endswith("; 2 failed")
    assert launches == [] and not (tmp_path / "out").exists()


def test_chromium_failing_mid_run_leaves_whole_files(tmp_path: Path) -> None:
    """A page that fails at an order's second shot costs that order (named, exit 1), not
    the next one; a browser that dies stops the run. Every PNG written is whole, and no
    temporary file is left."""
    from playwright.sync_api import Error, Page

    real = Page.screenshot
    calls: list[int] = []

    def flaky(self: Page, **kwargs: Any) -> bytes:
        calls.append(1)
        if len(calls) == 2:  # the first order's second shot
            raise Error("Target crashed")
        if len(calls) == 5:  # the third order's first: Chromium is gone
            self.context.browser.close()  # type: ignore[union-attr]
        return real(self, **kwargs)

    one, two, three = (ORDER_FILES[i] for i in (0, 1, 2))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Page, "screenshot", flaky)
        result = run("screenshot", one, two, three, *ORDER_FILES[3:], "--merchant", MERCHANT,
                     "-o", tmp_path / "out", "--width", "375,600")  # fmt: skip
    assert result.exit_code == 1, result.output
    first, second = result.stderr.splitlines()
    assert first == f"error: {one}: Chromium failed: Target crashed"
    assert second.startswith("error: Chromium failed: ")
    files = sorted((tmp_path / "out").iterdir())
    assert [path.name for path in files] == [
        f"{one.stem}-375-light@1x.png", f"{two.stem}-375-light@1x.png",
        f"{two.stem}-600-light@1x.png",
    ]  # fmt: skip
    for path in files:
        assert png_size(path.read_bytes())[0] in (375, 600)
        assert path.read_bytes().endswith(b"IEND\xaeB`\x82")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--width", "375,600"], "one PNG holds one order at one --width, --scheme and --scale"),
        (["--scale", "1", "--scale", "2"], "one PNG holds one order"),
        (["--scheme", "light", "--dark"], "one PNG holds one order"),
        (["--width", "5000"], "5000 is not between 200 and 1920"),
        (["--width", "wide"], "'wide' is not a width in pixels"),
    ],
    ids=["two-widths", "two-scales", "two-schemes", "too-wide", "not-a-number"],
)
def test_a_shot_that_cannot_be_is_one_line_and_exit_2(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    """-o FILE.png with more than one shot asked for, or a width out of range, is one line
    of bad input before any browser starts: exit 2, nothing written."""
    with counted_launches() as launches:
        result = run("screenshot", ORDER_FILES[0], "--merchant", MERCHANT,
                     "-o", tmp_path / "x.png", *extra)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert launches == [] and list(tmp_path.iterdir()) == []


def test_a_shooter_reuses_a_page_per_scale(browser: Any, mailers: dict[str, Mailer]) -> None:
    """The API: a Shooter (here on the module's browser) yields every scale × width ×
    scheme in order, from one page per scale, and refuses what it cannot shoot."""
    from delightmail.screenshot import Shooter

    html = mailers["receipt"].render(load(ORDER_FILES[0])).html
    with Shooter(browser=browser) as shooter:
        shots = list(shooter.shots(html, widths=(320, 375), schemes=("dark",), scales=(1, 2)))
        pages = {id(page) for page in shooter._pages.values()}
        with pytest.raises(ValueError, match="scheme 'sepia'"):
            list(shooter.shots(html, schemes=("sepia",)))
        with pytest.raises(ValueError, match="width 5000"):
            shooter.shoot(html, width=5000)
    assert [(s.width, s.scheme, s.scale) for s in shots] == [
        (320, "dark", 1), (375, "dark", 1), (320, "dark", 2), (375, "dark", 2),
    ]  # fmt: skip
    assert [png_size(s.png)[0] for s in shots] == [320, 375, 640, 750]
    assert len(pages) == 2
    assert browser.contexts == []  # its contexts closed, the browser left running


def test_an_emails_script_does_not_run(browser: Any) -> None:
    """As in every email client, a script in the email does nothing to its screenshot:
    the page stays the 1,000 px the markup says, not the 3,000 px the script asks."""
    from delightmail.screenshot import Shooter

    html = (
        '<body style="margin:0"><div style="height:1000px;background:#fff"></div>'
        '<script>document.body.style.height = "3000px";</script></body>'
    )
    with Shooter(browser=browser) as shooter:
        assert png_size(shooter.shoot(html, width=375)) == (375, 1000)


def test_screenshot_shoots_one_in_a_browser_of_its_own(mailers: dict[str, Mailer]) -> None:
    """screenshot() still shoots one PNG, launching (and closing) a Chromium for it."""
    from delightmail.screenshot import screenshot

    html = mailers["postcard"].render(load(ORDER_FILES[0])).html
    with counted_launches() as launches:
        png = aside(lambda: screenshot(html, width=375, dark=True, scale=2))
    assert len(launches) == 1
    assert png_size(png)[0] == 750
    assert mean_luminance(png, 2 * BAND) < 0.3
