"""The filters templates format with: money, numbers, dates, wrapped text, tagged links.

Each formats for the locale of the email being rendered (the render's own
``locale`` variable), and memoises what Babel computes, so the HTML and the
text part format each amount once. Numbers, money and dates written in digits
keep the locale's formats; a date written with words (a month or a weekday's
name: the ``long`` and ``full`` formats, and ``medium`` in most languages) is
in the language of the email's words (the render's ``lang``), so that a French
customer's English email says "November 22, 2026", never "22 novembre 2026"::

    {{ line.unit_price | money }}     $1,234.56 / 1.234,56 €
    {{ placed_at | date }}            November 22, 2026
    {{ paragraph | wrap }}            plain text at 78 columns
    {{ "Subtotal" | row(amount) }}    label left, amount right
    {{ order.status_url | utm }}      with the merchant's UTM tags
    {{ merchant.support_phone | tel }}  tel:+15035550142
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, TypeVar

import jinja2
import jinja2.filters
import jinja2.tests
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2.runtime import Context
from markupsafe import Markup

from .columns import char_width, display_width, is_narrow, is_wide
from .i18n import babel_locale, isolate_value, rtl_text, story_locale, text_locale
from .limits import TEXT_WIDTH
from .links import tel_url, with_utm
from .models import Merchant, Money, localized

__all__ = [
    "FILTERS",
    "as_written_filter",
    "bidi_filter",
    "caps_filter",
    "date_filter",
    "datetime_filter",
    "is_pure",
    "local_filter",
    "money_filter",
    "negative_money_filter",
    "number_filter",
    "one_line",
    "pure",
    "row_filter",
    "rtl_text_filter",
    "tel_filter",
    "utm_filter",
    "wrap_filter",
]


# -- purity: which filters an expression may be computed once through ----------

_F = TypeVar("_F", bound=Callable[..., Any])
_PURE: set[object] = set()


def pure(function: _F) -> _F:
    """Declare a filter or test *pure*: its result depends on its arguments alone (and,
    for a ``pass_context`` one, on the merchant, the same in every email of a mailer).

    Only what is pure folds: ``{{ merchant.name | upper }}`` is computed once
    for a merchant and locale, when the template compiles, instead of in every
    email. A filter that reads the render (its locale, the order, the clock) or
    keeps state is simply not declared, and runs with each email; Jinja's
    ``pass_context`` marks make no difference either way.

    >>> @pure
    ... def shout(text: str) -> str:
    ...     return text.upper() + "!"
    >>> is_pure(shout)
    True
    """
    _PURE.add(function)
    return function


def is_pure(function: object) -> bool:
    """Whether *function* (or what it wraps, as the sandbox's guard does) was declared
    :func:`pure`."""
    if not callable(function):
        return False
    try:
        found = inspect.unwrap(function, stop=lambda f: f in _PURE)
        return found in _PURE
    except (TypeError, ValueError):  # unhashable, or wrapping itself: never declared
        return False


# Jinja's own filters, all but these: ``random``; and ``map``, ``select``,
# ``reject``, ``selectattr``, ``rejectattr``, which call other filters and tests
# by name, which may be anything. Jinja's tests are all pure.
_PURE.update(
    jinja2.filters.FILTERS[name]
    for name in (
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort",
        "e", "escape", "filesizeformat", "first", "float", "forceescape", "format", "groupby",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "max", "min",
        "pprint", "replace", "reverse", "round", "safe", "slice", "sort", "string", "striptags",
        "sum", "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize",
        "wordcount", "wordwrap", "xmlattr",
    )
)  # fmt: skip
_PURE.update(jinja2.tests.TESTS.values())


# -- formatting: memoised, so the HTML and text parts format each amount once --


@lru_cache(maxsize=8192)
def _format_money(amount: Decimal, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=babel_locale(locale))


@lru_cache(maxsize=4096)
def _format_number(value: Decimal, locale: str) -> str:
    return format_decimal(value, locale=babel_locale(locale))


def _locale_of(context: Context) -> str:
    # The render's own variables live in context.parent: one dict lookup, which
    # matters for a filter called a dozen times an email.
    locale = context.parent.get("locale")
    return locale if isinstance(locale, str) else "en"


def _words_locale_of(context: Context) -> str:
    """The locale whose words the render's sentences use: its ``locale`` where that
    speaks the email's ``lang``, else the language itself (``fr`` in English: ``en``)."""
    locale, language = _locale_of(context), context.parent.get("lang")
    return text_locale(locale, language) if isinstance(language, str) else story_locale(locale)


# The fields of a date pattern that write words, not digits: era, weekday, month
# and quarter names, a.m./p.m., time zone names.
_WORD_FIELDS = re.compile(r"G|E|a|b|B|z|v|V|O|U|Z{4}|M{3}|L{3}|Q{3}|q{3}|c{3}|e{3}")
_QUOTED = re.compile(r"'([^']*)'")
_LETTER = re.compile(r"[^\W\d_]")
_LITERAL = re.compile(r"[^\W\d_A-Za-z]")
_NAMED_FORMATS = ("short", "medium", "long", "full")


def _writes_words(pattern: str) -> bool:
    """Whether a date *pattern* (Babel's, CLDR's) writes words: a name, quoted text, or
    a literal letter (``年``; ASCII letters are fields)."""
    if any(_LETTER.search(quoted) for quoted in _QUOTED.findall(pattern)):
        return True
    fields = _QUOTED.sub("", pattern)
    return _WORD_FIELDS.search(fields) is not None or _LITERAL.search(fields) is not None


@lru_cache(maxsize=1024)
def _date_locale(kind: str, format: str, locale: str, words: str) -> str:
    """The locale to write a *kind* (``date``, ``datetime``) in *format* with: *words*
    (the locale of the email's words) when the pattern writes words, else *locale*
    (its digits and their order: 22/11/2026)."""
    if words == locale:
        return locale
    if format not in _NAMED_FORMATS:
        patterns = [format]
    else:
        data = Locale.parse(babel_locale(locale))
        patterns = [data.date_formats[format].pattern]
        if kind == "datetime":
            patterns += [str(data.datetime_formats[format]), data.time_formats[format].pattern]
    return words if any(_writes_words(pattern) for pattern in patterns) else locale


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
    return format_date(value, format=format, locale=babel_locale(locale))


@jinja2.pass_context
def date_filter(context: Context, value: date, format: str = "long") -> str:
    """``{{ placed_at | date }}``: a date in the email's words ("November 22, 2026").

    *format* is ``short`` (digits, in the locale's order), ``medium``, ``long``
    (the default), ``full`` or a CLDR pattern such as ``"EEEE d MMMM"``.
    """
    day = value.date() if isinstance(value, datetime) else value
    locale = _date_locale("date", format, _locale_of(context), _words_locale_of(context))
    return _format_date(day, format, locale)


@jinja2.pass_context
def datetime_filter(context: Context, value: datetime, format: str = "medium") -> str:
    """``{{ order.placed_at | datetime }}``: a date and time in the email's words.

    *format* as for ``date`` (``medium`` by default).
    """
    locale = _date_locale("datetime", format, _locale_of(context), _words_locale_of(context))
    return format_datetime(value, format=format, locale=babel_locale(locale))


@cache
def _wrap_pattern(width: int) -> re.Pattern[str]:
    # A line is as many words as fit in *width*, or one word longer than that
    # (a URL), which is never broken so that it stays whole and clickable.
    return re.compile(rf"(\S.{{0,{width - 1}}}|\S+)(?:\s+|$)")


# Where a line of Chinese or Japanese may not start (closing punctuation, small
# kana, the long-vowel mark), and where it may not end (opening brackets).
_NO_START = frozenset(
    "、。，．！？：；）」』】〕〉》〟ー…‥・々ゝゞ"
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
    "!),.:;?]}"
)
_NO_END = frozenset("（「『【〔〈《〝([{")


def _pieces(word: str) -> list[str]:
    """*word* cut where a line may break inside it: beside a wide character (East Asian
    text has no spaces between words), never inside a character's marks."""
    if not any(is_wide(char) for char in word):
        return [word]
    pieces, current = [], ""
    for char in word:
        if (
            current
            and (is_wide(char) or is_wide(current[-1]))
            and char_width(char) and char_width(current[-1])
            and char not in _NO_START and current[-1] not in _NO_END
        ):  # fmt: skip
            pieces.append(current)
            current = ""
        current += char
    pieces.append(current)
    return pieces


def _wrap_words(text: str, width: int) -> list[str]:
    """*text* (one space between words) in lines of at most *width* columns, as
    display_width counts them; a piece wider than that (a URL) gets a line of its own."""
    lines: list[str] = []
    line, used = "", 0
    for word in text.split(" "):
        for number, piece in enumerate(_pieces(word)):
            glue = " " if number == 0 and line else ""
            columns = display_width(piece)
            if line and used + len(glue) + columns > width:
                lines.append(line)
                line, used, glue = "", 0, ""
            line += glue + piece
            used += len(glue) + columns
    if line:
        lines.append(line)
    return lines


# Where a line may break: spaces, never a no-break space (French "choisi\u202f:"). What
# is made one space is any other run of them: a lone space is left (most of a text).
_BREAKABLE = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")


def _wrap_paragraph(paragraph: str, width: int, indent: str) -> str:
    # (Printable text has no tab or form feed: without a double space, nothing to make one.)
    if not paragraph.isprintable() or "  " in paragraph:
        paragraph = _BREAKABLE.sub(" ", paragraph)
    text = paragraph.strip(" ")
    room = width - display_width(indent)
    # Narrow text (printable ASCII, most European text) is a column a character: the
    # regular expression, in C. Not with a no-break space (U+00A0, or the narrow U+202F
    # of French), where the pattern would break: it breaks at any space.
    narrow = is_narrow(text)
    if (len(text) if narrow else display_width(text)) <= room:
        return indent + text
    plain = narrow and "\xa0" not in text and "\u202f" not in text
    lines = _wrap_pattern(room).findall(text) if plain else _wrap_words(text, room)
    return "\n".join(indent + line for line in lines)


@pure
def wrap_filter(text: str, width: int = TEXT_WIDTH, indent: str = "") -> str:
    """Wrap each paragraph of plain *text* at *width* columns; long words (URLs) stay whole.

    Columns are counted as a fixed-width font shows them: a Chinese or Japanese
    character takes two, and such text (written without spaces) may break
    between its characters.
    """
    text = str(text)
    # Most often one short line of printable ASCII (a product's name), as it is.
    plain = text.isascii() and text.isprintable() and "  " not in text
    if plain and indent.isascii() and indent.isprintable():
        line = text.strip(" ")
        if line and len(line) <= width - len(indent):
            return indent + line
    return "\n".join(
        _wrap_paragraph(p, width, indent) if p.strip() else "" for p in text.split("\n")
    )


@pure  # it reads the merchant, nothing else of the render
@jinja2.pass_context
def utm_filter(context: Context, url: object) -> str:
    """``{{ order.status_url | utm }}``: a link to the shop, with the merchant's UTM tags."""
    merchant = context.parent.get("merchant")
    tags = merchant.utm if isinstance(merchant, Merchant) else None
    return with_utm(str(url), tags)


@jinja2.pass_context
def local_filter(context: Context, value: Any, exact: bool = False) -> str:
    """``{{ merchant.city | local }}``: a merchant's words in the email's language, from one
    string or a table by language (a name falls back to English's). With ``exact=true``,
    nothing from a table without that language, for words that stand in a sentence
    (``merchant.signer.role | local(exact=true)``): one language per email."""
    return localized(value, _words_locale_of(context), exact=exact) or ""


@pure
def row_filter(label: str, value: str, width: int = TEXT_WIDTH) -> str:
    """``{{ "Subtotal" | row(amount) }}``: *label* left, *value* right, *width* columns.

    A label too long to share the line gets the value on a line of its own.
    """
    label, value = str(label), str(value)
    # Measured in columns: a fullwidth ￥ takes two.
    label_width, value_width = display_width(label), display_width(value)
    if label_width > width - value_width - 2:
        return f"{label}\n{' ' * (width - value_width)}{value}"
    return label + " " * (width - label_width - value_width) + value


def tel_filter(number: Any) -> str:
    """``{{ merchant.support_phone | tel }}``: the ``tel:`` link that dials a phone number
    (``tel:+15035550142``), or ``""`` when it is not one to dial (guard the link with it)."""
    found = tel_url(str(number)) if number else None
    return found or ""


@pure
def one_line(text: Any) -> str:
    """*text* on one line: every run of white space (newlines too) becomes one space."""
    return " ".join(str(text).split())


@pure
def caps_filter(text: Any, keep: Any = None) -> str:
    """``{{ _("Order %(number)s", number=order.number) | caps(keep=order.number) }}``: *text*
    in capitals, but *keep* (an order number, which may be case-sensitive) as written."""
    written = str(text)
    if not keep:
        return written.upper()
    kept = str(keep)
    return kept.join(part.upper() for part in written.split(kept))


@pure
def as_written_filter(text: Any) -> Markup:
    """``{{ order.number | as_written }}``: *text* escaped, in a span no heading's
    ``text-transform`` changes (the number of an order may be case-sensitive)."""
    return Markup('<span style="text-transform: none;">%s</span>') % str(text)


@jinja2.pass_context
def bidi_filter(context: Context, value: Any) -> Any:
    """``{{ line.name | bidi }}``: in an email that reads right to left, *value* (a
    name in another script, a number) in a Unicode isolate, so that it keeps its
    own direction and moves no bracket or punctuation around it; elsewhere *value*
    as it is."""
    return isolate_value(value, str(context.get("dir") or "ltr"))


@pure
def rtl_text_filter(text: Any, direction: str = "ltr") -> str:
    """``{% filter rtl_text(dir) %}``: a plain-text part that reads right to left in
    any viewer (see :func:`delightmail.i18n.rtl_text`); left to right, as it is."""
    return rtl_text(str(text), direction)


#: Every filter the templates can use, by name. Those that read the render's
#: locale (money, numbers, dates, ``local``) are not :func:`pure`: they run with
#: each email.
FILTERS: Mapping[str, Callable[..., Any]] = {
    "money": money_filter,
    "minus_money": negative_money_filter,
    "number": number_filter,
    "date": date_filter,
    "datetime": datetime_filter,
    "wrap": wrap_filter,
    "row": row_filter,
    "utm": utm_filter,
    "tel": tel_filter,
    "local": local_filter,
    "one_line": one_line,
    "caps": caps_filter,
    "as_written": as_written_filter,
    "bidi": bidi_filter,
    "rtl_text": rtl_text_filter,
}
