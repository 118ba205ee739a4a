"""Every error delightmail raises, in one place.

All of them derive from :class:`DelightmailError`, so ``except DelightmailError``
catches anything the library reports on purpose. Each subclass carries the
context a user needs to act (the field path, the template file and line), not
just a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DelightmailError(Exception):
    """Base class for every error raised by delightmail."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of an order: where it is and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class OrderValidationError(DelightmailError, ValueError):
    """The order (or merchant) data is not valid.

    :param problems: every problem found, each naming its field path such as
        ``lines[2].quantity``.
    :param model: the name of the model that was being validated.
    """

    def __init__(self, problems: Sequence[FieldProblem], model: str = "Order") -> None:
        self.problems = tuple(problems)
        self.model = model
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"invalid {self.model} ({count} {noun}):"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


class CurrencyMismatchError(DelightmailError, ValueError):
    """Two amounts in different currencies were combined."""


class TemplateError(DelightmailError):
    """A template is broken or failed while rendering.

    :param message: what went wrong.
    :param filename: the template file, when known.
    :param lineno: the 1-based line in that file, when known.
    """

    def __init__(
        self, message: str, filename: str | None = None, lineno: int | None = None
    ) -> None:
        self.message = message
        self.filename = filename
        self.lineno = lineno
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename or "<template>"
        if self.lineno is not None:
            where = f"{where}, line {self.lineno}"
        return f"{where}: {self.message}"


class TemplateNotFound(TemplateError, LookupError):
    """No template of that name exists in any template folder."""


class CompileError(TemplateError):
    """MJML or premailer lost, moved or mangled a template tag while compiling."""


class PackError(DelightmailError, ValueError):
    """A story pack is broken: bad TOML, bad Jinja, or a line the sandbox refuses.

    :param message: what is wrong.
    :param where: the file and entry, such as ``playful.toml: lines.opening[3]``.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class CatalogError(DelightmailError, ValueError):
    """A translation catalog (a ``.po`` file of yours) is broken or unsafe to use.

    :param message: what is wrong, naming the message (msgid) when it is about one.
    :param filename: the ``.po`` file.
    :param lineno: the 1-based line in that file, when known.
    """

    def __init__(
        self, message: str, filename: str | None = None, lineno: int | None = None
    ) -> None:
        self.message = message
        self.filename = filename
        self.lineno = lineno
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename or "<catalog>"
        if self.lineno is not None:
            where = f"{where}, line {self.lineno}"
        return f"{where}: {self.message}"


class MessageError(DelightmailError, ValueError):
    """An email message could not be built (bad address, header injection attempt)."""
