"""Compile an MJML + Jinja template once, so rendering an order is only a Jinja render.

MJML (through mjml-python) and premailer are slow: together they cost tens of
milliseconds an email. They do not depend on the order, only on the template,
so they run here, once per template:

1. Every Jinja tag in the source is swapped for an opaque ASCII token that
   survives HTML, CSS and URL handling: ``{{ x }}`` becomes ``dmtk00007x``,
   and a statement such as ``{% for line in order.lines %}`` becomes the
   comment ``<!--dmtk00008x-->`` so that HTML parsers leave it where it is,
   even between table rows. Jinja comments are dropped.
2. MJML turns the tokenized source into HTML and premailer inlines its CSS.
3. Every token is accounted for: a statement must come out exactly once and in
   order, an expression at least once and between the same statements as
   before. Anything lost, duplicated or moved is a :class:`CompileError` that
   names the template, the line and the tag, never a silently broken email.
4. The tokens are swapped back and Jinja compiles the result. Expressions
   whose value is the same in every email (the merchant's colours and name)
   may be folded into the HTML right away, so an email renders fewer of them.

The slow path the compiled one must equal renders Jinja first, then runs
:func:`mjml_to_html` on every email (``Mailer(..., precompile=False)``).
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from .exceptions import CompileError

__all__ = [
    "CompiledTemplate",
    "JinjaSource",
    "Tag",
    "compile_source",
    "mjml_to_html",
    "scan_tags",
]

TagKind = Literal["expression", "statement", "comment"]

TOKEN_PREFIX = "dmtk"
_TOKEN = re.compile(r"<!--dmtk(\d{5})x-->|dmtk(\d{5})x")
_TAG_START = re.compile(r"\{\{|\{%|\{#")
_INLINE_STYLE = re.compile(r"""<mj-style\b[^>]*\binline\s*=\s*["']inline["'][^>]*>""")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_KINDS: dict[str, TagKind] = {"{{": "expression", "{%": "statement", "{#": "comment"}
# Statements whose effect reaches outside the one template: the MJML and CSS
# of another file would never pass through this compiler.
_UNSUPPORTED = {"include", "extends", "import", "from", "raw"}


@dataclass(frozen=True)
class Tag:
    """One Jinja tag in a template source: ``{{ … }}``, ``{% … %}`` or ``{# … #}``."""

    kind: TagKind
    text: str
    start: int
    end: int
    lineno: int

    @property
    def keyword(self) -> str:
        """The statement's keyword (``for``, ``if``, ``endif``...), or ``""``."""
        if self.kind != "statement":
            return ""
        inner = self.text[2:-2].strip("-+ \t\r\n")
        return inner.split(None, 1)[0] if inner else ""


def _tag_end(source: str, pos: int, closer: str, comment: bool) -> int:
    """Index just past the *closer* that ends the tag opened at *pos*.

    String literals are skipped, so ``{{ "}}" }}`` is one tag.
    """
    i = pos + 2
    quote = ""
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'" and not comment:
            quote = ch
        elif source.startswith(closer, i):
            return i + 2
        i += 1
    return -1


def scan_tags(source: str, filename: str = "<template>") -> list[Tag]:
    """Every Jinja tag in *source*, in order, with its 1-based line number."""
    tags = []
    pos = 0
    while match := _TAG_START.search(source, pos):
        opener = match.group()
        end = _tag_end(source, match.start(), _CLOSERS[opener], comment=opener == "{#")
        lineno = source.count("\n", 0, match.start()) + 1
        if end < 0:
            raise CompileError(f"unclosed tag {opener!r}", filename, lineno)
        tags.append(Tag(_KINDS[opener], source[match.start() : end], match.start(), end, lineno))
        pos = end
    return tags


class _MarkupState:
    """Tracks whether a point in HTML/MJML text is inside a tag's ``<…>``.

    Just enough of an HTML tokenizer to tell text from attributes: a statement
    token can only be a comment where text is allowed.
    """

    def __init__(self) -> None:
        self.state = "text"

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if self.state == "text":
                if text.startswith("<!--", i):
                    self.state, i = "comment", i + 4
                    continue
                if ch == "<" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] in "/!"):
                    self.state = "tag"
            elif self.state == "comment":
                if text.startswith("-->", i):
                    self.state, i = "text", i + 3
                    continue
            elif self.state == "tag":
                if ch == ">":
                    self.state = "text"
                elif ch in "\"'":
                    self.state = "dq" if ch == '"' else "sq"
            elif (self.state == "dq" and ch == '"') or (self.state == "sq" and ch == "'"):
                self.state = "tag"
            i += 1


@dataclass(frozen=True)
class JinjaSource:
    """The Jinja source of a compiled template, with a map back to the original lines."""

    source: str
    filename: str
    line_starts: tuple[int, ...]
    tag_lines: tuple[int, ...]

    def original_line(self, compiled_lineno: int) -> int | None:
        """The line of the original template that produced *compiled_lineno*."""
        index = bisect_right(self.line_starts, compiled_lineno) - 1
        return self.tag_lines[index] if index >= 0 else None


@dataclass(frozen=True)
class CompiledTemplate:
    """A template after MJML and premailer: inlined HTML, tokens still in place."""

    html: str
    filename: str
    tags: tuple[Tag, ...]

    def jinja_source(self) -> JinjaSource:
        """Swap each token back for its Jinja tag: the source Jinja compiles, with a map
        from its lines to the template's (folding happens on its syntax tree, in
        :mod:`delightmail._templates`)."""
        out: list[str] = []
        line_starts: list[int] = [1]
        tag_lines: list[int] = [1]
        lineno = 1
        pos = 0
        for index, _statement, start, end in _find_tokens(self.html):
            tag = self.tags[index]
            literal = protect_literal(self.html[pos:start])
            pos = end
            out.append(literal)
            lineno += literal.count("\n")
            line_starts.append(lineno)
            tag_lines.append(tag.lineno)
            out.append(tag.text)
            lineno += tag.text.count("\n")
        out.append(protect_literal(self.html[pos:]))
        return JinjaSource(
            source="".join(out),
            filename=self.filename,
            line_starts=tuple(line_starts),
            tag_lines=tuple(tag_lines),
        )


def _silence_cssutils() -> None:
    # cssutils reports every property it does not know (mso-*, tokens) as an
    # error on its own logger; none of that is actionable here.
    import cssutils  # with premailer: imported only to compile, never to render

    cssutils.log.setLevel(logging.CRITICAL)


#: MRML's errors name a span of UTF-8 bytes: "at position 59:66" (or "59..66").
_MRML_POSITION = re.compile(r"\s*(?:in root template\s*)?at position (\d+)(?:(?::|\.\.)(\d+))?")
_MRML_WHERE = re.compile(r"\s*in root template\s*$")

#: Every element MJML 4 knows (``mj-all`` and ``mj-class`` inside ``mj-attributes``).
MJML_ELEMENTS = frozenset({
    "mjml", "mj-head", "mj-body", "mj-attributes", "mj-all", "mj-class", "mj-breakpoint",
    "mj-font", "mj-html-attributes", "mj-html-attribute", "mj-selector", "mj-preview",
    "mj-style", "mj-title", "mj-accordion", "mj-accordion-element", "mj-accordion-title",
    "mj-accordion-text", "mj-button", "mj-carousel", "mj-carousel-image", "mj-column",
    "mj-divider", "mj-group", "mj-hero", "mj-image", "mj-navbar", "mj-navbar-link", "mj-raw",
    "mj-section", "mj-social", "mj-social-element", "mj-spacer", "mj-table", "mj-text",
    "mj-wrapper", "mj-include",
})  # fmt: skip
#: Elements whose content is text, not markup, up to their end tag.
_TEXT_CONTENT = frozenset({"mj-style", "mj-title", "mj-preview", "style", "script"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
})  # fmt: skip
_NAME = re.compile(r"[A-Za-z_][\w:.-]*")
_SPACE = re.compile(r"\S")
#: The most of a name or an attribute an error message quotes.
_SHOWN = 60


def _skip_space(source: str, pos: int) -> int:
    """The offset of the first character at or after *pos* that is not white space."""
    found = _SPACE.search(source, pos)
    return found.start() if found else len(source)


def _bounded(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


@dataclass(frozen=True)
class MarkupProblem:
    """Something wrong in an MJML source: where (a character offset) and what.

    :param strict: MRML accepts it and writes a broken email (an element MJML
        does not know, an MJML element closed out of turn): a compile error even
        when MRML says nothing.
    """

    offset: int
    message: str
    strict: bool = False


def markup_problems(source: str) -> list[MarkupProblem]:
    """What a tolerant reading of the MJML *source* finds wrong, in order.

    MRML reports an unclosed element or a malformed tag without a position
    ("unexpected end of stream"), and writes an element it does not know
    (``<mj-colum>``) into the email as it is. This reads the source as MRML
    does (elements, attributes, comments, HTML void elements), pairing each
    end tag with its start, so that each problem has its place.
    """
    return _read_markup(source)[0]


def _read_markup(
    source: str, until: int | None = None
) -> tuple[list[MarkupProblem], list[tuple[str, int]]]:
    """The problems in *source* (see :func:`markup_problems`), and the elements open
    (name, offset) where the reading stopped: at the end, or at the tag at *until*."""
    problems: list[MarkupProblem] = []
    stack: list[tuple[str, int]] = []
    opened: dict[str, int] = {}  # how many of each name are on the stack
    pos, n = 0, len(source)

    def add(offset: int, message: str, strict: bool = False) -> None:
        problems.append(MarkupProblem(offset, f"MJML: {message}", strict))

    while (lt := source.find("<", pos)) >= 0:
        if until is not None and lt >= until:
            return problems, stack
        if source.startswith("<!--", lt):
            end = source.find("-->", lt + 4)
            if end < 0:
                add(lt, "a comment <!-- is never closed (expected -->)")
                return problems, stack
            pos = end + 3
            continue
        if source.startswith(("<!", "<?"), lt):
            end = source.find(">", lt)
            pos = n if end < 0 else end + 1
            continue
        closing = source.startswith("</", lt)
        name_match = _NAME.match(source, lt + (2 if closing else 1))
        if name_match is None:
            add(lt, "a '<' that starts no element (write &lt; for the character)")
            pos = lt + 1
            continue
        name = name_match.group()
        shown = _bounded(name)
        pos = name_match.end()
        if closing:
            pos = _skip_space(source, pos)
            if not source.startswith(">", pos):
                add(lt, f"cannot read the end tag </{shown}> (an end tag holds no attributes)")
            pos = source.find(">", pos) + 1 or n
            if stack and stack[-1][0] == name:
                opened[stack.pop()[0]] -= 1
            elif opened.get(name):
                # It closes an element further out: the one inside it was left open.
                left, at = stack[-1]
                both_mjml = left.startswith("mj-") and name.startswith("mj-")
                add(
                    at,
                    f"<{_bounded(left)}> is never closed "
                    f"(expected </{_bounded(left)}> before </{shown}>)",
                    strict=both_mjml,
                )
                while (closed := stack.pop()[0]) != name:
                    opened[closed] -= 1
                opened[closed] -= 1
            else:
                open_now = f": the open element is <{_bounded(stack[-1][0])}>" if stack else ""
                add(lt, f"</{shown}> closes no element{open_now}")
            continue
        if (name.startswith("mj-") or name == "mjml") and name not in MJML_ELEMENTS:
            add(lt, f"unexpected element <{shown}> (MJML has no such element)", strict=True)
        # The attributes, up to > or />.
        empty = False
        while True:
            pos = _skip_space(source, pos)
            if pos >= n:
                add(lt, f"<{shown} is never closed with >")
                return problems, stack
            if source.startswith("/>", pos):
                empty, pos = True, pos + 2
                break
            if source[pos] == ">":
                pos += 1
                break
            attribute = _NAME.match(source, pos)
            if attribute is None:
                add(pos, f"cannot read <{shown}>: unexpected {source[pos]!r} among its attributes")
                pos = source.find(">", pos) + 1 or n
                break
            pos = _skip_space(source, attribute.end())
            if not source.startswith("=", pos):
                continue
            pos = _skip_space(source, pos + 1)
            quote = source[pos : pos + 1]
            label = f"the value of {_bounded(attribute.group())!r} in <{shown}>"
            if quote not in ('"', "'"):
                add(attribute.start(), f"{label} is not quoted")
                pos = source.find(">", pos) + 1 or n
                break
            end = source.find(quote, pos + 1)
            if end < 0:
                add(attribute.start(), f"{label} is never closed (its {quote} quote)")
                return problems, stack
            pos = end + 1
        lowered = name.lower()
        if empty or lowered in _VOID:
            continue
        if lowered in _TEXT_CONTENT:
            end_tag = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(source, pos)
            if end_tag is None:
                add(lt, f"<{shown}> is never closed (expected </{shown}>)")
                return problems, stack
            pos = end_tag.end()
            continue
        stack.append((name, lt))
        opened[name] = opened.get(name, 0) + 1
    if stack and until is None:
        left, at = stack[-1]
        add(at, f"<{_bounded(left)}> is never closed (expected </{_bounded(left)}>)")
    return problems, stack


def _mrml_message(error: str, mjml_source: str, tags: Sequence[Tag] = ()) -> tuple[str, int | None]:
    """MRML's error as ours, and the character offset it names (or ``None``); a token
    it names is shown as the Jinja tag it stands for (one of *tags*)."""
    position = _MRML_POSITION.search(error)
    if position is None:
        return _MRML_WHERE.sub("", error), None
    encoded = mjml_source.encode("utf-8")
    start = int(position.group(1))
    end = int(position.group(2)) if position.group(2) else start
    offset = len(encoded[:start].decode("utf-8", "ignore"))
    what = error[: position.start()] + error[position.end() :]
    span = encoded[start:end].decode("utf-8", "ignore")
    if (token := _TOKEN.search(span)) is not None:
        index = int(token.group(1) or token.group(2))
        span = tags[index].text if index < len(tags) else "a Jinja tag"
    elif (named := _NAME.search(span)) is not None and not ("=" in span and "<" not in span):
        # An element's name (with its < or </), not an attribute.
        name = named.group()
        span = f"{'</' if span.lstrip().startswith('</') else '<'}{name}>"
        if name.startswith("mj-") and name not in MJML_ELEMENTS:
            span += " (MJML has no such element)"
        elif (parent := _read_markup(mjml_source, offset)[1]) and not span.startswith("</"):
            span += f" inside <{_bounded(parent[-1][0])}>"
    if span:
        what = f"{what.strip()} {_bounded(span)}"
    return what.strip(), offset


def mjml_to_html(
    mjml_source: str,
    filename: str = "<template>",
    line_at: Callable[[int], int] | None = None,
    tags: Sequence[Tag] = (),
) -> str:
    """MJML to HTML with CSS inlined: mjml-python, then premailer.

    Outlook's ``<!--[if mso]>`` conditionals and the doctype, which premailer
    would drop, are kept. An MJML error names the line: where MRML gives a
    position, that one; where it gives none, what :func:`markup_problems`
    finds; and an element MRML would pass on as it is (``<mj-colum>``) is an
    error too.

    :param line_at: maps a UTF-8 offset in *mjml_source* to a line of the
        template, so that an MJML error can name it.
    :param tags: the Jinja tags behind the tokens, to name one MRML refuses.
    """
    import mjml  # with premailer: heavy, loaded on the first compile, not at import
    from premailer import Premailer

    def line_of(offset: int) -> int:
        byte_offset = len(mjml_source[:offset].encode("utf-8"))
        return line_at(byte_offset) if line_at else mjml_source.count("\n", 0, offset) + 1

    try:
        html = mjml.mjml2html(mjml_source)
    except Exception as exc:  # mjml-python raises a bare exception type
        message, offset = _mrml_message(str(exc), mjml_source, tags)
        if offset is not None:
            raise CompileError(f"MJML: {message}", filename, line_of(offset)) from None
        problems = markup_problems(mjml_source)
        if problems:
            first = problems[0]
            raise CompileError(first.message, filename, line_of(first.offset)) from None
        raise CompileError(f"MJML could not compile the template: {message}", filename) from None
    strict = [problem for problem in markup_problems(mjml_source) if problem.strict]
    if strict:
        raise CompileError(strict[0].message, filename, line_of(strict[0].offset))
    doctype, _, _ = html.partition("<html")
    _silence_cssutils()
    try:
        inlined = Premailer(
            html,
            allow_network=False,
            disable_validation=True,
            keep_style_tags=False,
            remove_classes=False,
            strip_important=False,
            cssutils_logging_level=logging.CRITICAL,
        ).transform()
    except Exception as exc:  # premailer lets lxml and cssutils errors through
        raise CompileError(f"premailer could not inline the CSS: {exc}", filename) from None
    if doctype.lower().startswith("<!doctype") and not inlined.lower().startswith("<!doctype"):
        inlined = doctype + inlined
    return str(inlined)


def _token(index: int, statement: bool) -> str:
    token = f"{TOKEN_PREFIX}{index:05d}x"
    return f"<!--{token}-->" if statement else token


@dataclass(frozen=True)
class Tokenized:
    """A template source with its Jinja tags swapped for tokens.

    ``tags[i]`` is the tag behind token *i* (comments are dropped and have no
    token); ``anchors`` pairs the start of each literal run in ``mjml`` with
    its offset in the original source, to trace an MJML error back to a line.
    """

    mjml: str
    tags: list[Tag]
    source: str
    anchors: list[tuple[int, int]]
    #: The expressions inside inlined CSS (``<mj-style inline="inline">``): premailer
    #: drops a rule that matches no element, and its values with it, harmlessly.
    in_css: frozenset[int] = frozenset()

    def line_at(self, byte_offset: int) -> int:
        """The original line of the character at *byte_offset* (UTF-8) in ``mjml``."""
        offset = len(self.mjml.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))
        index = bisect_right([start for start, _ in self.anchors], offset) - 1
        start, original = self.anchors[max(index, 0)]
        original += max(offset - start, 0)
        return self.source.count("\n", 0, min(original, len(self.source))) + 1


def tokenize(source: str, filename: str) -> Tokenized:
    """Swap every Jinja tag in *source* for a token (see :class:`Tokenized`)."""
    if TOKEN_PREFIX in source:
        lineno = source.count("\n", 0, source.index(TOKEN_PREFIX)) + 1
        raise CompileError(f"{TOKEN_PREFIX!r} is reserved for the compiler", filename, lineno)
    markup = _MarkupState()
    out: list[str] = []
    tags: list[Tag] = []
    anchors: list[tuple[int, int]] = []
    length = 0
    pos = 0
    for tag in scan_tags(source, filename):
        literal = source[pos : tag.start]
        anchors.append((length, pos))
        out.append(literal)
        length += len(literal)
        markup.feed(literal)
        pos = tag.end
        if tag.kind == "comment":
            continue
        if tag.keyword in _UNSUPPORTED:
            raise CompileError(
                f"{{% {tag.keyword} %}} is not supported in an MJML template: "
                "its MJML would never be compiled; put the markup in this file "
                "or use a macro",
                filename,
                tag.lineno,
            )
        if tag.kind == "statement" and markup.state != "text":
            raise CompileError(
                f"statement {tag.text!r} sits inside an HTML tag or comment; "
                "use an inline expression such as {{ 'a' if x else 'b' }} instead",
                filename,
                tag.lineno,
            )
        token = _token(len(tags), tag.kind == "statement")
        out.append(token)
        length += len(token)
        tags.append(tag)
    anchors.append((length, pos))
    out.append(source[pos:])
    spans = [(m.end(), m.end() + (source[m.end() :] + "</mj-style>").index("</mj-style>"))
             for m in _INLINE_STYLE.finditer(source)]  # fmt: skip
    in_css = frozenset(
        index
        for index, tag in enumerate(tags)
        if tag.kind == "expression" and any(start <= tag.start < end for start, end in spans)
    )
    return Tokenized(mjml="".join(out), tags=tags, source=source, anchors=anchors, in_css=in_css)


def _find_tokens(html: str) -> Iterator[tuple[int, bool, int, int]]:
    """Yield ``(index, is_statement, start, end)`` for every token in *html*."""
    for match in _TOKEN.finditer(html):
        statement = match.group(1) is not None
        index = int(match.group(1) if statement else match.group(2))
        yield index, statement, match.start(), match.end()


_OPENERS = {"for", "if", "macro", "call", "filter", "block", "with", "autoescape", "trans"}
_MIDDLES = {"else", "elif", "pluralize"}


def _block_paths(tags: list[Tag]) -> dict[int, tuple[int, ...]]:
    """For each statement index (and -1 for the start), the blocks open just after it.

    A path holds, for each open block, the statement that opened its current
    branch: inside ``{% if %}…{% else %}…`` the path ends at the ``else``.
    """
    paths: dict[int, tuple[int, ...]] = {-1: ()}
    stack: list[int] = []
    for i, tag in enumerate(tags):
        if tag.kind != "statement":
            continue
        keyword = tag.keyword
        if keyword in _OPENERS or (keyword == "set" and "=" not in tag.text):
            stack.append(i)
        elif keyword in _MIDDLES and stack:
            stack[-1] = i
        elif keyword.startswith("end") and stack:
            stack.pop()
        paths[i] = tuple(stack)
    return paths


def _account(
    html: str, tags: list[Tag], filename: str, in_css: frozenset[int] = frozenset()
) -> None:
    """Raise :class:`CompileError` unless every token came through where it belongs.

    A statement must come out exactly once and in its place among the other
    statements. An expression must come out at least once, each copy inside
    the same blocks as in the source: MJML may copy a value deeper (an
    ``mj-attributes`` font into every component, a title into an
    ``aria-label``), but never out of its loop or branch. One in inlined CSS
    (*in_css*) may be gone: premailer drops a rule that matches no element.
    """
    paths = _block_paths(tags)
    # The statement each expression follows in the source (-1: none yet).
    segment_of: dict[int, int] = {}
    last = -1
    for i, tag in enumerate(tags):
        if tag.kind == "statement":
            last = i
        else:
            segment_of[i] = last

    def fail(index: int, problem: str) -> CompileError:
        tag = tags[index]
        return CompileError(f"{problem}: {tag.text}", filename, tag.lineno)

    seen_statements: list[int] = []
    seen_expressions: set[int] = set()
    current = -1
    for index, is_statement, _, _ in _find_tokens(html):
        if index >= len(tags) or (tags[index].kind == "statement") != is_statement:
            raise CompileError(f"token {index} came out of MJML/premailer mangled", filename)
        if is_statement:
            if index in seen_statements:
                raise fail(index, "MJML or premailer duplicated the statement")
            if seen_statements and index < seen_statements[-1]:
                raise fail(index, "MJML or premailer moved the statement out of order")
            seen_statements.append(index)
            current = index
            continue
        seen_expressions.add(index)
        source_path = paths[segment_of[index]]
        if paths[current][: len(source_path)] != source_path:
            raise fail(index, "MJML or premailer moved the expression out of its block")
    missing = [i for i in paths if i >= 0 and i not in seen_statements]
    missing += [i for i in segment_of if i not in seen_expressions and i not in in_css]
    if missing:
        kind = tags[min(missing)].kind
        raise fail(min(missing), f"MJML or premailer dropped the {kind}")
    if TOKEN_PREFIX in _TOKEN.sub("", html):
        raise CompileError("a tag came out of MJML/premailer mangled (a partial token)", filename)


def protect_literal(text: str) -> str:
    """*text* as Jinja source that outputs it as it is (``{{`` and ``{%`` included).

    MJML's and premailer's output, and the merchant's words folded in, must
    never be read as Jinja: text with a tag's start in it, or that ends in
    ``{`` (the next tag would make ``{{{``), or starts with ``%`` or ``#``
    (after a ``{``), is wrapped in ``{% raw %}``; text that itself says
    ``endraw`` has each ``{`` written as an expression instead.
    """
    if not (_TAG_START.search(text) or text.endswith("{") or text[:1] in ("%", "#")):
        return text
    if "endraw" in text:
        return text.replace("{", "{{ '{' }}")
    return "{% raw %}" + text + "{% endraw %}"


def compile_source(source: str, filename: str) -> CompiledTemplate:
    """Run MJML and premailer once on an MJML + Jinja template source.

    :param source: the template, MJML with Jinja tags in it.
    :param filename: used in every error message.
    :raises CompileError: a tag was lost, moved or mangled, or MJML failed.
    """
    tokenized = tokenize(source, filename)
    html = mjml_to_html(tokenized.mjml, filename, tokenized.line_at, tokenized.tags)
    _account(html, tokenized.tags, filename, tokenized.in_css)
    return CompiledTemplate(html=html, filename=filename, tags=tuple(tokenized.tags))


def strip_comments(source: str, filename: str) -> str:
    """*source* without its Jinja comments (MJML need not see them either way)."""
    out = []
    pos = 0
    for tag in scan_tags(source, filename):
        if tag.kind == "comment":
            out.append(source[pos : tag.start])
            pos = tag.end
    out.append(source[pos:])
    return "".join(out)
