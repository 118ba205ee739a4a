"""Compose a template and the files it names into one source, before it compiles.

``{% extends %}``, ``{% block %}`` and ``{% include %}`` reach into other
files. The compiler runs MJML and premailer once over one source (see
:mod:`delightmail.compiler`), and a partial's MJML would never pass through
it if Jinja resolved the names only at render time. So they are resolved
here, once, the way Jinja would resolve them:

- ``{% include "name" %}`` is replaced by that file's own composed text;
- a template that ``{% extends "name" %}`` is its parent with each block
  replaced by the most derived definition, ``{{ super() }}`` by the parent's;
- the whitespace each tag strips (``-``, and in the text part ``trim_blocks``
  and ``lstrip_blocks``) is stripped here, in the tag's own file, as Jinja
  strips it; the tags that stay are written with their stripping turned off
  (``{%+ … +%}``), so that none reaches into text from another file;
- a block or partial that sets a name (``{% set %}``) is wrapped in ``{% with %}``,
  so that the name stays inside it, as it does in Jinja;
- a block that reads a name bound around it (a loop's, a ``with``'s, another
  block's) is refused unless it is ``scoped``: Jinja hides those names from a
  block, and one source cannot.

``{% import %}`` and ``{% from … import %}`` stay what they are: Jinja loads
those macros when the email renders. In the MJML part a macro's output goes
into the email after MJML and the CSS inlining, so an imported file may not
make MJML (``<mj-…>``): that is a :class:`~delightmail.exceptions.CompileError`
naming it; use an include or a block.

The reference path (``Mailer(precompile=False)``) lets Jinja load the same
files itself: it is what the composed source is checked against.

Every line of the composed source holds one line of one file (a line break
that writes nothing is put in where a line would hold two), so that an error
anywhere after this step still names the author's file and line
(:meth:`Composed.locate`).
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

import jinja2
from jinja2 import meta

from .compiler import Tag, scan_tags
from .exceptions import CompileError, TemplateError, TemplateNotFound

__all__ = ["MAX_DEPTH", "MAX_SIZE", "Composed", "compose"]

#: How deep includes and parents may nest before it is a loop.
MAX_DEPTH = 32
#: The most characters a template and its partials may compose to: the built-in designs
#: are about 12,000, and an email over Gmail's 102 KB is clipped anyway.
MAX_SIZE = 500_000

_NAME = r"""(?:"(?P<dq>[^"\\]*)"|'(?P<sq>[^'\\]*)')"""
_EXTENDS = re.compile(rf"^extends\s+{_NAME}$")
_INCLUDE = re.compile(rf"^include\s+{_NAME}(?P<rest>(?:\s+[a-z]+)*)$")
_BLOCK = re.compile(r"^block\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>(?:\s+[a-z]+)*)$")
_ENDBLOCK = re.compile(r"^endblock(?:\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*))?$")
_SUPER = re.compile(r"^super\(\s*\)$")
_SELF = re.compile(r"(?<![\w.])self\s*\.")
_IMPORT_NAME = re.compile(rf"^(?:import|from)\s+{_NAME}")
_SET = re.compile(r"\{%[-+]?\s*set\s")
_MJML_TAG = re.compile(r"<mj-[a-z]")
#: A line break that writes nothing, and strips nothing around it, in either part.
_QUIET_BREAK = "{#+\n+#}"  # split after its "\n" (index 4)


def _inner(tag: Tag) -> str:
    """The tag's text between its delimiters and whitespace modifiers."""
    return tag.text[2:-2].strip("-+").strip()


def _left(tag: Tag) -> str:
    """``-``, ``+`` or ``""``: the tag's modifier on its left side."""
    return tag.text[2] if tag.text[2] in "-+" else ""


def _right(tag: Tag) -> str:
    return tag.text[-3] if tag.text[-3] in "-+" else ""


#: The statements whose names live until their end tag.
_SCOPES = frozenset({"for", "with", "macro", "call"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _bound_names(keyword: str, inner: str) -> set[str]:
    """The names a ``for``, ``with``, ``macro``, ``call`` or ``set`` binds (a generous
    reading: a name too many only makes the isolation check stricter)."""
    rest = inner[len(keyword) :]
    if keyword == "for":
        return {"loop", *_IDENTIFIER.findall(rest.split(" in ", 1)[0])}
    if keyword == "set":
        target = rest.split("=", 1)[0]
        return set() if "." in target else set(_IDENTIFIER.findall(target))
    if keyword == "with":
        return set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)", rest))
    if keyword == "macro":
        _, _, arguments = rest.partition("(")
        return {"caller", "varargs", "kwargs", *_IDENTIFIER.findall(arguments)}
    return {"caller", *_IDENTIFIER.findall(rest.partition(")")[0])}


def _neutral(tag: Tag) -> str:
    """*tag* with its whitespace control turned off: it strips nothing around it."""
    body = tag.text[2:-2]
    body = body[1:] if body[:1] in "-+" else body
    body = body[:-1] if body[-1:] in "-+" else body
    if tag.kind == "statement":
        return "{%+" + body + "+%}"
    return "{{" + body + "}}"


def _quoted(match: re.Match[str]) -> str:
    return match.group("dq") if match.group("dq") is not None else match.group("sq")


@dataclass(frozen=True)
class _File:
    """One file a template reads: its loader name, its path and its tags."""

    name: str
    filename: str
    source: str
    tags: tuple[Tag, ...]
    breaks: tuple[int, ...] = field(default=(), repr=False)

    def line_of(self, offset: int) -> int:
        """The 1-based line of *offset* in this file."""
        return bisect_right(self.breaks, offset - 1) + 1


@dataclass(frozen=True)
class _Block:
    """One ``{% block %}`` definition: where its body starts and ends in its file."""

    name: str
    file: _File
    open: Tag
    close: Tag
    #: The index of the first tag of the body and one past the last, in file.tags.
    first: int
    last: int


@dataclass
class _Builder:
    """The composed source as it is written, with where each run of it came from.

    Each line of the composed source holds one line of one file: where the next
    piece comes from another line (the next file, or a line whose break a tag
    stripped), a line break that writes nothing (a Jinja comment) is put first,
    so that a line number Jinja reports always names one line of one file.
    """

    parts: list[str] = field(default_factory=list)
    length: int = 0
    #: (offset in the composed source, filename, offset in that file).
    runs: list[tuple[int, str, int]] = field(default_factory=list)
    #: The file and line the composed line being written comes from.
    origin: tuple[str, int] | None = None
    at_line_start: bool = True

    def copy(self, file: _File, start: int, end: int) -> None:
        if end > start:
            self.emit(file.source[start:end], file, start)

    def emit(self, text: str, file: _File, at: int) -> None:
        """Write *text* (made here, or copied) as coming from *file* at offset *at*."""
        line = file.line_of(at)
        if not self.at_line_start and self.origin != (file.filename, line):
            self.add(_QUIET_BREAK[:4])
            # The line the break begins is the piece's own line.
            self.runs.append((self.length, file.filename, at))
            self.add(_QUIET_BREAK[4:])
        self.runs.append((self.length, file.filename, at))
        self.add(text)
        self.origin = (file.filename, line + text.count("\n"))
        self.at_line_start = text.endswith("\n")

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)
        if self.length > MAX_SIZE:
            # Partials that include each other over and over grow exponentially.
            raise CompileError(
                f"the template and its partials make more than {MAX_SIZE} characters"
            )


@dataclass(frozen=True)
class Composed:
    """A template's source with every extends, block and include resolved.

    :param source: the one source the compiler reads.
    :param filename: the file the template was asked for by.
    :param files: every file read (filename, source), the template's own first:
        what the compiled result depends on.
    """

    source: str
    filename: str
    files: tuple[tuple[str, str], ...]
    _starts: tuple[int, ...] = field(repr=False)
    _origins: tuple[tuple[str, int], ...] = field(repr=False)
    #: Every name looked up, and the file it was found in (``None``: not found,
    #: for an ``include … ignore missing``): what a cached result must still match.
    names: tuple[tuple[str, str | None], ...] = ()

    def locate(self, lineno: int | None) -> tuple[str, int | None]:
        """The author's file and line behind line *lineno* of :attr:`source`."""
        if lineno is None or not self._starts:
            return self.filename, lineno
        offset = _offset_of_line(self.source, lineno)
        index = max(bisect_right(self._starts, offset) - 1, 0)
        filename, start = self._origins[index]
        text = dict(self.files)[filename]
        at = min(start + max(offset - self._starts[index], 0), len(text))
        return filename, text.count("\n", 0, at) + 1

    def relocate(self, error: TemplateError) -> TemplateError:
        """*error*, raised against :attr:`source`, as raised against the author's file."""
        if error.filename != self.filename:
            return error
        moved = copy.copy(error)
        moved.filename, moved.lineno = self.locate(error.lineno)
        moved.args = (str(moved),)
        return moved


def _offset_of_line(text: str, lineno: int) -> int:
    offset = 0
    for _ in range(max(lineno - 1, 0)):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


class _Composer:
    def __init__(
        self,
        loader: jinja2.BaseLoader,
        environment: jinja2.Environment,
        *,
        check: Callable[[str, str], None],
        html: bool,
    ) -> None:
        self.loader = loader
        self.environment = environment
        self.check = check
        self.html = html
        self.trim = environment.trim_blocks
        self.lstrip = environment.lstrip_blocks
        self.files: dict[str, _File] = {}
        self.missing: list[str] = []
        self.out = _Builder()
        # The scopes open where the writing is: (kind, seen by a block inside?, names).
        # A template's top level is seen by its blocks; a loop's, a with's or a
        # block's own names are not, in Jinja, so a block may not rely on them.
        self.frames: list[tuple[str, bool, set[str]]] = [("template", True, set())]

    # -- reading ---------------------------------------------------------------

    def read(self, name: str, by: _File | None, tag: Tag | None) -> _File:
        if name in self.files:
            return self.files[name]
        where = (by.filename, tag.lineno) if by and tag else (name, None)
        try:
            source, filename, _ = self.loader.get_source(self.environment, name)
        except jinja2.TemplateNotFound:
            raise TemplateNotFound(f"no template file named {name!r}", *where) from None
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{name!r} is not UTF-8 text: {exc}", *where) from None
        except OSError as exc:
            raise TemplateError(f"cannot read {name!r}: {exc.strerror or exc}", *where) from None
        filename = filename or name
        if not self.environment.keep_trailing_newline:
            # As Jinja's lexer does for every template it loads.
            source = (
                source.removesuffix("\n").removesuffix("\r") if source.endswith("\n") else source
            )
        self.check(source, filename)  # syntax errors name this file's own line
        breaks = tuple(match.start() for match in re.finditer("\n", source))
        file = _File(name, filename, source, tuple(scan_tags(source, filename)), breaks)
        self.files[name] = file
        return file

    def fail(self, message: str, file: _File, tag: Tag) -> CompileError:
        return CompileError(message, file.filename, tag.lineno)

    # -- the template tree -------------------------------------------------------

    def blocks_of(self, file: _File) -> dict[str, _Block]:
        blocks: dict[str, _Block] = {}
        stack: list[tuple[str, int]] = []
        for index, tag in enumerate(file.tags):
            if tag.kind != "statement":
                continue
            if tag.keyword == "block":
                match = _BLOCK.match(_inner(tag))
                if match is None:
                    raise self.fail(f"cannot read the block: {tag.text}", file, tag)
                stack.append((match.group("name"), index))
            elif tag.keyword == "endblock" and stack:
                name, opened = stack.pop()
                if name in blocks:
                    raise self.fail(f"block {name!r} is defined twice", file, tag)
                blocks[name] = _Block(name, file, file.tags[opened], tag, opened + 1, index)
        return blocks

    def parent_of(self, file: _File) -> tuple[_File, Tag] | None:
        """The file *file* extends, if it does; only blocks may stand beside the extends."""
        extends = None
        depth = 0
        for tag in file.tags:
            keyword = tag.keyword
            if keyword == "extends" and extends is None and depth == 0:
                extends = tag
            elif keyword == "block":
                depth += 1
            elif keyword == "endblock":
                depth -= 1
        if extends is None:
            return None
        match = _EXTENDS.match(_inner(extends))
        if match is None:
            raise self.fail(
                "the compiler must know the parent when the template compiles: "
                'name it as a string, such as {% extends "layout/base.mjml.j2" %}',
                file,
                extends,
            )
        self.check_child(file)
        return self.read(_quoted(match), file, extends), extends

    def check_child(self, file: _File) -> None:
        """Outside its blocks, a template that extends another holds only comments."""
        depth, pos = 0, 0
        for tag in file.tags:
            if depth == 0 and file.source[pos : tag.start].strip():
                lineno = file.source.count("\n", 0, pos) + 1
                raise CompileError(
                    "a template that extends another may hold only blocks and comments "
                    "outside its blocks; this text would never show",
                    file.filename,
                    lineno,
                )
            keyword = tag.keyword
            if keyword == "block":
                depth += 1
            elif keyword == "endblock":
                depth -= 1
            elif depth == 0 and tag.kind != "comment" and keyword != "extends":
                raise self.fail(
                    "a template that extends another may hold only blocks and comments "
                    f"outside its blocks: move {tag.text} into the block that needs it",
                    file,
                    tag,
                )
            pos = tag.end
        if depth == 0 and file.source[pos:].strip():
            lineno = file.source.count("\n", 0, pos) + 1
            raise CompileError(
                "a template that extends another may hold only blocks and comments "
                "outside its blocks; this text would never show",
                file.filename,
                lineno,
            )

    def unit(self, file: _File, stack: tuple[str, ...]) -> None:
        """Write *file* as Jinja renders it: what each template in its line of parents
        writes before its ``{% extends %}``, then the root with each block's most
        derived definition."""
        definitions: dict[str, list[_Block]] = {}
        current = file
        while True:
            for name, block in self.blocks_of(current).items():
                definitions.setdefault(name, []).append(block)
            parent = self.parent_of(current)
            if parent is None:
                self.write(
                    current, 0, len(current.tags), 0, len(current.source), definitions, None, stack
                )
                return
            # Jinja writes out what comes before the extends (whitespace, here).
            extends = parent[1]
            before = [tag for tag in current.tags if tag.start < extends.start]
            end = self.strip_before(current, extends, 0)
            self.write(current, 0, len(before), 0, end, definitions, None, stack)
            child = current
            current, tag = parent
            if current.name in stack or len(stack) >= MAX_DEPTH:
                raise CompileError(
                    f"{current.name!r} extends or includes itself", child.filename, tag.lineno
                )
            stack = (*stack, current.name)

    def lineage(self, file: _File) -> list[tuple[str, str]]:
        """*file* and its parents, as (filename, source)."""
        found = [(file.filename, file.source)]
        while (parent := self.parent_of(file)) is not None:
            file = parent[0]
            found.append((file.filename, file.source))
            if len(found) > MAX_DEPTH:
                break
        return found

    # -- writing ------------------------------------------------------------------

    def strip_after(self, file: _File, tag: Tag, end: int) -> int:
        """Where the text after a removed *tag* starts once Jinja has stripped it."""
        pos = tag.end
        right = _right(tag)
        if right == "-":
            while pos < end and file.source[pos].isspace():
                pos += 1
        elif right != "+" and self.trim and tag.kind != "expression":
            if file.source.startswith("\r\n", pos):
                pos += 2
            elif file.source.startswith("\n", pos):
                pos += 1
        return min(pos, end)

    def strip_before(self, file: _File, tag: Tag, start: int) -> int:
        """Where the text before a removed *tag* ends once Jinja has stripped it."""
        pos = tag.start
        left = _left(tag)
        if left == "-":
            while pos > start and file.source[pos - 1].isspace():
                pos -= 1
        elif left != "+" and self.lstrip and tag.kind != "expression":
            back = pos
            while back > start and file.source[back - 1] in " \t":
                back -= 1
            if back == 0 or file.source[back - 1] == "\n":
                pos = back
        return pos

    def write(
        self,
        file: _File,
        first: int,
        last: int,
        start: int,
        end: int,
        definitions: dict[str, list[_Block]],
        current: tuple[str, int] | None,
        stack: tuple[str, ...],
    ) -> None:
        """Write file.source[start:end], whose tags are file.tags[first:last]."""
        pos = start
        index = first
        while index < last:
            tag = file.tags[index]
            inner = _inner(tag)
            keyword = tag.keyword
            if tag.kind == "expression" and _SUPER.match(inner):
                self.out.copy(file, pos, tag.start)
                if current is None:
                    raise self.fail("super() is only allowed inside a block", file, tag)
                name, level = current
                chain = definitions[name]
                if level + 1 >= len(chain):
                    raise self.fail(f"block {name!r} has no parent to call super() on", file, tag)
                self.check_isolated(chain[level + 1 :], file, tag)
                self.block(chain[level + 1], definitions, (name, level + 1), stack, file, tag)
                pos = tag.end
                index += 1
                continue
            if tag.kind == "expression" and _SELF.search(inner):
                raise self.fail(
                    "self.<block>() is not supported: the compiler resolves blocks where "
                    "they stand; use an include for text shown twice",
                    file,
                    tag,
                )
            if keyword == "extends":
                pos = self.strip_after(file, tag, end)
                index += 1
                continue
            if keyword == "block":
                self.out.copy(file, pos, self.strip_before(file, tag, pos))
                match = _BLOCK.match(inner)
                if match is None:  # pragma: no cover - blocks_of read every block first
                    raise self.fail(f"cannot read the block: {tag.text}", file, tag)
                name = match.group("name")
                words = match.group("rest").split()
                if "required" in words and len(definitions[name]) == 1:
                    raise self.fail(f"block {name!r} is required but never defined", file, tag)
                if "scoped" not in words:
                    self.check_isolated(definitions[name], file, tag)
                # This very block, as blocks_of paired it with its endblock.
                own = next(block for block in definitions[name] if block.open is tag)
                # The most derived definition renders here; its super() the next one.
                self.block(definitions[name][0], definitions, (name, 0), stack, None, None)
                pos = self.strip_after(file, own.close, end)
                index = own.last + 1
                continue
            if keyword == "include":
                self.out.copy(file, pos, self.strip_before(file, tag, pos))
                self.include(file, tag, stack)
                pos = self.strip_after(file, tag, end)
                index += 1
                continue
            if keyword in ("import", "from"):
                self.check_import(file, tag)
            if tag.kind == "statement":
                self.track(keyword, inner)
            # Any other tag stays, but the whitespace it strips is stripped here,
            # in its own file: in the composed source the text beside it may come
            # from another file, which Jinja would never let it touch.
            self.out.copy(file, pos, self.strip_before(file, tag, pos))
            if tag.kind != "comment":
                self.out.emit(_neutral(tag), file, tag.start)
            pos = self.strip_after(file, tag, end)
            index += 1
        self.out.copy(file, pos, end)

    def track(self, keyword: str, inner: str) -> None:
        """Follow the scopes a kept statement opens, closes or binds names in."""
        if keyword in _SCOPES:
            self.frames.append((keyword, False, _bound_names(keyword, inner)))
        elif keyword.startswith("end") and keyword[3:] in _SCOPES:
            for index in range(len(self.frames) - 1, 0, -1):
                if self.frames[index][0] == keyword[3:]:
                    del self.frames[index:]
                    break
        elif keyword == "set":
            self.frames[-1][2].update(_bound_names(keyword, inner))

    def check_isolated(self, chain: list[_Block], file: _File, tag: Tag) -> None:
        """A block that reads a name bound around it (a loop's, a with's, another
        block's) is refused: Jinja renders a block without those names, and the
        composed source would silently see them."""
        around = set().union(*(names for _, seen, names in self.frames if not seen))
        if not around:
            return
        reads: set[str] = set()
        for block in chain:
            body = block.file.source[block.open.end : block.close.start]
            try:
                reads |= meta.find_undeclared_variables(self.environment.parse(body))
            except jinja2.TemplateSyntaxError:  # pragma: no cover - each file parsed
                continue
        if clash := sorted(reads & around):
            raise self.fail(
                f"block {chain[0].name!r} reads {', '.join(map(repr, clash))}, which is bound "
                "around it; Jinja renders a block without such names: mark the block "
                "scoped, or set the name inside it",
                file,
                tag,
            )

    def block(
        self,
        block: _Block,
        definitions: dict[str, list[_Block]],
        current: tuple[str, int],
        stack: tuple[str, ...],
        caller: _File | None,
        caller_tag: Tag | None,
    ) -> None:
        """Write *block*'s body, as Jinja would render it in the block's place."""
        file = block.file
        start = self.strip_after(file, block.open, block.close.start)
        end = self.strip_before(file, block.close, start)
        scoped = _SET.search(file.source, start, end) is not None
        anchor_file, anchor = (caller, caller_tag) if caller and caller_tag else (file, block.open)
        if scoped:
            self.out.emit("{%+ with +%}", anchor_file, anchor.start)
        self.frames.append(("block", False, set()))
        self.write(file, block.first, block.last, start, end, definitions, current, stack)
        self.frames.pop()
        if scoped:
            self.out.emit("{%+ endwith +%}", anchor_file, anchor.start)

    def include(self, file: _File, tag: Tag, stack: tuple[str, ...]) -> None:
        match = _INCLUDE.match(_inner(tag))
        if match is None:
            raise self.fail(
                "the compiler must know which file to include when the template compiles: "
                'name it as a string, such as {% include "partials/lines.mjml.j2" %}',
                file,
                tag,
            )
        words = match.group("rest").split()
        if "without" in words:
            raise self.fail("include … without context is not supported", file, tag)
        name = _quoted(match)
        if "ignore" in words:
            try:
                self.loader.get_source(self.environment, name)
            except jinja2.TemplateNotFound:
                self.missing.append(name)
                return
        if name in stack or len(stack) >= MAX_DEPTH:
            raise self.fail(f"{name!r} includes itself", file, tag)
        included = self.read(name, file, tag)
        scoped = any(_SET.search(source) for _, source in self.lineage(included))
        if scoped:
            self.out.emit("{%+ with +%}", file, tag.start)
        # An included template sees the includer's names: as if they were its own.
        outer, self.frames = self.frames, [("template", True, set())]
        self.unit(included, (*stack, name))
        self.frames = outer
        if scoped:
            self.out.emit("{%+ endwith +%}", file, tag.start)

    def check_import(self, file: _File, tag: Tag) -> None:
        match = _IMPORT_NAME.match(_inner(tag))
        if match is None:
            raise self.fail(
                "the compiler must know which file to import when the template compiles: "
                "name it as a string",
                file,
                tag,
            )
        imported = self.read(_quoted(match), file, tag)
        if self.html and (found := _MJML_TAG.search(imported.source)):
            raise CompileError(
                "an imported macro's output goes into the email after MJML, so it may not "
                "make MJML; put the markup in a partial and {% include %} it, or in a block",
                imported.filename,
                imported.source.count("\n", 0, found.start()) + 1,
            )


def compose(
    name: str,
    loader: jinja2.BaseLoader,
    environment: jinja2.Environment,
    *,
    check: Callable[[str, str], None],
    html: bool,
) -> Composed:
    """The template *name*, as *loader* finds it, with its extends, blocks and includes
    resolved into one source.

    :param environment: the environment the result compiles in: its whitespace
        options decide what a removed tag strips.
    :param check: called with each file's source and filename before it is
        read (to report a syntax error against that file).
    :param html: the MJML part (an imported macro file may not make MJML).
    :raises TemplateError: a file is missing or broken, or uses what the
        compiler cannot resolve; the error names that file and line.
    """
    composer = _Composer(loader, environment, check=check, html=html)
    main = composer.read(name, None, None)
    try:
        composer.unit(main, (name,))
    except CompileError as exc:
        if exc.filename is not None:
            raise
        raise CompileError(exc.message, main.filename) from None
    out = composer.out
    if not environment.keep_trailing_newline:
        out.add("\n")  # the one Jinja's lexer will strip: each file lost its own already
    files = {main.filename: main.source}
    files.update((file.filename, file.source) for file in composer.files.values())
    return Composed(
        source="".join(out.parts),
        filename=main.filename,
        files=tuple(files.items()),
        _starts=tuple(start for start, _, _ in out.runs),
        _origins=tuple((filename, at) for _, filename, at in out.runs),
        names=(
            *((file.name, file.filename) for file in composer.files.values()),
            *((missing, None) for missing in composer.missing),
        ),
    )
