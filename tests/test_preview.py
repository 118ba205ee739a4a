"""The live preview: the gallery, its server, and the page in real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from delightmail import preview as preview_module
from delightmail.cli import cli
from delightmail.preview import Gallery, PreviewServer, dark_html, render_page
from delightmail.screenshot import chromium_path

from .conftest import copy_templates, edit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MERCHANT = EXAMPLES / "merchant.json"
HOSTILE = "<script>alert('x')</script>"

needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="Chromium is not installed (make system-deps installs it)"
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A tmp folder with orders/ (two examples), merchant.json and templates/ (a copy of
    the built-in designs, layout and partials)."""
    orders = tmp_path / "orders"
    orders.mkdir()
    for name in ("01-one-item.json", "03-eur-discount-two-taxes.json"):
        shutil.copy(EXAMPLES / "orders" / name, orders / name)
    shutil.copy(MERCHANT, tmp_path / "merchant.json")
    copy_templates(tmp_path)
    return tmp_path


def gallery_of(site: Path, **options: Any) -> Gallery:
    """The site's gallery; of the postcard design alone unless *templates* says more."""
    options.setdefault("templates", ("postcard",))
    return Gallery(
        site / "orders",
        site / "merchant.json",
        template_dirs=(site / "templates",),
        **options,
    )


@pytest.fixture
def server(site: Path) -> Iterator[PreviewServer]:
    """A running preview of the tmp site, on a free port."""
    with PreviewServer(gallery_of(site), port=0) as running:
        yield running


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read().decode("utf-8")


# -- the gallery ----------------------------------------------------------------------


def test_gallery_is_orders_times_templates_times_locales(site: Path) -> None:
    """Each order is shown with each template in each locale asked for."""
    (site / "templates" / "postcard").rename(site / "templates" / "calm")
    gallery = gallery_of(site, locales=("en_US", "de_DE"), templates=())  # every design
    entries = gallery.entries()
    assert [(e.order, e.template, e.locale) for e in entries] == [
        (order, template, locale)
        for order in ("01-one-item", "03-eur-discount-two-taxes")
        for template in ("calm", "postcard", "receipt")
        for locale in ("en_US", "de_DE")
    ]
    german = gallery.render(entries[1])
    assert german.email is not None and german.report is not None
    assert "Sonntag" in german.email.text  # the locale replaces the order's own


def test_gallery_shows_the_languages_of_your_catalogs(site: Path) -> None:
    """With locale_dirs, a locale of your catalogs is shown in its language; the folder
    is watched, so that an edit to a catalog refreshes the page."""
    locale_dir = EXAMPLES / "locale"
    gallery = gallery_of(site, locales=("fr_FR",), locale_dirs=(locale_dir,))
    french = gallery.render(gallery.entries()[0])
    assert french.email is not None and french.email.subject == "Commande #1001"
    assert locale_dir in gallery.watch_paths()


def test_gallery_tells_the_stories_of_the_merchants_own_packs(site: Path) -> None:
    """--packs: the merchant's own story lines show in the preview, and edits to them are
    watched."""
    packs = site / "packs"
    packs.mkdir()
    (packs / "playful.toml").write_text(
        '[pack]\ntone = "playful"\n[lines]\njourney = [{ text = "Otis hums to {{ items.acc }}'
        ' in the packing room.", shipping = "shipped" }]\n',
        encoding="utf-8",
    )
    gallery = gallery_of(site, pack_dirs=(packs,), tones=("playful",))
    [first, *_] = [gallery.render(entry) for entry in gallery.entries()]
    assert first.email is not None, first.error
    assert "Otis hums to" in first.email.text
    assert packs in gallery.watch_paths()


def test_gallery_reads_platform_payloads(site: Path) -> None:
    """--from shopify: the orders are Shopify webhook bodies, read by its adapter (leniently:
    the platform's totals, as the webhook receiver confirms them)."""
    from .conftest import SAMPLES

    orders = site / "shopify"
    orders.mkdir()
    for name in (
        "rest-docs-2026-07-get-order-450789469.json",
        "python-api-fixture-order-1001.json",
    ):
        shutil.copy(SAMPLES / "shopify" / name, orders / name)
    gallery = Gallery(orders, site / "merchant.json", templates=("postcard",), platform="shopify")
    results = [gallery.render(entry) for entry in gallery.entries()]
    assert [r.error for r in results] == ["", ""]
    assert any("409.94" in r.email.text for r in results if r.email)  # what Shopify charged
    # Without --from, such a body is not delightmail's JSON: an error card, not a crash.
    plain = Gallery(orders, site / "merchant.json", templates=("postcard",))
    assert all(r.error for r in (plain.render(e) for e in plain.entries()))


def test_gallery_jsonl_lines_are_entries(site: Path) -> None:
    """A JSON Lines file in the folder gives one entry per order line."""
    text = (site / "orders" / "01-one-item.json").read_text().replace("\n", "")
    (site / "orders" / "batch.jsonl").write_text(f"{text}\n\n{text}\n", encoding="utf-8")
    labels = [e.order for e in gallery_of(site).entries()]
    assert labels == ["01-one-item", "03-eur-discount-two-taxes", "batch-1", "batch-3"]
    assert all(gallery_of(site).render(e).email for e in gallery_of(site).entries())


def test_a_broken_template_is_an_error_card_naming_file_and_line(site: Path) -> None:
    """A template error shows in its card with file and line, not as a crash."""
    partial = site / "templates" / "partials" / "payment.txt.j2"
    edit(partial, "\n", "\n{% if %}\n")
    gallery = gallery_of(site)
    result = gallery.render(gallery.entries()[0])
    assert result.email is None
    assert result.error.startswith(f"{partial}, line 2: ")
    assert "line 2" in render_page([result], 1)


def test_page_escapes_everything_from_orders(site: Path) -> None:
    """A customer named like a script tag is shown as text in the subject, preheader and text."""
    order = json.loads((site / "orders" / "01-one-item.json").read_text())
    order["customer"]["first_name"] = HOSTILE
    (site / "orders" / "01-one-item.json").write_text(json.dumps(order), encoding="utf-8")
    gallery = gallery_of(site)
    page = render_page([gallery.render(e) for e in gallery.entries()], 1)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the page's own, nothing from the order


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            "<style>@media (prefers-color-scheme: dark) { a {} }</style>",
            "<style>@media (min-width: 0px) { a {} }</style>",
        ),
        (
            "<style>@media screen and (prefers-color-scheme:light) { a {} }</style>",
            "<style>@media screen and (max-width: 0px) { a {} }</style>",
        ),
        (
            "<html><head></head><body></body></html>",
            "<html><head><style>html{filter:invert(1) hue-rotate(180deg);background:#fff}"
            "img{filter:invert(1) hue-rotate(180deg)}</style></head><body></body></html>",
        ),
        (
            '<html><head><meta name="color-scheme" content="light dark">'
            "<style>@media (prefers-color-scheme: dark) { a {} }</style></head></html>",
            '<html><head><meta name="color-scheme" content="light dark">'
            "<style>@media (min-width: 0px) { a {} }</style>"
            "<style>:root{color-scheme:dark}</style></head></html>",
        ),
    ],
    ids=[
        "own-dark-css-applies",
        "light-only-css-is-off",
        "no-dark-css-is-inverted",
        "a-declared-dark-scheme-darkens-the-defaults",
    ],
)
def test_dark_html(html: str, expected: str) -> None:
    """Dark mode uses the email's own dark CSS (and, when the email declares a dark colour
    scheme, the client's dark defaults, as Apple Mail does), or inverts an email that has
    none."""
    assert dark_html(html) == expected


# -- the server -----------------------------------------------------------------------


def test_server_routes(server: PreviewServer) -> None:
    """The page, each email's HTML (scripts off) and text, the version; 404 for the rest."""
    status, _, page = get(server.url)
    assert status == 200 and page.count('<article class="card"') == 2
    query = "order=01-one-item&template=postcard&locale="
    status, headers, html = get(f"{server.url}email?{query}")
    assert status == 200 and html.startswith("<!doctype html>")
    assert headers["Content-Security-Policy"] == "script-src 'none'"
    status, headers, text = get(f"{server.url}text?{query}")
    assert headers["Content-Type"] == "text/plain; charset=utf-8" and "#1001" in text
    assert json.loads(get(f"{server.url}version")[2]) == {"version": 1}
    assert get(f"{server.url}email?order=nope&template=postcard")[0] == 404
    assert get(f"{server.url}nope")[0] == 404


def test_preview_command_serves_and_opens_the_browser(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """preview --port 0 --open prints the URL, opens it, and serves the gallery until stopped."""
    opened: list[str] = []
    pages: list[str] = []

    def wait(self: PreviewServer) -> None:
        pages.append(get(self.url)[2])
        raise KeyboardInterrupt  # what Ctrl+C does

    monkeypatch.setattr(PreviewServer, "wait", wait)
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = CliRunner().invoke(
        cli,
        ["preview", str(site / "orders"), "--port", "0", "--open",
         "--templates", str(site / "templates"), "--template", "postcard", "--locale", "en_GB"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = re.fullmatch(r"delightmail preview: (http://127\.0\.0\.1:\d+/)  \(Ctrl\+C to stop\)\n",
                       result.stdout)  # fmt: skip
    assert url is not None
    assert opened == [url.group(1)]
    assert pages[0].count('data-locale="en_GB"') == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "error: nowhere: no such file or folder"),
        ([str(EXAMPLES / "orders"), "--template", "nope"], "error: no template named 'nope'"),
        ([str(ROOT / "tests")], "error: no merchant: pass --merchant FILE"),
    ],
    ids=["no-orders", "unknown-template", "no-merchant"],
)
def test_preview_bad_input(args: list[str], message: str) -> None:
    """preview refuses a missing folder, an unknown template, a missing merchant: exit 2."""
    result = CliRunner().invoke(cli, ["preview", "--port", "0", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message)


# -- the page in Chromium -------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, shared by this module's tests."""
    if chromium_path() is None:
        pytest.skip("Chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    from delightmail.screenshot import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: PreviewServer) -> Iterator[Any]:
    """A fresh page on the preview, offline except for the preview itself."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(server.url)
    yield tab
    assert dialogs == []  # nothing from an order ever runs as a script
    context.close()


def _first_email(page: Any) -> Any:
    frame = page.frame_locator("article.card >> nth=0 >> iframe.email")
    frame.locator("h1").wait_for()
    return frame


@needs_chromium
def test_gallery_loads_in_chromium(page: Any, server: PreviewServer) -> None:
    """The gallery shows each email's subject, size and checks, and the email in its frame."""
    cards = page.locator("article.card")
    assert cards.count() == 2
    first = cards.nth(0)
    email = server.gallery.render(server.gallery.entries()[0]).email
    assert email is not None
    assert first.locator(".subject").inner_text() == email.subject
    assert first.locator(".preheader").inner_text() == email.preheader
    assert re.fullmatch(r"HTML \d+\.\d KB · text \d\.\d KB", first.locator(".size").inner_text())
    checks = first.locator(".checks").inner_text()
    assert re.fullmatch(r"all checks pass|0 errors, \d+ warnings", checks)
    assert _first_email(page).locator("h1").inner_text() == "Hi Sam!"


@needs_chromium
def test_mobile_toggle_narrows_the_email(page: Any) -> None:
    """Mobile shows the email 375px wide, desktop 600px; the email's own layout follows."""
    _first_email(page)
    frame = page.locator("iframe.email").first
    assert frame.bounding_box()["width"] == pytest.approx(602, abs=1)  # 600 + borders
    page.click("#width-mobile")
    assert frame.bounding_box()["width"] == pytest.approx(377, abs=1)
    inner = page.frames[1]
    assert inner.evaluate("window.innerWidth") == 375
    assert inner.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#width-desktop")
    assert frame.bounding_box()["width"] == pytest.approx(602, abs=1)


@needs_chromium
def test_text_tab_shows_the_text_part(page: Any, server: PreviewServer) -> None:
    """The Text tab swaps the HTML frame for the plain-text part, as sent."""
    page.click("#part-text")
    text = page.locator("article.card >> nth=0 >> pre.text")
    assert text.is_visible()
    assert not page.locator("iframe.email").first.is_visible()
    expected = get(f"{server.url}text?order=01-one-item&template=postcard&locale=")[2]
    assert text.inner_text().strip() == expected.strip()
    page.click("#part-html")
    assert not text.is_visible()


@needs_chromium
def test_the_text_part_is_shown_as_sent_without_wrapping(page: Any) -> None:
    """Every line of the text part is one line on screen, however narrow the card: its
    78 columns and its price columns as the customer's mail program shows them."""
    page.click("#part-text")
    for width in ("#width-mobile", "#width-desktop"):
        page.click(width)
        text = page.locator("article.card >> nth=0 >> pre.text")
        lines = text.inner_text().splitlines()
        line_height = float(text.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        padding = float(text.evaluate("e => parseFloat(getComputedStyle(e).paddingTop)")) * 2
        height = text.evaluate("e => e.clientHeight") - padding
        assert height == pytest.approx(len(lines) * line_height, abs=line_height)


@needs_chromium
def test_the_pressed_button_reads_in_both_schemes(page: Any) -> None:
    """The pressed toolbar button's text against its background: 4.5:1 at least, light and
    dark (white on the dark scheme's light purple was 2.5:1)."""

    def contrast() -> float:
        return float(
            page.evaluate(
                """() => {
                const b = document.querySelector('.group button[aria-pressed="true"]');
                const s = getComputedStyle(b);
                const linear = v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                const lum = c => {
                  const [r, g, bl] = c.match(/\\d+/g).slice(0, 3).map(v => linear(v / 255));
                  return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
                };
                const [a, z] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
                return (a + 0.05) / (z + 0.05);
            }"""
            )
        )

    assert contrast() >= 4.5
    page.click("#dark-on")
    assert page.evaluate("document.body.classList.contains('dark')")
    assert contrast() >= 4.5


@needs_chromium
def test_dark_toggle_shows_the_email_dark(page: Any) -> None:
    """Dark mode darkens the page and shows the email as a dark-mode client would."""
    _first_email(page)
    page.click("#dark-on")
    frame = page.locator("iframe.email").first
    assert frame.get_attribute("src").endswith("&dark=1")
    # The frame loads the dark version; read it from the page once it is there.
    # An email with its own dark-mode CSS turns dark by it; one without is inverted.
    page.wait_for_function(
        """() => {
            const doc = document.querySelector("iframe.email").contentDocument;
            if (!doc || !doc.URL.endsWith("&dark=1") || doc.readyState !== "complete") {
                return false;
            }
            if (getComputedStyle(doc.documentElement).filter.includes("invert(1)")) {
                return true;
            }
            const page = doc.querySelector(".dm-page") || doc.body;
            const rgb = getComputedStyle(page).backgroundColor.match(/\\d+/g).map(Number);
            return rgb[0] + rgb[1] + rgb[2] < 150;
        }"""
    )
    assert page.evaluate("document.body.classList.contains('dark')")


@needs_chromium
def test_editing_a_template_reloads_the_page_with_the_change(page: Any, site: Path) -> None:
    """Saving a template reloads the open page by itself, keeping the chosen view; a broken
    template shows its error there, and fixing it brings the email back."""
    _first_email(page)
    page.click("#width-mobile")
    template = site / "templates" / "partials" / "story.mjml.j2"
    source = template.read_text(encoding="utf-8")
    template.write_text(re.sub(r"<h1>.*?</h1>", "<h1>Howdy</h1>", source, count=1), "utf-8")
    frame = page.frame_locator("article.card >> nth=0 >> iframe.email")
    frame.locator("h1", has_text="Howdy").wait_for(timeout=10_000)
    assert page.evaluate("document.body.classList.contains('mobile')")

    edit(template, "<h1>Howdy", "<h1>{% if %}Howdy")
    failure = page.locator("article.card >> nth=0 >> .failure")
    failure.wait_for(timeout=10_000)
    assert f"{template}, line" in failure.inner_text()

    edit(template, "<h1>{% if %}Howdy", "<h1>Hello")
    frame.locator("h1", has_text="Hello").wait_for(timeout=10_000)


@needs_chromium
def test_a_new_order_file_appears_by_itself(page: Any, site: Path) -> None:
    """Dropping an order file into the folder adds its card to the open page."""
    assert page.locator("article.card").count() == 2
    shutil.copy(EXAMPLES / "orders" / "04-gift-with-message.json", site / "orders" / "04.json")
    page.locator("article.card >> nth=2").wait_for(timeout=10_000)
    assert page.locator("article.card").count() == 3


def test_module_exports() -> None:
    """The preview module's public names."""
    assert sorted(preview_module.__all__) == ["Entry", "Gallery", "PreviewServer", "Result"]


@needs_chromium
def test_a_hostile_order_is_shown_as_text_in_chromium(page: Any, site: Path) -> None:
    """A customer named like a script tag shows as text in the page, and no script runs."""
    order = json.loads((site / "orders" / "01-one-item.json").read_text())
    order["customer"]["first_name"] = HOSTILE
    (site / "orders" / "01-one-item.json").write_text(json.dumps(order), encoding="utf-8")
    subject = page.locator("article.card >> nth=0 >> .subject")
    subject.filter(has_text=HOSTILE).wait_for(timeout=10_000)
    assert HOSTILE in subject.inner_text()
    frame = page.frame_locator("article.card >> nth=0 >> iframe.email")
    assert frame.locator("h1").inner_text() == f"Hi {HOSTILE}!"


def test_a_foreign_host_gets_nothing(server: PreviewServer) -> None:
    """A request naming another host (DNS rebinding) is refused: the gallery, its emails
    and their customers' data are served only to 127.0.0.1:PORT and localhost:PORT."""
    port = server.url.rsplit(":", 1)[1].strip("/")
    for host, allowed in (
        (f"127.0.0.1:{port}", True),
        (f"localhost:{port}", True),
        ("evil.example", False),
        (f"evil.example:{port}", False),
        ("", False),
    ):
        request = urllib.request.Request(server.url, headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            with exc:
                status, body = exc.code, exc.read().decode("utf-8")
        assert (status == 200) == allowed, (host, status)
        assert ("Sam" in body) == allowed


def test_broken_order_files_are_cards_and_the_rest_still_shows(site: Path) -> None:
    """Unreadable, deep, huge and invalid files each show as one error card; the good
    orders render; the merchant file beside the orders is not an order."""
    orders = site / "orders"
    (orders / "binary.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    (orders / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (orders / "huge.json").write_text('{"n": ' + "9" * 5000 + "}", encoding="utf-8")
    (orders / "empty.json").write_text("", encoding="utf-8")
    shutil.copy(MERCHANT, orders / "merchant.json")
    gallery = Gallery(orders, orders / "merchant.json", template_dirs=(site / "templates",))
    results = [gallery.render(entry) for entry in gallery.entries()]
    by_order = {r.entry.order: r for r in results}
    assert "merchant" not in by_order
    assert by_order["01-one-item"].email is not None and by_order["03-eur-discount-two-taxes"].email
    for broken in ("binary-1", "deep", "huge", "empty"):
        assert by_order[broken].email is None and by_order[broken].error, broken
    assert "nested too deeply" in by_order["deep"].error
    page = render_page(results, 1)
    assert page.count("Sam") >= 1 and "nested too deeply" in page
