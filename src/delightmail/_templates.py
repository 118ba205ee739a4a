"""Jinja environments and the compiled templates behind a :class:`~delightmail.Mailer`.

Internal. Two environments (HTML, autoescaped; text, not), each with the
filters and the gettext functions. The caches here make every template
compile once: MJML and premailer once per template source, then the values
that every email of one merchant in one language shares (its name, its
colours, the catalog's words) folded in once per merchant and language.
"""

from __future__ import annotations

import functools
import marshal
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType, TracebackType
from typing import Any

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from . import _cache, compiler, i18n
from .exceptions import TemplateError
from .filters import FILTERS, is_pure
from .models import Merchant

__all__ = [
    "HTML_ENV",
    "TEXT_ENV",
    "compiled_html",
    "load",
    "merchant_html",
    "reference_html",
    "render_template",
    "text_template",
]


#: What a merchant's template may make in one step, in the sandbox: a number
#: given to a filter or a method, a string, the numbers ``range`` counts to.
SANDBOX_MAX_ARGUMENT = 100_000
SANDBOX_MAX_TEXT = 2_000_000
SANDBOX_MAX_RANGE = 10_000


def _too_big(value: object, limit: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return abs(value) > limit
    return isinstance(value, str | list | tuple) and len(value) > SANDBOX_MAX_TEXT


def _guard(result: Any) -> Any:
    if isinstance(result, str | list | tuple) and len(result) > SANDBOX_MAX_TEXT:
        raise SecurityError(f"made a value of more than {SANDBOX_MAX_TEXT} characters")
    return result


def _guarded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """*function* refusing huge numbers and huge results (``center(10**9)``)."""

    @functools.wraps(function)  # keeps Jinja's pass_context marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int | float) and _too_big(value, SANDBOX_MAX_ARGUMENT):
                raise SecurityError(f"a filter was given {value!r}, more than it may be")
        return _guard(function(*args, **kwargs))

    return guarded


#: What MarkupSafe 3's escape() (in Python) calls, in C: ``None`` in MarkupSafe 2, whose
#: escape() is itself in C.
_escape_inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)


def _printed(value: object) -> str:
    """*value* as an autoescaped ``{{ }}`` prints it: what :func:`markupsafe.escape`
    makes of it, as text only joined into the page (no :class:`Markup` made of it)."""
    escape_inner = _escape_inner
    if escape_inner is None:  # pragma: no cover - MarkupSafe 2
        return markupsafe.escape(value)
    kind = type(value)
    if kind is str:
        return escape_inner(value)  # type: ignore[arg-type]  # its type is str
    if kind is Markup:
        return value  # type: ignore[return-value]  # its type is Markup
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return escape_inner(str(value))


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, printing each autoescaped value with :func:`_printed`,
    which makes no :class:`Markup` of it only to join it into the page (a page prints
    about fifty values: the HTML part renders a fifth faster). Everything else compiles
    as Jinja compiles it."""

    def _output_child_pre(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        if not frame.eval_ctx.autoescape or frame.eval_ctx.volatile:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.printed(")
        if finalize.src is not None:
            self.write(finalize.src)


class Environment(jinja2.Environment):
    """Jinja's environment, compiling with :class:`_CodeGenerator`."""

    code_generator_class: type[CodeGenerator] = _CodeGenerator
    printed = staticmethod(_printed)


class MerchantSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, bounded: for templates a merchant writes.

    Beyond what the sandbox refuses (Python internals, changing values), no
    power, repetition or ``%`` formatting of huge operands, no filter or method
    given a huge number or making a huge value, ``range`` up to
    :data:`SANDBOX_MAX_RANGE`, no ``lipsum``, and no constant computed while the
    template compiles (where a hostile one would run).
    """

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    MAX_RANGE = SANDBOX_MAX_RANGE
    code_generator_class: type[CodeGenerator] = _CodeGenerator
    printed = staticmethod(_printed)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and (_too_big(left, 10**6) or _too_big(right, 64)):
            raise SecurityError("a power that large is not allowed")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("% formatting of text is not allowed: use the format filter")
        if operator == "*":
            text, times = (left, right) if isinstance(left, str | list | tuple) else (right, left)
            repeats = isinstance(text, str | list | tuple) and isinstance(times, int)
            if repeats and len(text) * max(times, 0) > SANDBOX_MAX_TEXT:
                raise SecurityError(f"would make more than {SANDBOX_MAX_TEXT} characters")
        return _guard(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int | float) and _too_big(value, SANDBOX_MAX_ARGUMENT):
                raise SecurityError(f"a call was given {value!r}, more than it may be")
        return _guard(super().call(__context, __obj, *args, **kwargs))


#: The filter a translation folded inside a larger expression goes through: a name
#: no template can write, for a filter Jinja never runs while compiling (it passes
#: the context), so that ``_("Total") | f`` calls ``f`` on the translation, not on
#: its marker.
_FOLDED = "(folded)"


#: The filters a gettext call with constant words and variables that are not is split
#: into (:func:`~delightmail.i18n.folded_words`, folded; and formatting them, with each
#: email): names no template can write either.
_WORDS, _FORMAT_WORDS = "(words)", "(format words)"


@jinja2.pass_context
def _folded(context: Context, text: str) -> str:
    """A folded translation: trusted markup where escaping is on, as gettext's result is."""
    return Markup(text) if context.eval_ctx.autoescape else text


def _environment(*, html: bool, sandbox: bool = False) -> jinja2.Environment:
    # Templates are code, written and deployed by developers like any other
    # code; what comes from customers is data, and autoescaping covers it.
    # A merchant's own template is not code: it runs in the bounded sandbox.
    # (Story packs, which merchants write as data, run in a sandbox of their own.)
    options: dict[str, Any] = {
        "autoescape": html,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": not html,
        "lstrip_blocks": not html,
        "keep_trailing_newline": True,
        "auto_reload": False,
    }
    env = MerchantSandbox(optimized=False, **options) if sandbox else Environment(**options)
    env.filters.update(FILTERS)
    env.filters[_FOLDED] = _folded
    env.filters[_WORDS] = i18n.folded_words
    env.filters[_FORMAT_WORDS] = i18n.folded_format
    i18n.install(env)
    if sandbox:
        env.filters = {name: _guarded_filter(f) for name, f in env.filters.items()}
        env.globals.pop("lipsum", None)
    return env


HTML_ENV = _environment(html=True)
TEXT_ENV = _environment(html=False)
_SANDBOX = {
    True: _environment(html=True, sandbox=True),
    False: _environment(html=False, sandbox=True),
}


def environment(
    *, html: bool, sandbox: bool = False, roots: tuple[str, ...] = ()
) -> jinja2.Environment:
    """The environment the HTML (*html*) or text part compiles in; *sandbox* for a
    merchant's own template; *roots* the folders its imports load from."""
    base = _SANDBOX[html] if sandbox else HTML_ENV if html else TEXT_ENV
    return _with_loader(base, roots) if roots else base


@lru_cache(maxsize=64)
def _with_loader(base: jinja2.Environment, roots: tuple[str, ...]) -> jinja2.Environment:
    return base.overlay(loader=loader(roots))


@lru_cache(maxsize=64)
def loader(roots: tuple[str, ...]) -> jinja2.FileSystemLoader:
    """The loader that finds a template's files (its partials, its parent) in *roots*."""
    return jinja2.FileSystemLoader(roots)


@lru_cache(maxsize=256)
def check_syntax(env: jinja2.Environment, source: str, filename: str) -> None:
    """Raise :class:`TemplateError` naming the line if *source* is not valid Jinja
    (each source is parsed once)."""
    try:
        env.parse(source, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise syntax_error(exc, source, filename) from None
    except RecursionError:
        raise TemplateError("nested too deeply to compile", filename) from None


# -- nesting: an unclosed tag named at its own line ------------------------------
#
# Jinja reports an {% if %} that is never closed where it gives up: at the end of
# the file ("Unexpected end of template"), or at the next end tag that does not
# fit. The author wants the line of the tag left open, so the tags are paired
# here, as Jinja's parser pairs them, when Jinja has refused the source.

#: Each statement that needs an end tag, and the middles it may hold.
_BLOCKS: dict[str, frozenset[str]] = {
    "if": frozenset({"elif", "else"}),
    "for": frozenset({"else"}),
    "trans": frozenset({"pluralize"}),
    **{keyword: frozenset() for keyword in
       ("block", "macro", "call", "filter", "with", "autoescape", "set", "raw")},
}  # fmt: skip
_MIDDLE_OF = {"elif": ("if",), "else": ("if", "for"), "pluralize": ("trans",)}
#: What Jinja says when the nesting is wrong (and not, say, an expression).
_NESTING_WORDS = ("Unexpected end of template", "Encountered unknown tag", "end of raw")
_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
#: The most of a tag an error message quotes.
_SHOWN = 60


def _shown(tag: compiler.Tag) -> str:
    """*tag* as an error message quotes it: on one line, bounded."""
    inner = " ".join(tag.text[2:-2].strip("-+").split())
    if len(inner) > _SHOWN:
        inner = inner[: _SHOWN - 1] + "…"
    return "{% " + inner + " %}"


def _opens(tag: compiler.Tag) -> bool:
    keyword = tag.keyword
    if keyword == "set":  # only the block form, {% set x %}…{% endset %}
        return "=" not in tag.text
    return keyword in _BLOCKS


def nesting_problem(source: str) -> tuple[str, int] | None:
    """What is wrong with how the statements in *source* nest, and the line to name:
    an opening tag never closed (its own line), an end tag with nothing to close, or
    a middle (``else``) outside its block. ``None`` when they nest."""
    try:
        tags = [tag for tag in compiler.scan_tags(source) if tag.kind == "statement"]
    except TemplateError:  # an unclosed {{ or {%: Jinja's own message says it
        return None
    stack: list[compiler.Tag] = []
    index = 0
    while index < len(tags):
        tag = tags[index]
        keyword = tag.keyword
        index += 1
        if keyword == "raw":
            closing = _ENDRAW.search(source, tag.end)
            if closing is None:
                return f"{_shown(tag)} is never closed (expected {{% endraw %}})", tag.lineno
            while index < len(tags) and tags[index].start < closing.end():
                index += 1
        elif _opens(tag):
            stack.append(tag)
        elif keyword in _MIDDLE_OF:
            owners = _MIDDLE_OF[keyword]
            if stack and stack[-1].keyword in owners:
                continue
            if any(open_tag.keyword in owners for open_tag in stack):
                # It belongs to a block further out: the one inside it was left open.
                left = stack[-1]
                return (
                    f"{_shown(left)} is never closed (expected {{% end{left.keyword} %}} "
                    f"before {_shown(tag)} on line {tag.lineno})",
                    left.lineno,
                )
            names = " or ".join(f"{{% {owner} %}}" for owner in owners)
            return f"{_shown(tag)} is outside any {names}", tag.lineno
        elif keyword.startswith("end") and keyword[3:] in _BLOCKS:
            opener = keyword[3:]
            if stack and stack[-1].keyword == opener:
                stack.pop()
                continue
            if any(open_tag.keyword == opener for open_tag in stack):
                # It closes a block further out: the one inside it was left open.
                left = stack[-1]
                return (
                    f"{_shown(left)} is never closed (expected {{% end{left.keyword} %}} "
                    f"before {_shown(tag)} on line {tag.lineno})",
                    left.lineno,
                )
            message = f"{_shown(tag)} has no {{% {opener} %}} to close"
            if stack:
                message += (
                    f": the open tag is {_shown(stack[-1])} (line {stack[-1].lineno}), "
                    f"closed by {{% end{stack[-1].keyword} %}}"
                )
            return message, tag.lineno
    if stack:
        left = stack[-1]
        return f"{_shown(left)} is never closed (expected {{% end{left.keyword} %}})", left.lineno
    return None


def syntax_error(exc: jinja2.TemplateSyntaxError, source: str, filename: str) -> TemplateError:
    """Jinja's syntax error as ours: an unclosed tag named at its own line, not where
    Jinja gave up looking for its end."""
    message, lineno = exc.message or str(exc), exc.lineno
    if any(words in message for words in _NESTING_WORDS):
        problem = nesting_problem(source)
        if problem is not None:
            message, lineno = problem
    return TemplateError(" ".join(message.split()), filename, lineno)


def _compile(env: jinja2.Environment, source: str | nodes.Template, filename: str) -> CodeType:
    try:
        return env.compile(source, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise syntax_error(exc, source if isinstance(source, str) else "", filename) from None
    except RecursionError:
        raise TemplateError("nested too deeply to compile", filename) from None
    except SyntaxError as exc:  # Python's own limits: 200 parentheses, 20 nested loops
        raise TemplateError(f"nested too deeply to compile ({exc.msg})", filename) from None


def _from_code(env: jinja2.Environment, code: CodeType) -> jinja2.Template:
    # The environment's globals as a dict, not Jinja's live ChainMap over them: each render
    # copies them, and a ChainMap is copied in Python, key by key. (Ours are all set when
    # the environment is made, before any template.)
    return env.template_class.from_code(env, code, dict(env.make_globals(None)))


def load(env: jinja2.Environment, source: str, filename: str) -> jinja2.Template:
    return _from_code(env, _compile(env, source, filename))


@lru_cache(maxsize=64)
def _load_cached(env: jinja2.Environment, source: str, filename: str) -> jinja2.Template:
    return load(env, source, filename)


@lru_cache(maxsize=64)
def compiled_html(source: str, filename: str) -> compiler.CompiledTemplate:
    # Syntax errors are reported against the author's source, before any MJML.
    load(HTML_ENV, source, filename)
    return compiler.compile_source(source, filename)


def _constants(merchant: Merchant, locale: str) -> dict[str, Any]:
    """What every email of one merchant in one catalog (*locale*, a catalog key) shares:
    its words, their language and direction (a folded sentence isolates its values right
    to left, as a rendered one does), and the sides its lines start and end on."""
    language = i18n.key_language(locale)
    direction = i18n.text_direction(language)
    start, end = i18n.sides(direction)
    return {
        "merchant": merchant,
        "theme": merchant.theme,
        "lang": language,
        "dir": direction,
        "start": start,
        "end": end,
        i18n.CONTEXT_KEY: i18n.translations(locale),
    }


# -- folding: compiled once for every merchant and locale -------------------------
#
# What every email of one merchant in one language shares (the merchant's name,
# its colours, the catalog's words) is cut out of the template's syntax tree,
# never out of its text: each such expression is a *slot*, and a marker
# (private-use characters) stands in its place. The tree compiles once, with
# the markers; for each merchant and locale a second template, one block per
# slot, renders the slots' values (through the sandbox, for a merchant's own
# template), and the values are put into the compiled code's constants. No
# value is ever parsed as Jinja, and another merchant or locale costs its
# values, not a compile.
#
# What folds is what Jinja's own optimizer would fold if the merchant, its theme,
# the catalog and its language's direction and sides (``lang``, ``dir``, ``start``,
# ``end``) were constants (names, literals, attributes, operators), but only
# through filters and tests declared pure (filters.is_pure: never money, dates or
# ``local``, which read the render's locale), gettext calls with constant
# arguments, and the words of one whose variables are not (they are formatted
# with each email). Not folded: calls of anything else, what a statement decides
# (``{% if %}`` still tests ``merchant.website`` in every email), anything inside
# ``{% autoescape %}``, and a name the template binds itself.

#: The names whose values are the same in every email of one merchant and catalog
#: (the template is compiled for each catalog key, which decides the language), and
#: the gettext functions, whose results are (with constant arguments).
_CONSTANT_NAMES = frozenset({"merchant", "theme", "lang", "dir", "start", "end"})
_GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
#: Expressions that are constant when every part of them is.
_TRANSPARENT = (
    nodes.Literal, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.BinExpr, nodes.UnaryExpr,
    nodes.Concat, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.Keyword, nodes.Pair,
    nodes.MarkSafe, nodes.MarkSafeIfAutoescape,
)  # fmt: skip
#: The format of what is cached on disk: a change to what is marked, or how, is a miss.
_FORMAT = "ast-3"

_MARK_START, _MARK_END = "\U000f0000", "\U000f0001"
_MARK = re.compile(f"{_MARK_START}([0-9]+){_MARK_END}")


def _marker(index: int) -> str:
    return f"{_MARK_START}{index}{_MARK_END}"


def _bound_names(tree: nodes.Template) -> frozenset[str]:
    """The names *tree* binds itself (``set``, ``for``, ``with``, macro and call arguments,
    macros, imports): in it, ``merchant`` so bound is no longer the merchant."""
    names = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    names.update(macro.name for macro in tree.find_all(nodes.Macro))
    names.update(imported.target for imported in tree.find_all(nodes.Import))
    for imported in tree.find_all(nodes.FromImport):
        names.update(name if isinstance(name, str) else name[1] for name in imported.names)
    return frozenset(names)


def _can_fold(tree: nodes.Template) -> bool:
    """Whether anything in *tree* may fold: not when a statement changes the escaping of
    the rest of its scope, nor when the template's own text has a marker's character."""
    modifiers = tree.find_all(nodes.EvalContextModifier)
    if any(type(node) is nodes.EvalContextModifier for node in modifiers):
        return False
    texts = [node.data for node in tree.find_all(nodes.TemplateData)]
    texts += [node.value for node in tree.find_all(nodes.Const) if isinstance(node.value, str)]
    return not any(_MARK_START in text or _MARK_END in text for text in texts)


class _Folder(NodeTransformer):
    """Cuts the slots out of a template's tree, putting markers in their place.

    A ``{{ }}`` whose whole expression is constant becomes its marker as template
    data (the value is what it prints: escaped in HTML, as any value is); a
    constant gettext call inside a larger expression becomes its marker as a
    constant, trusted markup in HTML, as the call's result is. Slots are
    numbered in the tree's order, so a pass that leaves some as they are
    (*unfolded*) numbers the others the same.
    """

    def __init__(
        self, env: jinja2.Environment, tree: nodes.Template, unfolded: frozenset[int]
    ) -> None:
        bound = _bound_names(tree) if _can_fold(tree) else _CONSTANT_NAMES | _GETTEXT_NAMES
        self.env = env
        self.constants = _CONSTANT_NAMES - bound
        self.gettext = _GETTEXT_NAMES - bound
        #: Whether a gettext call's words may fold apart from its variables: the
        #: formatting reads ``dir`` (from the render, not from a loop of the template's).
        self.words = "dir" not in bound
        self.unfolded = unfolded
        #: What each marker stands for, by number.
        self.slots: list[nodes.Expr] = []
        self._numbers: dict[str, int] = {}

    def _slot(self, node: nodes.Expr) -> str | None:
        """The marker of *node*'s slot (one for each distinct expression: ``theme.card_color``
        is computed once, however often it is printed), or ``None`` if it is left as it is."""
        # repr, not ==, tells slots apart: Const(1) == Const(True), but 1 is not True.
        index = self._numbers.setdefault(repr(node), len(self.slots))
        if index == len(self.slots):
            self.slots.append(node)
        return None if index in self.unfolded else _marker(index)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        children: list[nodes.Expr] = []
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData) or not self._shared(child):
                children.append(self.visit(child))
                continue
            marker = self._slot(child)
            if marker is None:
                children.append(child)
            else:
                children.append(nodes.TemplateData(marker, lineno=child.lineno))
        node.nodes = children
        return node

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        if self._gettext_call(node):
            marker = self._slot(node)
            if marker is None:
                return node
            const = nodes.Const(marker, lineno=node.lineno)
            return nodes.Filter(const, _FOLDED, [], [], None, None, lineno=node.lineno)
        words = self._words(node)
        self.generic_visit(node)  # (in place)
        marker = None if words is None else self._slot(words)
        if marker is None:
            return node
        # The words fold; formatting them with the call's variables stays in the email.
        const = nodes.Const(marker, lineno=node.lineno)
        return nodes.Filter(const, _FORMAT_WORDS, [], node.kwargs, None, None, lineno=node.lineno)

    def _words(self, node: nodes.Call) -> nodes.Expr | None:
        """For ``_("Hi %(name)s!", name=story.name)`` (or gettext, or pgettext), the lookup of
        its words alone, which folds (``None`` for any other call): not where the template
        binds ``dir`` itself, which the formatting reads."""
        function = node.node
        if not (
            isinstance(function, nodes.Name)
            and function.ctx == "load"
            and function.name in self.gettext
            and function.name in ("_", "gettext", "pgettext")  # words not chosen by a count
            and self.words
            and node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
            and len(node.args) == (2 if function.name == "pgettext" else 1)
            and all(isinstance(arg, nodes.Const) and type(arg.value) is str for arg in node.args)
        ):
            return None
        first, *rest = node.args
        return nodes.Filter(first, _WORDS, list(rest), [], None, None, lineno=node.lineno)

    def visit_ScopedEvalContextModifier(self, node: nodes.ScopedEvalContextModifier) -> nodes.Node:
        return node  # {% autoescape %} changes what a value prints as: nothing folds inside

    def _shared(self, node: nodes.Expr) -> bool:
        """Whether *node* is the same in every email and reads the merchant or the
        catalog (one that reads neither, such as ``"-" * 78``, Jinja folds itself)."""
        if not self._constant(node):
            return False
        return isinstance(node, nodes.Name | nodes.Call) or any(
            True for _ in node.find_all((nodes.Name, nodes.Call))
        )

    def _constant(self, node: nodes.Node) -> bool:
        """Whether *node* has one value in every email of one merchant and locale."""
        if isinstance(node, nodes.Name):
            return node.ctx == "load" and node.name in self.constants
        if isinstance(node, nodes.Call):
            return self._gettext_call(node)
        if isinstance(node, nodes.Filter | nodes.Test):
            table = self.env.filters if isinstance(node, nodes.Filter) else self.env.tests
            if node.node is None or not is_pure(table.get(node.name)):
                return False
        elif not isinstance(node, _TRANSPARENT) or getattr(node, "ctx", "load") != "load":
            return False
        return all(self._constant(child) for child in node.iter_child_nodes())

    def _gettext_call(self, node: nodes.Call) -> bool:
        """Whether *node* calls gettext (``_``, ``ngettext``...) with constant arguments."""
        function = node.node
        if not (
            isinstance(function, nodes.Name)
            and function.ctx == "load"
            and function.name in self.gettext
        ):
            return False
        return all(
            self._constant(child) for child in node.iter_child_nodes() if child is not function
        )


@dataclass(frozen=True)
class _Marked:
    """A template compiled with markers, and what its markers stand for."""

    code: bytes  # marshal'ed: it goes to the disk cache as it is
    #: The slots' own template, one block (``s0``, ``s1``...) per marker, marshal'ed;
    #: empty in a template that leaves some slots as they are.
    values: bytes
    slots: int
    #: The Jinja source the tree was parsed from, and for HTML its map back to the
    #: author's lines (:class:`~compiler.JinjaSource`'s ``line_starts, tag_lines``).
    source: str
    line_map: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())


def _parse(env: jinja2.Environment, source: str, filename: str) -> nodes.Template:
    try:
        return env.parse(source, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise syntax_error(exc, source, filename) from None
    except RecursionError:
        raise TemplateError("nested too deeply to compile", filename) from None


def _mark(
    env: jinja2.Environment,
    source: str,
    filename: str,
    unfolded: frozenset[int],
    line_map: tuple[tuple[int, ...], tuple[int, ...]] = ((), ()),
) -> _Marked:
    """*source* compiled with a marker for each slot (but those *unfolded*)."""
    try:
        tree = _parse(env, source, filename)
    except TemplateError as exc:
        # *source* came out of MJML: name the template's own line, not its line.
        if exc.lineno is None or not line_map[0]:
            raise
        lineno = compiler.JinjaSource(source, filename, *line_map).original_line(exc.lineno)
        raise TemplateError(exc.message, filename, lineno) from None
    folder = _Folder(env, tree, unfolded)
    folder.visit(tree)
    tree.set_environment(env)
    code = marshal.dumps(_compile(env, tree, filename))
    values = b""
    if not unfolded:
        blocks: list[nodes.Node] = [
            nodes.Block(
                f"s{index}",
                [nodes.Output([slot], lineno=slot.lineno)],
                False,
                False,
                lineno=slot.lineno,
            )
            for index, slot in enumerate(folder.slots)
        ]
        slots = nodes.Template(blocks, lineno=1)
        slots.set_environment(env)
        values = marshal.dumps(_compile(env, slots, filename))
    return _Marked(code, values, len(folder.slots), source, line_map)


def _values(
    env: jinja2.Environment, marked: _Marked, merchant: Merchant, locale: str
) -> list[str | None]:
    """What each marker is for *merchant* in *locale*, rendered as an email renders it;
    ``None`` for a slot that fails for this merchant (a ``merchant.website.host`` with no
    website, or what the sandbox refuses), which then renders (or fails, naming its
    line) with each email."""
    template = _from_code(env, marshal.loads(marked.values))
    context = template.new_context(_constants(merchant, locale))
    values: list[str | None] = []
    for index in range(marked.slots):
        try:
            values.append("".join(template.blocks[f"s{index}"](context)))
        except Exception:  # whatever it is, it happens again in the email, at its line
            values.append(None)
    return values


def _put(code: CodeType, values: Sequence[str | None]) -> CodeType:
    """*code* with each marker in its constants (its functions' and tuples' too, which
    Python folds ``(" ", marker)`` into) replaced by its value."""

    def value(match: re.Match[str]) -> str:
        found = values[int(match.group(1))]
        if found is None:  # pragma: no cover - a slot without a value has no marker
            raise TemplateError("a folded value is missing (a bug in delightmail)")
        return found

    def put(const: Any) -> Any:
        if isinstance(const, str) and _MARK_START in const:
            return _MARK.sub(value, const)
        if isinstance(const, CodeType):
            return _put(const, values)
        if isinstance(const, tuple | frozenset):
            return type(const)(put(item) for item in const)
        return const

    return code.replace(co_consts=tuple(put(const) for const in code.co_consts))


def _unfolded(values: Sequence[str | None]) -> frozenset[int]:
    return frozenset(index for index, value in enumerate(values) if value is None)


@lru_cache(maxsize=64)
def _marked_html(
    source: str, filename: str, sandbox: bool, unfolded: frozenset[int] = frozenset()
) -> _Marked:
    entry = _cache.key("marked-html", _FORMAT, source, filename, sandbox, sorted(unfolded))
    hit = _cache.fetch(entry)
    if isinstance(hit, _Marked):
        return hit
    env = environment(html=True, sandbox=sandbox)
    if unfolded:  # the same tree again, from the source the first one kept
        every = _marked_html(source, filename, sandbox)
        marked = _mark(env, every.source, filename, unfolded, every.line_map)
    else:
        jinja = compiled_html(source, filename).jinja_source()
        line_map = (jinja.line_starts, jinja.tag_lines)
        marked = _mark(env, jinja.source, filename, unfolded, line_map)
    _cache.store(entry, marked)
    return marked


@lru_cache(maxsize=64)
def merchant_html(
    source: str,
    filename: str,
    merchant_json: str,
    locale: str,
    sandbox: bool = False,
    roots: tuple[str, ...] = (),
) -> tuple[jinja2.Template, compiler.JinjaSource]:
    """The compiled template with this merchant's and locale's constant values in it.

    The template compiles once (or comes from the disk cache, see
    :mod:`delightmail._cache`: then neither MJML nor premailer runs); each
    merchant and locale only puts its values in.
    """
    env = environment(html=True, sandbox=sandbox, roots=roots)
    merchant = Merchant.model_validate_json(merchant_json)
    marked = _marked_html(source, filename, sandbox)
    values = _values(env, marked, merchant, locale)
    if unfolded := _unfolded(values):
        # Compiled once for every merchant whose same slots fail (no website...).
        marked = _marked_html(source, filename, sandbox, unfolded)
    jinja = compiler.JinjaSource(marked.source, filename, *marked.line_map)
    return _from_code(env, _put(marshal.loads(marked.code), values)), jinja


@lru_cache(maxsize=64)
def reference_html(
    source: str, filename: str, sandbox: bool = False, roots: tuple[str, ...] = ()
) -> jinja2.Template:
    env = environment(html=True, sandbox=sandbox, roots=roots)
    return load(env, compiler.strip_comments(source, filename), filename)


@lru_cache(maxsize=64)
def _marked_text(
    source: str, filename: str, sandbox: bool, unfolded: frozenset[int] = frozenset()
) -> _Marked:
    entry = _cache.key("marked-text", _FORMAT, source, filename, sandbox, sorted(unfolded))
    hit = _cache.fetch(entry)
    if isinstance(hit, _Marked):
        return hit
    env = environment(html=False, sandbox=sandbox)
    _load_cached(env, source, filename)  # errors name the author's own lines
    marked = _mark(env, source, filename, unfolded)
    _cache.store(entry, marked)
    return marked


@lru_cache(maxsize=64)
def text_template(
    source: str,
    filename: str,
    merchant_json: str | None,
    locale: str | None,
    sandbox: bool = False,
    roots: tuple[str, ...] = (),
) -> jinja2.Template:
    """The text template; for a merchant and locale, with their constant values in it
    (compiled once, as the HTML is)."""
    env = environment(html=False, sandbox=sandbox, roots=roots)
    if merchant_json is None or locale is None:
        return _load_cached(env, source, filename)  # errors name the author's own lines
    merchant = Merchant.model_validate_json(merchant_json)
    marked = _marked_text(source, filename, sandbox)
    values = _values(env, marked, merchant, locale)
    if unfolded := _unfolded(values):
        marked = _marked_text(source, filename, sandbox, unfolded)
    return _from_code(env, _put(marshal.loads(marked.code), values))


def _template_line(tb: TracebackType | None, filenames: frozenset[str]) -> tuple[str, int] | None:
    """The innermost template line in *tb*: a partial's, when it failed in one."""
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in filenames:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_template(
    template: jinja2.Template,
    context: Mapping[str, Any],
    filename: str,
    line_of: Callable[[int], int | None] | None = None,
    partials: frozenset[str] = frozenset(),
) -> str:
    """*template* rendered; a failure is a :class:`TemplateError` naming the line.

    :param line_of: maps a line of the compiled source back to the template's.
    :param partials: the other files the template loads as it renders (the
        reference path's parents and includes), whose lines an error may name.
    """
    try:
        return template.render(context)
    except TemplateError:
        raise
    except Exception as exc:
        found = _template_line(exc.__traceback__, partials | {filename})
        where, lineno = found if found is not None else (filename, None)
        if where == filename and lineno is not None and line_of is not None:
            lineno = line_of(lineno)
        message = exc.message if isinstance(exc, jinja2.TemplateError) else repr(exc)
        raise TemplateError(str(message), where, lineno) from exc
