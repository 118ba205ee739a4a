"""Translations: gettext catalogs, text direction, and the Jinja gettext hooks.

Every user-visible string, in the templates and in the story packs, is an
English message id looked up in the catalog of the customer's locale
(``locale/<lang>/LC_MESSAGES/delightmail.po``). A locale without a catalog
falls back to English text, while numbers, money and dates keep the
locale's own formats (Babel does those).

The ``.po`` files are read directly (compiled in memory), so there are no
binary ``.mo`` files to keep in step.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "available_locales",
    "babel_locale",
    "catalog_key",
    "has_formal",
    "install",
    "story_locale",
    "text_direction",
    "text_language",
    "translations",
]

DOMAIN = "delightmail"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: The context variable that carries one render's translations.
CONTEXT_KEY = "_translations"


def babel_locale(locale: str) -> str:
    """``de-DE`` → ``de_DE``: the form Babel and gettext folders use."""
    return locale.replace("-", "_")


#: The modifier of a catalog in the formal register (German "Sie"): ``de@formal``.
FORMAL = "@formal"


def _candidates(locale: str) -> list[str]:
    """``de_AT`` → ``["de_AT", "de"]``: the most specific catalog first."""
    name, _, modifier = babel_locale(locale).partition("@")
    parts = name.split("_")
    found = ["_".join(parts[:i]) for i in range(len(parts), 0, -1)]
    if modifier:
        found = [f"{c}@{modifier}" for c in found] + found
    return found


def _po(candidate: str) -> Path:
    return LOCALE_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog for *locale* (or a key such as ``de@formal``), or English
    (the message ids) when there is none.

    A formal catalog need only hold what differs: the rest comes from the
    language's own catalog.
    """
    # Babel's catalog readers are its heavy part: loaded on the first catalog, not at import.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    for candidate in _candidates(locale):
        po = _po(candidate)
        if po.is_file():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=candidate.partition("@")[0], domain=DOMAIN)
            buffer = BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            found = Translations(buffer, domain=DOMAIN)
            base = candidate.partition("@")[0]
            if base != candidate:
                found.add_fallback(translations(base))
            return found
    return gettext.NullTranslations()


@cache
def catalog_key(locale: str, formal: bool = False) -> str:
    """The catalog *locale* reads its text from: ``de_AT`` → ``de``; ``fr`` → ``en``;
    *formal*, ``de`` → ``de@formal`` (where a language has a formal catalog).

    Locales that share a key share every translated word, so whatever is
    compiled with the words folded in can be shared between them too.
    """
    name = babel_locale(locale).partition("@")[0]
    for candidate in _candidates(name + FORMAL if formal else name):
        if _po(candidate).is_file():
            return candidate
    return "en"


def text_language(locale: str) -> str:
    """The language an email for *locale* is written in: ``de_AT`` → ``de``, ``ja`` → ``en``.

    A locale without a catalog reads in English; only its numbers, money and
    dates standing on their own keep the locale's formats.
    """
    return catalog_key(locale).split("_")[0]


def has_formal(locale: str) -> bool:
    """Whether the language of *locale* has a formal register here (German does)."""
    return catalog_key(locale, formal=True).endswith(FORMAL)


def story_locale(locale: str) -> str:
    """The locale to write dates inside sentences with: *locale* itself where the
    email is in its language (``en_GB``, ``de_AT``), else the email's language
    (a Japanese date never sits inside an English sentence)."""
    name = babel_locale(locale).partition("@")[0]
    language = text_language(locale)
    return name if name.split("_")[0] == language else language


def available_locales() -> list[str]:
    """The locales with a catalog, and English, which is the source language."""
    found = {"en"}
    if LOCALE_DIR.is_dir():
        found |= {
            p.name
            for p in LOCALE_DIR.iterdir()
            if (p / "LC_MESSAGES").is_dir() and "@" not in p.name
        }
    return sorted(found)


@cache
def text_direction(locale: str) -> str:
    """``"rtl"`` for right-to-left scripts (Arabic, Hebrew...), else ``"ltr"``."""
    try:
        return str(Locale.parse(babel_locale(locale)).text_direction)
    except (ValueError, UnknownLocaleError):
        return "ltr"


_NULL = gettext.NullTranslations()


def _of(context: Context) -> gettext.NullTranslations:
    found = context.parent.get(CONTEXT_KEY)
    return found if isinstance(found, gettext.NullTranslations) else _NULL


def _finish(context: Context, text: str, variables: dict[str, Any]) -> str:
    # Jinja's "newstyle" gettext semantics: in an autoescaped template the
    # translation is trusted markup and the variables are escaped into it;
    # "%" always formats, so a literal percent sign is written "%%".
    if context.eval_ctx.autoescape:
        return Markup(text) % variables
    return text % variables


# These are what templates call as _(), gettext(), ngettext()... They do what
# Jinja's newstyle gettext does, but directly: the locale comes from each
# render's context, and an email makes dozens of these calls.


@pass_context
def _gettext(context: Context, message: str, /, **variables: Any) -> str:
    return _finish(context, _of(context).gettext(message), variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, /, **variables: Any) -> str:
    variables.setdefault("num", n)
    return _finish(context, _of(context).ngettext(singular, plural, n), variables)


@pass_context
def _pgettext(context: Context, ctx: str, message: str, /, **variables: Any) -> str:
    return _finish(context, _of(context).pgettext(ctx, message), variables)


@pass_context
def _npgettext(
    context: Context, ctx: str, singular: str, plural: str, n: int, /, **variables: Any
) -> str:
    variables.setdefault("num", n)
    return _finish(context, _of(context).npgettext(ctx, singular, plural, n), variables)


def install(env: Any) -> None:
    """Give *env* gettext functions that use each render's own locale.

    The translations travel in the render's context (``_translations``), so one
    environment serves every locale at once. The i18n extension stays for
    ``{% trans %}`` blocks, which call the same functions.
    """
    env.add_extension("jinja2.ext.i18n")
    env.globals.update(
        _=_gettext,
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )
    env.newstyle_gettext = True
