"""A live preview of the emails in the browser: ``delightmail preview``.

>>> gallery = Gallery(Path("examples/orders"), Path("examples/merchant.json"))  # doctest: +SKIP
>>> with PreviewServer(gallery, port=0) as server:  # doctest: +SKIP
...     print(server.url)
...     server.wait()

One page, an app a designer lives in: a sidebar of every order × template ×
locale × tone, and the chosen email large beside it, at 320, 375, 600px or
the window's full width; light, dark (the email's own dark styles) or
inverted as Gmail's apps force it; images on or off. Tabs show the email, its
text part as sent, its HTML source (with a copy button), its headers and what
every check found (the external checkers run when that tab opens). The
``.html`` and ``.eml`` download, and a button sends the email to one
configured address, through an SMTP server or a local sink started on
demand.

A watcher bumps a version number whenever a template, order, merchant, pack or
catalog file changes and pushes it to the open pages (Server-Sent Events);
the page then re-renders the email shown, keeping the selection (in the URL)
and every scroll position. Every render after a change builds a new
:class:`~delightmail.rendering.Mailer`, so it reads the files afresh
(compiling is cached by source text, so an unchanged template costs nothing).

Only for a developer's own machine: it listens on 127.0.0.1 alone, answers
only requests naming it (``Host``), and sends only on a same-origin POST that
carries the page's token.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default
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
from .headers import parse_address
from .models import Merchant, validate_merchant
from .packs import PACK_DIR
from .rendered import RenderedEmail
from .rendering import Mailer, available_templates, template_dirs

__all__ = [
    "Arrival",
    "Entry",
    "Gallery",
    "PreviewServer",
    "Result",
    "SendSettings",
    "dark_html",
    "download_name",
    "inverted_html",
    "render_page",
]

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
            # A refunded or cancelled order is shown as its email would say it (its status,
            # no story): what the designer asks to see, not an error.
            email = mailer.render(self._load_order(entry), any_status=True)
        except DelightmailError as exc:
            return Result(entry, error=str(exc))
        except Exception as exc:  # one email's failure never takes the gallery down
            return Result(entry, error=f"unexpected error: {type(exc).__name__}: {exc}")
        return Result(entry, email=email, report=check_email(email))


# -- the page ------------------------------------------------------------------

_STYLE = """
:root { color-scheme: light dark; --bg: #eef0f3; --fg: #1d1f23; --card: #fff; --muted: #5d6470;
  --line: #d5d9e0; --accent: #5b3cc4; --on-accent: #fff; --error: #c62828; --warning: #8a4f00;
  --side: 300px; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171b; --fg: #e8eaee; --card: #202329; --muted: #a0a7b3; --line: #383d46;
    --accent: #a996ff; --on-accent: #15171b; --error: #ff8a80; --warning: #ffcc80; }
}
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg);
  display: grid; grid-template-columns: var(--side) minmax(0, 1fr); overflow: hidden; }
#sidebar { overflow-y: auto; background: var(--card); border-right: 1px solid var(--line);
  padding: 12px 0 24px; }
#sidebar h1 { font-size: 15px; margin: 0 16px 10px; }
#sidebar h2 { font-size: 12px; margin: 14px 16px 4px; color: var(--muted);
  overflow-wrap: anywhere; text-transform: none; }
#sidebar ul { list-style: none; margin: 0; padding: 0; }
#sidebar a { display: block; padding: 4px 16px 4px 24px; color: inherit; text-decoration: none;
  overflow-wrap: anywhere; }
#sidebar a:hover { background: var(--bg); }
#sidebar a[aria-current="page"] { background: var(--accent); color: var(--on-accent); }
#main { overflow: auto; min-width: 0; }
.bar { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 8px 12px;
  align-items: center; padding: 10px 20px; background: var(--card);
  border-bottom: 1px solid var(--line); }
.group { display: inline-flex; border: 1px solid var(--line); border-radius: 6px;
  overflow: hidden; }
.group button, .actions a, .actions button { border: 0; padding: 6px 10px; background: transparent;
  color: var(--fg); font: inherit; cursor: pointer; text-decoration: none; }
.actions { display: inline-flex; gap: 6px; align-items: center; }
.actions a, .actions button { border: 1px solid var(--line); border-radius: 6px; }
.group button[aria-pressed="true"], .tabs button[aria-selected="true"] {
  background: var(--accent); color: var(--on-accent); }
.status { margin-left: auto; color: var(--muted); }
.content { padding: 16px 20px 40px; }
h2.title { font-size: 16px; margin: 0 0 8px; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 12px; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin-bottom: 12px; }
.tabs button { border: 1px solid var(--line); border-bottom: 0; border-radius: 6px 6px 0 0;
  padding: 6px 14px; background: var(--card); color: var(--fg); font: inherit; cursor: pointer; }
.frame { width: 600px; max-width: 100%; }
body[data-width="320"] .frame { width: 320px; }
body[data-width="375"] .frame { width: 375px; }
body[data-width="full"] .frame { width: 100%; }
iframe.email { display: block; width: 100%; height: 600px; border: 1px solid var(--line);
  background: #fff; box-sizing: content-box; }
body[data-scheme="dark"] iframe.email, body[data-scheme="invert"] iframe.email {
  background: #000; }
pre { margin: 0; padding: 12px; overflow-x: auto; border: 1px solid var(--line);
  background: var(--card); font: 13px/1.4 ui-monospace, monospace; }
pre.text { white-space: pre; width: max-content; min-width: 100%; max-width: none; }
pre.source { white-space: pre-wrap; overflow-wrap: anywhere; max-height: none; }
table.headers { border-collapse: collapse; font: 13px/1.4 ui-monospace, monospace; }
table.headers th { text-align: left; padding: 3px 12px 3px 0; vertical-align: top;
  color: var(--muted); white-space: nowrap; }
table.headers td { padding: 3px 0; overflow-wrap: anywhere; }
.findings { margin: 0 0 10px; padding-left: 18px; }
.finding.error, .failure { color: var(--error); }
.finding.warning { color: var(--warning); }
.failure { white-space: pre-wrap; }
.panel[hidden] { display: none; }
.note { color: var(--muted); }
"""

_SCRIPT = r"""
const KEY = "delightmail-preview";
const SCROLL = "delightmail-preview-scroll";
const state = Object.assign({width: "600", scheme: "light", images: "on", tab: "email"},
  JSON.parse(sessionStorage.getItem(KEY) || "{}"));
const app = document.body.dataset;
let version = Number(app.version);
const $ = (id) => document.getElementById(id);

function frame() { return $("email"); }

function fit() {
  const f = frame();
  const doc = f && f.contentDocument;
  if (doc && doc.documentElement) {
    f.style.height = "0px";
    f.style.height = doc.documentElement.scrollHeight + "px";
  }
}

function positions() {
  const f = frame();
  let inner = 0;
  try { inner = f && f.contentWindow ? f.contentWindow.scrollY : 0; } catch (e) { inner = 0; }
  return {where: location.search, side: $("sidebar").scrollTop, main: $("main").scrollTop,
    page: window.scrollY, inner: inner};
}

function restore(saved) {
  if (!saved) return;
  $("sidebar").scrollTop = saved.side;
  if (saved.where !== location.search) return;
  $("main").scrollTop = saved.main;
  window.scrollTo(0, saved.page);
  const f = frame();
  if (f && f.contentWindow) f.contentWindow.scrollTo(0, saved.inner);
}

function emailSrc() {
  const f = frame();
  let src = f.dataset.src + "&v=" + version;
  if (state.scheme !== "light") src += "&scheme=" + state.scheme;
  if (state.images === "off") src += "&images=off";
  return src;
}

function apply() {
  sessionStorage.setItem(KEY, JSON.stringify(state));
  document.body.dataset.width = state.width;
  document.body.dataset.scheme = state.scheme;
  document.body.dataset.images = state.images;
  for (const button of document.querySelectorAll("button[data-key]")) {
    button.setAttribute("aria-pressed", String(state[button.dataset.key] === button.dataset.value));
  }
  for (const button of document.querySelectorAll(".tabs button")) {
    const on = button.dataset.tab === state.tab;
    button.setAttribute("aria-selected", String(on));
    const panel = $("panel-" + button.dataset.tab);
    if (panel) panel.hidden = !on;
  }
  const f = frame();
  if (f) {
    const src = emailSrc();
    if (f.getAttribute("src") !== src) f.setAttribute("src", src);
    else requestAnimationFrame(fit);
  }
  if (state.tab === "checks") external();
}

async function external() {
  const box = $("external");
  if (!box || box.dataset.loaded === String(version) || box.dataset.loading === "1") return;
  box.dataset.loading = "1";
  box.textContent = "Running the external checks (a few seconds)...";
  try {
    const response = await fetch("/checks?" + app.query, {cache: "no-store"});
    const data = await response.json();
    box.textContent = "";
    if (data.error) {
      const p = document.createElement("p");
      p.className = "failure";
      p.textContent = data.error;
      box.append(p);
    }
    if (data.missing && data.missing.length) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = "Not installed, skipped: " + data.missing.join(", ");
      box.append(p);
    }
    const list = document.createElement("ul");
    list.className = "findings external";
    for (const f of data.findings || []) {
      const li = document.createElement("li");
      li.className = "finding " + f.severity;
      li.textContent = f.text;
      list.append(li);
    }
    if (!list.children.length) {
      const li = document.createElement("li");
      li.textContent = "nothing found";
      list.append(li);
    }
    box.append(list);
    box.dataset.loaded = String(data.version);
  } catch (error) {
    box.textContent = "The external checks could not run: " + error;
  } finally {
    box.dataset.loading = "";
  }
}

async function refresh() {
  const saved = positions();
  const response = await fetch(location.pathname + location.search, {cache: "no-store"});
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const same = [...doc.querySelectorAll("[data-live]")].map(e => e.dataset.live).join() ===
    [...document.querySelectorAll("[data-live]")].map(e => e.dataset.live).join();
  if (!same || !!doc.getElementById("email") !== !!frame()) {
    sessionStorage.setItem(SCROLL, JSON.stringify(saved));
    location.reload();
    return;
  }
  version = Number(doc.body.dataset.version);
  for (const part of doc.querySelectorAll("[data-live]")) {
    document.querySelector(`[data-live="${part.dataset.live}"]`).innerHTML = part.innerHTML;
  }
  restore(saved);
  const f = frame();
  if (f) {
    f.dataset.src = doc.getElementById("email").dataset.src;
    f.addEventListener("load", () => { fit(); restore(saved); }, {once: true});
  }
  bind();
  apply();
  document.body.dataset.refreshed = String(version);
  $("status").textContent = "live: updated " + new Date().toLocaleTimeString();
}

function bind() {
  const copy = $("copy-source");
  if (copy) copy.onclick = async () => {
    const text = $("source").textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents($("source"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    $("copy-status").textContent = "Copied " + text.length + " characters";
  };
}

for (const button of document.querySelectorAll("button[data-key]")) {
  button.addEventListener("click", () => {
    state[button.dataset.key] = button.dataset.value;
    apply();
  });
}
for (const button of document.querySelectorAll(".tabs button")) {
  button.addEventListener("click", () => { state.tab = button.dataset.tab; apply(); });
}
const sendButton = $("send-test");
if (sendButton) sendButton.addEventListener("click", async () => {
  const out = $("send-status");
  out.textContent = "sending...";
  const form = new URLSearchParams(app.query);
  form.set("token", app.token);
  try {
    const response = await fetch("/send", {method: "POST", body: form});
    const data = await response.json();
    out.textContent = data.message || data.error;
    out.className = data.error ? "failure" : "note";
  } catch (error) {
    out.textContent = "not sent: " + error;
    out.className = "failure";
  }
});
window.addEventListener("resize", () => requestAnimationFrame(fit));
window.addEventListener("pagehide", () => {
  sessionStorage.setItem(SCROLL, JSON.stringify(positions()));
});
const saved = JSON.parse(sessionStorage.getItem(SCROLL) || "null");
sessionStorage.removeItem(SCROLL);
$("sidebar").scrollTop = saved ? saved.side : 0;
if (frame()) {
  frame().addEventListener("load", () => { fit(); restore(saved); }, {once: true});
  frame().addEventListener("load", fit);
} else {
  restore(saved);
}
bind();
apply();

// The push: one event stream, opened once the page has loaded.
window.addEventListener("load", () => {
  const events = new EventSource("/events");
  events.addEventListener("version", (event) => {
    $("status").textContent = "live";
    if (Number(event.data) !== version) refresh();
  });
  events.onerror = () => { $("status").textContent = "preview server stopped"; };
});
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _title(entry: Entry) -> str:
    return " · ".join((entry.template, entry.locale or "own locale", entry.tone or "own tone"))


def _sidebar(entries: list[Entry], chosen: Entry | None) -> str:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.order, []).append(entry)
    parts = [f"<h1>delightmail preview</h1><p class='note' style='margin:0 16px'>"
             f"{len(entries)} emails</p>"]  # fmt: skip
    for order, group in groups.items():
        items = "".join(
            f'<li><a href="/?{_e(entry.query)}" data-order="{_e(entry.order)}" '
            f'data-template="{_e(entry.template)}" data-locale="{_e(entry.locale)}" '
            f'data-tone="{_e(entry.tone)}"'
            + (' aria-current="page"' if entry == chosen else "")
            + f">{_e(_title(entry))}</a></li>"
            for entry in group
        )
        parts.append(f"<h2>{_e(order)}</h2><ul>{items}</ul>")
    if not entries:
        parts.append('<p class="failure" style="margin:0 16px">No orders found.</p>')
    return f'<nav id="sidebar" aria-label="Emails" data-live="sidebar">{"".join(parts)}</nav>'


def _toolbar(chosen: Result | None, send_to: str) -> str:
    def button(key: str, value: str, label: str) -> str:
        return (
            f'<button type="button" data-key="{key}" data-value="{value}" id="{key}-{value}" '
            f'aria-pressed="false">{label}</button>'
        )

    def group(label: str, *buttons: str) -> str:
        return f'<span class="group" role="group" aria-label="{label}">{"".join(buttons)}</span>'

    actions = ""
    if chosen is not None and chosen.email is not None:
        query = _e(chosen.entry.query)
        actions = (
            '<span class="actions">'
            f'<a id="download-html" href="/download?{query}&amp;format=html">.html</a>'
            f'<a id="download-eml" href="/download?{query}&amp;format=eml">.eml</a>'
            f'<button type="button" id="send-test">Send test to {_e(send_to)}</button>'
            '<span id="send-status" role="status"></span></span>'
        )
    return (
        '<div class="bar">'
        + group("Width", *(button("width", w, f"{w}px") for w in ("320", "375", "600")),
                button("width", "full", "Full"))
        + group("Scheme", button("scheme", "light", "Light"), button("scheme", "dark", "Dark"),
                button("scheme", "invert", "Inverted (Gmail)"))
        + group("Images", button("images", "on", "Images on"),
                button("images", "off", "Images off"))
        + actions
        + '<span class="status" id="status">connecting</span></div>'
    )  # fmt: skip


_TABS = (
    ("email", "Email"),
    ("text", "Text"),
    ("source", "HTML source"),
    ("headers", "Headers"),
    ("checks", "Checks"),
)


def _findings(result: Result) -> str:
    findings = result.report.findings if result.report else ()
    items = "".join(f'<li class="finding {_e(f.severity)}">{_e(f)}</li>' for f in findings)
    return f'<ul class="findings internal">{items or "<li>all checks pass</li>"}</ul>'


def _headers(message: Message | str) -> str:
    if isinstance(message, str):
        return f'<p class="failure">{_e(message)}</p>'
    rows = "".join(
        f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in message.items()
    )
    return f'<table class="headers" id="headers">{rows}</table>'


def _content(result: Result | None, message: Message | str) -> str:
    if result is None:
        return '<div class="content"><p class="failure">No such email.</p></div>'
    entry = result.entry
    head = f'<h2 class="title" data-live="title">{_e(entry.order)} · {_e(_title(entry))}</h2>'
    if result.email is None:
        return (
            f'<div class="content">{head}'
            f'<p class="failure" id="failure" data-live="failure">{_e(result.error)}</p></div>'
        )
    email = result.email
    findings = result.report.findings if result.report else ()
    errors = sum(1 for f in findings if f.severity == "error")
    summary = f"{errors} errors, {len(findings) - errors} warnings" if findings else "all pass"
    meta = (
        '<dl data-live="meta">'
        f'<dt>Subject</dt><dd class="subject">{_e(email.subject)}</dd>'
        f'<dt>Preheader</dt><dd class="preheader">{_e(email.preheader)}</dd>'
        f'<dt>Size</dt><dd class="size">HTML {_kb(len(email.html.encode()))} · '
        f"text {_kb(len(email.text.encode()))}</dd>"
        f'<dt>Checks</dt><dd class="checks">{_e(summary)}</dd></dl>'
    )
    tabs = "".join(
        f'<button type="button" role="tab" id="tab-{name}" data-tab="{name}" '
        f'aria-controls="panel-{name}" aria-selected="false">{label}</button>'
        for name, label in _TABS
    )
    panels = (
        # No scripts, as in a mail client; same origin so the page can size the frame.
        '<section class="panel" id="panel-email" role="tabpanel"><div class="frame">'
        f'<iframe class="email" id="email" title="{_e(email.subject)}" '
        'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox" '
        f'data-src="/email?{_e(entry.query)}"></iframe></div></section>'
        '<section class="panel" id="panel-text" role="tabpanel" hidden>'
        f'<pre class="text" id="text" data-live="text">{_e(email.text)}</pre></section>'
        '<section class="panel" id="panel-source" role="tabpanel" hidden>'
        '<p><button type="button" id="copy-source">Copy HTML</button> '
        '<span id="copy-status" class="note" role="status"></span></p>'
        f'<pre class="source" id="source" data-live="source">{_e(email.html)}</pre></section>'
        '<section class="panel" id="panel-headers" role="tabpanel" hidden>'
        f'<div data-live="headers">{_headers(message)}</div></section>'
        '<section class="panel" id="panel-checks" role="tabpanel" hidden>'
        f'<h3>delightmail check</h3><div data-live="findings">{_findings(result)}</div>'
        "<h3>External checks (as <code>delightmail check --external</code>)</h3>"
        '<div id="external" class="external-box" data-live="external">'
        "Run when this tab opens.</div></section>"
    )
    return (
        f'<div class="content">{head}{meta}<div class="tabs" role="tablist">{tabs}</div>'
        f"{panels}</div>"
    )


def render_page(
    entries: list[Entry],
    chosen: Result | None,
    version: int,
    *,
    message: Message | str = "",
    token: str = "",
    send_to: str = "",
) -> str:
    """The app's page: the sidebar of *entries*, and *chosen* large beside it, with its
    *message* headers (or why there are none). Every value from an order, a file name or a
    template is escaped."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>delightmail preview</title><style>{_STYLE}</style></head>"
        f'<body data-version="{version}" data-token="{_e(token)}" '
        f'data-query="{_e(chosen.entry.query if chosen else "")}">'
        f"{_sidebar(entries, chosen.entry if chosen else None)}"
        f'<main id="main">{_toolbar(chosen, send_to)}{_content(chosen, message)}</main>'
        f"<script>{_SCRIPT}</script></body></html>"
    )


_DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*(dark|light)\s*\)", re.IGNORECASE)
# What Gmail's and Outlook's apps do to an email, roughly: invert the colours, keep the
# hues, leave pictures alone (inverted twice).
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


def inverted_html(email_html: str) -> str:
    """*email_html* as Gmail's apps force it dark: every colour inverted (hues kept), its
    own dark styles ignored, pictures inverted back."""
    return _in_head(email_html, _FORCED_DARK)


def _in_head(email_html: str, style: str) -> str:
    head_end = email_html.lower().find("</head>")
    if head_end < 0:
        return style + email_html
    return email_html[:head_end] + style + email_html[head_end:]


def download_name(entry: Entry, suffix: str) -> str:
    """A file name for *entry* safe in any ``Content-Disposition`` and file system:
    ``01-one-item-postcard-de_DE.eml``; only letters, digits, ``.``, ``_`` and ``-``."""
    parts = (entry.order, entry.template, entry.locale, entry.tone)
    stem = re.sub(r"[^A-Za-z0-9._]+", "-", "-".join(p for p in parts if p)).strip("-.")
    return f"{stem[:100] or 'email'}.{suffix}"


# -- sending a test --------------------------------------------------------------


@dataclass(frozen=True)
class SendSettings:
    """Where the send-test button sends the email shown, and as whom.

    :param to: the one address it goes to (never one a request names).
    :param server: ``HOST:PORT`` of an SMTP server; ``None``: a local sink on
        127.0.0.1, started on the first send, that keeps what arrives.
    :param sender: the From address; by default the merchant's name and support email.
    """

    to: str = "preview@example.com"
    server: str | None = None
    sender: str | None = None
    starttls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Arrival:
    """One message the local sink received."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes


class _Sink:
    """aiosmtpd on 127.0.0.1, started on demand, keeping every message that arrives."""

    def __init__(self) -> None:
        self.arrived: list[Arrival] = []
        self.address = ""
        self._controller: Any = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.arrived.append(Arrival(envelope.mail_from, tuple(envelope.rcpt_tos), content))
        return "250 OK"

    def start(self) -> str:
        with self._lock:
            if self._controller is None:
                try:
                    from aiosmtpd.controller import Controller
                except ImportError:
                    raise InputError(
                        "the send-test needs --smtp HOST:PORT, or aiosmtpd for a local sink "
                        "(pip install aiosmtpd)"
                    ) from None
                with socket.socket() as probe:
                    probe.bind((HOST, 0))
                    port = probe.getsockname()[1]
                controller = Controller(self, hostname=HOST, port=port)
                controller.start()
                self._controller, self.address = controller, f"{HOST}:{port}"
            return self.address

    def stop(self) -> None:
        with self._lock:
            if self._controller is not None:
                self._controller.stop()
                self._controller = None


# -- the server ----------------------------------------------------------------

_MAX_BODY = 4096


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    timeout = 10  # an idle connection (a browser's preconnect) does not hold a thread long

    def log_message(self, format: str, *args: Any) -> None:
        pass  # The terminal shows the URL and errors, not every request.

    def _send(
        self, status: HTTPStatus, content_type: str, body: str | bytes, **headers: str
    ) -> None:
        payload = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        charset = "" if content_type.startswith("message/") else "; charset=utf-8"
        self.send_header("Content-Type", f"{content_type}{charset}")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: HTTPStatus, data: object) -> None:
        self._send(status, "application/json", json.dumps(data))

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
            self._json(HTTPStatus.OK, {"version": preview.version})
        elif url.path == "/events":
            self._events()
        elif url.path == "/":
            self._page(query)
        elif url.path == "/sink":
            self._json(HTTPStatus.OK, preview.arrivals())
        elif url.path in ("/email", "/text", "/download", "/checks"):
            self._email(url.path, query)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", f"not found: {url.path}")

    def _page(self, query: dict[str, str]) -> None:
        preview = self.server.preview
        version = preview.version
        entries = preview.entries()
        keys = ("order", "template", "locale", "tone")
        wanted = {k: v for k, v in query.items() if k in keys}
        found = [e for e in entries if all(getattr(e, k) == v for k, v in wanted.items())]
        chosen = preview.result(found[0]) if found else None
        if not wanted and not entries:
            chosen = None
        message: Message | str = ""
        if chosen is not None and chosen.email is not None:
            message = preview.headers(chosen.email)
        page = render_page(
            entries, chosen, version, message=message, token=preview.token,
            send_to=preview.send.to,
        )  # fmt: skip
        self._send(HTTPStatus.OK, "text/html", page)

    def _email(self, path: str, query: dict[str, str]) -> None:
        preview = self.server.preview
        entry = preview.find(query)
        if entry is None:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", "no such email")
            return
        result = preview.result(entry)
        if path == "/checks":
            self._json(HTTPStatus.OK, preview.external_checks(result))
            return
        email = result.email
        if email is None:
            self._send(HTTPStatus.OK, "text/plain", result.error)
        elif path == "/text":
            self._send(HTTPStatus.OK, "text/plain", email.text)
        elif path == "/download":
            kind = query.get("format", "html")
            if kind == "eml":
                try:
                    body: str | bytes = preview.message_bytes(email)
                except DelightmailError as exc:
                    self._send(HTTPStatus.CONFLICT, "text/plain", str(exc))
                    return
                content_type = "message/rfc822"
            else:
                kind, body, content_type = "html", email.html, "text/html"
            name = download_name(entry, kind)
            self._send(
                HTTPStatus.OK, content_type, body,
                Content_Disposition=f'attachment; filename="{name}"',
                Content_Security_Policy="script-src 'none'",
            )  # fmt: skip
        else:
            scheme = query.get("scheme", "")
            body = email.html
            if scheme == "dark" or query.get("dark") == "1":
                body = dark_html(body)
            elif scheme == "invert":
                body = inverted_html(body)
            # Mail clients run no scripts; neither does the preview of an email. A client
            # that blocks images shows their alt text in the space they would take.
            policy = "script-src 'none'"
            if query.get("images") == "off":
                policy += "; img-src 'none'"
            self._send(HTTPStatus.OK, "text/html", body, Content_Security_Policy=policy)

    def _events(self) -> None:
        """The push: a ``version`` event now and on every change, a comment line
        every few seconds (so a closed tab is noticed), until the server stops."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.close_connection = True
        seen = 0
        with preview.streaming():
            try:
                self.wfile.write(b"retry: 500\n\n")
                while True:
                    version = preview.wait_for_change(seen, timeout=5.0)
                    if version is None:
                        return  # the server is stopping
                    if version != seen:
                        self.wfile.write(f"event: version\ndata: {version}\n\n".encode())
                        seen = version
                    else:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            except OSError:
                return  # the page went away

    def do_POST(self) -> None:
        if not self._host_is_ours():
            self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain", "not this server's name")
            return
        url = urlsplit(self.path)
        if url.path != "/send":
            self._send(HTTPStatus.NOT_FOUND, "text/plain", f"not found: {url.path}")
            return
        preview = self.server.preview
        # Only the page itself may send: a page elsewhere cannot forge Origin in a
        # browser, nor read the token out of this page.
        origin = (self.headers.get("Origin") or "").strip().lower()
        if origin != f"http://{(self.headers.get('Host') or '').strip().lower()}":
            self._json(HTTPStatus.FORBIDDEN, {"error": "not sent: not a request of this page"})
            return
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "not sent: a bad request body"})
            return
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
                .items()}  # fmt: skip
        if not secrets.compare_digest(form.get("token", ""), preview.token):
            self._json(HTTPStatus.FORBIDDEN, {"error": "not sent: this page is out of date"})
            return
        entry = preview.find(form)
        if entry is None:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not sent: no such email"})
            return
        result = preview.result(entry)
        if result.email is None:
            self._json(HTTPStatus.CONFLICT, {"error": f"not sent: {result.error}"})
            return
        try:
            said = preview.send_test(result.email)
        except DelightmailError as exc:
            self._json(HTTPStatus.BAD_GATEWAY, {"error": f"not sent: {exc}"})
            return
        self._json(HTTPStatus.OK, {"message": said})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    preview: PreviewServer


class PreviewServer:
    """Serves a :class:`Gallery` on 127.0.0.1 and watches its files for changes.

    :param port: the port to listen on; 0 picks a free one (see :attr:`url`).
    :param send: where the send-test button sends; by default to a local sink.
    """

    def __init__(self, gallery: Gallery, port: int = 0, send: SendSettings | None = None) -> None:
        self.gallery = gallery
        self.send = send or SendSettings()
        self.version = 1
        #: Proves a POST comes from this server's own page.
        self.token = secrets.token_urlsafe(24)
        self._lock = threading.Lock()
        self._change = threading.Condition(self._lock)
        self._cache: dict[Entry, Result] = {}
        self._external: dict[Entry, dict[str, Any]] = {}
        self._external_lock = threading.Lock()
        self._entries: list[Entry] | None = None
        self._stop = threading.Event()
        self._streams = 0
        self._sink = _Sink()
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

    def find(self, query: dict[str, str]) -> Entry | None:
        """The entry that *query* (``order``, ``template``, ``locale``, ``tone``) names."""
        key = (
            query.get("order"),
            query.get("template"),
            query.get("locale", ""),
            query.get("tone", ""),
        )
        for entry in self.entries():
            if (entry.order, entry.template, entry.locale, entry.tone) == key:
                return entry
        return None

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

    def _sender(self) -> str | tuple[str, str]:
        if self.send.sender:
            return self.send.sender
        merchant = self.gallery._merchant()
        if merchant.support_email:
            return (merchant.name, str(merchant.support_email))
        raise InputError("the merchant has no support_email: pass --sender ADDRESS")

    def _message(self, email: RenderedEmail, to: str | None = None) -> bytes:
        # To the order's customer, as it will be sent; to the send-test address if the
        # order has none.
        to = to or (None if email.recipient else self.send.to)
        return email.to_bytes(sender=self._sender(), to=to)

    def message_bytes(self, email: RenderedEmail) -> bytes:
        """*email* as the message its customer gets (the ``.eml`` download)."""
        return self._message(email)

    def headers(self, email: RenderedEmail) -> Message | str:
        """The headers of :meth:`message_bytes`, or why there is no message."""
        try:
            return BytesHeaderParser(policy=default).parsebytes(self._message(email))
        except DelightmailError as exc:
            return str(exc)

    def send_test(self, email: RenderedEmail) -> str:
        """Send *email* to the configured address alone; what happened, in one line.

        :raises DelightmailError: it could not be built or sent.
        """
        # smtplib and ssl load only for a send.
        from .sending import send_message

        settings = self.send
        data = self._message(email, to=settings.to)
        sender = parse_address(self._sender()).address
        envelope = (sender, [parse_address(settings.to).address])
        server = settings.server or self._sink.start()
        send_message(
            data, server, starttls=settings.starttls, user=settings.user,
            password=settings.password, envelope=envelope, timeout=10.0,
        )  # fmt: skip
        where = server if settings.server else f"the local sink on {server}"
        message_id = BytesHeaderParser().parsebytes(data)["Message-ID"]
        return f"sent {message_id} to {envelope[1][0]} through {where}"

    def arrivals(self) -> list[dict[str, Any]]:
        """What the local sink received, oldest first."""
        parsed = []
        for arrival in list(self._sink.arrived):
            head = BytesHeaderParser(policy=default).parsebytes(arrival.data)
            parsed.append({
                "from": arrival.sender, "to": list(arrival.recipients),
                "subject": str(head["Subject"] or ""), "size": len(arrival.data),
            })  # fmt: skip
        return parsed

    def external_checks(self, result: Result) -> dict[str, Any]:
        """The external checkers' findings for *result*, run once per version of the files
        (they take seconds), with what is not installed."""
        from .checks_external import ExternalCheckers, tools_missing

        with self._lock:
            version = self.version
            cached = self._external.get(result.entry)
        if cached is not None:
            return cached
        if result.email is None:
            return {"version": version, "error": result.error, "findings": [], "missing": []}
        with self._external_lock:  # one Chromium and one SpamAssassin at a time
            try:
                with ExternalCheckers() as checkers:
                    findings = checkers.check(result.email)
            except DelightmailError as exc:
                return {"version": version, "error": str(exc), "findings": [], "missing": []}
        data = {
            "version": version,
            "missing": tools_missing(),
            "findings": [{"severity": f.severity, "text": str(f)} for f in findings],
        }
        with self._lock:
            if version == self.version:
                self._external[result.entry] = data
        return data

    def changed(self) -> None:
        """Forget every render and tell the open pages to re-render."""
        with self._change:
            self.version += 1
            self._cache.clear()
            self._external.clear()
            self._entries = None
            self._change.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int | None:
        """The version once it is not *seen* (or after *timeout*); ``None`` once stopping."""
        with self._change:
            self._change.wait_for(
                lambda: self.version != seen or self._stop.is_set(), timeout=timeout
            )
            return None if self._stop.is_set() else self.version

    @contextmanager
    def streaming(self) -> Iterator[None]:
        """Count an open event stream while it lasts, so that :meth:`stop` waits for it."""
        with self._change:
            self._streams += 1
        try:
            yield
        finally:
            with self._change:
                self._streams -= 1
                self._change.notify_all()

    def _watch(self) -> None:
        paths = self.gallery.watch_paths()
        for _changes in watchfiles.watch(
            *paths, stop_event=self._stop, debounce=100, step=50, raise_interrupt=False
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
        """Stop serving and watching; open event streams end at once."""
        with self._change:
            self._stop.set()
            self._change.notify_all()
        if self._threads:
            self._httpd.shutdown()
        with self._change:  # each stream notices the stop and returns
            self._change.wait_for(lambda: self._streams == 0, timeout=5)
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self._sink.stop()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
