"""Every error delightmail raises, in one place.

All of them derive from :class:`DelightmailError`, so ``except DelightmailError``
catches anything the library reports on purpose. Each subclass carries the
context a user needs to act (the field path, the template file and line, the
tool that failed), not just a string, and also inherits the standard library
type a caller may already catch (``ValueError`` for bad data, ``OSError`` for a
server that refuses, ``RuntimeError`` for a tool that fails).

Each class also carries the code the command line exits with when it ends a
command, as its ``exit_code`` (click's ``ClickException.exit_code``):

- **2, bad input**: what the user gave must change. :class:`InputError` (a file,
  JSON, a flag's value), :class:`OrderValidationError` (an order or a merchant),
  :class:`CurrencyMismatchError` (an order mixing currencies),
  :class:`MessageError` (an address, an extra header), :class:`PackError` (a
  merchant's story pack), :class:`CatalogError` (a translation catalog of yours),
  :class:`SignatureError` (a webhook whose signature is missing or wrong),
  :class:`OrderStatusError` (an order refunded, cancelled or failed: not one to confirm).
- **1, work that failed**: the input was fine, the work was not.
  :class:`TemplateError` with :class:`TemplateNotFound` and :class:`CompileError`
  (a template folder is code, not input), :class:`SendError`, :class:`StoreError`,
  :class:`ScreenshotError`, :class:`CheckerError`; and :class:`DelightmailError`
  itself, for a subclass that says nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "CheckerError",
    "CompileError",
    "CurrencyMismatchError",
    "DelightmailError",
    "FieldProblem",
    "InputError",
    "MessageError",
    "OrderStatusError",
    "OrderValidationError",
    "PackError",
    "ScreenshotError",
    "SendError",
    "SignatureError",
    "StoreError",
    "TemplateError",
    "TemplateNotFound",
]

#: Exit code for work that failed: a template, a compile, a send, a screenshot, a check.
EXIT_FAILED = 1
#: Exit code for bad input (a file, JSON, an order, a merchant, a pack), as for a usage error.
EXIT_BAD_INPUT = 2


class DelightmailError(Exception):
    """Base class for every error raised by delightmail."""

    #: What the command line exits with when this error ends a command.
    exit_code: ClassVar[int] = EXIT_FAILED


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

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self, problems: Sequence[FieldProblem | Sequence[str]], model: str = "Order"
    ) -> None:
        self.problems = tuple(
            problem if isinstance(problem, FieldProblem) else FieldProblem(*problem)
            for problem in problems
        )
        self.model = model
        # Arguments that make it again (as Celery's result backends do: the class and its
        # args, as JSON): each problem as its (path, message).
        super().__init__([[problem.path, problem.message] for problem in self.problems], model)

    def __str__(self) -> str:
        count = len(self.problems)
        if count == 1:  # one line, as a log or a webhook's answer wants it
            return f"invalid {self.model}: {self.problems[0]}"
        lines = [f"invalid {self.model} ({count} problems):"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


class OrderStatusError(DelightmailError, ValueError):
    """The order's status makes a confirmation untrue: it was refunded, cancelled,
    voided or its payment failed. A webhook receiver skips it (and answers the platform
    with success, since sending it again changes nothing); a caller that wants the email
    anyway asks for it (``any_status=True``, ``--any-status``), and gets one that says
    the status plainly and tells no story.

    :param number: the order's number.
    :param status: its status, such as ``refunded``.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, number: str, status: str) -> None:
        self.number = number
        self.status = status
        super().__init__(number, status)

    def __str__(self) -> str:
        shown = self.status.replace("_", " ")
        return (
            f"order {self.number} is {shown}: a confirmation would not be true of it "
            "(any_status=True, or --any-status, renders it anyway)"
        )


class CurrencyMismatchError(DelightmailError, ValueError):
    """Two amounts in different currencies were combined."""

    exit_code = EXIT_BAD_INPUT


class _AtLine(Exception):
    """What an error about one line of one file says: ``file, line 3: what``."""

    #: What the message calls a file it has no name for.
    unnamed = "<file>"

    def __init__(
        self, message: str, filename: str | None = None, lineno: int | None = None
    ) -> None:
        self.message = message
        self.filename = filename
        self.lineno = lineno
        super().__init__(message, filename, lineno)

    def __str__(self) -> str:
        where = self.filename or self.unnamed
        if self.lineno is not None:
            where = f"{where}, line {self.lineno}"
        return f"{where}: {self.message}"


class TemplateError(_AtLine, DelightmailError):
    """A template is broken or failed while rendering.

    :param message: what went wrong.
    :param filename: the template file, when known.
    :param lineno: the 1-based line in that file, when known.
    """

    exit_code = EXIT_FAILED
    unnamed = "<template>"


class TemplateNotFound(TemplateError, LookupError):
    """No template of that name exists in any template folder."""


class CompileError(TemplateError):
    """MJML or premailer lost, moved or mangled a template tag while compiling."""


class PackError(DelightmailError, ValueError):
    """A story pack is broken: bad TOML, bad Jinja, or a line the sandbox refuses.

    :param message: what is wrong.
    :param where: the file and entry, such as ``playful.toml: lines.opening[3]``.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(message, where)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class CatalogError(_AtLine, DelightmailError, ValueError):
    """A translation catalog (a ``.po`` file of yours) is broken or unsafe to use.

    :param message: what is wrong, naming the message (msgid) when it is about one.
    :param filename: the ``.po`` file.
    :param lineno: the 1-based line in that file, when known.
    """

    exit_code = EXIT_BAD_INPUT
    unnamed = "<catalog>"


class MessageError(DelightmailError, ValueError):
    """An email message could not be built (bad address, header injection attempt)."""

    exit_code = EXIT_BAD_INPUT


class SignatureError(DelightmailError, ValueError):
    """A webhook's signature is missing, malformed or does not match its body: the request
    cannot be shown to come from the platform, so nothing in it may be used.

    The message says what is wrong and names the header (``missing X-Shopify-Hmac-Sha256
    header``, ``Saleor-Signature: no key with kid '2'``), and never the secret or the
    signature that was expected. A receiver answers it with 401, and logs it.

    :param message: what is wrong with the signature.
    :param platform: the platform the request claims to come from: ``shopify``,
        ``woocommerce`` or ``saleor``.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, platform: str) -> None:
        self.message = message
        self.platform = platform
        super().__init__(message, platform)

    def __str__(self) -> str:
        return f"{self.platform}: {self.message}"


class InputError(DelightmailError, ValueError):
    """A file or value given to delightmail is missing, unreadable or not what it should be
    (a JSON order, a merchant file, an output folder, a ``--smtp HOST:PORT``)."""

    exit_code = EXIT_BAD_INPUT


class SendError(DelightmailError, OSError):
    """The SMTP server could not be reached or refused the message.

    :param message: what went wrong, naming the server.
    :param code: the server's SMTP reply code, when it gave one (``550``, ``451``...).
    """

    exit_code = EXIT_FAILED

    def __init__(self, message: str, code: int | None = None) -> None:
        self.message = message
        self.code = code
        super().__init__(message)
        self.args = (message, code)  # what makes it again; OSError's own are (errno, text)

    def __str__(self) -> str:
        return self.message

    @property
    def transient(self) -> bool:
        """Whether trying again later may work: the server was not reached, or it answered
        with a temporary (4xx) reply. A permanent (5xx) reply, such as "no such mailbox" or
        a refused login, needs someone to change something first."""
        return self.code is None or 400 <= self.code < 500


class StoreError(DelightmailError, OSError):
    """The store of sent records (:mod:`delightmail.records`) could not be reached or
    refused the operation; worth trying again."""

    exit_code = EXIT_FAILED


class ScreenshotError(DelightmailError, RuntimeError):
    """No browser to take the screenshot with, or the browser failed."""

    exit_code = EXIT_FAILED


class CheckerError(DelightmailError, RuntimeError):
    """An external checker (node, SpamAssassin, Chromium) failed, timed out or said nonsense.

    A checker that is not installed is not an error (its check says what to
    install); one that is there and fails is.

    :param message: what went wrong, with the tool's own last words when it had any.
    :param tool: the checker, such as ``spamassassin`` or ``doiuse-email``.
    """

    exit_code = EXIT_FAILED

    def __init__(self, message: str, tool: str) -> None:
        self.message = message
        self.tool = tool
        super().__init__(message, tool)

    def __str__(self) -> str:
        return f"{self.tool}: {self.message}"
