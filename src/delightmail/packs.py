"""Story packs: the lines a story is told with, kept as data (TOML), one file per tone and language.

A pack has a ``[pack]`` table (its ``tone``, and ``locale`` when it is not
English), a ``[lines]`` table of slots, and an optional ``[words]`` table::

    [pack]
    tone = "playful"

    [words]
    packer = "our packer"

    [lines]
    opening = ["We have read your order out loud three times now."]
    journey = [
      { text = "{{ packer }} sealed the box with one long strip of tape.", shipping = "shipped" },
      { text = "{{ packer }} put it on the shelf behind the counter.", shipping = "pickup" },
    ]

**Conditions.** A line written as a table carries conditions on the
order's facts (:data:`~delightmail.facts.FACTS`): ``shipping``, ``mixed``,
``payment``, ``gift``, ``name``, ``time``, ``weekday``, ``history``, ``items``, ``extras``,
``town``, ``destination``, ``note``, ``engraving``; each a value or a list
of values, with group names such as ``shipping = "shipped"`` or ``gift =
"yes"`` (:data:`~delightmail.facts.GROUPS`). A line is told only when every
condition holds. A line that prints a fact only some orders have must say
so: ``{{ recipient }}`` needs ``gift = "to_other"``, ``{{ name }}`` needs
``name = true``, ``{{ shipping_method }}`` a ``shipping`` that has one (a
line with ``shipping = "shipped"`` is told only where the method is named).

**Coverage.** When a pack is loaded, every slot is checked against every
combination of facts: a combination for which no line is true is a
:class:`~delightmail.exceptions.PackError` naming the file, the slot and the
combination. So no pack, built-in or a merchant's, can be left with only a
parcel to tell a pick-up about.

**Languages and registers.** ``<tone>.toml`` is English; ``<tone>.de.toml``
(or a pack that says ``locale = "de"``) is German, and so on: a pack is
written in its language, never translated. ``[du|Sie]`` in a line gives the
informal and the formal wording, chosen by the merchant's register.

**Agreement.** ``{{ 'is' if one else 'are' }}`` agrees with the number of
the things bought; ``{{ agree('prêt', 'prête', 'prêts', 'prêtes') }}`` with
their number and gender (masculine and feminine, one and many; ``fem`` is
true when they are feminine), and ``{{ agree('one', 'many') }}`` with their
number alone. The gender is the grammar's (:mod:`delightmail.grammar`).

**Layers.** A merchant's packs, in the folders passed as ``pack_dirs``, lie
over the built-in ones: for each order, a slot's lines are the merchant's
that are true of it, and the built-in ones only where none of the
merchant's is. A merchant's unconditioned line therefore replaces the
built-in ones everywhere; one with ``shipping = "pickup"`` only for pick-ups.

Lines run in Jinja's sandbox and may only read the story's variables
(:data:`VARIABLES`).
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import _cache
from .exceptions import PackError
from .facts import FACTS, GROUPS, Facts
from .grammar import ITEMS_ATTRIBUTES, ItemsRef, Mentions, NounPhrase, items_phrase
from .models import TONES, LineItem, Money

__all__ = [
    "PACK_DIR",
    "SLOTS",
    "VARIABLES",
    "Line",
    "LineTemplate",
    "Pack",
    "compile_line",
    "load_pack",
    "pack_files",
]

PACK_DIR = Path(__file__).resolve().parent / "packs"

#: The slots of a story, in the order they are told. Each is filled for every
#: order it applies to (:data:`APPLIES`); a story says one line of each.
SLOTS = (
    "subject",
    "preheader",
    "opening",
    "history",
    "journey",
    "gift",
    "shipping",
    "extras",
    "closing",
)
#: Slots told only for some orders: a gift line for a gift, an extras line for extras.
APPLIES: Mapping[str, Mapping[str, frozenset[Any]]] = {
    "gift": {"gift": frozenset(GROUPS["gift"]["yes"])},
    "extras": {"extras": frozenset({True})},
}
#: Slot names of earlier packs, read as a slot and a condition.
LEGACY_SLOTS: Mapping[str, tuple[str, str, str]] = {
    "history_first": ("history", "history", "first"),
    "history_returning": ("history", "history", "returning"),
    "history_milestone": ("history", "history", "milestone"),
    **{f"shipping_{kind}": ("shipping", "shipping", kind) for kind in FACTS["shipping"]},  # type: ignore[misc]
}
#: Words a pack supplies when the merchant's voice does not.
WORDS = ("packer", "team")

#: The variables a line may print, each with a sample value to try the line on
#: when it is loaded. ``items`` is the things bought (see
#: :class:`~delightmail.grammar.ItemsRef`); ``day``/``today`` and
#: ``weekday`` are the shop's, ``your_day`` the customer's.
VARIABLES: Mapping[str, Any] = {
    "name": "Sam",
    "who": "Sam",
    "items": None,  # an ItemsRef, made fresh for every dry run
    "one": False,
    "fem": False,
    "agree": None,  # agree(...), bound to the sample's number and gender for every dry run
    "town": "Portland",
    "merchant": "Groove Harbor Records",
    "team": "the whole Groove Harbor crew",
    "packer": "Otis the shop cat",
    "day": "Sunday, November 22",
    "today": "Sunday, November 22",
    "weekday": "Sunday",
    "your_day": "Monday, November 23",
    "your_weekday": "Monday",
    "order_number": "#1001",
    "nth": "seven",
    "shipping_method": "UPS Ground",
    "extras": "a sticker in the box",
    "recipient": "Arthur",
    "destination": "Bristol",
    "note": "Please don't bend the sleeves",
    "engraving": "For Ada, with love",
}
#: Variables that only some orders have, and the condition a line printing
#: one must carry (its values must lie within these).
NEEDS: Mapping[str, tuple[str, frozenset[Any]]] = {
    "name": ("name", frozenset({True})),
    "who": ("name", frozenset({True})),
    "town": ("town", frozenset({True})),
    "recipient": ("gift", frozenset({"to_other"})),
    "destination": ("destination", frozenset({True})),
    "shipping_method": (
        "shipping",
        frozenset(FACTS["shipping"]) - {"unnamed", "digital", "service"},
    ),
    "extras": ("extras", frozenset({True})),
    "nth": ("history", frozenset(GROUPS["history"]["back"])),
    "note": ("note", frozenset({True})),
    "engraving": ("engraving", frozenset({True})),
}

#: How many (slot, facts) choices a pack remembers: every combination of facts
#: a story can meet, with room to spare.
_ELIGIBLE_CACHE = 65536

#: A pack line is merchant-written text: it may say the story's variables, a few
#: string methods and filters, comparisons and if/else, and nothing that loops,
#: calls out, computes or grows a value (``{{ 10**(10**8) }}``,
#: ``{{ who.zfill(300000000) }}``). Its source and its output are bounded too.
MAX_LINE_SOURCE = 2000
MAX_LINE_OUTPUT = 20_000
_FILTERS = frozenset(
    {"capitalize", "count", "d", "default", "first", "last", "length", "lower", "string",
     "title", "trim", "truncate", "upper", "wordcount"}
)  # fmt: skip
_METHODS = frozenset(
    {"capitalize", "endswith", "lower", "lstrip", "rstrip", "startswith", "strip", "title", "upper"}
)
_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr,
    nodes.Getitem, nodes.Slice, nodes.CondExpr, nodes.If, nodes.Filter, nodes.Test,
    nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Concat, nodes.Call,
    nodes.Keyword,
)  # fmt: skip

# Not optimised: Jinja's optimiser computes constant expressions while it
# compiles, which is where a hostile constant would run.
_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    optimized=False,
)
_ENV.globals.clear()
_ENV.filters = {name: f for name, f in _ENV.filters.items() if name in _FILTERS}


def _refuse_what_lines_may_not_do(ast: nodes.Template, where: str) -> None:
    for node in ast.find_all(nodes.Node):
        if not isinstance(node, _NODES):
            raise PackError(
                f"a line may use the story's variables, filters and if/else, not "
                f"{type(node).__name__.lower()}",
                where,
            )
        if isinstance(node, nodes.Filter) and node.name not in _FILTERS:
            raise PackError(
                f"no filter {node.name!r} in a pack line (known: {', '.join(sorted(_FILTERS))})",
                where,
            )
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
            _check_agree(node, where)
            continue
        if isinstance(node, nodes.Call) and not (
            isinstance(node.node, nodes.Getattr)
            and node.node.attr in _METHODS
            and not node.dyn_args
            and not node.dyn_kwargs
        ):
            methods = ", ".join(sorted(_METHODS))
            raise PackError(f"a line may call only these methods of text: {methods}", where)


def _agree_forms(node: nodes.Call) -> tuple[str, ...] | None:
    """The forms of an ``agree(...)`` call, when it is one written right."""
    if not (
        isinstance(node.node, nodes.Name)
        and node.node.name == "agree"
        and not node.kwargs
        and not node.dyn_args
        and not node.dyn_kwargs
        and len(node.args) in (2, 4)
        and all(isinstance(a, nodes.Const) and isinstance(a.value, str) for a in node.args)
    ):
        return None
    return tuple(a.value for a in node.args if isinstance(a, nodes.Const))


def _check_agree(node: nodes.Call, where: str) -> None:
    if _agree_forms(node) is None:
        raise PackError(
            "a line may call only agree('one', 'many') or agree('m. one', 'f. one', "
            "'m. many', 'f. many'), with text in quotes",
            where,
        )


def agreement(one: bool, fem: bool, forms: Sequence[str]) -> str:
    """The form of *forms* that agrees with the things bought: ``(one, many)`` by
    number, or ``(masculine one, feminine one, masculine many, feminine many)``."""
    if len(forms) == 2:
        return forms[0] if one else forms[1]
    return forms[(0 if one else 2) + (1 if fem else 0)]


def agree_for(one: bool, fem: bool) -> Callable[..., str]:
    """What a line calls as ``agree(...)``: *forms* agreeing with *one* and *fem*."""

    def agree(*forms: str) -> str:
        if len(forms) not in (2, 4):
            raise TypeError("agree() takes 2 or 4 forms")
        return agreement(one, fem, forms)

    return agree


@cache
def _sample_lines() -> tuple[LineItem, ...]:
    # Made on the first pack loaded, not at import: a model is built on first use.
    price = Money(amount=Decimal(1), currency="USD")
    return (LineItem(name="Blue Train", kind="record", quantity=Decimal(3), unit_price=price),)


@lru_cache(maxsize=64)
def _sample_phrase(language: str) -> NounPhrase:
    return items_phrase(_sample_lines(), language)


def sample_variables(language: str = "en") -> dict[str, Any]:
    """:data:`VARIABLES` with a fresh ``items``: what a line is tried on when loaded."""
    phrase = _sample_phrase(language)
    return {
        **VARIABLES,
        "items": ItemsRef(Mentions(language, phrase)),
        "one": not phrase.plural,
        "fem": phrase.gender == "f",
        "agree": agree_for(not phrase.plural, phrase.gender == "f"),
    }


# -- compiled lines --------------------------------------------------------------------

Part = str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True, slots=True)
class _Lookup:
    """A part that prints a variable: ``{{ name }}``."""

    key: str

    def __call__(self, variables: Mapping[str, Any]) -> str:
        return str(variables[self.key])


@dataclass(frozen=True, slots=True)
class _Attribute:
    """A part that prints a variable's attribute: ``{{ items.acc }}``."""

    key: str
    attr: str

    def __call__(self, variables: Mapping[str, Any]) -> str:
        return str(getattr(variables[self.key], self.attr))


@dataclass(frozen=True, slots=True)
class _Choose:
    """A part that says one of two words: ``{{ 'is' if one else 'are' }}``."""

    key: str
    yes: str
    no: str

    def __call__(self, variables: Mapping[str, Any]) -> str:
        return self.yes if variables[self.key] else self.no


@dataclass(frozen=True, slots=True)
class _Agreeing:
    """A part that agrees with the items: ``{{ agree('prêt', 'prête', 'prêts', 'prêtes') }}``."""

    forms: tuple[str, ...]

    def __call__(self, variables: Mapping[str, Any]) -> str:
        return agreement(variables["one"], variables["fem"], self.forms)


def _simple_parts(ast: nodes.Template) -> list[Part] | None:
    """The line as text and variable look-ups, if it is that simple (most lines are).

    Understood: plain text, ``{{ name }}``, ``{{ items.acc }}``,
    ``{{ 'is' if one else 'are' }}`` and ``{{ agree('prêt', 'prête', 'prêts', 'prêtes') }}``.
    Anything else renders through the sandbox.
    """
    parts: list[Part] = []
    for output in ast.body:
        if not isinstance(output, nodes.Output):
            return None
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                parts.append(node.data)
            elif isinstance(node, nodes.Name):
                parts.append(_Lookup(node.name))
            elif (
                isinstance(node, nodes.Getattr)
                and isinstance(node.node, nodes.Name)
                and node.node.name == "items"
                and node.attr in ITEMS_ATTRIBUTES
            ):
                parts.append(_Attribute("items", node.attr))
            elif (
                isinstance(node, nodes.CondExpr)
                and isinstance(node.test, nodes.Name)
                and isinstance(node.expr1, nodes.Const)
                and isinstance(node.expr2, nodes.Const)
            ):
                parts.append(_Choose(node.test.name, str(node.expr1.value), str(node.expr2.value)))
            elif isinstance(node, nodes.Call) and (forms := _agree_forms(node)) is not None:
                parts.append(_Agreeing(tuple(forms)))
            else:
                return None
    return parts


@dataclass(frozen=True)
class LineTemplate:
    """A compiled pack line. Simple lines render by plain look-ups, the rest in the sandbox.

    It pickles (the disk cache keeps read packs): a line the sandbox renders keeps its
    checked source, and compiles it again when first rendered.
    """

    where: str
    #: The line's source, for a line that is not simple text and look-ups (a simple
    #: line is never compiled: most lines are simple), else ``None``.
    source: str | None
    parts: tuple[Part, ...] | None
    #: The variables the line prints.
    names: frozenset[str] = frozenset()

    @cached_property
    def template(self) -> jinja2.Template | None:
        """The sandboxed template of a line that is not simple (checked when it was read)."""
        if self.parts is not None or self.source is None:
            return None
        return _ENV.from_string(self.source)

    def __getstate__(self) -> dict[str, Any]:
        # Without the compiled template, which does not pickle.
        return {name: value for name, value in self.__dict__.items() if name != "template"}

    def render(self, variables: Mapping[str, Any]) -> str:
        if self.parts is not None or self.template is None:
            text = "".join([p if isinstance(p, str) else p(variables) for p in self.parts or ()])
        else:
            try:
                text = self.template.render(variables)
            except SecurityError as exc:
                raise PackError(f"not allowed in the sandbox: {exc}", self.where) from None
            except jinja2.TemplateError as exc:
                raise PackError(str(exc), self.where) from None
            except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
                raise PackError(f"failed: {type(exc).__name__}: {exc}", self.where) from None
        # A line is a sentence or two: whatever the order holds, it is cut here.
        return text[:MAX_LINE_OUTPUT]


# A line of plain text and ``{{ name }}`` or ``{{ items.attr }}`` look-ups (most lines
# are) is read without Jinja's parser, which costs most of loading a pack. Anything else
# (a line break too, which Jinja's lexer rewrites), and any look-up of a name that is not
# a story variable, is parsed.
_PLACEHOLDER = re.compile(r"\{\{ *(?:items\.([A-Za-z_]\w*)|([A-Za-z_]\w*)) *\}\}", re.ASCII)
_JINJA_MARKS = ("{{", "{%", "{#", "}}", "%}", "#}")


def _plain_line(source: str) -> tuple[list[Part], set[str]] | None:
    """The parts and names of a line that is only text and plain look-ups, or ``None``.

    It gives what :func:`_simple_parts` gives from Jinja's parse of the same line
    (``tests/test_packs.py`` holds it to that, over every built-in line and generated ones).
    """
    if "\n" in source or "\r" in source:
        return None
    parts: list[Part] = []
    names: set[str] = set()
    end = 0
    for match in _PLACEHOLDER.finditer(source):
        text = source[end : match.start()]
        # With the braces around it: "{{{ name }}" is no look-up to Jinja.
        if _marked(source[max(end - 1, 0) : match.start() + 1]):
            return None
        if text:
            parts.append(text)
        attr, name = match.groups()
        if attr is not None:
            if attr not in ITEMS_ATTRIBUTES:
                return None
            parts.append(_Attribute("items", attr))
            names.add("items")
        elif name in VARIABLES and name != "agree":  # agree is only ever called
            parts.append(_Lookup(name))
            names.add(name)
        else:  # a Jinja word (true, none...) or an unknown name: the parser says which
            return None
        end = match.end()
    text = source[end:]
    if _marked(source[max(end - 1, 0) :]):
        return None
    if text:
        parts.append(text)
    return parts, names


def _marked(text: str) -> bool:
    return any(mark in text for mark in _JINJA_MARKS)


def compile_line(source: str, where: str, language: str = "en") -> LineTemplate:
    """Compile one line in the sandbox, refusing anything but the story's variables."""
    if len(source) > MAX_LINE_SOURCE:
        raise PackError(f"longer than {MAX_LINE_SOURCE} characters", where)
    plain = _plain_line(source)
    if plain is not None:
        line = LineTemplate(where, None, tuple(plain[0]), frozenset(plain[1]))
    else:
        line = _parsed_line(source, where)
    # A dry run on sample values catches what the parser cannot (a call the
    # sandbox forbids, a filter that does not exist for these values).
    if len(line.render(sample_variables(language))) > MAX_LINE_SOURCE:
        raise PackError("says far more than a line of a story", where)
    return line


def _parsed_line(source: str, where: str) -> LineTemplate:
    """A line Jinja parses, checked node by node."""
    try:
        ast = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise PackError(f"bad Jinja syntax: {exc.message}", where) from None
    except RecursionError:
        raise PackError("nested too deeply", where) from None
    _refuse_what_lines_may_not_do(ast, where)
    # Nothing a line may hold declares a name, so every name it reads is a variable.
    names = {node.name for node in ast.find_all(nodes.Name)}
    called = sum(1 for call in ast.find_all(nodes.Call) if _agree_forms(call) is not None)
    if called != sum(1 for node in ast.find_all(nodes.Name) if node.name == "agree"):
        raise PackError("agree is called with its forms: agree('one', 'many')", where)
    unknown = names - set(VARIABLES)
    if unknown:
        known = ", ".join(sorted(VARIABLES))
        raise PackError(f"unknown variable {sorted(unknown)[0]!r} (known: {known})", where)
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = str(node.arg.value)
        if attr is not None and attr.startswith("_"):
            raise PackError(f"reaches for Python internals ({attr!r}): not allowed", where)
        if (
            isinstance(node, nodes.Getattr)
            and isinstance(node.node, nodes.Name)
            and node.node.name == "items"
            and node.attr not in ITEMS_ATTRIBUTES
        ):
            known = ", ".join(sorted(ITEMS_ATTRIBUTES))
            raise PackError(f"items has no {node.attr!r} (known: {known})", where)
    parts = _simple_parts(ast)
    line = LineTemplate(where, source, None if parts is None else tuple(parts), frozenset(names))
    if parts is None:  # compiled from the tree just checked
        line.__dict__["template"] = _ENV.from_string(ast)
    return line


# -- lines and their conditions ----------------------------------------------------------

Conditions = Mapping[str, frozenset[Any]]


@dataclass(frozen=True)
class Line:
    """One line of a pack: its template, where it came from, and when it is true.

    :param conditions: for each fact it names, the values the line is true for.
    :param layer: 0 for the built-in packs, then one more for each merchant folder.
    """

    source: str
    template: LineTemplate
    where: str
    conditions: Conditions = field(default_factory=dict)
    layer: int = 0

    def holds(self, facts: Facts) -> bool:
        """Whether the line is true of an order with *facts*."""
        return all(facts.value(fact) in values for fact, values in self.conditions.items())


def _values(fact: str, raw: Any, where: str) -> frozenset[Any]:
    known = FACTS[fact]
    groups = GROUPS.get(fact, {})
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PackError(f"{fact} must name at least one value", where)
    out: set[Any] = set()
    for item in items:
        if isinstance(item, str) and item in groups:
            out.update(groups[item])
        elif item in known and type(item) is type(known[0]):
            out.add(item)
        else:
            names = [_shown(v) for v in known] + list(groups)
            raise PackError(f"{fact} cannot be {item!r} (one of: {', '.join(names)})", where)
    return frozenset(out)


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# [informal|formal]: the two registers of a language that has them.
_REGISTER = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")


def in_register(text: str, formal: bool) -> str:
    """*text* with each ``[du|Sie]`` resolved to one side."""
    return _REGISTER.sub(lambda m: m.group(2 if formal else 1), text)


def _entry(raw: Any, where: str, slot: str, language: str, formal: bool, layer: int) -> Line:
    conditions: dict[str, frozenset[Any]] = {}
    if isinstance(raw, dict):
        text = raw.get("text")
        for key, value in raw.items():
            if key == "text":
                continue
            if key not in FACTS:
                known = ", ".join(["text", *FACTS])
                raise PackError(f"unknown key {key!r} (known: {known})", where)
            conditions[key] = _values(key, value, where)
    else:
        text = raw
    if not isinstance(text, str) or not text.strip():
        raise PackError("must be a non-empty string, or a table with a text", where)
    for fact, values in APPLIES.get(slot, {}).items():
        conditions[fact] = conditions.get(fact, values) & values
    source = " ".join(in_register(text, formal).split())
    template = compile_line(source, where, language)
    for name in sorted(template.names):
        need = NEEDS.get(name)
        if need is None:
            continue
        fact, allowed = need
        given = conditions.get(fact)
        if given is not None and given & allowed:
            # "shipping = shipped" also covers a parcel whose method is not named: a
            # line that prints the method is told only where there is one to print.
            conditions[fact] = given & allowed
        elif not conditions.get(fact, frozenset(FACTS[fact])) <= allowed:
            shown = ", ".join(sorted(_shown(v) for v in allowed))
            raise PackError(
                f"prints {{{{ {name} }}}}, which only some orders have: "
                f"add the condition {fact} = {shown}",
                where,
            )
    return Line(source, template, where, conditions, layer)


@dataclass(frozen=True)
class Pack:
    """The lines of one tone in one language (and register), by slot, with its words."""

    tone: str
    language: str
    lines: Mapping[str, tuple[Line, ...]]
    words: Mapping[str, str] = field(default_factory=dict)
    #: The files each slot's lines came from, for error messages.
    files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The eligible lines by slot and by the values of the facts the slot's lines
    # name (few: orders share them), and those facts by slot.
    _eligible: dict[tuple[str, tuple[Any, ...]], tuple[Line, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _named: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def slot(self, name: str) -> tuple[Line, ...]:
        return self.lines.get(name, ())

    def eligible(self, slot: str, facts: Facts) -> tuple[Line, ...]:
        """The lines of *slot* true of an order with *facts*, from the topmost layer with one."""
        named = self._named.get(slot)
        if named is None:
            lines = self.lines.get(slot, ())
            named = tuple(sorted({fact for line in lines for fact in line.conditions}))
            self._named[slot] = named
        key = (slot, tuple([facts.value(fact) for fact in named]))
        found = self._eligible.get(key)
        if found is None:
            best, out = -1, []
            for line in self.lines.get(slot, ()):
                if line.holds(facts):
                    if line.layer > best:
                        best, out = line.layer, [line]
                    elif line.layer == best:
                        out.append(line)
            found = tuple(out)
            if len(self._eligible) < _ELIGIBLE_CACHE:
                self._eligible[key] = found
        return found


# -- reading packs ---------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    tone: str
    language: str
    lines: Mapping[str, tuple[Line, ...]]
    words: Mapping[str, str]


def _language_of(path: Path, header: Mapping[str, Any], filename: str) -> str:
    locale = header.get("locale")
    if locale is not None and (not isinstance(locale, str) or not locale.strip()):
        raise PackError("[pack] locale must be a string such as 'de'", filename)
    if locale:
        return locale.replace("-", "_").split("_")[0].lower()
    parts = path.name.split(".")
    return parts[1].lower() if len(parts) == 3 else "en"


#: The format of a read pack in the disk cache: a change to what is kept is a miss.
_FORMAT = "pack-1"


@lru_cache(maxsize=128)
def _read(path: Path, mtime_ns: int, formal: bool, layer: int) -> _File:
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot read: {exc}", filename) from None
    # Read and checked once per installation: the entry is keyed by the file's text
    # (and delightmail's own code, which the checks are).
    entry = _cache.key(_FORMAT, filename, text, formal, layer)
    cached = _cache.fetch(entry)
    if isinstance(cached, _File):
        return cached
    read = _parse(text, path, formal, layer)
    _cache.store(entry, read)
    return read


def _parse(text: str, path: Path, formal: bool, layer: int) -> _File:
    filename = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"not valid TOML: {exc}", filename) from None
    header = data.get("pack")
    if not isinstance(header, dict) or header.get("tone") not in TONES:
        raise PackError(f"[pack] must set tone to one of {', '.join(TONES)}", filename)
    language = _language_of(path, header, filename)
    table = data.get("lines")
    if not isinstance(table, dict):
        raise PackError("missing the [lines] table", filename)
    lines: dict[str, list[Line]] = {}
    for name, entries in table.items():
        where = f"{filename}: lines.{name}"
        slot, legacy = name, None
        if name in LEGACY_SLOTS:
            slot, fact, value = LEGACY_SLOTS[name]
            legacy = (fact, value)
        elif name not in SLOTS:
            raise PackError(f"unknown slot (known: {', '.join(SLOTS)})", where)
        if not isinstance(entries, list) or not entries:
            raise PackError("must be a non-empty list of lines", where)
        for i, raw in enumerate(entries):
            if legacy is not None:
                raw = {"text": raw} if isinstance(raw, str) else raw
                if isinstance(raw, dict):
                    raw = {**raw, legacy[0]: legacy[1]}
            line = _entry(raw, f"{where}[{i}]", slot, language, formal, layer)
            lines.setdefault(slot, []).append(line)
    words = data.get("words", {})
    if not isinstance(words, dict) or any(
        key not in WORDS or not isinstance(value, str) or not value.strip()
        for key, value in words.items()
    ):
        raise PackError(f"[words] may only set {', '.join(WORDS)}, each to a string", filename)
    return _File(
        header["tone"], language, {slot: tuple(found) for slot, found in lines.items()}, words
    )


def read_pack(path: Path, *, formal: bool = False, layer: int = 0) -> _File:
    """Read and validate the pack file at *path* (cached until the file changes)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise PackError(f"cannot read: {exc}", str(path)) from None
    return _read(path, mtime, formal, layer)


def pack_files(folder: Path, tone: str, language: str) -> Iterator[Path]:
    """The pack files in *folder* for *tone* written in *language*."""
    names = (
        [f"{tone}.toml", f"{tone}.{language}.toml"]
        if language == "en"
        else [
            f"{tone}.{language}.toml",
            f"{tone}.toml",
        ]
    )
    for name in names:
        path = folder / name
        if path.is_file():
            yield path


def load_pack(
    tone: str, language: str = "en", pack_dirs: Sequence[Path] = (), *, formal: bool = False
) -> Pack:
    """The pack for *tone* in *language*: the merchant's lines over the built-in ones.

    Only files written in *language* are read: ``<tone>.toml`` is English
    unless it says otherwise, ``<tone>.<language>.toml`` is *language*.

    :raises PackError: a file is broken, or some order would find no true line in a slot.
    """
    lines: dict[str, list[Line]] = {}
    words: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    found = False
    for layer, folder in enumerate((PACK_DIR, *pack_dirs)):
        for path in pack_files(Path(folder), tone, language):
            read = read_pack(path, formal=formal, layer=layer)
            if read.language != language:
                continue
            if read.tone != tone:
                raise PackError(f"file is named for {tone} but says tone = {read.tone}", str(path))
            found = found or layer == 0
            for slot, slot_lines in read.lines.items():
                lines.setdefault(slot, []).extend(slot_lines)
                files.setdefault(slot, []).append(str(path))
            words.update(read.words)
    if not found:
        raise PackError(f"no built-in {tone} pack is written in {language!r}")
    pack = Pack(
        tone=tone,
        language=language,
        lines={slot: tuple(found_lines) for slot, found_lines in lines.items()},
        words=words,
        files={slot: tuple(paths) for slot, paths in files.items()},
    )
    check_coverage(pack)
    return pack


# -- coverage: a true line for every order ------------------------------------------------

# Combinations no order can have: a gift goes straight to someone else, and a
# parcel to a destination town, only when it is shipped.
_SHIPPED = frozenset(GROUPS["shipping"]["shipped"])
_NOTHING_TO_SHIP = frozenset(GROUPS["shipping"]["nothing_to_ship"])


def _possible(assignment: Mapping[str, Any]) -> bool:
    shipping = assignment.get("shipping")
    if shipping is None or shipping in _SHIPPED:
        return True
    if shipping in _NOTHING_TO_SHIP and assignment.get("mixed") is True:
        return False  # some of it travels and some comes by email: something travels
    return assignment.get("gift") != "to_other" and assignment.get("destination") is not True


def _uncovered(
    lines: Sequence[Line], domain: Mapping[str, frozenset[Any]], assignment: dict[str, Any]
) -> dict[str, Any] | None:
    """A combination of facts (as far as it matters) that no line is true of, or ``None``."""
    if not _possible(assignment):
        return None
    candidates = [
        line
        for line in lines
        if all(
            assignment[fact] in values
            for fact, values in line.conditions.items()
            if fact in assignment
        )
    ]
    if not candidates:
        return assignment
    if any(all(fact in assignment for fact in line.conditions) for line in candidates):
        return None
    fact = next(f for line in candidates for f in line.conditions if f not in assignment)
    for value in FACTS[fact]:
        if value in domain[fact]:
            missing = _uncovered(candidates, domain, {**assignment, fact: value})
            if missing is not None:
                return missing
    return None


def check_coverage(pack: Pack) -> None:
    """Raise :class:`PackError` naming the file, slot and facts of an order no line fits."""
    for slot in SLOTS:
        domain = {fact: frozenset(values) for fact, values in FACTS.items()}
        applies = APPLIES.get(slot, {})
        domain.update(applies)
        lines = pack.slot(slot)
        if not lines:
            raise PackError(f"no pack for tone {pack.tone!r} in {pack.language!r} fills {slot}")
        # For a slot that applies to some orders only, each value it applies to.
        for values in itertools.product(*(sorted(v, key=str) for v in applies.values())):
            start = dict(zip(applies, values, strict=True))
            missing = _uncovered(lines, domain, start)
            if missing is not None:
                where = pack.files.get(slot, (f"{pack.tone} pack",))[-1]
                facts = ", ".join(f"{k}={_shown(v)}" for k, v in missing.items()) or "any order"
                raise PackError(
                    f"no line is true of an order with {facts} "
                    f"(add a line for it, or widen a line's conditions)",
                    f"{where}: lines.{slot}",
                )
