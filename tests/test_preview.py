"""The live preview: the gallery, its server, and the page in real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
import urllib.request
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from delightmail import preview as preview_module
from delightmail.cli import cli
from delightmail.preview import (
    Entry,
    Gallery,
    PreviewServer,
    SendSettings,
    dark_html,
    download_name,
    render_page,
)
from delightmail.screenshot import chromium_path

from .conftest import copy_templates, edit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MERCHANT = EXAMPLES / "merchant.json"
HOSTILE = "<script>alert('x')</script>"
HOSTILE_NAME = "<b onmouseover=alert(1)>x"  # a file name: no slash

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
    assert french.email is not None and "commande #1001" in french.email.subject.lower()
    assert "Sous-total" in french.email.text and 'lang="fr"' in french.email.html
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


def test_a_cancelled_order_is_shown_saying_so(site: Path) -> None:
    """An order no confirmation is true of (here a cancelled Shopify one) is shown as its
    email would read if sent anyway: its status said plainly, no story; not an error."""
    from .conftest import SAMPLES

    orders = site / "cancelled"
    orders.mkdir()
    shutil.copy(SAMPLES / "shopify" / "go-shopify-fixture-order-9999.json", orders)
    gallery = Gallery(orders, site / "merchant.json", templates=("postcard",), platform="shopify")
    [result] = [gallery.render(entry) for entry in gallery.entries()]
    assert result.error == "" and result.email is not None
    assert "This order has been cancelled." in result.email.text


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
    assert "line 2" in render_page(gallery.entries(), result, 1)


def test_page_escapes_everything_from_orders(site: Path) -> None:
    """A customer named like a script tag is shown as text in the subject, preheader and text."""
    order = json.loads((site / "orders" / "01-one-item.json").read_text())
    order["customer"]["first_name"] = HOSTILE
    (site / "orders" / "01-one-item.json").write_text(json.dumps(order), encoding="utf-8")
    hostile_file = site / "orders" / f"{HOSTILE_NAME}.json"
    shutil.copy(site / "orders" / "01-one-item.json", hostile_file)
    gallery = gallery_of(site)
    entries = gallery.entries()
    result = gallery.render(entries[0])
    assert result.email is not None
    with PreviewServer(gallery) as server:
        message = server.headers(result.email)
    page = render_page(entries, result, 1, message=message, token=HOSTILE, send_to=HOSTILE)
    assert HOSTILE not in page and HOSTILE_NAME not in page
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

QUERY = "order=01-one-item&template=postcard&locale=&tone="


def first_email(server: PreviewServer) -> Any:
    email = server.result(server.entries()[0]).email
    assert email is not None
    return email


def test_server_routes(server: PreviewServer) -> None:
    """The app page (the first email chosen), each email's HTML (scripts off; images off on
    request), text, downloads, the version; 404 for the rest."""
    status, headers, page = get(server.url)
    assert status == 200 and page.count('<li><a href="/?') == 2
    assert 'aria-current="page">postcard' in page and 'id="email"' in page
    status, headers, html = get(f"{server.url}email?{QUERY}")
    assert status == 200 and html.startswith("<!doctype html>")
    assert headers["Content-Security-Policy"] == "script-src 'none'"
    _, headers, _ = get(f"{server.url}email?{QUERY}&images=off")
    assert headers["Content-Security-Policy"] == "script-src 'none'; img-src 'none'"
    _, _, inverted = get(f"{server.url}email?{QUERY}&scheme=invert")
    assert "filter:invert(1) hue-rotate(180deg)" in inverted
    status, headers, text = get(f"{server.url}text?{QUERY}")
    assert headers["Content-Type"] == "text/plain; charset=utf-8" and "#1001" in text
    assert json.loads(get(f"{server.url}version")[2]) == {"version": 1}
    assert get(f"{server.url}email?order=nope&template=postcard")[0] == 404
    assert get(f"{server.url}download?order=nope&template=postcard&format=eml")[0] == 404
    assert get(f"{server.url}nope")[0] == 404


def test_downloads_are_attachments_with_safe_names(server: PreviewServer) -> None:
    """.html is the email's HTML as sent, .eml the whole message to its customer, each an
    attachment named after the order."""
    email = first_email(server)
    status, headers, html = get(f"{server.url}download?{QUERY}&format=html")
    assert status == 200 and html == email.html
    assert headers["Content-Disposition"] == 'attachment; filename="01-one-item-postcard.html"'
    with urllib.request.urlopen(f"{server.url}download?{QUERY}&format=eml", timeout=10) as r:
        disposition, data = r.headers["Content-Disposition"], r.read()
    assert disposition == 'attachment; filename="01-one-item-postcard.eml"'
    message = BytesParser(policy=default).parsebytes(data)
    assert message["Subject"] == email.subject
    assert message["To"] == "Sam Rivera <sam.rivera@example.org>"
    lines = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert lines.strip() == email.text.strip()
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html.strip() == email.html.strip()


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("01-one-item", "01-one-item-postcard-de_DE.eml"),
        ('../"evil"\r\nX-Header: 1', "evil-X-Header-1-postcard-de_DE.eml"),
        ("<b onmouseover=alert(1)>", "b-onmouseover-alert-1-postcard-de_DE.eml"),
        ("ß" * 300, "postcard-de_DE.eml"),
        ("a" * 300, "a" * 100 + ".eml"),
    ],
    ids=["plain", "path-quotes-and-line-breaks", "markup", "nothing-ascii", "long"],
)
def test_download_name(order: str, expected: str) -> None:
    """A download's file name keeps letters, digits, '.', '_' and '-' only, and is bounded."""
    from delightmail._files import OrderSource

    source = OrderSource(Path(f"{order}.json"))
    name = download_name(Entry(source, "postcard", "de_DE"), "eml")
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,104}", name)
    assert name == expected


def test_the_event_stream_pushes_versions_and_ends_when_the_server_stops(site: Path) -> None:
    """/events is text/event-stream: the version at once and on every change; stop()
    ends an open stream at once rather than hanging on it."""
    server = PreviewServer(gallery_of(site), port=0).start()
    try:
        response = urllib.request.urlopen(f"{server.url}events", timeout=10)
        with response:
            assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"

            def next_event() -> str:
                while not (line := response.readline().decode()).startswith("data: "):
                    assert line, "the stream ended"
                return line.removeprefix("data: ").strip()

            assert next_event() == "1"
            server.changed()
            assert next_event() == "2"
            started = time.monotonic()
            server.stop()
            assert time.monotonic() - started < 5  # ends the stream, never waits on it
            assert response.read().strip() == b""  # the stream ended, cleanly
    finally:
        server.stop()


def _post(server: PreviewServer, body: str, origin: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin is not None:
        headers["Origin"] = origin
    request = urllib.request.Request(
        f"{server.url}send", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_send_test_needs_this_pages_origin_and_token(server: PreviewServer) -> None:
    """A POST from elsewhere (another Origin, none, or without the page's token) sends
    nothing; the page's own sends to the configured address only, here the local sink."""
    origin = server.url.rstrip("/")
    token = f"token={server.token}"
    for body, sent_from in (
        (f"{QUERY}&{token}", "http://evil.example"),
        (f"{QUERY}&{token}", None),
        (f"{QUERY}&token=guess", origin),
        (f"{QUERY}&{token}&to=victim@example.net", "null"),
    ):
        status, answer = _post(server, body, sent_from)
        assert status == 403 and answer["error"].startswith("not sent"), (body, sent_from)
    assert server.arrivals() == []
    status, answer = _post(server, f"{QUERY}&{token}&to=victim@example.net", origin)
    assert status == 200, answer
    assert re.fullmatch(
        r"sent <order-1001\.[^>]+> to preview@example\.com through the local sink on "
        r"127\.0\.0\.1:\d+", answer["message"]
    )  # fmt: skip
    [arrival] = server.arrivals()
    assert arrival["to"] == ["preview@example.com"]  # never the address a request names
    assert arrival["subject"] == first_email(server).subject
    assert json.loads(get(f"{server.url}sink")[2]) == [arrival]


def test_preview_command_serves_and_opens_the_browser(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """preview --port 0 --open prints the URL, opens it, and serves the app until stopped;
    --smtp and --to reach the send-test settings."""
    opened: list[str] = []
    pages: list[str] = []
    settings: list[SendSettings] = []

    def wait(self: PreviewServer) -> None:
        pages.append(get(self.url)[2])
        settings.append(self.send)
        raise KeyboardInterrupt  # what Ctrl+C does

    monkeypatch.setattr(PreviewServer, "wait", wait)
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = CliRunner().invoke(
        cli,
        ["preview", str(site / "orders"), "--port", "0", "--open",
         "--templates", str(site / "templates"), "--template", "postcard", "--locale", "en_GB",
         "--smtp", "127.0.0.1:1025", "--to", "Designer <me@example.net>"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = re.fullmatch(r"delightmail preview: (http://127\.0\.0\.1:\d+/)  \(Ctrl\+C to stop\)\n",
                       result.stdout)  # fmt: skip
    assert url is not None
    assert opened == [url.group(1)]
    assert pages[0].count('data-locale="en_GB"') == 2
    assert "Send test to Designer &lt;me@example.net&gt;" in pages[0]
    assert settings == [SendSettings(to="Designer <me@example.net>", server="127.0.0.1:1025")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "error: nowhere: no such file or folder"),
        ([str(EXAMPLES / "orders"), "--template", "nope"], "error: no template named 'nope'"),
        ([str(ROOT / "tests")], "error: no merchant: pass --merchant FILE"),
        (["--smtp", "localhost"], "error: --smtp 'localhost': expected HOST:PORT"),
        (["--smtp", "localhost:25"], "error: --smtp needs --to ADDRESS"),
        (["--to", "a@b.example, c@d.example"], "error: --to 'a@b.example, c@d.example' is not"),
        (["--user", "me"], "error: --starttls and --user go with --smtp HOST:PORT"),
    ],
    ids=["no-orders", "unknown-template", "no-merchant", "smtp-without-port", "smtp-without-to",
         "two-addresses", "user-without-smtp"],
)  # fmt: skip
def test_preview_bad_input(args: list[str], message: str) -> None:
    """preview refuses a missing folder, an unknown template, a missing merchant, a bad
    send-test setting: one line, exit 2."""
    result = CliRunner().invoke(cli, ["preview", "--port", "0", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- the app in Chromium --------------------------------------------------------------

# A 1×1 PNG for every remote image, so that "images on" shows pictures, offline.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2213ebc0000000049454e44ae426082"
)


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


def _offline(route: Any) -> None:
    if route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=PIXEL)
    else:
        route.abort()


def open_app(browser: Any, server: PreviewServer, query: str = "", height: int = 900) -> Any:
    """A fresh 1440px-wide page on the app, offline but for the preview (remote images
    are a pixel); it records dialogs, which nothing may open."""
    context = browser.new_context(viewport={"width": 1440, "height": height}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), _offline)
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(server.url + query, wait_until="load")
    tab.frame_locator("#email").locator("h1").wait_for()
    return tab


@pytest.fixture
def page(browser: Any, server: PreviewServer) -> Iterator[Any]:
    """The app on the tmp site, in Chromium."""
    tab = open_app(browser, server)
    yield tab
    assert tab.dialogs == []  # nothing from an order ever runs as a script
    tab.context.close()


def _frame(page: Any) -> Any:
    return next(f for f in page.frames if "/email?" in f.url)


def _wait_frame(page: Any, condition: str) -> None:
    """Wait until the email frame's document satisfies *condition* (a JS expression of doc)."""
    page.wait_for_function(
        f"""() => {{
            const doc = document.getElementById("email").contentDocument;
            return !!doc && doc.readyState === "complete" && !!doc.body && ({condition});
        }}""",
        timeout=10_000,
    )


@needs_chromium
def test_the_app_at_1440px(page: Any, server: PreviewServer, tmp_path: Path) -> None:
    """A sidebar of every email and the chosen one large beside it: its subject, preheader,
    size and checks; the page's network goes idle though the event stream stays open."""
    page.screenshot(path=str(tmp_path / "app-1440.png"))
    links = page.locator("#sidebar a")
    assert links.count() == 2
    assert page.locator('#sidebar a[aria-current="page"]').inner_text() == (
        "postcard · own locale · own tone"
    )
    sidebar, main = page.locator("#sidebar").bounding_box(), page.locator("#main").bounding_box()
    assert sidebar["x"] == 0 and main["x"] == sidebar["width"]
    assert sidebar["width"] + main["width"] == pytest.approx(1440, abs=1)
    email = first_email(server)
    assert page.locator(".subject").inner_text() == email.subject
    assert page.locator(".preheader").inner_text() == email.preheader
    assert re.fullmatch(r"HTML \d+\.\d KB · text \d\.\d KB", page.locator(".size").inner_text())
    assert page.frame_locator("#email").locator("h1").inner_text() == "Hi Sam!"
    page.wait_for_load_state("networkidle", timeout=5_000)
    links.nth(1).click()  # the other order: a new URL, the selection in it
    page.wait_for_url(re.compile(r"order=03-eur-discount-two-taxes"))
    page.locator(
        '#sidebar a[aria-current="page"][data-order="03-eur-discount-two-taxes"]'
    ).wait_for()
    assert page.frame_locator("#email").locator("h1").inner_text() != "Hi Sam!"


@needs_chromium
@pytest.mark.parametrize("width", ["320", "375", "600", "full"])
def test_width_presets(page: Any, width: str) -> None:
    """Each preset shows the email at that width (full: the main pane's), and the email's
    own layout fits it."""
    page.click(f"#width-{width}")
    page.wait_for_function(
        "w => document.getElementById('email').contentWindow.innerWidth === w",
        arg=int(width) if width != "full" else page.evaluate(
            "document.querySelector('.frame').clientWidth"
        ),
    )  # fmt: skip
    inner = _frame(page)
    if width == "full":
        assert inner.evaluate("window.innerWidth") > 1000  # most of 1,440px
    assert inner.evaluate("document.documentElement.scrollWidth") <= inner.evaluate(
        "window.innerWidth"
    )
    assert page.locator(f"#width-{width}").get_attribute("aria-pressed") == "true"


@needs_chromium
def test_schemes_light_dark_and_inverted(page: Any) -> None:
    """Dark uses the email's own dark styles (no filter); Inverted is Gmail's forced
    inversion, pictures inverted back; Light is the email as it is."""
    page.click("#scheme-dark")
    _wait_frame(page, "doc.URL.includes('scheme=dark')")
    inner = _frame(page)
    rgb = inner.evaluate(
        "getComputedStyle(document.querySelector('.dm-page') || document.body).backgroundColor"
    )
    assert sum(map(int, re.findall(r"\d+", rgb)[:3])) < 150, rgb
    assert "invert" not in inner.evaluate("getComputedStyle(document.documentElement).filter")
    page.click("#scheme-invert")
    _wait_frame(page, "doc.URL.includes('scheme=invert')")
    inner = _frame(page)
    html_filter = "getComputedStyle(document.documentElement).filter"
    assert inner.evaluate(html_filter) == "invert(1) hue-rotate(180deg)"
    assert inner.evaluate("getComputedStyle(document.images[0]).filter") == (
        "invert(1) hue-rotate(180deg)"
    )
    page.click("#scheme-light")
    _wait_frame(page, "!doc.URL.includes('scheme=')")
    assert _frame(page).evaluate(html_filter) == "none"


@needs_chromium
def test_images_off_shows_what_a_blocking_client_shows(page: Any) -> None:
    """Images off: no picture loads, each keeps its width and its alt text."""
    _wait_frame(page, "[...doc.images].every(i => i.complete)")
    images = "[...document.images].map(i => [i.naturalWidth, i.getBoundingClientRect().width, i.getAttribute('width'), i.alt])"  # noqa: E501
    shown = _frame(page).evaluate(images)
    assert shown and all(natural == 1 for natural, *_ in shown)  # the routed pixel
    page.click("#images-off")
    _wait_frame(page, "doc.URL.includes('images=off') && [...doc.images].every(i => i.complete)")
    blocked = _frame(page).evaluate(images)
    assert len(blocked) == len(shown)
    for natural, width, attribute, _alt in blocked:
        assert natural == 0
        if attribute and attribute.isdigit():
            assert width == pytest.approx(int(attribute), abs=1)
    logo = page.frame_locator("#email").locator("img[alt='Groove Harbor Records']")
    assert logo.count() == 1 and logo.bounding_box()["width"] > 0


@needs_chromium
def test_tabs_text_source_headers_and_checks(page: Any, server: PreviewServer) -> None:
    """Text is the text part as sent (no wrapping); HTML source is the HTML, copied whole by
    its button; Headers are the message's; Checks lists delightmail check's findings and runs
    the external checkers when opened."""
    email = first_email(server)
    page.click("#tab-text")
    text = page.locator("#text")
    assert text.is_visible() and not page.locator("#email").is_visible()
    assert text.inner_text() == email.text
    assert text.evaluate("e => getComputedStyle(e).whiteSpace") == "pre"
    line_height = text.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    padding = text.evaluate("e => parseFloat(getComputedStyle(e).paddingTop)") * 2
    lines = email.text.count("\n") + 1
    height = text.evaluate("e => e.clientHeight") - padding
    assert height == pytest.approx(lines * line_height, abs=line_height * 1.5)  # no wrapping

    page.click("#tab-source")
    assert page.locator("#source").text_content() == email.html
    page.click("#copy-source")
    page.locator("#copy-status", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == email.html

    page.click("#tab-headers")
    rows = dict(
        zip(
            page.locator("#headers th").all_inner_texts(),
            page.locator("#headers td").all_inner_texts(),
            strict=True,
        )
    )
    assert rows["Subject"] == email.subject
    assert rows["To"] == "Sam Rivera <sam.rivera@example.org>"
    assert rows["From"] == "Groove Harbor Records <hello@groove-harbor.example.com>"
    assert rows["Message-ID"].startswith("<order-1001.") and rows["MIME-Version"] == "1.0"
    assert {"Date", "Reply-To", "Content-Type"} <= rows.keys()

    page.click("#tab-checks")
    report = server.result(server.entries()[0]).report
    assert report is not None
    expected = [str(f) for f in report.findings] or ["all checks pass"]
    assert page.locator(".findings.internal li").all_inner_texts() == expected
    page.locator("#external[data-loaded]").wait_for(timeout=60_000)
    external = page.locator("#external").inner_text()
    assert "could not run" not in external
    assert "Not installed, skipped: npm mjml" in external or "npm" not in external
    assert page.locator(".findings.external li").count() >= 1


@needs_chromium
def test_downloads_in_the_browser(page: Any, server: PreviewServer) -> None:
    """Both download links save a file: the HTML as sent, and the whole message."""
    email = first_email(server)
    with page.expect_download() as html_download:
        page.click("#download-html")
    assert html_download.value.suggested_filename == "01-one-item-postcard.html"
    assert Path(html_download.value.path()).read_text(encoding="utf-8") == email.html
    with page.expect_download() as eml_download:
        page.click("#download-eml")
    assert eml_download.value.suggested_filename == "01-one-item-postcard.eml"
    message = BytesParser(policy=default).parsebytes(Path(eml_download.value.path()).read_bytes())
    assert message["Subject"] == email.subject and message.is_multipart()


class _Inbox:
    """What an aiosmtpd handler received."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@needs_chromium
def test_the_send_test_button_sends_to_the_configured_address(browser: Any, site: Path) -> None:
    """The button sends the email shown through --smtp to --to, and says so."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = SendSettings(to="designer@example.net", server=f"127.0.0.1:{port}")
    try:
        with PreviewServer(gallery_of(site), port=0, send=settings) as server:
            tab = open_app(browser, server)
            try:
                assert tab.locator("#send-test").inner_text() == "Send test to designer@example.net"
                tab.click("#send-test")
                status = tab.locator("#send-status", has_text="sent")
                status.wait_for(timeout=10_000)
                assert f"to designer@example.net through 127.0.0.1:{port}" in status.inner_text()
            finally:
                tab.context.close()
            email = first_email(server)
    finally:
        controller.stop()
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["designer@example.net"]
    assert envelope.mail_from == "hello@groove-harbor.example.com"
    message = BytesParser(policy=default).parsebytes(envelope.content)
    assert message["To"] == "designer@example.net" and message["Subject"] == email.subject


@pytest.fixture
def pack_site(site: Path) -> Path:
    """The tmp site with a packs/ folder of one playful journey line."""
    packs = site / "packs"
    packs.mkdir()
    (packs / "playful.toml").write_text(
        '[pack]\ntone = "playful"\n[lines]\njourney = [{ text = "Otis hums to {{ items.acc }}'
        ' in the packing room.", shipping = "shipped" }]\n',
        encoding="utf-8",
    )
    return site


@needs_chromium
def test_edits_show_by_push_keeping_selection_and_scroll(browser: Any, pack_site: Path) -> None:
    """A template, a pack line and an order edit each show in the open page by push (about
    a second), on the same email at the same scroll."""
    site = pack_site
    gallery = gallery_of(site, pack_dirs=(site / "packs",), tones=("playful",))
    with PreviewServer(gallery, port=0) as server:
        query = "?order=01-one-item&template=postcard&locale=&tone=playful"
        tab = open_app(browser, server, query, height=600)
        try:
            tab.click("#width-375")  # a long email: the pane scrolls
            _wait_frame(tab, "doc.defaultView.innerWidth === 375")
            tab.wait_for_function("document.getElementById('main').scrollHeight > 2000")
            tab.evaluate("document.getElementById('main').scrollTop = 900")
            frame = tab.frame_locator("#email")
            template = site / "templates" / "partials" / "story.mjml.j2"
            order = site / "orders" / "01-one-item.json"
            source = template.read_text(encoding="utf-8")
            edits = [
                (lambda: template.write_text(
                    re.sub(r"<h1>.*?</h1>", "<h1>Howdy</h1>", source, count=1), "utf-8"),
                 frame.locator("h1", has_text="Howdy")),
                (lambda: edit(site / "packs" / "playful.toml", "Otis hums to", "Otis sings to"),
                 frame.locator("text=Otis sings to")),
                (lambda: edit(order, '"first_name": "Sam"', '"first_name": "Robin"'),
                 tab.locator(".subject", has_text="Robin")),
            ]  # fmt: skip
            assert frame.locator("text=Otis hums to").count() == 1
            for number, (change, shown) in enumerate(edits, 2):
                started = time.monotonic()
                change()
                shown.wait_for(timeout=10_000)
                tab.wait_for_function(f"document.body.dataset.refreshed === '{number}'")
                _wait_frame(tab, f"doc.URL.includes('v={number}')")
                elapsed = time.monotonic() - started
                # About a second here; the bound only catches a reload that waits for a poll
                # or a timer (a shared CI machine must not make it flaky).
                assert elapsed < 5, (number, elapsed)
                assert "order=01-one-item" in tab.url
                assert tab.evaluate("document.getElementById('main').scrollTop") == (
                    pytest.approx(900, abs=2)
                ), number
            assert tab.evaluate("document.getElementById('email').contentWindow.innerWidth") == 375
        finally:
            tab.context.close()


@needs_chromium
def test_a_broken_template_shows_its_error_and_the_fix_brings_the_email_back(
    page: Any, site: Path
) -> None:
    """A broken template shows its file and line in place of the email; fixing it brings
    the email back."""
    template = site / "templates" / "partials" / "story.mjml.j2"
    edit(template, "<h1>", "<h1>{% if %}")
    failure = page.locator("#failure")
    failure.wait_for(timeout=10_000)
    assert f"{template}, line" in failure.inner_text()
    edit(template, "<h1>{% if %}", "<h1>")
    page.frame_locator("#email").locator("h1").wait_for(timeout=10_000)
    assert page.locator("#failure").count() == 0


@needs_chromium
def test_a_new_order_file_appears_in_the_sidebar(page: Any, site: Path) -> None:
    """Dropping an order file into the folder adds it to the open page's sidebar."""
    shutil.copy(EXAMPLES / "orders" / "04-gift-with-message.json", site / "orders" / "04.json")
    page.locator("#sidebar a >> nth=2").wait_for(timeout=10_000)
    assert page.locator("#sidebar h2").all_inner_texts()[-1] == "04"


@needs_chromium
def test_a_hostile_order_is_shown_as_text_in_chromium(page: Any, site: Path) -> None:
    """A customer named like a script tag shows as text in the page, and no script runs."""
    order = json.loads((site / "orders" / "01-one-item.json").read_text())
    order["customer"]["first_name"] = HOSTILE
    (site / "orders" / "01-one-item.json").write_text(json.dumps(order), encoding="utf-8")
    subject = page.locator(".subject")
    subject.filter(has_text=HOSTILE).wait_for(timeout=10_000)
    page.frame_locator("#email").locator("h1", has_text=HOSTILE).wait_for(timeout=10_000)
    assert page.frame_locator("#email").locator("h1").inner_text() == f"Hi {HOSTILE}!"


def test_module_exports() -> None:
    """The preview module's public names."""
    assert sorted(preview_module.__all__) == [
        "Arrival", "Entry", "Gallery", "PreviewServer", "Result", "SendSettings", "dark_html",
        "download_name", "inverted_html", "render_page",
    ]  # fmt: skip


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
    deep = by_order["deep"]
    page = render_page(gallery.entries(), deep, 1)
    assert "nested too deeply" in page and 'aria-current="page">' in page
