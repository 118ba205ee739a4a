"""Quality checks on a rendered email: will it arrive whole, readable and safe?

Each check looks at a :class:`~delightmail.rendered.RenderedEmail` and
reports :class:`~delightmail.findings.Finding` objects; :func:`check_email`
runs them all.

>>> report = check_email(email)  # doctest: +SKIP
>>> report.ok, [str(f) for f in report.findings]  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from .checks_external import ExternalCheckers
from .columns import display_width, is_wide
from .compiler import TOKEN_PREFIX
from .findings import Finding, Severity
from .limits import GMAIL_CLIP_BYTES, SIZE_BUDGET_BYTES, SUBJECT_MAX, TEXT_WIDTH
from .rendered import RenderedEmail

# Finding and Severity live in a leaf module shared with the external checkers;
# importable from here too, where they were first defined.
__all__ = ["CHECKS", "CheckReport", "Finding", "Severity", "check_email"]


@dataclass(frozen=True)
class CheckReport:
    """Every finding about one email."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """``True`` when no finding is an error."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


@dataclass(frozen=True)
class _Email:
    """A rendered email with its HTML parsed once for all the checks."""

    email: RenderedEmail
    root: etree._Element


def _describe(node: etree._Element) -> str:
    attrs = " ".join(f'{k!s}="{v!s}"' for k, v in list(node.attrib.items())[:2])
    return f"<{node.tag}{' ' + attrs if attrs else ''}>"


def check_size(doc: _Email) -> Iterator[Finding]:
    """The HTML part stays under Gmail's clipping limit, with room to spare."""
    size = len(doc.email.html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        yield Finding("size", "error", f"HTML is {size / 1024:.1f} KB: Gmail clips it after 102 KB")
    elif size > SIZE_BUDGET_BYTES:
        yield Finding("size", "warning", f"HTML is {size / 1024:.1f} KB, over the 90 KB budget")


# Template syntax, or a compiler token that never got its tag back.
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|" + re.escape(TOKEN_PREFIX) + r"\d{5}x")


def check_leftover_syntax(doc: _Email) -> Iterator[Finding]:
    """No template syntax or compiler token reached the customer."""
    for part, content in (("html", doc.email.html), ("text", doc.email.text)):
        if match := _LEFTOVER.search(content):
            line = content.count("\n", 0, match.start()) + 1
            yield Finding(
                "leftover-syntax",
                "error",
                f"{match.group()!r} left in the output",
                f"{part}:{line}",
            )


def check_lang(doc: _Email) -> Iterator[Finding]:
    """``<html>`` says which language and direction the email is in."""
    for attribute in ("lang", "dir"):
        value = doc.root.get(attribute)
        if not value or value == "und":
            yield Finding("lang", "error", f"<html> has no {attribute} attribute", "html")


def check_images(doc: _Email) -> Iterator[Finding]:
    """Every image has an ``alt`` (empty for decoration) and an http(s) source."""
    for img in doc.root.iter("img"):
        if img.get("alt") is None:
            yield Finding("image-alt", "error", "image without alt text", _describe(img))
        if urlsplit(img.get("src", "")).scheme not in ("http", "https"):
            yield Finding("image-src", "error", "image source is not http(s)", _describe(img))


def check_links(doc: _Email) -> Iterator[Finding]:
    """Every link goes to http(s) or mailto:/tel:, never javascript: or nowhere."""
    for anchor in doc.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        scheme = urlsplit(href).scheme.lower()
        if scheme not in ("http", "https", "mailto", "tel"):
            yield Finding("links", "error", f"link to {href!r} is not http(s)", _describe(anchor))


def check_layout_tables(doc: _Email) -> Iterator[Finding]:
    """Layout tables carry ``role="presentation"`` so screen readers don't announce them."""
    for table in doc.root.iter("table"):
        if table.get("role") != "presentation":
            yield Finding(
                "table-role", "warning", 'table without role="presentation"', _describe(table)
            )


def check_heading(doc: _Email) -> Iterator[Finding]:
    """The email has a real heading, for screen readers and for skimming."""
    if not any(True for _ in doc.root.iter("h1", "h2")):
        yield Finding("heading", "error", "no <h1> or <h2> heading")


def check_outlook(doc: _Email) -> Iterator[Finding]:
    """MJML's ``<!--[if mso]>`` conditionals survived, so Outlook keeps its layout."""
    if "<!--[if mso" not in doc.email.html:
        yield Finding("outlook", "error", "no <!--[if mso]> conditional comments left")


def check_dark_mode(doc: _Email) -> Iterator[Finding]:
    """The email says it supports dark mode and brings the colours for it.

    Without the ``color-scheme`` meta, clients that darken emails invert the
    colours themselves; with it, the ``prefers-color-scheme`` styles decide.
    """
    schemes = {
        (meta.get("name") or "").lower(): meta.get("content") or ""
        for meta in doc.root.iter("meta")
    }
    if "dark" not in schemes.get("color-scheme", ""):
        yield Finding("dark-mode", "warning", 'no <meta name="color-scheme" content="light dark">')
    styles = " ".join(style.text or "" for style in doc.root.iter("style"))
    if "prefers-color-scheme" not in styles:
        yield Finding("dark-mode", "warning", "no @media (prefers-color-scheme: dark) styles")


def check_subject(doc: _Email) -> Iterator[Finding]:
    """The subject is there and fits an inbox preview."""
    subject = doc.email.subject
    if not subject.strip():
        yield Finding("subject", "error", "empty subject")
    elif len(subject) > SUBJECT_MAX:
        yield Finding("subject", "warning", f"subject is {len(subject)} characters long")


_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"</?(?:a|p|br|div|span|table|td|tr|img|strong|em|h\d)\b[^>]*>", re.IGNORECASE)
_URL = re.compile(r"\b(?:https?://|mailto:)\S+")


def check_text(doc: _Email) -> Iterator[Finding]:
    """The plain-text part reads well on its own: no HTML, no entities, 78 columns
    (as a fixed-width font shows them: a Chinese or Japanese character takes two)."""
    text = doc.email.text
    if not text.strip():
        yield Finding("text", "error", "empty plain-text part")
    if match := _ENTITY.search(text):
        lineno = text.count("\n", 0, match.start()) + 1
        yield Finding("text", "error", f"HTML entity {match.group()!r}", f"text:{lineno}")
    if match := _TAG.search(text):
        lineno = text.count("\n", 0, match.start()) + 1
        yield Finding("text", "error", f"HTML tag {match.group()!r}", f"text:{lineno}")
    seen: set[str] = set()
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:)")
        if url in seen:
            lineno = text.count("\n", 0, match.start()) + 1
            yield Finding("text", "warning", f"link {url} shown twice", f"text:{lineno}")
        seen.add(url)
    for number, line in enumerate(text.splitlines(), start=1):
        # A long URL cannot be wrapped; words can, and so can East Asian text
        # (between its characters).
        columns = display_width(line)
        wrappable = " " in line.strip() or any(is_wide(char) for char in line)
        if columns > TEXT_WIDTH and wrappable and "://" not in line:
            yield Finding("text", "warning", f"line is {columns} columns", f"text:{number}")


CHECKS: tuple[Callable[[_Email], Iterator[Finding]], ...] = (
    check_size,
    check_leftover_syntax,
    check_lang,
    check_heading,
    check_images,
    check_links,
    check_layout_tables,
    check_outlook,
    check_dark_mode,
    check_subject,
    check_text,
)


def check_email(
    email: RenderedEmail, *, external: bool = False, checkers: ExternalCheckers | None = None
) -> CheckReport:
    """Run every check on *email* and collect what they found.

    :param external: also run the external checkers (caniemail, axe-core in
        Chromium light and dark, SpamAssassin; see :mod:`delightmail.checks_external`).
        A tool that is not installed gives an ``info`` finding, not an error.
    :param checkers: an open :class:`~delightmail.checks_external.ExternalCheckers`
        to share one Chromium between many emails; implies *external*.
    :raises CheckerError: an external checker is installed but failed.
    """
    doc = _Email(email=email, root=lxml.html.document_fromstring(email.html))
    findings = [finding for check in CHECKS for finding in check(doc)]
    if checkers is not None:
        findings += checkers.check(email)
    elif external:
        with ExternalCheckers() as own:
            findings += own.check(email)
    return CheckReport(findings=tuple(findings))
