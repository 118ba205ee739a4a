"""The template reference: what a template can use, generated from the code.

:func:`template_reference` writes every context name (:data:`~delightmail.context.CONTEXT`),
filter, gettext function and model field, each with its type and an example
rendered from the example order, for a terminal or as Markdown::

    delightmail templates --context                       # in a terminal
    delightmail templates --context --format markdown > docs/templates.md

``docs/templates.md`` is this function's output, and a test holds it to that.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import textwrap
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pydantic_core import PydanticUndefined

from ._files import InputError, load_json
from .context import CONTEXT, FILTER_EXAMPLES, GLOBAL_EXAMPLES, MODELS
from .filters import FILTERS

__all__ = ["EXAMPLE_ORDER", "example_context", "template_reference", "type_name"]

#: The example order the reference renders its examples from (in ``examples/``).
EXAMPLE_ORDER = "orders/04-gift-with-message.json"
EXAMPLE_MERCHANT = "merchant.json"
#: The locale the gettext examples are rendered in besides the order's own.
SECOND_LOCALE = "de_DE"
WIDTH = 88


def examples_dir() -> Path:
    """The folder of the example merchant and order: inside an installed wheel
    (``delightmail/_examples``), or the repository's ``examples/``."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_examples", here.parent.parent / "examples"):
        if (folder / EXAMPLE_MERCHANT).is_file() and (folder / EXAMPLE_ORDER).is_file():
            return folder
    raise InputError(f"the example order is missing: no {EXAMPLE_ORDER} beside delightmail")


@cache
def example_context(locale: str | None = None) -> Mapping[str, Any]:
    """What the example order's template sees (in *locale*, by default the order's own)."""
    from .rendering import Mailer

    folder = examples_dir()
    order = load_json(folder / EXAMPLE_ORDER)
    if locale is not None:
        order = {**order, "locale": locale}
    return Mailer(load_json(folder / EXAMPLE_MERCHANT)).context(order)


def _show(expression: str, context: Mapping[str, Any]) -> str:
    """*expression* rendered as the text part would render it."""
    from ._templates import environment

    template = environment(html=False).from_string("{{ " + expression + " }}")
    return template.render(context)


# -- types, signatures, docs ----------------------------------------------------------------


def type_name(tp: Any) -> str:
    """*tp* as a template author reads it: ``list[LineItem]``, ``str | None``."""
    origin = typing.get_origin(tp)
    if tp is NoneType or tp is None:
        return "None"
    if tp is AwareDatetime:
        return "datetime"
    if origin is typing.Annotated:
        return type_name(typing.get_args(tp)[0])
    if origin in (typing.Union, UnionType):
        return " | ".join(type_name(arg) for arg in typing.get_args(tp))
    if origin is typing.Literal:
        values = typing.get_args(tp)
        if len(values) > 5:  # too many to list on a line: its description says them
            return "str"
        return " | ".join(json.dumps(arg) for arg in values)
    if origin is not None:
        args = ", ".join("..." if a is Ellipsis else type_name(a) for a in typing.get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if tp is Any:
        return "Any"
    if isinstance(tp, type):
        return tp.__name__
    return str(tp)


_ROLE = re.compile(r":\w+:`~?([^`]+)`|``([^`]+)``")


def plain(text: str) -> str:
    """*text* with its reST code (``x``, :func:`x`) written as Markdown code (`x`)."""
    return _ROLE.sub(
        lambda m: f"`{m.group(1).rpartition('.')[2] if m.group(1) else m.group(2)}`", text
    )


def summary(thing: object) -> str:
    """The first paragraph of *thing*'s docstring, in :func:`plain` text."""
    return plain(" ".join((inspect.getdoc(thing) or "").split("\n\n")[0].split()))


def signature(name: str, function: Callable[..., Any]) -> str:
    """``money(value: Money) -> str``: how a template calls *function* (a Jinja context,
    passed by Jinja, left out)."""
    found = inspect.signature(function, eval_str=True)
    params = list(found.parameters.values())
    if getattr(function, "jinja_pass_arg", None) is not None:
        params = params[1:]
    parts = []
    starred = False
    for index, param in enumerate(params):
        if param.kind is param.KEYWORD_ONLY and not starred:
            parts.append("*")
        starred = starred or param.kind in (param.KEYWORD_ONLY, param.VAR_POSITIONAL)
        text = str(param).split(":")[0].split("=")[0]  # the name, with its * or **
        if param.annotation is not param.empty:
            text += f": {type_name(param.annotation)}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        parts.append(text)
        following = params[index + 1] if index + 1 < len(params) else None
        if param.kind is param.POSITIONAL_ONLY and (
            following is None or following.kind is not param.POSITIONAL_ONLY
        ):
            parts.append("/")
    returned = found.return_annotation
    arrow = "" if returned is found.empty else f" -> {type_name(returned)}"
    return f"{name}({', '.join(parts)}){arrow}"


def _attribute_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comments above a class's attributes, by attribute."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"(\w+)\s*:", stripped)
        if match and pending:
            docs[match.group(1)] = " ".join(pending)
        pending = []
    return docs


# -- the parts of the reference ---------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field, property or method of a model."""

    name: str
    type: str
    default: str
    description: str


@dataclass(frozen=True)
class Model:
    """One model and what a template reads of it."""

    name: str
    summary: str
    fields: tuple[Field, ...]
    members: tuple[Field, ...]


def _default(value: Any) -> str:
    if value is PydanticUndefined:
        return "required"
    if value is None or not isinstance(value, str | int | float | list | dict | tuple):
        return ""
    return repr(value)


def _hints(function: Callable[..., Any]) -> Any:
    try:
        return typing.get_type_hints(function).get("return", "")
    except (NameError, TypeError):
        return inspect.signature(function).return_annotation


def _members(cls: type) -> Iterator[Field]:
    """The public properties and methods *cls* defines."""
    for name, member in vars(cls).items():
        if name.startswith(("_", "model_")) or isinstance(member, classmethod | staticmethod):
            continue  # pydantic's own (model_post_init, for private attributes) included
        function = getattr(member, "fget", None) or getattr(member, "func", None)
        if function is not None:  # a property, or a cached one
            yield Field(name, type_name(_hints(function)), "", summary(function))
        elif inspect.isfunction(member):
            call = signature(name, member).split(" -> ")[0].removeprefix(name)
            call = call.replace("(self, ", "(").replace("(self)", "()")
            yield Field(f"{name}{call}", type_name(_hints(member)), "", summary(member))


def models() -> list[Model]:
    """Every model of :data:`~delightmail.context.MODELS`, its fields and members."""
    found = []
    for cls in MODELS:
        docs = _attribute_docs(cls)
        fields: list[Field] = []
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            for name, info in cls.model_fields.items():
                default = (
                    info.get_default(call_default_factory=True)
                    if info.default_factory is not None
                    else info.default
                )
                fields.append(
                    Field(
                        name,
                        type_name(info.annotation),
                        _default(default),
                        plain(info.description or docs.get(name, "")),
                    )
                )
        elif dataclasses.is_dataclass(cls):
            hints = typing.get_type_hints(cls)
            for item in dataclasses.fields(cls):
                fields.append(
                    Field(
                        item.name, type_name(hints[item.name]), "", plain(docs.get(item.name, ""))
                    )
                )
        found.append(Model(cls.__name__, summary(cls), tuple(fields), tuple(_members(cls))))
    return found


@dataclass(frozen=True)
class Example:
    """An expression and what it renders to (in English, and in German for gettext)."""

    expression: str
    result: str
    second: str | None = None


@dataclass(frozen=True)
class Entry:
    """One context name, filter or function: its heading, type, description and examples."""

    name: str
    type: str
    description: str
    examples: tuple[Example, ...]


def context_entries() -> list[Entry]:
    """Every context name, with its example rendered."""
    context = example_context()
    return [
        Entry(
            item.name,
            type_name(item.type),
            item.description,
            (Example(item.example, _show(item.example, context)),),
        )
        for item in CONTEXT
    ]


def filter_entries() -> list[Entry]:
    """Every filter, with its signature, summary and examples rendered."""
    context = example_context()
    return [
        Entry(
            name,
            signature(name, function),
            summary(function),
            tuple(Example(e, _show(e, context)) for e in FILTER_EXAMPLES.get(name, ())),
        )
        for name, function in FILTERS.items()
    ]


def global_entries() -> list[Entry]:
    """Every gettext function, with examples rendered in English and in German."""
    from ._templates import environment

    english, german = example_context(), example_context(SECOND_LOCALE)
    functions: dict[str, Callable[..., Any]] = {
        name: typing.cast("Callable[..., Any]", environment(html=False).globals[name])
        for name in GLOBAL_EXAMPLES
    }
    return [
        Entry(
            name,
            signature(name, function),
            _GLOBAL_SUMMARIES[name],
            tuple(Example(e, _show(e, english), _show(e, german)) for e in GLOBAL_EXAMPLES[name]),
        )
        for name, function in functions.items()
    ]


_GLOBAL_SUMMARIES = {
    "_": "The message in the email's language, its %(name)s placeholders filled from the "
    "keywords (escaped in the HTML part); a percent sign is written %%.",
    "gettext": "The same as _.",
    "ngettext": "The singular or plural message for the count n (given to it as %(num)d).",
    "pgettext": "The message as translated in a context, for a word translated two ways (a "
    "heading, a button); the message itself where the catalog has none.",
    "npgettext": "ngettext in a context.",
}


# -- writing it ----------------------------------------------------------------------------------

_INTRO = (
    "What a template can use: every name in the context of a render, every filter and "
    "gettext function, and the fields of the models behind them. A template folder holds "
    "`email.mjml.j2` (MJML with Jinja in it; Jinja control flow around MJML components "
    "goes in `<mj-raw>`) and `email.txt.j2`, the plain-text part. The HTML part is "
    "autoescaped; Jinja's own filters and tests (`upper`, `length`, `default`...) work "
    "too. A template folder is code and runs as code, unless the mailer is made with "
    "`sandbox=True`.",
    'Every word a reader sees goes through gettext, `_("...")`, so that it can be '
    "translated (`src/delightmail/locale/`, or catalogs of your own: "
    "`Mailer(..., locale_dirs=...)`, `--locale-dir`).",
    "This reference is generated from the code (`src/delightmail/context.py`, the filters' "
    "and models' own docstrings); each example is rendered from `examples/merchant.json` "
    f"and `examples/{EXAMPLE_ORDER}`, and the gettext examples in German too.",
)
_REFRESH = "python -m delightmail templates --context --format markdown > docs/templates.md"


def _block(examples: Sequence[Example], indent: str = "") -> list[str]:
    """Examples as lines: the expression, then its result (on the lines below when it
    has several)."""
    lines = []
    for example in examples:
        lines.append(f"{indent}{{{{ {example.expression} }}}}")
        for label, result in (("→", example.result), ("de →", example.second)):
            if result is None:
                continue
            first, *rest = result.split("\n")
            lines.append(f"{indent}{label} {first}")
            lines += [f"{indent}{' ' * len(label)} {line}" for line in rest]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _markdown() -> str:
    out = [
        "# Template reference",
        "",
        f"<!-- Generated: do not edit. Refresh with `{_REFRESH}` (make docs). -->",
        "",
    ]
    for paragraph in _INTRO:
        out += [paragraph, ""]
    out += ["## Context", "", "| Name | Type | What it is | Example |", "|---|---|---|---|"]
    for entry in context_entries():
        (example,) = entry.examples
        shown = f"`{{{{ {_cell(example.expression)} }}}}` → `{_cell(_short(example.result))}`"
        out.append(
            f"| `{entry.name}` | `{_cell(entry.type)}` | {_cell(entry.description)} | {shown} |"
        )
    out += ["", "## Filters", ""]
    for entry in filter_entries():
        out += [f"### `{entry.name}`", "", f"`{entry.type}`", "", entry.description, ""]
        out += ["```text", *_block(entry.examples), "```", ""]
    out += ["## Translation functions", ""]
    for entry in global_entries():
        out += [f"### `{entry.name}`", "", f"`{entry.type}`", "", entry.description, ""]
        out += ["```text", *_block(entry.examples), "```", ""]
    out += ["## Models", ""]
    for model in models():
        out += [f"### `{model.name}`", "", model.summary, ""]
        if model.fields:
            out += ["| Field | Type | Default | Description |", "|---|---|---|---|"]
            for item in model.fields:
                default = f"`{_cell(item.default)}`" if item.default else ""
                described = _cell(item.description)
                out.append(f"| `{item.name}` | `{_cell(item.type)}` | {default} | {described} |")
            out.append("")
        if model.members:
            out += ["| Property or method | Type | Description |", "|---|---|---|"]
            for item in model.members:
                out.append(
                    f"| `{_cell(item.name)}` | `{_cell(item.type)}` | {_cell(item.description)} |"
                )
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]


def _text() -> str:
    out = ["DELIGHTMAIL TEMPLATES: WHAT A TEMPLATE CAN USE", ""]
    for paragraph in _INTRO:
        out += [*_wrapped(paragraph, ""), ""]
    out += ["CONTEXT", ""]
    for entry in context_entries():
        out.append(f"  {entry.name}: {entry.type}")
        out += _wrapped(entry.description, "      ")
        (example,) = entry.examples
        out += [f"      {{{{ {example.expression} }}}} → {_short(example.result, 70)}", ""]
    for title, entries in (("FILTERS", filter_entries()), ("TRANSLATION", global_entries())):
        out += [title, ""]
        for entry in entries:
            out.append(f"  {entry.type}")
            out += _wrapped(entry.description, "      ")
            out += [*_block(entry.examples, "      "), ""]
    out += ["MODELS", ""]
    for model in models():
        out += [f"  {model.name}", *_wrapped(model.summary, "      ")]
        for item in (*model.fields, *model.members):
            default = ", required" if item.default == "required" else ""
            default = f" = {item.default}" if item.default and not default else default
            out.append(f"      {item.name}: {item.type}{default}")
            if item.description:
                out += _wrapped(item.description, "          ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def template_reference(form: str = "text") -> str:
    """The template reference, as ``text`` for a terminal or as ``markdown``.

    :raises InputError: the example order is missing (the examples need it).
    """
    if form == "markdown":
        return _markdown()
    if form == "text":
        return _text()
    raise ValueError(f"unknown form {form!r}: text or markdown")
