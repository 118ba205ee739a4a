"""Render an order into a :class:`RenderedEmail`: subject, preheader, HTML and text.

>>> mailer = Mailer(merchant=merchant, template="playful", locale="en")  # doctest: +SKIP
>>> email = mailer.render(order)  # doctest: +SKIP
>>> msg = email.to_message(sender="Ada <ada@shop.example>")  # doctest: +SKIP

A :class:`Mailer` compiles its template once (MJML and premailer run at
construction, and the result is cached across mailers); the values that are
the same in every email of the merchant (its name, its colours) are folded in
then too. :meth:`Mailer.render` is then a Jinja render and nothing more.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from functools import cache, lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import meta, nodes
from jinja2.runtime import Context

from . import compiler, i18n
from .exceptions import TemplateError, TemplateNotFound
from .links import with_utm
from .models import TONES, Merchant, Money, Order, validate_merchant, validate_order
from .packs import Pack, load_pack
from .story import tell

__all__ = [
    "MAX_LINES_SHOWN",
    "TEMPLATE_FILES",
    "Mailer",
    "RenderedEmail",
    "available_templates",
    "template_dirs",
]

#: The files a template folder holds.
TEMPLATE_FILES = ("email.mjml.j2", "email.txt.j2")
#: How many lines an email lists before "…and 37 more things — see your whole order".
#: Gmail clips an HTML part over about 102 KB; at about 2 KB for a heavy line
#: (variant, properties, a discount, a link), 25 lines keep the longest order
#: well under the 90 KB budget (see tests/test_checks.py).
MAX_LINES_SHOWN = 25


def template_dirs() -> list[Path]:
    """The folders holding the built-in templates, in the order they are searched.

    An installed wheel carries them inside the package; a source checkout has
    them at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "templates", here.parent.parent / "templates"]
    return [path for path in candidates if path.is_dir()]


def available_templates(extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """The names of every template found in *extra_dirs* and the built-in folders."""
    names = set()
    for root in (*extra_dirs, *template_dirs()):
        for child in root.iterdir():
            if all((child / name).is_file() for name in TEMPLATE_FILES):
                names.add(child.name)
    return sorted(names)


def _find_template(name: str, extra_dirs: tuple[Path, ...]) -> Path:
    searched = [*extra_dirs, *template_dirs()]
    for root in searched:
        folder = root / name
        if (folder / TEMPLATE_FILES[0]).is_file():
            return folder
    known = ", ".join(available_templates(extra_dirs)) or "none"
    raise TemplateNotFound(
        f"no template named {name!r} (known templates: {known}; "
        f"searched {', '.join(str(p) for p in searched)})"
    )


# -- formatting: memoised, so the HTML and text parts format each amount once --


def _babel(locale: str) -> str:
    return locale.replace("-", "_")


@lru_cache(maxsize=8192)
def _format_money(amount: Decimal, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=_babel(locale))


@lru_cache(maxsize=4096)
def _format_number(value: Decimal, locale: str) -> str:
    return format_decimal(value, locale=_babel(locale))


def _locale_of(context: Context) -> str:
    # The render's own variables live in context.parent: one dict lookup, which
    # matters for a filter called a dozen times an email.
    locale = context.parent.get("locale")
    return locale if isinstance(locale, str) else "en"


@jinja2.pass_context
def money_filter(context: Context, value: Money) -> str:
    """``{{ line.unit_price | money }}``: the amount as Babel formats it for the locale."""
    return _format_money(value.amount, value.currency, _locale_of(context))


@jinja2.pass_context
def negative_money_filter(context: Context, value: Money) -> str:
    """``{{ discount.amount | minus_money }}``: a deduction, shown with a minus sign."""
    return _format_money(-value.amount, value.currency, _locale_of(context))


@jinja2.pass_context
def number_filter(context: Context, value: Decimal | int) -> str:
    """``{{ line.quantity | number }}``: ``2``, ``1.5`` or ``1,5`` by locale."""
    return _format_number(Decimal(value).normalize(), _locale_of(context))


@lru_cache(maxsize=4096)
def _format_date(value: date, format: str, locale: str) -> str:
    return format_date(value, format=format, locale=_babel(locale))


@jinja2.pass_context
def date_filter(context: Context, value: date, format: str = "long") -> str:
    """``{{ placed_at | date }}``: a date in the locale's words ("November 22, 2026")."""
    day = value.date() if isinstance(value, datetime) else value
    return _format_date(day, format, _locale_of(context))


@jinja2.pass_context
def datetime_filter(context: Context, value: datetime, format: str = "medium") -> str:
    """``{{ order.placed_at | datetime }}``: a date and time in the locale's words."""
    return format_datetime(value, format=format, locale=_babel(_locale_of(context)))


@cache
def _wrap_pattern(width: int) -> re.Pattern[str]:
    # A line is as many words as fit in *width*, or one word longer than that
    # (a URL), which is never broken so that it stays whole and clickable.
    return re.compile(rf"(\S.{{0,{width - 1}}}|\S+)(?:\s+|$)")


def _wrap_paragraph(paragraph: str, width: int, indent: str) -> str:
    text = " ".join(paragraph.split())
    if len(text) + len(indent) <= width:
        return indent + text
    lines = _wrap_pattern(width - len(indent)).findall(text)
    return "\n".join(indent + line for line in lines)


def wrap_filter(text: str, width: int = 78, indent: str = "") -> str:
    """Wrap each paragraph of plain *text* at *width* columns; long words (URLs) stay whole."""
    return "\n".join(
        _wrap_paragraph(p, width, indent) if p.strip() else "" for p in str(text).split("\n")
    )


@jinja2.pass_context
def utm_filter(context: Context, url: object) -> str:
    """``{{ order.status_url | utm }}``: a link to the shop, with the merchant's UTM tags."""
    merchant = context.parent.get("merchant")
    tags = merchant.utm if isinstance(merchant, Merchant) else None
    return with_utm(str(url), tags)


def row_filter(label: str, value: str, width: int = 78) -> str:
    """``{{ "Subtotal" | row(amount) }}``: *label* left, *value* right, *width* columns.

    A label too long to share the line gets the value on a line of its own.
    """
    label, value = str(label), str(value)
    room = width - len(value) - 2
    if len(label) > room:
        return f"{label}\n{value:>{width}}"
    return f"{label:<{width - len(value)}}{value}"


def one_line(text: Any) -> str:
    """*text* on one line: every run of white space (newlines too) becomes one space."""
    return " ".join(str(text).split())


_FILTERS: Mapping[str, Callable[..., Any]] = {
    "money": money_filter,
    "minus_money": negative_money_filter,
    "number": number_filter,
    "date": date_filter,
    "datetime": datetime_filter,
    "wrap": wrap_filter,
    "row": row_filter,
    "utm": utm_filter,
    "one_line": one_line,
}


def _environment(*, html: bool) -> jinja2.Environment:
    # Templates are code, written and deployed by developers like any other
    # code; what comes from customers is data, and autoescaping covers it.
    # (Story packs, which merchants write as data, run in a sandbox.)
    env = jinja2.Environment(
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=not html,
        lstrip_blocks=not html,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(_FILTERS)
    i18n.install(env)
    return env


_HTML_ENV = _environment(html=True)
_TEXT_ENV = _environment(html=False)


def _load(env: jinja2.Environment, source: str, filename: str) -> jinja2.Template:
    try:
        code = env.compile(source, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or str(exc), filename, exc.lineno) from None
    return env.template_class.from_code(env, code, env.make_globals(None))


@lru_cache(maxsize=64)
def _compiled_html(source: str, filename: str) -> compiler.CompiledTemplate:
    # Syntax errors are reported against the author's source, before any MJML.
    _load(_HTML_ENV, source, filename)
    return compiler.compile_source(source, filename)


# The names whose values are the same in every email of one mailer and locale
# (the merchant, its theme, the catalog's words), and the filters whose
# result depends on the order, which never fold.
_CONSTANT_NAMES = frozenset(
    {"merchant", "theme", "_", "gettext", "ngettext", "pgettext", "npgettext"}
)
_ORDER_FILTERS = frozenset({"money", "minus_money", "number", "date", "datetime"})
_BINDING_KEYWORDS = frozenset({"set", "for", "with", "macro", "call"})


def _shadows_constants(tags: Sequence[compiler.Tag]) -> bool:
    """Whether a statement binds ``merchant`` or ``theme`` to something else."""
    for tag in tags:
        if tag.keyword in _BINDING_KEYWORDS:
            target = re.split(r"=|\sin\s", tag.text, maxsplit=1)[0]
            if re.search(r"\b(merchant|theme)\b", target):
                return True
    return False


def _constant_folder(
    tags: Sequence[compiler.Tag], constants: Mapping[str, Any], env: jinja2.Environment
) -> Callable[[compiler.Tag], str | None] | None:
    """A ``fold`` for :meth:`~compiler.CompiledTemplate.jinja_source`: renders, once,
    each expression that only reads the merchant, its theme and the catalog."""
    if _shadows_constants(tags):
        return None

    @cache
    def fold(tag_text: str) -> str | None:
        if tag_text.startswith("{{-") or tag_text.endswith("-}}"):
            return None  # whitespace control belongs to the tag; keep it
        ast = env.parse(tag_text)
        names = meta.find_undeclared_variables(ast)
        # No names at all is a constant too: _("Subtotal") only reads globals.
        if not names <= _CONSTANT_NAMES:
            return None
        if any(node.name in _ORDER_FILTERS for node in ast.find_all(nodes.Filter)):
            return None
        return env.from_string(tag_text).render(constants)

    return lambda tag: fold(tag.text) if tag.kind == "expression" else None


_LITERAL_GETTEXT = re.compile(r"""(?<![\w.])_\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)""")


def _translation_rewriter(locale: str, *, html: bool) -> Callable[[str], str]:
    """Rewrites ``_("Subtotal")`` inside a tag as the locale's ``"Zwischensumme"``.

    The same thing the call returns at render time (the translation, "%%"
    resolved, trusted as markup in HTML), decided once instead of on every
    email. Calls with variables stay calls.
    """
    translations = i18n.translations(locale)

    def replace(match: re.Match[str]) -> str:
        text = translations.gettext(ast.literal_eval(match.group(1))) % {}
        literal = json.dumps(text)
        return f"({literal}|safe)" if html else literal

    return lambda tag_text: _LITERAL_GETTEXT.sub(replace, tag_text)


def _constants(merchant: Merchant, locale: str) -> dict[str, Any]:
    """What every email of one merchant in one language shares."""
    return {
        "merchant": merchant,
        "theme": merchant.theme,
        i18n.CONTEXT_KEY: i18n.translations(locale),
    }


@lru_cache(maxsize=64)
def _merchant_html(
    source: str, filename: str, merchant_json: str, locale: str
) -> tuple[jinja2.Template, compiler.JinjaSource]:
    """The compiled template with this merchant's and locale's constant values folded in."""
    compiled = _compiled_html(source, filename)
    merchant = Merchant.model_validate_json(merchant_json)
    jinja_source = compiled.jinja_source(
        _constant_folder(compiled.tags, _constants(merchant, locale), _HTML_ENV),
        _translation_rewriter(locale, html=True),
    )
    return _load(_HTML_ENV, jinja_source.source, filename), jinja_source


@lru_cache(maxsize=64)
def _reference_html(source: str, filename: str) -> jinja2.Template:
    return _load(_HTML_ENV, compiler.strip_comments(source, filename), filename)


@lru_cache(maxsize=64)
def _text(
    source: str, filename: str, merchant_json: str | None, locale: str | None
) -> jinja2.Template:
    """The text template; for a merchant and locale, with their constants folded in
    and its literal gettext calls translated, once."""
    template = _load(_TEXT_ENV, source, filename)  # errors name the author's own lines
    if merchant_json is not None and locale is not None:
        merchant = Merchant.model_validate_json(merchant_json)
        tags = compiler.scan_tags(source, filename)
        fold = _constant_folder(tags, _constants(merchant, locale), _TEXT_ENV)
        rewrite = _translation_rewriter(locale, html=False)
        parts, pos = [], 0
        for tag in tags:
            folded = fold(tag) if fold is not None else None
            text = compiler.protect_literal(folded) if folded is not None else rewrite(tag.text)
            parts += [source[pos : tag.start], text]
            pos = tag.end
        template = _load(_TEXT_ENV, "".join([*parts, source[pos:]]), filename)
    return template


def _template_lineno(tb: TracebackType | None, filename: str) -> int | None:
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _render(
    template: jinja2.Template,
    context: Mapping[str, Any],
    filename: str,
    line_of: Callable[[int], int | None] | None = None,
) -> str:
    try:
        return template.render(context)
    except TemplateError:
        raise
    except Exception as exc:
        lineno = _template_lineno(exc.__traceback__, filename)
        if lineno is not None and line_of is not None:
            lineno = line_of(lineno)
        message = exc.message if isinstance(exc, jinja2.TemplateError) else repr(exc)
        raise TemplateError(str(message), filename, lineno) from exc


# -- the rendered email --------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    """One rendered email: what goes into the inbox, ready to send."""

    subject: str
    preheader: str
    html: str
    text: str
    order_number: str = ""
    placed_at: datetime | None = None
    recipient: tuple[str, str] | None = field(default=None, repr=False)
    reply_to: tuple[str, str] | None = field(default=None, repr=False)

    def to_message(
        self,
        sender: str | tuple[str, str],
        to: str | tuple[str, str] | None = None,
        reply_to: str | tuple[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> EmailMessage:
        """This email as a stdlib :class:`~email.message.EmailMessage`, multipart/alternative.

        :param sender: ``"Shop <shop@example.com>"`` or ``("Shop", "shop@example.com")``.
        :param to: the recipient; by default the order's customer.
        :param reply_to: where replies go; by default the merchant's real person.
        :param headers: extra headers (``List-Unsubscribe``...); no line breaks allowed.
        """
        from .message import build_message

        return build_message(self, sender=sender, to=to, reply_to=reply_to, headers=headers)


# -- the mailer ------------------------------------------------------------------


class Mailer:
    """Renders orders for one merchant with one template.

    :param merchant: a :class:`~delightmail.models.Merchant` or a dict of one.
    :param template: a template name (``"playful"``) or the path of a template folder.
    :param locale: the default locale; an order's own ``locale`` wins.
    :param tone: ``playful``, ``warm`` or ``plain``; by default the merchant's
        voice; an order's own ``tone`` wins.
    :param precompile: ``False`` takes the slow reference path (Jinja, then MJML
        and premailer on every email). Only useful to check the fast path.
    :param template_dirs: extra folders to look for templates in, before the built-in ones.
    :param pack_dirs: folders with the merchant's own story packs.
    """

    def __init__(
        self,
        merchant: Merchant | Mapping[str, Any],
        template: str | Path = "playful",
        locale: str = "en",
        *,
        tone: str | None = None,
        precompile: bool = True,
        template_dirs: tuple[str | Path, ...] = (),
        pack_dirs: tuple[str | Path, ...] = (),
    ) -> None:
        self.merchant = validate_merchant(merchant)
        self.locale = locale
        self.tone = tone or self.merchant.voice.tone
        if self.tone not in TONES:
            raise TemplateError(f"unknown tone {self.tone!r} (known: {', '.join(TONES)})")
        self.precompile = precompile
        self.pack_dirs = tuple(Path(p) for p in pack_dirs)
        extra = tuple(Path(p) for p in template_dirs)
        path = Path(template)
        folder = path if path.is_dir() else _find_template(str(template), extra)
        self.template_name = folder.name
        self.folder = folder
        html_path = folder / TEMPLATE_FILES[0]
        text_path = folder / TEMPLATE_FILES[1]
        self._html_filename = str(html_path)
        self._text_filename = str(text_path)
        self._html_source = _read(html_path)
        self._text_source = _read(text_path)
        self._merchant_json = self.merchant.model_dump_json()
        self._packs: dict[tuple[str, str], Pack] = {}
        self._htmls: dict[str, tuple[jinja2.Template, compiler.JinjaSource | None]] = {}
        # Compile (and check the story pack) now, so that a broken template or
        # pack fails here, at start-up, rather than on the first order.
        self._text_for(locale)
        self._html_for(locale)
        self._pack_for(self.tone, locale)

    def _html_for(self, locale: str) -> tuple[jinja2.Template, compiler.JinjaSource | None]:
        key = i18n.catalog_key(locale)
        if key not in self._htmls:
            if self.precompile:
                self._htmls[key] = _merchant_html(
                    self._html_source, self._html_filename, self._merchant_json, key
                )
            else:
                self._htmls[key] = (_reference_html(self._html_source, self._html_filename), None)
        return self._htmls[key]

    def _text_for(self, locale: str) -> jinja2.Template:
        # The reference path keeps the gettext calls as written: it is what the
        # translated-once fast path is checked against.
        if not self.precompile:
            return _text(self._text_source, self._text_filename, None, None)
        key = i18n.catalog_key(locale)
        return _text(self._text_source, self._text_filename, self._merchant_json, key)

    def html_template(self, locale: str | None = None) -> jinja2.Template:
        """The Jinja template that renders the HTML part for *locale*.

        On the compiled path it is already MJML'd, inlined and folded: what
        :meth:`render` runs per email (benchmarks measure it alone).
        """
        return self._html_for(locale or self.locale)[0]

    def _pack_for(self, tone: str, locale: str) -> Pack:
        key = (tone, i18n.catalog_key(locale))
        if key not in self._packs:
            self._packs[key] = load_pack(tone, locale, self.pack_dirs)
        return self._packs[key]

    def context(self, order: Order | Mapping[str, Any]) -> dict[str, Any]:
        """Everything the templates see for *order*."""
        order = validate_order(order)
        locale = order.locale or self.locale
        tone = order.tone or self.tone
        merchant = self.merchant
        story = tell(order, merchant, locale, tone, pack=self._pack_for(tone, locale))
        # Where "see your whole order" points, when the email cannot list every line.
        whole = order.status_url or merchant.website
        whole_order_url = (
            str(whole) if whole is not None and len(order.lines) > MAX_LINES_SHOWN else None
        )
        shipping_to = order.shipping_address
        billing = order.billing_address
        return {
            "order": order,
            "merchant": merchant,
            "theme": merchant.theme,
            "customer": order.customer,
            "story": story,
            "tone": tone,
            "locale": locale,
            "lang": _babel(locale).split("_")[0],
            "dir": i18n.text_direction(locale),
            "show_prices": not order.hide_prices,
            "lines_shown": order.lines[:MAX_LINES_SHOWN],
            "lines_hidden": max(len(order.lines) - MAX_LINES_SHOWN, 0),
            "whole_order_url": whole_order_url,
            "placed_at": order.local_placed_at(merchant.timezone),
            "shipping_lines": shipping_to.lines(locale) if shipping_to else [],
            "billing_lines": billing.lines(locale) if billing and not billing.is_empty() else [],
            "subject": story.subject,
            "preheader": story.preheader,
            i18n.CONTEXT_KEY: i18n.translations(locale),
        }

    def render(self, order: Order | Mapping[str, Any]) -> RenderedEmail:
        """Render *order*: a validated :class:`Order` or a dict such as parsed JSON.

        :raises OrderValidationError: the order is not valid; the message names each field.
        :raises TemplateError: the template failed; the message names its file and line.
        """
        context = self.context(order)
        valid: Order = context["order"]
        template, compiled = self._html_for(context["locale"])
        if compiled is not None:
            html = _render(template, context, self._html_filename, compiled.original_line)
        else:
            mjml_source = _render(template, context, self._html_filename)
            html = compiler.mjml_to_html(mjml_source, self._html_filename)
        text = _render(self._text_for(context["locale"]), context, self._text_filename)
        customer = valid.customer
        signer = self.merchant.signer
        reply = signer.email or self.merchant.support_email
        return RenderedEmail(
            subject=one_line(context["subject"]),
            preheader=one_line(context["preheader"]),
            html=html,
            text=text,
            order_number=valid.number,
            placed_at=valid.placed_at,
            recipient=(customer.full_name or "", customer.email) if customer.email else None,
            reply_to=(signer.name, reply) if reply else None,
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateNotFound(f"template file is missing: {path}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"not UTF-8 text: {exc}", str(path)) from None
