"""Reading a translation catalog (a ``.po`` file) strictly, and checking what it says.

Internal. A catalog may be a merchant's, so it is input, not code: it is read
by this parser (stricter than gettext's own tools) and each translation is
checked before any email uses it. Every problem is a
:class:`~delightmail.exceptions.CatalogError` naming the file and the line:

- the syntax: ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr``,
  ``msgstr[N]``, each with a quoted string (continued on lines of their own),
  the escapes ``\\\\ \\" \\n \\t \\r``, comments; no control characters;
- each message once; a header, if any, in UTF-8, with a ``Plural-Forms``
  that gettext can evaluate and that gives a form for every count;
- placeholders: a translation has the msgid's ``%(name)s`` placeholders, no
  more and no fewer (a plural form may leave out the count, ``%(num)d``), and
  a percent sign is written ``%%``, for the templates always ``%``-format;
- no markup the msgid has not: in the HTML part a translation is markup, so a
  ``<`` of its own could add tags to every email;
- at most :data:`MAX_CATALOG_BYTES`.

Untranslated messages (an empty ``msgstr``) and fuzzy ones are left out, so
that gettext falls back to the next catalog, as it does for a missing one.
"""

from __future__ import annotations

import gettext
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import CatalogError

__all__ = ["MAX_CATALOG_BYTES", "DefaultPlural", "Entry", "from_bytes", "mo_bytes", "parse", "read"]

#: The largest catalog read: delightmail's own are about 5 KB.
MAX_CATALOG_BYTES = 1_000_000
#: The most plural forms a language has (Arabic has six).
MAX_PLURALS = 6


@dataclass(frozen=True)
class Entry:
    """One message of a catalog: where it starts, and what it says."""

    lineno: int
    msgid: str
    strings: tuple[str, ...]
    context: str | None = None
    plural: str | None = None
    fuzzy: bool = False


@dataclass(frozen=True)
class Catalog:
    """A catalog as read and checked: its plural rule and its translated messages."""

    nplurals: int
    plural: str
    entries: tuple[Entry, ...] = field(default=())


# -- the syntax -------------------------------------------------------------------------

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[([0-9]{1,2})\])?(?=[\s\"])\s*(.*)")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _Reader:
    """The parser's state: the entry being read, and every entry finished."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.entries: list[Entry] = []
        self.lineno = 0
        self._start = 0
        self._context: str | None = None
        self._msgid: str | None = None
        self._plural: str | None = None
        self._strings: list[str] = []
        self._fuzzy = False
        self._flags: set[str] = set()
        self._open: str | None = None  # the keyword a continuation line adds to

    def error(self, message: str, lineno: int | None = None) -> CatalogError:
        return CatalogError(message, self.filename, lineno or self.lineno)

    def string(self, text: str) -> str:
        match = _STRING.fullmatch(text)
        if match is None:
            raise self.error(
                'expected one quoted string, such as "Total", with \\" for a quote inside it'
            )
        body = match.group(1)
        for escape in _ESCAPE.finditer(body):
            if escape.group(1) not in _ESCAPES:
                raise self.error(
                    f'unknown escape \\{escape.group(1)} (known: \\\\ \\" \\n \\t \\r)'
                )
        return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], body)

    def finish(self) -> None:
        """End the entry being read, if any: it must have its msgid and msgstr."""
        if self._msgid is None:
            if self._context is not None:
                raise self.error("msgctxt without a msgid after it", self._start)
            return
        if not self._strings:
            raise self.error(f"msgid {self._msgid!r} has no msgstr", self._start)
        self.entries.append(
            Entry(
                self._start,
                self._msgid,
                tuple(self._strings),
                self._context,
                self._plural,
                self._fuzzy,
            )
        )
        self._context = self._msgid = self._plural = self._open = None
        self._strings = []
        self._fuzzy = False

    def comment(self, line: str) -> None:
        self.finish()
        self._open = None
        if line.startswith("#,"):
            self._flags |= {flag.strip() for flag in line[2:].split(",")}

    def begin(self) -> None:
        """Start a new entry here, with the flags of the comments above it."""
        self._start = self.lineno
        self._fuzzy = "fuzzy" in self._flags
        self._flags = set()

    def keyword(self, keyword: str, index: str | None, rest: str) -> None:
        value = self.string(rest)
        if index is not None and keyword != "msgstr":
            raise self.error(f"{keyword} takes no [index]")
        if keyword == "msgctxt":
            self.finish()
            self.begin()
            self._context = value
        elif keyword == "msgid":
            # A msgid starts a message, unless it follows that message's msgctxt.
            if self._context is None or self._msgid is not None:
                self.finish()
                self.begin()
            self._msgid = value
        elif keyword == "msgid_plural":
            if self._msgid is None or self._plural is not None or self._strings:
                raise self.error("msgid_plural goes once, after a msgid and before its msgstr")
            self._plural = value
        else:
            self.translation(index, value)
        self._open = keyword

    def translation(self, index: str | None, value: str) -> None:
        if self._msgid is None:
            raise self.error("msgstr without a msgid before it")
        if self._plural is None:
            if index is not None:
                raise self.error(f"msgstr[{index}] of {self._msgid!r}, which has no msgid_plural")
            if self._strings:
                raise self.error(f"a second msgstr for {self._msgid!r}")
        elif index is None or int(index) != len(self._strings):
            raise self.error(
                f"the plural forms of {self._msgid!r} must be msgstr[0], msgstr[1]... in order"
            )
        self._strings.append(value)

    def continuation(self, line: str) -> None:
        value = self.string(line)
        if self._open is None:
            raise self.error("a quoted string that continues no msgid, msgstr or msgctxt")
        if self._open == "msgctxt" and self._context is not None:
            self._context += value
        elif self._open == "msgid" and self._msgid is not None:
            self._msgid += value
        elif self._open == "msgid_plural" and self._plural is not None:
            self._plural += value
        else:
            self._strings[-1] += value


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for lineno, raw in enumerate(text.split("\n"), 1):
        yield lineno, raw.strip(" \t\r\f\v")


def parse_entries(text: str, filename: str) -> list[Entry]:
    """Every message of the catalog *text* (the header's too), in the file's order."""
    reader = _Reader(filename)
    for lineno, line in _lines(text):
        reader.lineno = lineno
        if not line:
            continue
        control = _CONTROL.search(line)
        if control is not None:
            raise reader.error(f"a control character ({ord(control.group()):#04x}) in the text")
        if line.startswith("#~") or line.startswith("#|"):
            reader.comment("#")  # an obsolete or previous message: not used
        elif line.startswith("#"):
            reader.comment(line)
        elif line.startswith('"'):
            reader.continuation(line)
        else:
            match = _KEYWORD.fullmatch(line)
            if match is None:
                raise reader.error(
                    "expected msgctxt, msgid, msgid_plural, msgstr, msgstr[N], a quoted string "
                    "or a # comment"
                )
            reader.keyword(*match.groups())
    reader.lineno = len(text.split("\n"))
    reader.finish()
    return reader.entries


# -- the header: charset and plural forms ---------------------------------------------------

_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*([0-9]+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*")


def _headers(entry: Entry) -> dict[str, str]:
    found = {}
    for line in entry.strings[0].split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            found[name.strip().lower()] = value.strip()
    return found


#: A language's plural rule, for a catalog whose header has none: or a function that
#: gives it, called only for such a catalog (Babel's plural tables cost an import).
DefaultPlural = tuple[int, str] | Callable[[], tuple[int, str]]


def _default(default: DefaultPlural) -> tuple[int, str]:
    return default() if callable(default) else default


def _plural_rule(header: Entry | None, filename: str, default: DefaultPlural) -> tuple[int, str]:
    if header is None:
        return _default(default)
    headers = _headers(header)
    charset = re.search(r"charset\s*=\s*([\w-]+)", headers.get("content-type", ""), re.I)
    if charset and charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise CatalogError(
            f"the header says charset={charset.group(1)}: only UTF-8 catalogs are read",
            filename,
            header.lineno,
        )
    forms = headers.get("plural-forms")
    if forms is None:
        return _default(default)
    match = _PLURAL_FORMS.fullmatch(forms)
    if match is None:
        raise CatalogError(
            f"Plural-Forms {forms!r} is not 'nplurals=N; plural=EXPRESSION;'",
            filename,
            header.lineno,
        )
    nplurals, expression = int(match.group(1)), match.group(2)
    if not 1 <= nplurals <= MAX_PLURALS:
        raise CatalogError(
            f"Plural-Forms says nplurals={nplurals}: a language has 1 to {MAX_PLURALS}",
            filename,
            header.lineno,
        )
    try:
        rule = gettext.c2py(expression)
        forms_used = {rule(n) for n in range(1000)}
    except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, OverflowError) as exc:
        raise CatalogError(
            f"Plural-Forms plural={expression!r} is not an expression gettext can use: {exc}",
            filename,
            header.lineno,
        ) from None
    if not forms_used <= set(range(nplurals)):
        raise CatalogError(
            f"Plural-Forms plural={expression!r} gives forms beyond nplurals={nplurals}",
            filename,
            header.lineno,
        )
    return nplurals, expression


# -- placeholders -------------------------------------------------------------------------

_PERCENT = re.compile(
    r"%(?:(%)|\(([^()]+)\)[#0 +-]*[0-9]*(?:\.[0-9]+)?[hlL]?([diouxXeEfFgGcrsa])|(\([^()]*\)?|.?))",
    re.S,
)
_TEXT_CONVERSIONS = frozenset("rsa")


def placeholders(text: str) -> dict[str, str]:
    """The ``%(name)s`` placeholders of *text*, each with its conversion (``s``, ``d``...).

    :raises ValueError: a ``%`` that is neither ``%%`` nor a named placeholder.
    """
    found: dict[str, str] = {}
    for match in _PERCENT.finditer(text):
        percent, name, conversion, other = match.groups()
        if percent:
            continue
        if name is None:
            bad = "%" + (other or "")
            raise ValueError(
                f"{bad!r} is not a placeholder: write %% for a percent sign, %(name)s for a value"
            )
        if found.setdefault(name, conversion) != conversion:
            raise ValueError(f"%({name}) is written with two conversions")
    return found


def _check_placeholders(entry: Entry, filename: str) -> None:
    try:
        wanted = placeholders(entry.msgid)
        if entry.plural is not None:
            wanted = {**placeholders(entry.plural), **wanted}
    except ValueError:
        return  # the msgid itself cannot format: the template reports it where it is called
    for index, string in enumerate(entry.strings):
        form = f"msgstr[{index}]" if entry.plural is not None else "msgstr"
        try:
            found = placeholders(string)
        except ValueError as exc:
            raise CatalogError(
                f"the translation of {entry.msgid!r} ({form}): {exc}", filename, entry.lineno
            ) from None
        # A plural form may leave the count out: "one more thing".
        optional = {"num"} if entry.plural is not None else set()
        if set(found) - set(wanted) or set(wanted) - set(found) - optional:
            said = ", ".join(f"%({n})" for n in sorted(found)) or "none"
            asked = ", ".join(f"%({n})" for n in sorted(wanted)) or "none"
            raise CatalogError(
                f"the translation of {entry.msgid!r} ({form}) has the placeholders {said}; "
                f"the msgid has {asked}: they must be the same",
                filename,
                entry.lineno,
            )
        for name, conversion in found.items():
            if conversion not in _TEXT_CONVERSIONS and conversion != wanted[name]:
                raise CatalogError(
                    f"the translation of {entry.msgid!r} ({form}) writes %({name}){conversion} "
                    f"where the msgid has %({name}){wanted[name]}",
                    filename,
                    entry.lineno,
                )


# -- the whole catalog ------------------------------------------------------------------------


def parse(text: str, filename: str, default_plural: DefaultPlural = (2, "(n != 1)")) -> Catalog:
    """Read and check the catalog *text* (from *filename*, for the messages).

    :param default_plural: the language's plural rule, for a catalog whose header has none.
    :raises CatalogError: anything wrong, with the file and the line.
    """
    entries = parse_entries(text, filename)
    seen: dict[tuple[str | None, str], int] = {}
    header: Entry | None = None
    for entry in entries:
        key = (entry.context, entry.msgid)
        if key in seen:
            raise CatalogError(
                f"{entry.msgid!r} is in the catalog twice (first on line {seen[key]})",
                filename,
                entry.lineno,
            )
        seen[key] = entry.lineno
        if entry.msgid == "" and entry.context is None and entry.plural is None:
            header = entry
        elif entry.msgid == "":
            raise CatalogError("an empty msgid (only the header has one)", filename, entry.lineno)
    nplurals, rule = _plural_rule(header, filename, default_plural)
    kept = []
    for entry in entries:
        if entry is header or entry.fuzzy or not any(entry.strings):
            continue
        if entry.plural is not None:
            if len(entry.strings) != nplurals:
                said = (
                    "the language's rule has"
                    if header is None or "plural-forms" not in _headers(header)
                    else "the header's Plural-Forms says"
                )
                raise CatalogError(
                    f"{entry.msgid!r} has {len(entry.strings)} plural forms; {said} "
                    f"nplurals={nplurals} (a Plural-Forms header line sets the rule)",
                    filename,
                    entry.lineno,
                )
            empty = [i for i, string in enumerate(entry.strings) if not string]
            if empty:
                raise CatalogError(
                    f"msgstr[{empty[0]}] of {entry.msgid!r} is empty: translate every form, "
                    "or none",
                    filename,
                    entry.lineno,
                )
        _check_placeholders(entry, filename)
        source = entry.msgid + (entry.plural or "")
        if any("<" in string for string in entry.strings) and "<" not in source:
            raise CatalogError(
                f"the translation of {entry.msgid!r} has a '<' its msgid has not: a translation "
                "is markup in the HTML part, and may not add tags",
                filename,
                entry.lineno,
            )
        kept.append(entry)
    return Catalog(nplurals, rule, tuple(kept))


def read(path: Path, default_plural: DefaultPlural = (2, "(n != 1)")) -> Catalog:
    """Read and check the catalog at *path*.

    :raises CatalogError: it cannot be read, is too big, is not UTF-8, or is broken.
    """
    filename = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", filename) from None
    return from_bytes(data, filename, default_plural)


def from_bytes(
    data: bytes, filename: str, default_plural: DefaultPlural = (2, "(n != 1)")
) -> Catalog:
    """Check and read the catalog whose bytes are *data* (as :func:`read` does).

    :raises CatalogError: it is too big, is not UTF-8, or is broken.
    """
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(
            f"more than {MAX_CATALOG_BYTES:,} bytes: a catalog is far smaller", filename
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        lineno = data[: exc.start].count(b"\n") + 1
        raise CatalogError("not UTF-8 text", filename, lineno) from None
    return parse(text.removeprefix("\ufeff"), filename, default_plural)


def mo_bytes(catalog: Catalog) -> bytes:
    """*catalog* as the bytes of a GNU ``.mo`` file, for :mod:`gettext` to read.

    The format of GNU gettext's manual ("The Format of GNU MO Files"): a header
    entry that says the charset and the plural rule, then every message, its
    originals sorted (a context before its msgid, after U+0004; plural forms apart
    by NUL), without a hash table, in little-endian order.
    """
    header = (
        "Content-Type: text/plain; charset=utf-8\n"
        f"Plural-Forms: nplurals={catalog.nplurals}; plural={catalog.plural};\n"
    )
    messages = {b"": header.encode("utf-8")}
    for entry in catalog.entries:
        key = entry.msgid if entry.plural is None else f"{entry.msgid}\0{entry.plural}"
        if entry.context is not None:
            key = f"{entry.context}\x04{key}"
        messages[key.encode("utf-8")] = "\0".join(entry.strings).encode("utf-8")
    keys = sorted(messages)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + 8 * count
    data_at = translations_at + 8 * count
    originals: list[int] = []
    translations: list[int] = []
    strings = bytearray()
    for table, texts in ((originals, keys), (translations, [messages[key] for key in keys])):
        for text in texts:
            table += [len(text), data_at + len(strings)]
            strings += text + b"\0"
    magic, revision, hash_size, hash_at = 0x950412DE, 0, 0, 0
    head = struct.pack(
        "<7I", magic, revision, count, originals_at, translations_at, hash_size, hash_at
    )
    return head + struct.pack(f"<{4 * count}I", *originals, *translations) + bytes(strings)
