"""Helpers for testing code that renders emails with delightmail.

>>> from delightmail.testing import assert_same_html
>>> assert_same_html("<p>a  b</p>", "<p>a b</p>")
"""

from __future__ import annotations

import difflib
import re

import lxml.html
from lxml import etree

__all__ = ["assert_same_html", "normalize_html"]


_SHORT_HEX = re.compile(r"#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])\b")


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _colors(value: str) -> str:
    # cssutils shortens the colours it parses (#ffffff to #fff); both are one colour.
    return _SHORT_HEX.sub(lambda m: "#" + "".join(c * 2 for c in m.groups()), value).lower()


def _style(value: str) -> str:
    declarations = []
    for part in value.split(";"):
        name, sep, rest = part.partition(":")
        if sep:
            declarations.append(f"{name.strip().lower()}:{_colors(_text(rest))}")
    return ";".join(declarations)


def normalize_html(html: str) -> str:
    """*html* as one line per node, for comparing two documents as parsed HTML.

    Whitespace runs are folded, attributes sorted, ``style`` declarations
    tidied and their hex colours written in full (``#fff`` is ``#ffffff``);
    comments (Outlook's conditionals among them) are kept.
    """
    root = lxml.html.document_fromstring(html)
    lines: list[str] = []

    def walk(node: etree._Element, depth: int) -> None:
        pad = "  " * depth
        if isinstance(node, etree._Comment):
            lines.append(f"{pad}<!--{_text(node.text)}-->")
        else:
            attrs = ""
            for key, raw in sorted(node.attrib.items()):
                value = raw.decode() if isinstance(raw, bytes) else raw
                attrs += f' {key!s}="{_style(value) if key == "style" else _text(value)}"'

            lines.append(f"{pad}<{node.tag}{attrs}>")
            if text := _text(node.text):
                lines.append(f"{pad}  {text}")
            for child in node:
                walk(child, depth + 1)
        if tail := _text(node.tail):
            lines.append(f"{pad}{tail}")

    walk(root, 0)
    return "\n".join(lines)


def assert_same_html(actual: str, expected: str) -> None:
    """Fail with a readable diff unless the two documents parse to the same HTML."""
    left, right = normalize_html(actual), normalize_html(expected)
    if left != right:
        diff = "\n".join(
            difflib.unified_diff(
                right.splitlines(), left.splitlines(), "expected", "actual", lineterm="", n=2
            )
        )
        raise AssertionError(f"the HTML differs:\n{diff}")
