"""A live preview of the emails in the browser: ``delightmail preview``.

>>> gallery = Gallery(Path("examples/orders"), Path("examples/merchant.json"))  # doctest: +SKIP
>>> with PreviewServer(gallery, port=0) as server:  # doctest: +SKIP
...     print(server.url)
...     server.wait()

The page shows every order × template × locale at desktop (600px) and mobile
(375px) width, as HTML or plain text, light or dark, with the subject,
preheader, size and what :func:`~delightmail.checks.check_email` found. A
watcher bumps a version number whenever a template, order or merchant file
changes; the page polls it and reloads itself. Every render after a change
builds a new :class:`~delightmail.rendering.Mailer`, so it reads the files
afresh (compiling is cached by source text, so an unchanged template costs
nothing).

Only for a developer's own machine: it listens on 127.0.0.1 alone.
"""

from __future__ import annotations

import html
import json
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import watchfiles

from ._files import OrderSource, iter_order_sources, load_json
from .adapters import to_order
from .checks import CheckReport, check_email
from .exceptions import DelightmailError, InputError
from .models import Merchant, validate_merchant
from .packs import PACK_DIR
from .rendered import RenderedEmail
from .rendering import Mailer, available_templates, template_dirs

__all__ = ["Entry", "Gallery", "PreviewServer", "Result"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Entry:
    """One email of the gallery: order, template, locale and tone ("" = the order's own)."""

    source: OrderSource
    template: str
    locale: str
    tone: str = ""

    @property
    def order(self) -> str:
        """The order's name: its file's stem, plus the line for JSON Lines."""
        return self.source.label

    @property
    def query(self) -> str:
        return urlencode(
            {
                "order": self.order,
                "template": self.template,
                "locale": self.locale,
                "tone": self.tone,
            }
        )


@dataclass(frozen=True)
class Result:
    """An entry rendered and checked, or the one-line error that stopped it."""

    entry: Entry
    email: RenderedEmail | None = None
    report: CheckReport | None = None
    error: str = ""


class Gallery:
    """The emails to show: the orders at *orders* × templates × locales × tones.

    :param orders: a folder of ``*.json`` / ``*.jsonl`` orders, or one such file.
    :param merchant: the merchant JSON file.
    :param templates: template names to show; by default every template found.
    :param template_dirs: extra folders holding templates, searched before the built-in ones.
    :param locale_dirs: folders of the merchant's own translation catalogs.
    :param locales: locales to show each order in; by default only the order's own.
    :param tones: tones to tell each story in; by default the order's (or merchant's) own.
    :param pack_dirs: folders with the merchant's own story packs.
    :param platform: the orders are this platform's payloads (``shopify``...), read by its
        adapter (leniently, as a webhook receiver reads them).
    """

    def __init__(
        self,
        orders: Path,
        merchant: Path,
        *,
        templates: tuple[str, ...] = (),
        template_dirs: tuple[Path, ...] = (),
        locale_dirs: tuple[Path, ...] = (),
        locales: tuple[str, ...] = (),
        tones: tuple[str, ...] = (),
        pack_dirs: tuple[Path, ...] = (),
        platform: str | None = None,
    ) -> None:
        self.orders = orders
        self.pack_dirs = pack_dirs
        self.platform = platform
        self.merchant = merchant
        self.templates = templates
        self.template_dirs = template_dirs
        self.locale_dirs = locale_dirs
        self.locales = locales or ("",)
        self.tones = tones or ("",)

    def watch_paths(self) -> list[Path]:
        """Every file and folder whose change should refresh the page."""
        paths = [self.orders, self.merchant, *self.template_dirs, *template_dirs(), PACK_DIR]
        paths += [*self.locale_dirs, *self.pack_dirs]
        return [path for path in dict.fromkeys(paths) if path.exists()]

    def _order_files(self) -> list[Path]:
        if self.orders.is_file():
            return [self.orders]
        if not self.orders.is_dir():
            raise InputError(f"{self.orders}: no such file or folder")
        merchant = self.merchant.resolve()
        return sorted(
            path
            for path in self.orders.iterdir()
            if path.suffix in (".json", ".jsonl") and path.resolve() != merchant
        )

    def _sources(self) -> list[OrderSource]:
        # A file that cannot be read is one entry that shows its error; the
        # other files still make the gallery.
        return list(iter_order_sources(self._order_files()))

    def entries(self) -> list[Entry]:
        """Every email in the gallery, in order: orders, templates, locales, then tones."""
        names = self.templates or tuple(available_templates(self.template_dirs))
        return [
            Entry(source, template, locale, tone)
            for source in self._sources()
            for template in names
            for locale in self.locales
            for tone in self.tones
        ]

    def _load_order(self, entry: Entry) -> Any:
        data = entry.source.load()
        if self.platform is not None:
            order = to_order(data, self.platform, lenient=True)
            changes = {
                name: value
                for name, value in (("locale", entry.locale), ("tone", entry.tone))
                if value
            }
            return order.model_copy(update=changes) if changes else order
        if isinstance(data, dict):
            if entry.locale:
                data = {**data, "locale": entry.locale}
            if entry.tone:
                data = {**data, "tone": entry.tone}
        return data

    def _merchant(self) -> Merchant:
        try:
            return validate_merchant(load_json(self.merchant))
        except DelightmailError as exc:
            raise InputError(f"{self.merchant}: {exc}") from None

    def render(self, entry: Entry) -> Result:
        """Render and check *entry* from the files as they are now."""
        try:
            mailer = Mailer(
                self._merchant(),
                template=entry.template,
                template_dirs=self.template_dirs,
                locale_dirs=self.locale_dirs,
                pack_dirs=self.pack_dirs,
            )
            email = mailer.render(self._load_order(entry))
        except DelightmailError as exc:
            return Result(entry, error=str(exc))
        except Exception as exc:  # one email's failure never takes the gallery down
            return Result(entry, error=f"unexpected error: {type(exc).__name__}: {exc}")
        return Result(entry, email=email, report=check_email(email))


# -- the page ------------------------------------------------------------------

_STYLE = """
:root { color-scheme: light; --bg: #eef0f3; --fg: #1d1f23; --card: #fff; --muted: #5d6470;
  --line: #d5d9e0; --accent: #5b3cc4; --on-accent: #fff; }
body.dark { color-scheme: dark; --bg: #15171b; --fg: #e8eaee; --card: #202329; --muted: #a0a7b3;
  --line: #383d46; --accent: #a996ff; --on-accent: #15171b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 12px;
  align-items: center; padding: 10px 20px; background: var(--card);
  border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0 12px 0 0; }
.group { display: inline-flex; border: 1px solid var(--line); border-radius: 6px;
  overflow: hidden; }
.group button { border: 0; padding: 6px 12px; background: transparent; color: var(--fg);
  font: inherit; cursor: pointer; }
.group button[aria-pressed="true"] { background: var(--accent); color: var(--on-accent); }
.status { margin-left: auto; color: var(--muted); }
main { display: flex; flex-wrap: wrap; gap: 20px; padding: 20px; align-items: flex-start; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 14px; max-width: 100%; }
.card h2 { font-size: 14px; margin: 0 0 8px; }
.card h2 a { color: inherit; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 10px;
  max-width: 600px; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.findings { margin: 0 0 10px; padding-left: 18px; max-width: 600px; }
.finding.error, .failure { color: #c62828; }
body.dark .finding.error, body.dark .failure { color: #ff8a80; }
.finding.warning { color: #a15c00; }
body.dark .finding.warning { color: #ffcc80; }
iframe.email { display: block; box-sizing: content-box; width: 600px; height: 600px;
  border: 1px solid var(--line);
  background: #fff; }
body.mobile iframe.email { width: 375px; }
pre.text { display: none; width: max-content; min-width: 600px; max-width: 100%; margin: 0;
  padding: 12px; white-space: pre; overflow-x: auto;
  border: 1px solid var(--line); font: 13px/1.4 ui-monospace, monospace; }
body.mobile pre.text { min-width: 375px; }
body.part-text iframe.email { display: none; }
body.part-text pre.text { display: block; }
.failure { white-space: pre-wrap; max-width: 600px; }
"""

_SCRIPT = """
const KEY = "delightmail-preview";
const state = Object.assign({width: "desktop", part: "html", dark: false},
  JSON.parse(sessionStorage.getItem(KEY) || "{}"));
const version = Number(document.body.dataset.version);

function fit(frame) {
  const doc = frame.contentDocument;
  if (doc && doc.documentElement) {
    frame.style.height = doc.documentElement.scrollHeight + "px";
  }
}

function apply() {
  sessionStorage.setItem(KEY, JSON.stringify(state));
  document.body.classList.toggle("mobile", state.width === "mobile");
  document.body.classList.toggle("part-text", state.part === "text");
  document.body.classList.toggle("dark", state.dark);
  for (const button of document.querySelectorAll("button[data-key]")) {
    const value = button.dataset.value;
    const on = button.dataset.key === "dark" ? state.dark : state[button.dataset.key] === value;
    button.setAttribute("aria-pressed", String(on));
  }
  for (const frame of document.querySelectorAll("iframe.email")) {
    const src = frame.dataset.src + (state.dark ? "&dark=1" : "");
    if (frame.getAttribute("src") !== src) {
      frame.setAttribute("src", src);
    } else {
      requestAnimationFrame(() => fit(frame));
    }
  }
}

for (const frame of document.querySelectorAll("iframe.email")) {
  frame.addEventListener("load", () => fit(frame));
}
for (const button of document.querySelectorAll("button[data-key]")) {
  button.addEventListener("click", () => {
    const key = button.dataset.key;
    state[key] = key === "dark" ? !state.dark : button.dataset.value;
    apply();
  });
}
apply();

async function poll() {
  try {
    const response = await fetch("/version", {cache: "no-store"});
    const current = (await response.json()).version;
    if (current !== version) {
      location.reload();
      return;
    }
    document.getElementById("status").textContent = "watching for changes";
  } catch (error) {
    document.getElementById("status").textContent = "preview server stopped";
  }
  setTimeout(poll, 400);
}
setTimeout(poll, 400);
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _kb(text: str) -> str:
    return f"{len(text.encode('utf-8')) / 1024:.1f} KB"


def _toolbar(count: int) -> str:
    def button(key: str, value: str, label: str) -> str:
        return (
            f'<button type="button" data-key="{key}" data-value="{value}" id="{key}-{value}" '
            f'aria-pressed="false">{label}</button>'
        )

    return (
        "<header><h1>delightmail preview</h1>"
        '<span class="group" role="group" aria-label="Width">'
        + button("width", "desktop", "Desktop 600px")
        + button("width", "mobile", "Mobile 375px")
        + '</span><span class="group" role="group" aria-label="Part">'
        + button("part", "html", "HTML")
        + button("part", "text", "Text")
        + '</span><span class="group">'
        + button("dark", "on", "Dark mode")
        + f'</span><span class="status" id="status">{count} emails</span></header>'
    )


def _card(result: Result) -> str:
    entry = result.entry
    locale = entry.locale or "order's own locale"
    tone = entry.tone or "own tone"
    title = f"{entry.order} · {entry.template} · {locale} · {tone}"
    head = (
        f'<article class="card" data-order="{_e(entry.order)}" '
        f'data-template="{_e(entry.template)}" data-locale="{_e(entry.locale)}" '
        f'data-tone="{_e(entry.tone)}">'
        f'<h2><a href="/?{_e(entry.query)}">{_e(title)}</a></h2>'
    )
    if result.email is None:
        return f'{head}<p class="failure">{_e(result.error)}</p></article>'
    email = result.email
    findings = result.report.findings if result.report else ()
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    summary = f"{errors} errors, {warnings} warnings" if findings else "all checks pass"
    items = "".join(f'<li class="finding {_e(f.severity)}">{_e(f)}</li>' for f in findings)
    return (
        f"{head}<dl>"
        f'<dt>Subject</dt><dd class="subject">{_e(email.subject)}</dd>'
        f'<dt>Preheader</dt><dd class="preheader">{_e(email.preheader)}</dd>'
        f'<dt>Size</dt><dd class="size">HTML {_kb(email.html)} · text {_kb(email.text)}</dd>'
        f'<dt>Checks</dt><dd class="checks">{_e(summary)}</dd></dl>'
        + (f'<ul class="findings">{items}</ul>' if items else "")
        # No scripts, as in a mail client; same origin so the page can size the frame.
        + f'<iframe class="email" title="{_e(email.subject)}" sandbox="allow-same-origin '
        f'allow-popups allow-popups-to-escape-sandbox" loading="lazy" '
        f'data-src="/email?{_e(entry.query)}"></iframe>'
        f'<pre class="text">{_e(email.text)}</pre></article>'
    )


def render_page(results: list[Result], version: int) -> str:
    """The gallery page for *results*; every value from an order or a template is escaped."""
    cards = "".join(_card(result) for result in results)
    if not cards:
        cards = '<p class="failure">No orders found.</p>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>delightmail preview</title><style>{_STYLE}</style></head>"
        f'<body data-version="{version}">{_toolbar(len(results))}<main>{cards}</main>'
        f"<script>{_SCRIPT}</script></body></html>"
    )


_DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*(dark|light)\s*\)", re.IGNORECASE)
# What Gmail's and Outlook's apps do to an email without dark-mode CSS, roughly:
# invert the colours, keep the hues, leave pictures alone.
_FORCED_DARK = (
    "<style>html{filter:invert(1) hue-rotate(180deg);background:#fff}"
    "img{filter:invert(1) hue-rotate(180deg)}</style>"
)


# An email that says it supports dark mode (<meta name="color-scheme" content="light dark">).
_DARK_SCHEME = re.compile(
    r"""<meta\s+name=["']?color-scheme["']?\s+content=["'][^"']*\bdark\b""", re.IGNORECASE
)
# What such a client does besides the email's own dark styles: its defaults go dark
# too (the colour of text nothing styles, such as a logo's alt text).
_DARK_DEFAULTS = "<style>:root{color-scheme:dark}</style>"


def dark_html(email_html: str) -> str:
    """*email_html* as a dark-mode client shows it.

    An email with ``prefers-color-scheme`` CSS gets its own dark styles (as in
    Apple Mail), and the client's own defaults go dark too when it declares
    ``color-scheme: light dark``; one without is colour-inverted (as in Gmail's
    and Outlook's apps).
    """
    if _DARK_QUERY.search(email_html):
        # Always-true and always-false conditions in place of the user's preference.
        email_html = _DARK_QUERY.sub(
            lambda m: "(min-width: 0px)" if m.group(1).lower() == "dark" else "(max-width: 0px)",
            email_html,
        )
        return (
            _in_head(email_html, _DARK_DEFAULTS) if _DARK_SCHEME.search(email_html) else email_html
        )
    return _in_head(email_html, _FORCED_DARK)


def _in_head(email_html: str, style: str) -> str:
    head_end = email_html.lower().find("</head>")
    if head_end < 0:
        return style + email_html
    return email_html[:head_end] + style + email_html[head_end:]


# -- the server ----------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # The terminal shows the URL and errors, not every request.

    def _send(self, status: HTTPStatus, content_type: str, body: str, **headers: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(payload)

    def _host_is_ours(self) -> bool:
        """Whether the request names this server: a page on another site that points a
        name at 127.0.0.1 (DNS rebinding) sends its own Host, and gets nothing."""
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in {f"127.0.0.1:{port}", f"localhost:{port}"}

    def do_GET(self) -> None:
        if not self._host_is_ours():
            self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain", "not this server's name")
            return
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        preview = self.server.preview
        if url.path == "/version":
            self._send(HTTPStatus.OK, "application/json", json.dumps({"version": preview.version}))
        elif url.path == "/":
            keys = ("order", "template", "locale", "tone")
            wanted = {k: v for k, v in query.items() if k in keys}
            results = [
                preview.result(entry)
                for entry in preview.entries()
                if all(getattr(entry, key) == value for key, value in wanted.items())
            ]
            self._send(HTTPStatus.OK, "text/html", render_page(results, preview.version))
        elif url.path in ("/email", "/text"):
            self._send_email(url.path, query)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", f"not found: {url.path}")

    def _send_email(self, path: str, query: dict[str, str]) -> None:
        preview = self.server.preview
        key = (
            query.get("order"),
            query.get("template"),
            query.get("locale", ""),
            query.get("tone", ""),
        )
        for entry in preview.entries():
            if (entry.order, entry.template, entry.locale, entry.tone) == key:
                break
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", f"no such email: {key}")
            return
        result = preview.result(entry)
        if result.email is None:
            self._send(HTTPStatus.OK, "text/plain", result.error)
        elif path == "/text":
            self._send(HTTPStatus.OK, "text/plain", result.email.text)
        else:
            body = result.email.html
            if query.get("dark") == "1":
                body = dark_html(body)
            # Mail clients run no scripts; neither does the preview of an email.
            self._send(
                HTTPStatus.OK, "text/html", body, Content_Security_Policy="script-src 'none'"
            )


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    preview: PreviewServer


class PreviewServer:
    """Serves a :class:`Gallery` on 127.0.0.1 and watches its files for changes.

    :param port: the port to listen on; 0 picks a free one (see :attr:`url`).
    """

    def __init__(self, gallery: Gallery, port: int = 0) -> None:
        self.gallery = gallery
        self.version = 1
        self._lock = threading.Lock()
        self._cache: dict[Entry, Result] = {}
        self._entries: list[Entry] | None = None
        self._stop = threading.Event()
        self._httpd = _HTTPServer((HOST, port), _Handler)
        self._httpd.preview = self
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """The address of the gallery, such as ``http://127.0.0.1:8025/``."""
        return f"http://{HOST}:{self._httpd.server_address[1]}/"

    def entries(self) -> list[Entry]:
        """The gallery's entries, listed once per version of the files."""
        with self._lock:
            if self._entries is not None:
                return self._entries
            version = self.version
        try:
            entries = self.gallery.entries()
        except (OSError, DelightmailError):
            entries = []
        with self._lock:
            if version == self.version:
                self._entries = entries
        return entries

    def result(self, entry: Entry) -> Result:
        """*entry* rendered from the current files, once per version of the files."""
        with self._lock:
            version = self.version
            cached = self._cache.get(entry)
        if cached is not None:
            return cached
        result = self.gallery.render(entry)
        with self._lock:
            if version == self.version:
                self._cache[entry] = result
        return result

    def changed(self) -> None:
        """Forget every render and tell the open pages to reload."""
        with self._lock:
            self.version += 1
            self._cache.clear()
            self._entries = None

    def _watch(self) -> None:
        paths = self.gallery.watch_paths()
        for _changes in watchfiles.watch(
            *paths, stop_event=self._stop, debounce=150, step=50, raise_interrupt=False
        ):
            self.changed()

    def start(self) -> PreviewServer:
        """Start serving and watching, each in a background thread."""
        server = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        watcher = threading.Thread(target=self._watch, daemon=True)
        self._threads = [server, watcher]
        for thread in self._threads:
            thread.start()
        return self

    def wait(self) -> None:
        """Block until interrupted (Ctrl+C) or stopped."""
        self._stop.wait()

    def stop(self) -> None:
        """Stop serving and watching."""
        self._stop.set()
        if self._threads:
            self._httpd.shutdown()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
