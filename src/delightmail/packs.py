"""Story packs: the lines a story is told with, kept as data (TOML), one file per tone.

A pack is a TOML file with a ``[pack]`` table (its ``tone``) and a ``[lines]``
table of slots, each a list of Jinja expression templates::

    [pack]
    tone = "playful"

    [lines]
    opening = ["Somewhere in {{ town }} a small cheer just went up."]

Lines are English message ids, translated through the gettext catalogs; a
pack that sets ``locale = "de"`` is written in that language and used as is
for it. A merchant's own pack, in a folder passed as ``pack_dirs``, replaces
the slots it defines and keeps the built-in ones for the rest.

Lines run in Jinja's sandbox and may only read the story's variables: a pack
is validated when it is loaded, and every problem (bad TOML, bad syntax, an
unknown slot or variable, a reach for Python internals) is a
:class:`~delightmail.exceptions.PackError` naming the file and the entry.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .exceptions import PackError
from .models import TONES

__all__ = [
    "PACK_DIR",
    "SLOTS",
    "VARIABLES",
    "Line",
    "LineTemplate",
    "Pack",
    "compile_line",
    "load_pack",
]

PACK_DIR = Path(__file__).resolve().parent / "packs"

#: Slots every tone must fill; a story uses one line of each.
REQUIRED_SLOTS = ("subject", "preheader", "opening", "journey", "closing")
#: Slots used when they apply (a first order, express shipping, a gift...).
OPTIONAL_SLOTS = (
    "history_first",
    "history_returning",
    "history_milestone",
    "shipping_standard",
    "shipping_express",
    "shipping_pickup",
    "shipping_local_delivery",
    "shipping_digital",
    "extras",
    "gift",
)
SLOTS = REQUIRED_SLOTS + OPTIONAL_SLOTS

#: What a line may use, with a sample value to try each line on when it is loaded.
VARIABLES: Mapping[str, Any] = {
    "who": "Sam",
    "name": "Sam",
    "has_name": True,
    "items": "your three records and a T-shirt",
    "items_bare": "three records and a T-shirt",
    "one": False,
    "it": "them",
    "they": "they",
    "town": "Portland",
    "merchant": "Groove Harbor Records",
    "team": "the whole Groove Harbor crew",
    "packer": "Otis the shop cat",
    "day": "Sunday, November 22",
    "order_number": "#1001",
    "nth": "seven",
    "shipping_method": "UPS Ground",
    "extras": "a sticker in the box",
}

_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


Part = str | Callable[[Mapping[str, Any]], str]


def _lookup(key: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda variables: str(variables[key])


def _choose(key: str, yes: str, no: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda variables: yes if variables[key] else no


def _simple_parts(ast: nodes.Template) -> list[Part] | None:
    """The line as text and variable look-ups, if it is that simple (most lines are).

    Understood: plain text, ``{{ name }}`` and ``{{ 'is' if one else 'are' }}``.
    Anything else returns ``None`` and renders through the sandbox.
    """
    parts: list[Part] = []
    for output in ast.body:
        if not isinstance(output, nodes.Output):
            return None
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                parts.append(node.data)
            elif isinstance(node, nodes.Name):
                parts.append(_lookup(node.name))
            elif (
                isinstance(node, nodes.CondExpr)
                and isinstance(node.test, nodes.Name)
                and isinstance(node.expr1, nodes.Const)
                and isinstance(node.expr2, nodes.Const)
            ):
                parts.append(_choose(node.test.name, str(node.expr1.value), str(node.expr2.value)))
            else:
                return None
    return parts


@dataclass(frozen=True)
class LineTemplate:
    """A compiled pack line. Simple lines render by plain look-ups, the rest in the sandbox."""

    where: str
    template: jinja2.Template
    parts: tuple[Part, ...] | None

    def render(self, variables: Mapping[str, Any]) -> str:
        if self.parts is not None:
            return "".join([p if isinstance(p, str) else p(variables) for p in self.parts])
        try:
            return self.template.render(variables)
        except SecurityError as exc:
            raise PackError(f"not allowed in the sandbox: {exc}", self.where) from None
        except jinja2.TemplateError as exc:
            raise PackError(str(exc), self.where) from None


@dataclass(frozen=True)
class Line:
    """One line of a pack: its source, where it came from, and whether to translate it.

    English lines are message ids for the gettext catalogs; a line from a pack
    written in another language (``locale = "de"``) is used as it is.
    """

    source: str
    template: LineTemplate
    where: str
    translate: bool = True


@dataclass(frozen=True)
class Pack:
    """The lines of one tone, by slot."""

    tone: str
    lines: Mapping[str, tuple[Line, ...]]

    def slot(self, name: str) -> tuple[Line, ...]:
        return self.lines.get(name, ())


def compile_line(source: str, where: str) -> LineTemplate:
    """Compile one line in the sandbox, refusing anything but the story's variables."""
    try:
        ast = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise PackError(f"bad Jinja syntax: {exc.message}", where) from None
    unknown = meta.find_undeclared_variables(ast) - set(VARIABLES)
    if unknown:
        known = ", ".join(sorted(VARIABLES))
        raise PackError(f"unknown variable {sorted(unknown)[0]!r} (known: {known})", where)
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = str(node.arg.value)
        if attr is not None and attr.startswith("_"):
            raise PackError(f"reaches for Python internals ({attr!r}): not allowed", where)
    parts = _simple_parts(ast)
    line = LineTemplate(where, _ENV.from_string(ast), None if parts is None else tuple(parts))
    # A dry run on sample values catches what the parser cannot (a call the
    # sandbox forbids, a filter that does not exist for these values).
    line.render(VARIABLES)
    return line


def _lines(data: Mapping[str, Any], filename: str, translate: bool) -> dict[str, tuple[Line, ...]]:
    table = data.get("lines")
    if not isinstance(table, dict):
        raise PackError("missing the [lines] table", filename)
    out: dict[str, tuple[Line, ...]] = {}
    for slot, entries in table.items():
        where = f"{filename}: lines.{slot}"
        if slot not in SLOTS:
            raise PackError(f"unknown slot (known: {', '.join(SLOTS)})", where)
        if not isinstance(entries, list) or not entries:
            raise PackError("must be a non-empty list of strings", where)
        lines = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, str) or not entry.strip():
                raise PackError("must be a non-empty string", f"{where}[{i}]")
            source = " ".join(entry.split())
            at = f"{where}[{i}]"
            lines.append(Line(source, compile_line(source, at), at, translate))
        out[slot] = tuple(lines)
    return out


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> Pack:
    filename = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"not valid TOML: {exc}", filename) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot read: {exc}", filename) from None
    header = data.get("pack")
    if not isinstance(header, dict) or header.get("tone") not in TONES:
        raise PackError(f"[pack] must set tone to one of {', '.join(TONES)}", filename)
    locale = header.get("locale")
    if locale is not None and not isinstance(locale, str):
        raise PackError("[pack] locale must be a string such as 'de'", filename)
    return Pack(tone=header["tone"], lines=_lines(data, filename, translate=locale is None))


def read_pack(path: Path) -> Pack:
    """Read and validate the pack at *path* (cached until the file changes)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise PackError(f"cannot read: {exc}", str(path)) from None
    return _read(path, mtime)


def load_pack(tone: str, locale: str = "en", pack_dirs: Sequence[Path] = ()) -> Pack:
    """The pack for *tone*: the merchant's slots over the built-in ones.

    In each folder, ``<tone>.<language>.toml`` (written in that language) wins
    over ``<tone>.toml`` (English, translated by the catalogs) for *locale*.
    """
    language = locale.replace("-", "_").split("_")[0]
    merged: dict[str, tuple[Line, ...]] = {}
    for folder in (PACK_DIR, *pack_dirs):
        for name in (f"{tone}.toml", f"{tone}.{language}.toml"):
            path = Path(folder) / name
            if path.is_file():
                pack = read_pack(path)
                if pack.tone != tone:
                    raise PackError(f"file is named for {tone} but says tone = {pack.tone}", name)
                merged.update(pack.lines)
    missing = [slot for slot in REQUIRED_SLOTS if slot not in merged]
    if missing:
        raise PackError(f"no pack for tone {tone!r} fills {', '.join(missing)}")
    return Pack(tone=tone, lines=merged)
