"""Jinja environments and the compiled templates behind a :class:`~delightmail.Mailer`.

Internal. Two environments (HTML, autoescaped; text, not), each with the
filters and the gettext functions. The caches here make every template
compile once: MJML and premailer once per template source, then the values
that every email of one merchant in one language shares (its name, its
colours, the catalog's words) folded in once per merchant and language.
"""

from __future__ import annotations

import ast
import functools
import json
import marshal
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import CodeType, TracebackType
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import _cache, compiler, i18n
from .exceptions import TemplateError
from .filters import FILTERS
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
    env = MerchantSandbox(optimized=False, **options) if sandbox else jinja2.Environment(**options)
    env.filters.update(FILTERS)
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
        raise TemplateError(exc.message or str(exc), filename, exc.lineno) from None
    except RecursionError:
        raise TemplateError("nested too deeply to compile", filename) from None


def _compile(env: jinja2.Environment, source: str, filename: str) -> CodeType:
    try:
        return env.compile(source, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or str(exc), filename, exc.lineno) from None
    except RecursionError:
        raise TemplateError("nested too deeply to compile", filename) from None


def _from_code(env: jinja2.Environment, code: CodeType) -> jinja2.Template:
    return env.template_class.from_code(env, code, env.make_globals(None))


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


# The names whose values are the same in every email of one mailer and locale
# (the merchant, its theme, the catalog's words), and the filters whose
# result depends on the order, which never fold.
_CONSTANT_NAMES = frozenset(
    {"merchant", "theme", "_", "gettext", "ngettext", "pgettext", "npgettext"}
)
_ORDER_FILTERS = frozenset({"money", "minus_money", "number", "date", "datetime", "local"})
_BINDING_KEYWORDS = frozenset({"set", "for", "with", "macro", "call"})


def _shadows_constants(tags: Sequence[compiler.Tag]) -> bool:
    """Whether a statement binds ``merchant`` or ``theme`` to something else."""
    for tag in tags:
        if tag.keyword in _BINDING_KEYWORDS:
            target = re.split(r"=|\sin\s", tag.text, maxsplit=1)[0]
            if re.search(r"\b(merchant|theme)\b", target):
                return True
    return False


@lru_cache(maxsize=4096)
def _foldable(env: jinja2.Environment, tag_text: str) -> jinja2.Template | None:
    """The tag compiled on its own, if it reads only the merchant, its theme and the
    catalog; ``None`` if it must render with each email. Compiled once for every
    merchant and locale."""
    if tag_text.startswith("{{-") or tag_text.endswith("-}}"):
        return None  # whitespace control belongs to the tag; keep it
    ast = env.parse(tag_text)
    names = meta.find_undeclared_variables(ast)
    # No names at all is a constant too: _("Subtotal") only reads globals.
    if not names <= _CONSTANT_NAMES:
        return None
    if any(node.name in _ORDER_FILTERS for node in ast.find_all(nodes.Filter)):
        return None
    return env.from_string(ast)


def _constant_folder(
    tags: Sequence[compiler.Tag], constants: Mapping[str, Any], env: jinja2.Environment
) -> Callable[[compiler.Tag], str | None] | None:
    """A ``fold`` for :meth:`~compiler.CompiledTemplate.jinja_source`: renders, once,
    each expression that only reads the merchant, its theme and the catalog."""
    if _shadows_constants(tags):
        return None

    @cache
    def fold(tag_text: str) -> str | None:
        template = _foldable(env, tag_text)
        if template is None:
            return None
        try:
            return template.render(constants)
        except jinja2.TemplateError:
            # Guarded by a condition that is false for this merchant (a
            # website's host, with no website), or refused by the sandbox: left
            # as it is, to render (or fail, naming its line) with each email.
            return None

    return lambda tag: fold(tag.text) if tag.kind == "expression" else None


_LITERAL_GETTEXT = re.compile(r"""(?<![\w.])_\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)""")


def _gettext_rewriter(text_for: Callable[[str], str], *, html: bool) -> Callable[[str], str]:
    """Rewrites each literal ``_("...")`` inside a tag as the literal ``text_for(msgid)``
    (trusted as markup in HTML, as the call's result is). A message whose ``%%``
    cannot resolve without values (*text_for* raises) stays a call, so that
    rendering reports it against its template line."""

    def replace(match: re.Match[str]) -> str:
        try:
            text = text_for(ast.literal_eval(match.group(1)))
        except (KeyError, TypeError, ValueError):
            return match.group(0)
        literal = json.dumps(text, ensure_ascii=False)  # never a surrogate pair
        return f"({literal}|safe)" if html else literal

    return lambda tag_text: _LITERAL_GETTEXT.sub(replace, tag_text)


def _translation_rewriter(locale: str, *, html: bool) -> Callable[[str], str]:
    """Rewrites ``_("Subtotal")`` inside a tag as the locale's ``"Zwischensumme"``.

    The same thing the call returns at render time (the translation, "%%"
    resolved), decided once instead of on every email. Calls with variables
    stay calls.
    """
    translations = i18n.translations(locale)
    return _gettext_rewriter(lambda message: translations.gettext(message) % {}, html=html)


def _constants(merchant: Merchant, locale: str) -> dict[str, Any]:
    """What every email of one merchant in one language shares."""
    return {
        "merchant": merchant,
        "theme": merchant.theme,
        i18n.CONTEXT_KEY: i18n.translations(locale),
    }


# -- compiled once for every merchant and locale ---------------------------------
#
# The values every email of one merchant in one language shares (the merchant's
# name, its colours, the catalog's words) are left out of the template as
# markers when it compiles, once; for each merchant and locale they are put
# into the compiled code's constants. No merchant's value is ever parsed as
# Jinja, and another merchant or locale costs its values, not a compile.

_MARK = re.compile("\U000f0000([0-9]+)\U000f0001")


def _marker(index: int) -> str:
    return f"\U000f0000{index}\U000f0001"


@dataclass(frozen=True)
class _Marked:
    """A template compiled with markers: its code, its line map, and what each marker stands for."""

    code: bytes  # marshal'ed: it goes to the disk cache as it is
    lines: tuple[str, str, tuple[int, ...], tuple[int, ...]] | None
    #: For each marker: ("fold", an expression's source) or ("message", a msgid).
    slots: tuple[tuple[str, str], ...]


def _marking(
    env: jinja2.Environment, tags: Sequence[compiler.Tag], *, html: bool
) -> tuple[Callable[[compiler.Tag], str | None], Callable[[str], str], list[tuple[str, str]]]:
    """A fold and a rewrite that put markers in, and the list of what they stand for."""
    slots: list[tuple[str, str]] = []
    if _shadows_constants(tags):
        return (lambda tag: None), (lambda text: text), slots

    def fold(tag: compiler.Tag) -> str | None:
        if tag.kind != "expression" or _foldable(env, tag.text) is None:
            return None
        slots.append(("fold", tag.text))
        return _marker(len(slots) - 1)

    def mark(message: str) -> str:
        message % {}  # raises for a placeholder with no value: then it stays a call
        slots.append(("message", message))
        return _marker(len(slots) - 1)

    return fold, _gettext_rewriter(mark, html=html), slots


def _values(
    env: jinja2.Environment, slots: Sequence[tuple[str, str]], merchant: Merchant, locale: str
) -> list[str] | None:
    """What each marker is for *merchant* in *locale*; ``None`` when one cannot be known
    once for all its emails (a guarded expression that fails for this merchant)."""
    constants = _constants(merchant, locale)
    translations = i18n.translations(locale)
    values = []
    for kind, text in slots:
        try:
            if kind == "fold":
                template = _foldable(env, text)
                if template is None:  # pragma: no cover - marked only when foldable
                    return None
                values.append(template.render(constants))
            else:
                values.append(translations.gettext(text) % {})
        except (jinja2.TemplateError, KeyError, TypeError, ValueError):
            return None
    return values


def _put(code: CodeType, values: Sequence[str]) -> CodeType:
    """*code* with each marker in its constants (its functions' and tuples' too, which
    Python folds ``(" ", marker)`` into) replaced by its value."""

    def put(const: Any) -> Any:
        if isinstance(const, str) and "\U000f0000" in const:
            return _MARK.sub(lambda match: values[int(match.group(1))], const)
        if isinstance(const, CodeType):
            return _put(const, values)
        if isinstance(const, tuple | frozenset):
            return type(const)(put(item) for item in const)
        return const

    return code.replace(co_consts=tuple(put(const) for const in code.co_consts))


@lru_cache(maxsize=64)
def _marked_html(source: str, filename: str, sandbox: bool, roots: tuple[str, ...]) -> _Marked:
    entry = _cache.key("marked-html", source, filename, sandbox)
    hit = _cache.fetch(entry)
    if isinstance(hit, _Marked):
        return hit
    env = environment(html=True, sandbox=sandbox, roots=roots)
    compiled = compiled_html(source, filename)
    fold, rewrite, slots = _marking(env, compiled.tags, html=True)
    jinja_source = compiled.jinja_source(fold, rewrite)
    # Not optimised: a marker must stay a constant, never computed into another.
    code = _compile(env.overlay(optimized=False), jinja_source.source, filename)
    lines = (jinja_source.source, filename, jinja_source.line_starts, jinja_source.tag_lines)
    marked = _Marked(marshal.dumps(code), lines, tuple(slots))
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
    marked = _marked_html(source, filename, sandbox, roots)
    values = _values(env, marked.slots, merchant, locale)
    if values is not None and marked.lines is not None:
        code = _put(marshal.loads(marked.code), values)
        return _from_code(env, code), compiler.JinjaSource(*marked.lines)
    # A value that cannot be known once for this merchant: folded the slow way.
    compiled = compiled_html(source, filename)
    jinja_source = compiled.jinja_source(
        _constant_folder(compiled.tags, _constants(merchant, locale), env),
        _translation_rewriter(locale, html=True),
    )
    return load(env, jinja_source.source, filename), jinja_source


@lru_cache(maxsize=64)
def reference_html(
    source: str, filename: str, sandbox: bool = False, roots: tuple[str, ...] = ()
) -> jinja2.Template:
    env = environment(html=True, sandbox=sandbox, roots=roots)
    return load(env, compiler.strip_comments(source, filename), filename)


@lru_cache(maxsize=64)
def _marked_text(source: str, filename: str, sandbox: bool, roots: tuple[str, ...]) -> _Marked:
    entry = _cache.key("marked-text", source, filename, sandbox)
    hit = _cache.fetch(entry)
    if isinstance(hit, _Marked):
        return hit
    env = environment(html=False, sandbox=sandbox, roots=roots)
    _load_cached(env, source, filename)  # errors name the author's own lines
    tags = compiler.scan_tags(source, filename)
    fold, rewrite, slots = _marking(env, tags, html=False)
    text = _text_source(source, tags, fold, rewrite)
    code = _compile(env.overlay(optimized=False), text, filename)
    marked = _Marked(marshal.dumps(code), None, tuple(slots))
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
    template = _load_cached(env, source, filename)  # errors name the author's own lines
    if merchant_json is None or locale is None:
        return template
    merchant = Merchant.model_validate_json(merchant_json)
    marked = _marked_text(source, filename, sandbox, roots)
    values = _values(env, marked.slots, merchant, locale)
    if values is not None:
        return _from_code(env, _put(marshal.loads(marked.code), values))
    # A value that cannot be known once for this merchant: folded the slow way.
    tags = compiler.scan_tags(source, filename)
    fold = _constant_folder(tags, _constants(merchant, locale), env)

    def fold_literal(tag: compiler.Tag) -> str | None:
        folded = fold(tag) if fold is not None else None
        return None if folded is None else compiler.protect_literal(folded)

    text = _text_source(source, tags, fold_literal, _translation_rewriter(locale, html=False))
    return load(env, text, filename)


def _text_source(
    source: str,
    tags: Sequence[compiler.Tag],
    fold: Callable[[compiler.Tag], str | None],
    rewrite: Callable[[str], str],
) -> str:
    """*source* with each tag folded into text, or else rewritten."""
    parts, pos = [], 0
    for tag in tags:
        folded = fold(tag)
        parts += [source[pos : tag.start], folded if folded is not None else rewrite(tag.text)]
        pos = tag.end
    return "".join([*parts, source[pos:]])


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
