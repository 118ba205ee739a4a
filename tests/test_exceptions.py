"""Every error in one module, each carrying the exit code the command line ends with."""

from __future__ import annotations

import inspect
import json
import pickle

import pytest

import delightmail
from delightmail import _files, exceptions, screenshot, sending
from delightmail.exceptions import (
    CatalogError,
    CheckerError,
    CompileError,
    CurrencyMismatchError,
    DelightmailError,
    FieldProblem,
    InputError,
    MessageError,
    OrderStatusError,
    OrderValidationError,
    PackError,
    ScreenshotError,
    SendError,
    SignatureError,
    StoreError,
    TemplateError,
    TemplateNotFound,
)

#: One instance of each error, with the exit code it must carry and the stdlib type a
#: caller may already catch it as.
ERRORS: dict[str, tuple[DelightmailError, int, type[Exception]]] = {
    "input": (InputError("orders.json: no such file"), 2, ValueError),
    "order": (OrderValidationError([FieldProblem("lines[0].quantity", "too many")]), 2, ValueError),
    "currency": (CurrencyMismatchError("cannot add USD and EUR"), 2, ValueError),
    "message": (MessageError("recipient 'x' is not a valid email address"), 2, ValueError),
    "pack": (PackError("unknown slot", "mine.toml: lines.encore"), 2, ValueError),
    "catalog": (CatalogError("'%(name)s' is missing", "fr/delightmail.po", 12), 2, ValueError),
    "template": (TemplateError("unexpected end", "email.txt.j2", 3), 1, Exception),
    "template-not-found": (TemplateNotFound("no template named 'nope'"), 1, LookupError),
    "compile": (CompileError("MJML dropped a tag", "email.mjml.j2", 7), 1, Exception),
    "send": (SendError("localhost:25 refused the message"), 1, OSError),
    "send-code": (SendError("localhost:25 refused the message: 451 later", 451), 1, OSError),
    "store": (StoreError("Redis: Connection refused"), 1, OSError),
    "screenshot": (ScreenshotError("no Chromium found"), 1, RuntimeError),
    "checker": (CheckerError("no answer in 120 s", "spamassassin"), 1, RuntimeError),
    "signature": (SignatureError("missing X-Shopify-Hmac-Sha256 header", "shopify"), 2, ValueError),
    "status": (OrderStatusError("1001", "refunded"), 2, ValueError),
}


@pytest.mark.parametrize(("error", "code", "stdlib"), ERRORS.values(), ids=ERRORS.keys())
def test_each_error_carries_its_exit_code(
    error: DelightmailError, code: int, stdlib: type[Exception]
) -> None:
    """Bad input exits 2, work that failed exits 1: the class says which, not the CLI."""
    assert isinstance(error, DelightmailError) and isinstance(error, stdlib)
    assert type(error).exit_code == error.exit_code == code


def test_every_error_class_has_decided_its_exit_code() -> None:
    """Each DelightmailError in delightmail.exceptions is in the table above: a new one
    cannot inherit an exit code by accident."""
    classes = {
        cls
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, DelightmailError) and cls is not DelightmailError
    }
    assert classes == {type(error) for error, _, _ in ERRORS.values()}
    assert DelightmailError.exit_code == exceptions.EXIT_FAILED == 1
    assert exceptions.EXIT_BAD_INPUT == 2


@pytest.mark.parametrize(("error", "code", "stdlib"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_survive_a_worker_process(
    error: DelightmailError, code: int, stdlib: type[Exception]
) -> None:
    """An error pickles and unpickles whole (message and context), as from a batch worker."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert copy.exit_code == code


@pytest.mark.parametrize(("error", "code", "stdlib"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_made_again_from_their_args(
    error: DelightmailError, code: int, stdlib: type[Exception]
) -> None:
    """What a Celery result backend keeps of an error is its class and its args (as JSON):
    the class called with them again says the same."""
    args = json.loads(json.dumps(error.args))
    copy = type(error)(*args)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_checker_error_names_the_tool() -> None:
    """A CheckerError says which tool failed, apart and in its message."""
    error = CheckerError("no answer in 120 s", "spamassassin")
    assert (error.tool, error.message) == ("spamassassin", "no answer in 120 s")
    assert str(error) == "spamassassin: no answer in 120 s"


def test_signature_error_names_the_platform() -> None:
    """A SignatureError says which platform's signature failed, apart and in its message."""
    error = SignatureError("missing Saleor-Signature header", "saleor")
    assert (error.platform, error.message) == ("saleor", "missing Saleor-Signature header")
    assert str(error) == "saleor: missing Saleor-Signature header"


@pytest.mark.parametrize(
    ("module", "name"),
    [(_files, "InputError"), (sending, "SendError"), (screenshot, "ScreenshotError"),
     (delightmail, "InputError"), (delightmail, "CheckerError")],
    ids=["_files", "sending", "screenshot", "facade-input", "facade-checker"],
)  # fmt: skip
def test_errors_are_still_importable_where_they_were(module: object, name: str) -> None:
    """An error that moved to delightmail.exceptions is the same class at its old address."""
    assert getattr(module, name) is getattr(exceptions, name)
