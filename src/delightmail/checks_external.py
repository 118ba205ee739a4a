"""The external checkers: what real tools say about a rendered email.

- the reference MJML validator (npm ``mjml``, ``--validate``), which catches what
  mjml-python accepts silently;
- caniemail's data through npm ``doiuse-email``: CSS and HTML that Gmail,
  Outlook or Apple Mail drop, less the findings accepted on purpose in
  ``caniemail_allowlist.toml``;
- axe-core (npm) in Debian's headless Chromium, light and dark, and the
  contrast of every piece of text with dark mode on;
- Debian's SpamAssassin, offline (``spamassassin -L``).

Each function returns :class:`~delightmail.findings.Finding` objects like the
built-in checks. A tool that is not installed is not an error here: its check
gives one ``info`` finding saying what to install (``make system-deps``). A
tool that is installed and fails (a timeout, a crash, output that makes no
sense) is a :class:`~delightmail.exceptions.CheckerError` naming the tool; a
broken allowlist is an :class:`~delightmail.exceptions.InputError`.

>>> with ExternalCheckers() as checkers:  # doctest: +SKIP
...     findings = checkers.check(email)
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .exceptions import CheckerError, DelightmailError, InputError, ScreenshotError
from .findings import Finding, Severity
from .rendered import RenderedEmail
from .rendering import Mailer
from .screenshot import chromium_path, launch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Route

__all__ = [
    "ALLOWLIST_PATH",
    "EMAIL_CLIENTS",
    "MIN_CONTRAST",
    "SPAM_THRESHOLD",
    "ExternalCheckers",
    "SpamResult",
    "lint_css",
    "load_allowlist",
    "node_modules",
    "render_mjml",
    "spam_scores",
    "validate_mjml",
]

#: Where the npm packages are, when not in ``node_modules`` above the working directory.
NODE_MODULES_ENV = "DELIGHTMAIL_NODE_MODULES"
#: The clients the CSS is linted for, as doiuse-email names them.
EMAIL_CLIENTS = ("gmail.*", "outlook.*", "apple-mail.*")
#: The accepted doiuse-email findings, each with its reason.
ALLOWLIST_PATH = Path(__file__).with_name("caniemail_allowlist.toml")
#: A message must score under this with SpamAssassin (5.0 is its "spam" line).
SPAM_THRESHOLD = 2.0
#: WCAG AA contrast for body text; large text (24px, or 18.66px bold) needs 3:1.
MIN_CONTRAST = 4.5
#: How long one external tool may take before it counts as failed.
TIMEOUT_SECONDS = 120

_PLACEHOLDER_SENDER = ("Shop", "orders@shop.example.com")
_PLACEHOLDER_RECIPIENT = ("Customer", "customer@example.com")


def _info(check: str, message: str) -> Finding:
    return Finding(check, "info", message)


def node_modules() -> Path | None:
    """The ``node_modules`` folder with the npm checkers, or ``None``.

    ``$DELIGHTMAIL_NODE_MODULES`` if set, else the first ``node_modules`` in the
    working directory or above it, else the one beside a source checkout.
    """
    configured = os.environ.get(NODE_MODULES_ENV)
    if configured:
        return Path(configured)
    cwd = Path.cwd().resolve()
    candidates = [folder / "node_modules" for folder in (cwd, *cwd.parents)]
    candidates.append(Path(__file__).resolve().parents[2] / "node_modules")
    return next((path for path in candidates if path.is_dir()), None)


def _npm_package(package: str, entry: str) -> Path | None:
    """The file *entry* of the npm *package*, if node and the package are installed."""
    folder = node_modules()
    if folder is None or shutil.which("node") is None:
        return None
    path = folder / package / entry
    return path if path.is_file() else None


def _browser_errors() -> tuple[type[Exception], ...]:
    # Playwright is optional and slow to import: looked up only once something failed.
    try:
        from playwright.sync_api import Error
    except ImportError:
        return ()
    return (Error,)


@contextmanager
def _failures(tool: str) -> Iterator[None]:
    """Turn what an external tool's failure raises into a :class:`CheckerError` naming *tool*.

    The one place the checkers' dependencies fail into delightmail's errors: a
    timeout, a binary that cannot start, a temporary file that cannot be
    written, output that is not what was asked for, a browser that crashed.
    """
    try:
        yield
    except DelightmailError:
        raise
    except subprocess.TimeoutExpired:
        raise CheckerError(f"no answer in {TIMEOUT_SECONDS} s", tool) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise CheckerError(f"could not run: {exc}", tool) from exc
    except ValueError as exc:  # JSON or a score that does not parse
        raise CheckerError(f"said something unexpected: {exc}", tool) from exc
    except Exception as exc:
        if isinstance(exc, _browser_errors()):
            first = str(exc).strip().splitlines()[:1] or [type(exc).__name__]
            raise CheckerError(f"Chromium failed: {first[0]}", tool) from exc
        raise


def _run(command: Sequence[str], stdin: str | bytes = b"") -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
    )


# -- MJML: the reference validator -------------------------------------------------

_MJML_FINDING = re.compile(r"^Line (\d+) of (.+?) \((.+?)\) — (.+)$", re.MULTILINE)


def render_mjml(mailer: Mailer, order: Any) -> str:
    """The MJML that *mailer*'s template makes for *order*: its Jinja rendered, no HTML yet.

    This is what the reference path hands to MJML, so validating it checks the
    markup each example order really produces (Jinja tokens in attributes, as in
    the tokenized source, would fail the validator's type checks for nothing).
    """
    reference = mailer
    if mailer.precompile:
        reference = Mailer(
            mailer.merchant,
            mailer.folder,
            mailer.locale,
            tone=mailer.tone,
            precompile=False,
            pack_dirs=mailer.pack_dirs,
        )
    # On the reference path the HTML template is the author's Jinja, which renders MJML.
    context = reference.context(order)
    return reference.html_template(context["locale"]).render(context)


def validate_mjml(sources: Mapping[str, str]) -> list[Finding]:
    """Run the reference validator (``mjml --validate``) on each MJML document.

    :param sources: a name for each document (shown in ``where``) and its MJML.
    """
    cli = _npm_package("mjml", "bin/mjml")
    if cli is None:
        return [_info("mjml", "skipped: npm mjml is not installed (npm ci)")]
    findings: list[Finding] = []
    with _failures("mjml"), tempfile.TemporaryDirectory(prefix="delightmail-mjml-") as tmp:
        paths: dict[str, str] = {}
        for number, (name, source) in enumerate(sources.items()):
            path = Path(tmp) / f"{number:04d}.mjml"
            path.write_text(source, encoding="utf-8")
            paths[str(path)] = name
        result = _run(["node", str(cli), "--validate", *paths])
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        for match in _MJML_FINDING.finditer(output):
            line, filename, tag, message = match.groups()
            where = f"{paths.get(filename, filename)}:{line} <{tag}>"
            findings.append(Finding("mjml", "error", message.strip(), where))
        if result.returncode != 0 and not findings:
            first = output.strip().splitlines()[:1] or ["no output"]
            findings.append(Finding("mjml", "error", f"mjml --validate failed: {first[0]}"))
    return findings


# -- caniemail, through doiuse-email -------------------------------------------------

_DOIUSE_SCRIPT = """
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
const { doIUseEmail } = await import(pathToFileURL(process.argv[1]).href);
const clients = process.argv[2].split(",");
const documents = JSON.parse(readFileSync(0, "utf8"));
const results = documents.map((html) => doIUseEmail(html, { emailClients: clients }));
process.stdout.write(JSON.stringify(results));
"""

_UNSUPPORTED = re.compile(r"^`(.+)` is not supported by `(.+)`$")


@dataclass(frozen=True)
class Allowed:
    """One accepted doiuse-email finding: a feature, the clients it is accepted for, and why."""

    feature: str
    clients: frozenset[str]
    reason: str


def load_allowlist(path: Path = ALLOWLIST_PATH) -> dict[str, Allowed]:
    """The accepted findings of *path*, by feature.

    Each table is a feature as doiuse-email names it, with ``clients`` (the
    clients it is accepted for) and a non-empty ``reason``.

    :raises InputError: *path* cannot be read, is not TOML, or has an entry without a reason.
    """
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    allowed: dict[str, Allowed] = {}
    for feature, entry in data.items():
        if not isinstance(entry, dict):
            raise InputError(f"{path}: {feature!r} is not a table; write [{feature!r}]")
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise InputError(f"{path}: [{feature!r}] has no reason; say why it is accepted")
        clients = frozenset(str(client) for client in entry.get("clients", ()))
        allowed[feature] = Allowed(feature, clients, reason)
    return allowed


def _doiuse(documents: Sequence[str]) -> list[dict[str, Any]] | None:
    entry = _npm_package("doiuse-email", "index.js")
    if entry is None:
        return None
    command = ["node", "--input-type=module", "-e", _DOIUSE_SCRIPT, str(entry)]
    with _failures("doiuse-email"):
        result = _run([*command, ",".join(EMAIL_CLIENTS)], json.dumps(list(documents)))
        if result.returncode != 0:
            error = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise CheckerError(f"failed: {error[0] if error else 'no output'}", "doiuse-email")
        results: list[dict[str, Any]] = json.loads(result.stdout)
    return results


def _css_findings(result: Mapping[str, Any], allowed: Mapping[str, Allowed]) -> list[Finding]:
    unsupported: dict[str, set[str]] = {}
    for error in result.get("errors", ()):
        match = _UNSUPPORTED.match(str(error))
        if match is None:
            unsupported.setdefault(str(error), set())
            continue
        feature, client = match.groups()
        unsupported.setdefault(feature, set()).add(client)
    findings = []
    for feature, clients in sorted(unsupported.items()):
        entry = allowed.get(feature)
        if entry is not None and clients <= entry.clients:
            continue
        new = sorted(clients - entry.clients) if entry else sorted(clients)
        message = f"`{feature}` is not supported by {', '.join(new) or 'some clients'}"
        findings.append(Finding("caniemail", "error", f"{message}; fix it or allowlist it"))
    return findings


def lint_css(
    documents: Sequence[str], allowlist: Mapping[str, Allowed] | None = None
) -> list[list[Finding]]:
    """Lint each HTML document of *documents* against caniemail's data (one node process).

    A feature a client does not support is an error unless the allowlist
    accepts it for that client. Partial support is not reported: caniemail
    calls ``margin`` and ``padding`` partial in most clients.
    """
    allowed = load_allowlist() if allowlist is None else allowlist
    results = _doiuse(documents)
    if results is None:
        skipped = _info("caniemail", "skipped: npm doiuse-email is not installed (npm ci)")
        return [[skipped] for _ in documents]
    return [_css_findings(result, allowed) for result in results]


def unsupported_features(html: str) -> dict[str, set[str]]:
    """Every ``(feature, clients)`` doiuse-email reports for *html*, allowlisted or not."""
    results = _doiuse([html]) or [{}]
    found: dict[str, set[str]] = {}
    for error in results[0].get("errors", ()):
        if match := _UNSUPPORTED.match(str(error)):
            found.setdefault(match.group(1), set()).add(match.group(2))
    return found


# -- SpamAssassin ----------------------------------------------------------------------

_SPAM_STATUS = re.compile(
    r"^X-Spam-Status: (?P<verdict>\w+), score=(?P<score>-?[\d.]+) required=[\d.]+"
    r"(?:\s+tests=(?P<tests>[\w,\s]*?))?\s+autolearn",
    re.MULTILINE,
)


@dataclass(frozen=True)
class SpamResult:
    """SpamAssassin's verdict on one message: its score and the rules that fired."""

    score: float
    rules: tuple[str, ...]

    def findings(self, threshold: float = SPAM_THRESHOLD) -> list[Finding]:
        """An error when the score reaches *threshold*, else an info finding with the score."""
        rules = ", ".join(self.rules) or "none"
        if self.score >= threshold:
            message = f"SpamAssassin scores {self.score:.1f} (limit {threshold}); rules: {rules}"
            return [Finding("spam", "error", message)]
        return [Finding("spam", "info", f"SpamAssassin scores {self.score:.1f}; rules: {rules}")]


def spam_scores(messages: Sequence[EmailMessage]) -> list[SpamResult] | None:
    """Score *messages* with SpamAssassin, offline (``-L``), in one run; ``None`` if not installed.

    The messages go through as one mbox, so that the rules load once.
    """
    command = shutil.which("spamassassin")
    if command is None:
        return None
    if not messages:
        return []
    with _failures("spamassassin"):
        with tempfile.TemporaryDirectory(prefix="delightmail-spam-") as tmp:
            path = Path(tmp) / "messages.mbox"
            box = mailbox.mbox(path)
            for message in messages:
                box.add(message)
            box.close()
            data = path.read_bytes()
            result = _run([command, "-L", "-t", "--mbox"], data)
        output = result.stdout.decode("utf-8", "replace")
        statuses = list(_SPAM_STATUS.finditer(output))
        if result.returncode != 0 or len(statuses) != len(messages):
            error = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
            raise CheckerError(
                f"scored {len(statuses)} of {len(messages)} messages "
                f"(exit {result.returncode}): {error[0] if error else 'no output'}",
                "spamassassin",
            )
        return [
            SpamResult(
                score=float(status["score"]),
                rules=tuple(rule for rule in re.split(r"[\s,]+", status["tests"] or "") if rule),
            )
            for status in statuses
        ]


def message_for(email: RenderedEmail) -> EmailMessage:
    """*email* as the message a shop would send, with placeholders where it has no address."""
    return email.to_message(
        sender=_PLACEHOLDER_SENDER, to=email.recipient or _PLACEHOLDER_RECIPIENT
    )


# -- Chromium: axe-core and dark mode ----------------------------------------------

# Every element with its own visible text: its colour, the colour it sits on
# (the first opaque background up the tree, else the page's canvas), its size.
_CONTRAST_SCRIPT = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const canvas = matchMedia("(prefers-color-scheme: dark)").matches &&
      getComputedStyle(document.documentElement).colorScheme.includes("dark")
    ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const background = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    const root = parse(getComputedStyle(document.documentElement).backgroundColor);
    return root[3] > 0.5 ? root : canvas;
  };
  const visible = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const s = getComputedStyle(node);
      if (s.display === "none" || s.visibility === "hidden") return false;
      if (Number(s.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const s = getComputedStyle(el);
    const fg = lum(parse(s.color)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    out.push({tag: el.tagName.toLowerCase(), text: el.textContent.trim().slice(0, 40),
              color: s.color, background: `rgb(${background(el).slice(0, 3).join(", ")})`,
              ratio: Math.round(ratio * 100) / 100, large});
  }
  return out;
}
"""

_AXE_SEVERITY: Mapping[str, Severity] = {
    "critical": "error",
    "serious": "error",
    "moderate": "info",
    "minor": "info",
}


@dataclass(frozen=True)
class TextContrast:
    """One piece of visible text as Chromium draws it: its colours and their contrast."""

    tag: str
    text: str
    color: str
    background: str
    ratio: float
    large: bool

    @property
    def readable(self) -> bool:
        """WCAG AA: 4.5:1, or 3:1 for large text."""
        return self.ratio >= (3.0 if self.large else MIN_CONTRAST)


def _offline(route: Route) -> None:
    # Images and fonts would be fetched from the shop: the page is checked
    # offline, as a client shows it before it loads images.
    url = route.request.url
    if url.startswith(("http:", "https:")):
        route.abort()
    else:
        route.continue_()


class ExternalCheckers:
    """The external checkers, with one Chromium shared by every email checked.

    Use it as a context manager; Chromium starts on the first check that needs
    it. Without Playwright or Chromium, the browser checks give one ``info``
    finding each instead.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._pages: dict[bool, Page] = {}
        self._loaded: dict[bool, str] = {}
        self._missing_browser: str | None = None

    def __enter__(self) -> ExternalCheckers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop Chromium, if it was started."""
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None
        self._pages.clear()
        self._loaded.clear()

    def _page(self, dark: bool) -> Page | None:
        if dark in self._pages:
            return self._pages[dark]
        if self._missing_browser is not None:
            return None
        if self._browser is None:
            path = chromium_path()
            if path is None or not path.exists():
                self._missing_browser = "Chromium is not installed (make system-deps)"
                return None
            try:
                # Playwright is optional and slow to import: loaded on the first browser check.
                from playwright.sync_api import sync_playwright
            except ImportError:
                self._missing_browser = "Playwright is not installed (pip install playwright)"
                return None
            self._playwright = sync_playwright().start()
            try:
                self._browser = launch(self._playwright)
            except ScreenshotError as exc:
                self._missing_browser = str(exc)
                self.close()
                return None
        context = self._browser.new_context(
            viewport={"width": 600, "height": 900}, color_scheme="dark" if dark else "light"
        )
        page = context.new_page()
        page.route("**/*", _offline)
        self._pages[dark] = page
        return page

    def _load(self, html: str, dark: bool) -> Page | None:
        with _failures("chromium"):
            page = self._page(dark)
            if page is not None and self._loaded.get(dark) != html:
                page.set_content(html, wait_until="load")
                self._loaded[dark] = html
        return page

    def axe(self, html: str, *, dark: bool = False) -> list[Finding]:
        """Run axe-core on *html* in Chromium; serious and critical violations are errors."""
        check = "axe-dark" if dark else "axe"
        script = _npm_package("axe-core", "axe.min.js")
        if script is None:
            return [_info(check, "skipped: npm axe-core is not installed (npm ci)")]
        page = self._load(html, dark)
        if page is None:
            return [_info(check, f"skipped: {self._missing_browser}")]
        with _failures("axe-core"):
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.add_script_tag(path=str(script))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        findings = []
        for violation in result["violations"]:
            nodes = violation["nodes"]
            where = " ".join(str(part) for part in nodes[0]["target"]) if nodes else ""
            count = f" ({len(nodes)} elements)" if len(nodes) > 1 else ""
            severity = _AXE_SEVERITY.get(str(violation["impact"]), "warning")
            message = f"{violation['id']} [{violation['impact']}]: {violation['help']}{count}"
            findings.append(Finding(check, severity, message, where))
        return findings

    def text_contrast(self, html: str, *, dark: bool = False) -> list[TextContrast] | None:
        """Every piece of visible text in *html* with its contrast, as Chromium draws it."""
        page = self._load(html, dark)
        if page is None:
            return None
        with _failures("chromium"):
            return [TextContrast(**item) for item in page.evaluate(_CONTRAST_SCRIPT)]

    def dark_mode(self, html: str) -> list[Finding]:
        """With dark mode on, every piece of text still has WCAG AA contrast."""
        texts = self.text_contrast(html, dark=True)
        if texts is None:
            return [_info("dark-mode", f"skipped: {self._missing_browser}")]
        return [
            Finding(
                "dark-mode",
                "error",
                f"{text.color} on {text.background} is {text.ratio}:1 in dark mode",
                f"<{text.tag}> {text.text!r}",
            )
            for text in texts
            if not text.readable
        ]

    def check(self, email: RenderedEmail, message: EmailMessage | None = None) -> list[Finding]:
        """Every external check that applies to one email (MJML is per template: see
        :func:`validate_mjml`)."""
        return self.check_many([email], [message] if message else None)[0]

    def check_many(
        self, emails: Sequence[RenderedEmail], messages: Sequence[EmailMessage] | None = None
    ) -> list[list[Finding]]:
        """:meth:`check` for many emails, running node and SpamAssassin once for all."""
        messages = list(messages) if messages is not None else [message_for(e) for e in emails]
        css = lint_css([email.html for email in emails])
        spam = spam_scores(messages)
        reports = []
        for number, email in enumerate(emails):
            findings = list(css[number])
            findings += self.axe(email.html)
            findings += self.axe(email.html, dark=True)
            findings += self.dark_mode(email.html)
            if spam is None:
                findings.append(_info("spam", "skipped: spamassassin is not installed"))
            else:
                findings += spam[number].findings()
            reports.append(findings)
        return reports


def tools_missing() -> list[str]:
    """What of the external tools is not installed here (empty when all of them are)."""
    missing = [
        f"npm {package}"
        for package, entry in (
            ("mjml", "bin/mjml"),
            ("doiuse-email", "index.js"),
            ("axe-core", "axe.min.js"),
        )
        if _npm_package(package, entry) is None
    ]
    if shutil.which("spamassassin") is None:
        missing.append("spamassassin")
    path = chromium_path()
    if path is None or not path.exists():
        missing.append("chromium")
    return missing


def summarize(findings: Iterable[Finding]) -> str:
    """One line per finding, for a test failure message."""
    return "\n".join(str(finding) for finding in findings)
