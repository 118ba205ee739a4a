"""Translations: gettext catalogs, text direction, and the Jinja gettext hooks.

Every user-visible string, in the templates and in the story packs, is an
English message id looked up in the catalog of the customer's locale
(``locale/<lang>/LC_MESSAGES/delightmail.po``). One language per email: a
locale without a catalog reads in English, every word of it (the story, the
names of months and weekdays, of countries), while its numbers, money and
dates written in digits keep the locale's own formats (Babel does those).

The ``.po`` files are read directly (compiled in memory), so there are no
binary ``.mo`` files to keep in step.

Catalogs of your own (:func:`read_catalogs`, ``Mailer(..., locale_dirs=...)``)
lie over the built-in ones: for each locale, from the most specific catalog
to the least (``de@formal``, then ``de``), yours first, then delightmail's,
so that a catalog of yours adds a language or changes only the messages it
has. Their catalog key names their content (``de+3f2a...``): what is compiled
with one merchant's words is never served to another.
"""

from __future__ import annotations

import gettext
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from . import _cache

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "Catalogs",
    "available_locales",
    "babel_locale",
    "catalog_key",
    "folded_format",
    "folded_words",
    "has_formal",
    "install",
    "key_language",
    "read_catalogs",
    "sides",
    "speaks",
    "story_locale",
    "text_direction",
    "text_language",
    "text_locale",
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


def _po(candidate: str, root: Path = LOCALE_DIR) -> Path:
    return root / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _default_plural(language: str) -> tuple[int, str]:
    from babel.messages.plurals import get_plural

    rule = get_plural(language)
    return rule.num_plurals, rule.plural_expr


@cache
def _builtin_mo(candidate: str) -> bytes | None:
    """The built-in catalog *candidate* compiled, or ``None`` when there is none."""
    path = _po(candidate)
    if not path.is_file():
        return None
    # Compiling a catalog costs tens of milliseconds (and Babel's message tools): a
    # process that has compiled it before reads the bytes from the disk cache,
    # keyed by the catalog's own text (and, through the cache, by this installation).
    source = path.read_bytes()
    entry = _cache.key("mo", candidate, hashlib.sha256(source).hexdigest())
    hit = _cache.fetch(entry)
    if isinstance(hit, bytes):
        return hit
    from . import _po as po

    catalog = po.from_bytes(
        source, str(path), partial(_default_plural, candidate.partition("@")[0])
    )
    compiled = po.mo_bytes(catalog)
    _cache.store(entry, compiled)
    return compiled


# -- your own catalogs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogs:
    """Catalogs of your own, read and checked by :func:`read_catalogs`: pass it to the
    functions here as *catalogs*.

    :param dirs: the folders, in the order they are searched.
    :param found: each catalog found, in that order: its name (``fr``, ``de@formal``)
        and the digest of what it says.
    """

    dirs: tuple[Path, ...]
    found: tuple[tuple[str, str], ...]

    def names(self) -> list[str]:
        """The catalogs' names (``fr``, ``de@formal``...), each once, in search order."""
        return list(dict.fromkeys(name for name, _ in self.found))


# Catalogs read, by digest, as .mo bytes; and the sources of each catalog key that
# names catalogs of yours. Both are content-addressed, so they never go stale, and
# forked workers inherit them.
_USER_MO: dict[str, bytes] = {}
_USER_KEYS: dict[str, tuple[tuple[str, str], ...]] = {}


def _catalog_name(folder: Path) -> str | None:
    """*folder*'s name if it names a locale (``fr``, ``pt_BR``, ``de@formal``), else ``None``."""
    from babel import Locale, UnknownLocaleError

    name, _, modifier = folder.name.partition("@")
    if modifier not in ("", FORMAL[1:]):
        return None
    try:
        Locale.parse(babel_locale(name))
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return babel_locale(folder.name)


def read_catalogs(dirs: Iterable[str | Path]) -> Catalogs:
    """Read and check every ``<dir>/<locale>/LC_MESSAGES/delightmail.po`` in *dirs*.

    A folder is laid out as ``src/delightmail/locale`` is; a locale folder
    without that file is skipped; a file holding nothing translated counts as
    none.

    >>> catalogs = read_catalogs(["my-locale"])  # doctest: +SKIP
    >>> translations(catalog_key("fr", catalogs=catalogs)).gettext("Total")  # doctest: +SKIP
    'Total TTC'

    :raises CatalogError: a folder is missing, a locale folder's name is no
        locale, or a catalog is broken (the file and line, and the msgid).
    """
    from . import _po as po
    from .exceptions import CatalogError

    folders = tuple(Path(d) for d in dirs)
    found: list[tuple[str, str]] = []
    for folder in folders:
        if not folder.is_dir():
            raise CatalogError("no such folder (a folder of <locale>/LC_MESSAGES/)", str(folder))
        for child in sorted(folder.iterdir()):
            path = _po(child.name, folder)
            if not path.is_file():
                continue
            name = _catalog_name(child)
            if name is None:
                raise CatalogError(
                    f"{child.name!r} is not a locale (such as fr, pt_BR or de@formal)", str(path)
                )
            catalog = po.read(path, partial(_default_plural, name.partition("@")[0]))
            if not catalog.entries:
                continue
            mo = po.mo_bytes(catalog)
            digest = hashlib.sha256(name.encode() + b"\0" + mo).hexdigest()
            _USER_MO.setdefault(digest, mo)
            found.append((name, digest))
    return Catalogs(folders, tuple(found))


def _sources(name: str, catalogs: Catalogs | None) -> list[tuple[str, str]]:
    """Where the words for *name* come from, first to last: ``("user", digest)`` for a
    catalog of yours, ``("builtin", candidate)`` for delightmail's."""
    sources = []
    for candidate in _candidates(name):
        if catalogs is not None:
            sources += [("user", digest) for found, digest in catalogs.found if found == candidate]
        if _po(candidate).is_file():
            sources.append(("builtin", candidate))
    return sources


def _primary(name: str, catalogs: Catalogs | None) -> str | None:
    """The most specific catalog *name* reads from (yours or delightmail's)."""
    for candidate in _candidates(name):
        if catalogs is not None and any(found == candidate for found, _ in catalogs.found):
            return candidate
        if _po(candidate).is_file():
            return candidate
    return None


def _from_mo(data: bytes) -> gettext.GNUTranslations:
    from babel.support import Translations

    return Translations(BytesIO(data), domain=DOMAIN)


def _chain(sources: Sequence[tuple[str, str]]) -> gettext.NullTranslations:
    """One translations object that looks in each source in turn (fresh objects: a
    fallback is added in place)."""
    links = []
    for kind, name in sources:
        data = _USER_MO[name] if kind == "user" else _builtin_mo(name)
        if data is not None:
            links.append(_from_mo(data))
    if not links:
        return gettext.NullTranslations()
    for link in links[1:]:
        links[0].add_fallback(link)
    return links[0]


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog for *locale* or a key from :func:`catalog_key` (``de@formal``,
    ``fr+3f2a...``), or English (the message ids) when there is none.

    A formal catalog need only hold what differs: the rest comes from the
    language's own catalog. A key that names catalogs of yours reads them
    first, then the built-in ones.

    :raises LookupError: a key naming catalogs of yours that were not read in
        this process (by :func:`read_catalogs`).
    """
    if "+" in locale:
        sources = _USER_KEYS.get(locale)
        if sources is None:
            raise LookupError(f"no catalogs of yours were read for the key {locale!r}")
        return _chain(sources)
    return _chain(_sources(babel_locale(locale), None))


@cache
def catalog_key(locale: str, formal: bool = False, catalogs: Catalogs | None = None) -> str:
    """The catalog *locale* reads its text from: ``de_AT`` → ``de``; ``fr`` → ``en``;
    *formal*, ``de`` → ``de@formal`` (where a language has a formal catalog).

    With *catalogs* of yours that have words for *locale*, the key names them
    too: ``fr`` → ``fr+3f2a...`` (a digest of everything it reads).

    Locales that share a key share every translated word, so whatever is
    compiled with the words folded in can be shared between them too.
    """
    name = babel_locale(locale).partition("@")[0]
    wanted = name + FORMAL if formal else name
    primary = _primary(wanted, catalogs)
    if primary is None:
        wanted = primary = "en"
    sources = tuple(_sources(wanted, catalogs))
    if not any(kind == "user" for kind, _ in sources):
        return primary
    digest = hashlib.sha256(repr(sources).encode()).hexdigest()[:32]
    key = f"{primary}+{digest}"
    _USER_KEYS[key] = sources
    return key


def _key_name(key: str) -> str:
    return key.partition("+")[0]


def text_language(locale: str, catalogs: Catalogs | None = None) -> str:
    """The language an email for *locale* is written in: ``de_AT`` → ``de``, ``ja`` → ``en``.

    A locale without a catalog (of delightmail's, or of yours in *catalogs*)
    reads in English; only its numbers, money and digit-only dates keep the
    locale's formats.
    """
    return key_language(catalog_key(locale, catalogs=catalogs))


def key_language(key: str) -> str:
    """The language of the catalog *key* (:func:`catalog_key`): ``de@formal`` → ``de``,
    ``pt_BR+3f2a...`` → ``pt``. A locale's catalog keys, formal or not, share its
    :func:`text_language`."""
    return _key_name(key).partition("@")[0].split("_")[0]


@cache
def speaks(locale: str, catalogs: Catalogs | None = None) -> bool:
    """Whether an email for *locale* can be written in its own language: English,
    or a language with a catalog (delightmail's, or yours in *catalogs*)."""
    name = babel_locale(locale).partition("@")[0]
    return name.split("_")[0] == "en" or _primary(name, catalogs) is not None


def has_formal(locale: str, catalogs: Catalogs | None = None) -> bool:
    """Whether the language of *locale* has a formal register here (German does)."""
    return _key_name(catalog_key(locale, True, catalogs)).endswith(FORMAL)


def text_locale(locale: str, language: str) -> str:
    """The locale whose words a sentence in *language* uses: *locale* itself where it
    speaks *language* (``en_GB``, ``de_AT``), else the language (``fr`` in English: ``en``)."""
    name = babel_locale(locale).partition("@")[0]
    return name if name.split("_")[0] == language else language


def story_locale(locale: str, catalogs: Catalogs | None = None) -> str:
    """The locale to write dates inside sentences with: *locale* itself where the
    email is in its language (``en_GB``, ``de_AT``), else the email's language
    (a Japanese date never sits inside an English sentence)."""
    return text_locale(locale, text_language(locale, catalogs))


def available_locales(catalogs: Catalogs | None = None) -> list[str]:
    """The locales with a catalog (delightmail's, and yours in *catalogs*), and
    English, which is the source language."""
    found = {"en"}
    if LOCALE_DIR.is_dir():
        found |= {
            p.name
            for p in LOCALE_DIR.iterdir()
            if (p / "LC_MESSAGES").is_dir() and "@" not in p.name
        }
    if catalogs is not None:
        found |= {name for name in catalogs.names() if "@" not in name}
    return sorted(found)


@cache
def text_direction(locale: str) -> str:
    """``"rtl"`` for right-to-left scripts (Arabic, Hebrew...), else ``"ltr"``."""
    try:
        return str(Locale.parse(babel_locale(locale)).text_direction)
    except (ValueError, UnknownLocaleError):
        return "ltr"


def sides(direction: str) -> tuple[str, str]:
    """The sides a line starts and ends on in *direction*: ``("left", "right")``, or
    ``("right", "left")`` for ``"rtl"`` (what HTML's ``align`` and CSS's ``text-align``,
    ``padding-*`` and ``border-*`` say, where email clients know no logical properties)."""
    return ("right", "left") if direction == "rtl" else ("left", "right")


# -- right to left: what keeps its own direction inside a right-to-left line ----------

#: Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko...).
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
#: U+2068 FIRST STRONG ISOLATE, U+2069 POP DIRECTIONAL ISOLATE, U+200F RIGHT-TO-LEFT MARK.
FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"
# What starts a left-to-right run: a Latin letter, a digit, a sign before a number
# (#1001, +1 503..., -7.19, $20); it runs up to the next right-to-left letter.
_LTR_RUN = re.compile(f"(?:[-+−][0-9]|[A-Za-z0-9#@$€£\u00c0-\u024f])[^{_RTL}\u2066-\u2069\n]*")
_RUN_END = re.compile(r"[\s.,;:!?\"'׳״*–—\-\u200e\u200f]+$")
_ISOLATED = re.compile(f"({FSI}[^{FSI}{PDI}]*{PDI})")
_STRONG = re.compile(f"[{_RTL}]|[^\\W\\d_]")
_WORDY = re.compile(r"[^\W_]")
_LINK = re.compile(r"://|@|\bwww\.")


def _run(text: str) -> str:
    """*text* without what ends it and belongs to the line around it: trailing
    punctuation and white space, a bracket it does not close."""
    while True:
        text = _RUN_END.sub("", text)
        if text.count("(") > text.count(")"):
            text = text[: text.rindex("(")]
        elif text.count(")") > text.count("("):
            text = text[: text.index(")")]
        else:
            return text


def isolate_runs(text: str) -> str:
    """Each run of left-to-right text inside right-to-left *text* (a Latin name, a
    number, ``#1001``) wrapped in U+2068 FSI … U+2069 PDI, so that it keeps its own
    order and moves nothing around it. Runs already isolated stay as they are, and
    so do links and email addresses (an isolate inside one would break it).

    >>> isolate_runs("הזמנה #1001 של Sam (שני פריטים).")
    'הזמנה \\u2068#1001\\u2069 של \\u2068Sam\\u2069 (שני פריטים).'
    """
    out = []
    for part in _ISOLATED.split(text):
        if part.startswith(FSI):
            out.append(part)
            continue
        at = 0
        while (match := _LTR_RUN.search(part, at)) is not None:
            run = _run(match.group())
            end = match.start() + max(len(run), 1)
            if not run or "://" in run or "@" in run or run.startswith("www."):
                out.append(part[at:end])
            else:
                out.append(part[at : match.start()] + FSI + run + PDI)
            at = end
        out.append(part[at:])
    return "".join(out)


def _first_strong_is_rtl(line: str) -> bool:
    match = _STRONG.search(_ISOLATED.sub("", line))
    return match is not None and bool(re.match(f"[{_RTL}]", match.group()))


def rtl_text(text: str, direction: str = "rtl") -> str:
    """A plain-text part made to read right to left in any viewer: every
    left-to-right run isolated, an isolate that a wrapped line cuts closed at the
    line's end and opened again on the next, and a U+200F RLM before a line whose
    first strong letter is not right-to-left (so that the line is laid out right to
    left). Text whose *direction* is ``ltr`` comes back as it is."""
    if direction != "rtl":
        return text
    lines, carry = [], 0
    for line in text.split("\n"):
        if carry:
            indent = len(line) - len(line.lstrip(" "))
            line = line[:indent] + FSI * carry + line[indent:]
        carry = max(line.count(FSI) - line.count(PDI), 0)
        line += PDI * carry
        body = line.lstrip(" ")
        if _LINK.search(body) or re.search(f"[{_RTL}]", body) or not _WORDY.search(body):
            line = isolate_runs(line)
        elif not _ISOLATED.fullmatch(body):
            # Nothing right to left on it (a name, an address, the customer's own
            # sentence): the whole line is one isolate, its last "!" with it.
            line = line[: len(line) - len(body)] + FSI + body + PDI
        if _WORDY.search(line) and not _first_strong_is_rtl(line):
            line = RLM + line
        lines.append(line)
    return "\n".join(lines)


def isolate_value(value: Any, direction: str) -> Any:
    """*value* in an isolate when the email reads right to left (a name or a number
    that must keep its own direction), else *value* itself."""
    if direction != "rtl" or not isinstance(value, str) or not value:
        return value
    if isinstance(value, Markup):
        return Markup(FSI) + value + Markup(PDI)
    return f"{FSI}{value}{PDI}"


_NULL = gettext.NullTranslations()


def _of(context: Context) -> gettext.NullTranslations:
    found = context.parent.get(CONTEXT_KEY)
    return found if isinstance(found, gettext.NullTranslations) else _NULL


#: Words whose every placeholder is a ``%(name)s`` (or that have none): each a name,
#: and what stands between them.
_NAMED = re.compile(r"[^%]*(?:(?:%%|%\(([A-Za-z_][A-Za-z0-9_]*)\)s)[^%]*)*")
_PLACEHOLDER = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s|%%")


@lru_cache(maxsize=4096)
def _names_in(text: str) -> tuple[str, ...] | None:
    """The names *text* formats, when each is a ``%(name)s``; ``None`` when any
    placeholder is another kind (``%(num)d``, ``%s``)."""
    if _NAMED.fullmatch(text) is None:
        return None
    return tuple(dict.fromkeys(name for name in _PLACEHOLDER.findall(text) if name))


def _finish(context: Context, text: str, variables: dict[str, Any]) -> str:
    # Jinja's "newstyle" gettext semantics: in an autoescaped template the
    # translation is trusted markup and the variables are escaped into it;
    # "%" always formats, so a literal percent sign is written "%%". Right to
    # left, each value (a name, a number) is isolated in the sentence.
    direction = context.get("dir")
    if direction == "rtl":
        variables = {k: isolate_value(v, direction) for k, v in variables.items()}
    if context.eval_ctx.autoescape:
        names = _names_in(text)
        if names is None:
            return Markup(text) % variables
        # As Markup's % escapes what %(name)s prints (each name the words use), in
        # one step rather than through a wrapper around each value.
        return Markup(text % {name: escape(variables[name]) for name in names})
    return text % variables


# These are what templates call as _(), gettext(), ngettext()... They do what
# Jinja's newstyle gettext does, but directly: the locale comes from each
# render's context, and an email makes dozens of these calls.


@pass_context
def _gettext(context: Context, message: str, /, **variables: Any) -> str:
    return _finish(context, _of(context).gettext(message), variables)


# A gettext call whose message is constant but whose variables are not is split when
# its template compiles for a catalog (see _templates._Folder): the catalog's words are
# looked up once (folded), and formatted with each email, as _gettext formats them.


@pass_context
def folded_words(context: Context, *message: str) -> str:
    """The catalog's words for *message* (``(text,)``, or ``(context, text)`` as
    pgettext takes them), not formatted: trusted markup where escaping is on."""
    words = _of(context)
    text = words.gettext(*message) if len(message) == 1 else words.pgettext(*message)
    return Markup(text) if context.eval_ctx.autoescape else text


@pass_context
def folded_format(context: Context, text: str, /, **variables: Any) -> str:
    """*text*, words :func:`folded_words` looked up, formatted as gettext formats them."""
    return _finish(context, text, variables)


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
