"""Mail headers safe by construction: every value that reaches a header passes here.

Customers write names and order numbers; the subject and the display names
carry them into headers. Nothing they type may add a header, end the header
block early, or change where mail goes, so each header is written here, as
bytes-ready text, rather than parsed and re-encoded by the standard library
(whose parser decodes RFC 2047 encoded words written *in* a value, CR LF
included):

- :func:`clean` turns text into one line of printable characters: control
  characters (C0, C1 with U+0085), U+2028 and U+2029 and every other line
  break become spaces, and the text is cut at a sane length;
- :func:`unstructured` writes a header such as ``Subject``: plain ASCII
  folded at spaces, anything else (non-ASCII, a look-alike encoded word
  ``=?...?=``, a word too long to fold) as RFC 2047 encoded words of our own;
- :func:`parse_address` takes exactly one address, strictly, and
  :func:`mailbox` writes it with its display name quoted or encoded.

Every line of a written header is at most 78 characters (998 is the hard
limit of RFC 5322), and every problem is a :class:`~delightmail.MessageError`.

>>> unstructured("Subject", "Sam, your record =?utf-8?q?x=0D=0ABcc:_x?=")  # doctest: +SKIP
'=?utf-8?b?U2FtLCB5b3VyIHJlY29yZCA9P3V0Zi04P3E/eD0wRD0wQUJjYzpfeD89?='
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .exceptions import MessageError

__all__ = [
    "FOLD_AT",
    "MAX_TEXT",
    "Mailbox",
    "clean",
    "mailbox",
    "parse_address",
    "raw_value",
    "unstructured",
]

#: Lines of a header are folded to this many characters (RFC 5322's "SHOULD").
FOLD_AT = 78
#: How much text a header carries: a subject or a name longer than this is cut.
MAX_TEXT = 400
#: How many bytes of UTF-8 go into one encoded word: 42 bytes are 56 base64
#: characters, 68 with the ``=?utf-8?b?...?=`` around them (RFC 2047 allows 75).
_WORD_BYTES = 42

# RFC 5322 atext: what a display name may hold without quotes.
_ATOM_TEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$")
_HEADER_NAME = re.compile(r"^[!-9;-~]{1,76}$")  # printable, no colon


def _printable(ch: str) -> bool:
    # Control (Cc), format (Cf: bidi overrides, zero-width joiners...), line and
    # paragraph separators (Zl, Zp), private use, unassigned, surrogates: none
    # of them belong in a header's one line. (Exactly what str.isprintable refuses,
    # character by character.)
    return unicodedata.category(ch)[0] not in "CZ" or ch == " "


# The isolates (U+2066 LRI, U+2067 RLI, U+2068 FSI ... U+2069 PDI) and the marks
# (U+200E LRM, U+200F RLM) that keep a name's direction in a right-to-left
# subject. An isolate changes nothing outside itself, so balanced ones are kept;
# the overrides and embeddings (U+202A-U+202E), which can make text read as
# something else, never are, nor isolates that do not pair up.
_OPEN, _CLOSE, _MARKS = frozenset("\u2066\u2067\u2068"), "\u2069", frozenset("\u200e\u200f")


def _isolates_pair(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch == _CLOSE:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _closed(line: str) -> str:
    """*line* with the isolates a cut left open closed at its end."""
    depth = 0
    for ch in line:
        if ch in _OPEN:
            depth += 1
        elif ch == _CLOSE:
            depth = max(depth - 1, 0)
    return line + _CLOSE * depth


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """*text* as one line of printable characters, at most *limit* long.

    Every control or separator character (CR, LF, NUL, U+0085, U+2028...)
    becomes a space and runs of space become one. Bidirectional isolates that
    pair up, and the left-to-right and right-to-left marks, stay (a Hebrew
    subject isolates the names in it); any other format character goes.
    """
    text = text[: limit * 4]
    if text.isprintable():  # the usual case, checked in C (split() then splits at spaces)
        line = " ".join(text.split())
    else:
        keep = _MARKS | _OPEN | {_CLOSE} if _isolates_pair(text) else _MARKS
        line = " ".join("".join(ch if _printable(ch) or ch in keep else " " for ch in text).split())
    if len(line) > limit:
        line = _closed(line[: limit - 1].rstrip()) + "…"
    return line


def _chunks(text: str) -> Iterator[bytes]:
    """*text* in UTF-8 pieces of at most :data:`_WORD_BYTES`, never splitting a character."""
    piece = b""
    for ch in text:
        encoded = ch.encode("utf-8")
        if len(piece) + len(encoded) > _WORD_BYTES:
            yield piece
            piece = b""
        piece += encoded
    if piece:
        yield piece


def _encoded_words(text: str) -> list[str]:
    """*text* as RFC 2047 encoded words (UTF-8, base64), none longer than 75 characters."""
    return [
        "=?utf-8?b?" + base64.b64encode(chunk).decode("ascii") + "?=" for chunk in _chunks(text)
    ]


def _needs_encoding(text: str) -> bool:
    return not text.isascii() or "=?" in text or any(len(w) > 60 for w in text.split())


def _fold(name: str, tokens: list[str]) -> str:
    """``Name: tokens`` as lines of at most :data:`FOLD_AT` characters, CRLF between,
    without the name (what :meth:`email.message.Message.set_raw` stores)."""
    lines: list[str] = []
    line = ""
    room = FOLD_AT - len(name) - 2
    for token in tokens:
        if line and len(line) + 1 + len(token) > room:
            lines.append(line)
            line, room = token, FOLD_AT - 1
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    return "\r\n ".join(lines)


def unstructured(name: str, text: str) -> str:
    """The value of an unstructured header (``Subject``), cleaned, encoded where it must
    be, folded; ready for :meth:`~email.message.Message.set_raw`."""
    line = clean(text)
    if _needs_encoding(line):
        return _fold(name, _encoded_words(line))
    return _fold(name, line.split(" "))


def raw_value(name: str, value: str) -> str:
    """The value of a header a developer gives (``List-Unsubscribe``), checked and folded.

    :raises MessageError: a bad header name, or a value that is not one line of
        printable ASCII (a developer's value is refused, not changed).
    """
    if not _HEADER_NAME.match(name):
        raise MessageError(f"{name!r} is not a valid header name")
    if any(not ch.isprintable() for ch in value):
        raise MessageError(f"header {name} contains a line break or a control character")
    if not value.isascii():
        raise MessageError(f"header {name}: the value must be ASCII (encode it first)")
    words = value.split()
    if not words or any(len(w) > 900 for w in words) or len(value) > 4000:
        raise MessageError(f"header {name}: empty, or too long to fold into lines of 998 bytes")
    return _fold(name, words)


# -- addresses ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mailbox:
    """One mailbox: a display name (cleaned) and an ASCII address."""

    display_name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


# Exactly one named address: "Name <a@b.example>", '"Name, Jr." <a@b.example>'.
_NAMED = re.compile(
    r"""^\s*(?:"((?:[^"\\]|\\.)*)"|([^<>"@,;:\\\[\]()]*?))\s*<([^<>\s"(),;:\\]+)>\s*$"""
)


@lru_cache(maxsize=4096)
def _checked_address(addr: str, what: str) -> str:
    # The shop's own addresses come with every email: each is checked once.
    # email_validator costs tens of milliseconds to import: loaded on the first
    # address, not with the email value (as in models).
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(addr.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise MessageError(f"{what} {addr!r} is not a valid email address: {exc}") from None
    ascii_email = checked.ascii_email
    if ascii_email is None:
        raise MessageError(
            f"{what} {addr!r} has a non-ASCII local part, which needs SMTPUTF8; "
            "give an ASCII address"
        )
    return ascii_email


def parse_address(value: str | tuple[str, str], what: str = "address") -> Mailbox:
    """``"Ada <ada@example.com>"``, ``"ada@example.com"`` or ``("Ada", "ada@example.com")``
    as one safe :class:`Mailbox`.

    A string must hold exactly one address and nothing else: a display name
    with ``@``, ``:`` or ``,`` must be quoted, so ``"Bcc: evil@x.example
    <sam@example.com>"`` is refused rather than read as two.

    :raises MessageError: not exactly one valid address.
    """
    if isinstance(value, tuple):
        name, addr = value
        return Mailbox(clean(str(name), 200), _checked_address(str(addr), what))
    if not isinstance(value, str) or len(value) > 1000:
        raise MessageError(f"{what}: expected an address such as 'Ada <ada@example.com>'")
    if not value.isprintable():
        raise MessageError(f"{what} {value!r} contains a line break or a control character")
    if "<" not in value and ">" not in value:
        return Mailbox("", _checked_address(value, what))
    named = _NAMED.match(value)
    if not named:
        raise MessageError(
            f"{what} {value!r} is not exactly one address such as 'Ada <ada@example.com>' "
            "(quote a name that holds @, : or ,: '\"Rivera, Sam\" <sam@example.com>')"
        )
    quoted, plain, addr = named.groups()
    name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain
    return Mailbox(clean(name, 200), _checked_address(addr, what))


def _display(name: str) -> list[str]:
    if _ATOM_TEXT.match(name) and not _needs_encoding(name):
        return name.split(" ")
    if _needs_encoding(name) or len(name) > 50:  # a quoted string cannot be folded
        return _encoded_words(name)
    return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']


def mailbox(name: str, box: Mailbox) -> str:
    """The value of an address header (``From``, ``To``, ``Reply-To``) for *box*, folded."""
    tokens = (
        [*_display(box.display_name), f"<{box.address}>"] if box.display_name else [box.address]
    )
    return _fold(name, tokens)
