"""Helpers shared by the platform adapters: reading a payload with field paths.

Every adapter reads a platform's JSON through :class:`Node`, which knows where
in the payload it is, so a problem names its field (``line_items[0].price``)
and what to do about it. Money is read with :class:`~decimal.Decimal`, never
through ``float``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeVar

from babel import Locale, UnknownLocaleError

from ..exceptions import FieldProblem, OrderValidationError
from ..models import check_email

__all__ = [
    "Node",
    "Warnings",
    "email_or_none",
    "fail",
    "humanize",
    "last4",
    "load_payload",
    "locale_or_none",
    "not_an_envelope",
    "not_an_order",
    "parse_datetime",
    "plain_text",
    "property_value",
    "read_datetime",
    "shipping_kind",
    "short_reference",
    "soft",
    "soft_child",
    "soft_flag",
    "soft_text",
    "to_decimal",
]

# A tag: "<" up to the next ">", never over another "<" (which keeps the match
# linear: 40 KB of "<" is one pass, not 40,000 of them).
_TAG = re.compile(r"<[^<>]+>")


def fail(platform: str, path: str, message: str) -> NoReturn:
    """Raise :class:`OrderValidationError` for one field of a *platform* payload."""
    raise OrderValidationError([FieldProblem(path, message)], model=f"{platform} order")


def plain_text(value: str) -> str:
    """Decode HTML entities (``&ndash;`` → ``–``) and drop tags; the templates escape on output."""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def to_decimal(value: Any) -> Decimal | None:
    """*value* as an exact ``Decimal``, or ``None`` when it is not a finite number.

    A float goes through ``str`` first, so ``0.1`` stays ``0.1`` rather than
    ``0.1000000000000000055511151231257827``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 40 or "_" in text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite():
        return None
    # Nothing an order holds needs more: a hostile "1e999999" is refused here,
    # before any arithmetic (or int()) makes it expensive.
    exponent = number.as_tuple().exponent
    if number.adjusted() >= 13 or (isinstance(exponent, int) and exponent < -28):
        return None
    return number


@dataclass(frozen=True)
class Node:
    """One JSON object of a platform payload, with its path for error messages."""

    data: Mapping[str, Any]
    platform: str
    path: str = ""

    def at(self, key: str | int) -> str:
        """The path of *key* inside this object."""
        return _join(self.path, key)

    def fail(self, key: str | int, message: str) -> NoReturn:
        fail(self.platform, self.at(key), message)

    def has(self, key: str) -> bool:
        """Whether *key* is there and not null."""
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str) -> str | None:
        """A text field, entities decoded; ``None`` when missing, null or blank."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
            self.fail(key, f"expected text, got {type(value).__name__}")
        text = plain_text(str(value))
        return text or None

    def require_text(self, key: str) -> str:
        text = self.text(key)
        if text is None:
            self.fail(key, "missing")
        return text

    def decimal(self, key: str) -> Decimal | None:
        """A number (string, int, float or Decimal) as ``Decimal``; ``None`` when missing."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        number = to_decimal(value)
        if number is None:
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            self.fail(key, f"{shown} is not a number of at most 13 digits")
        return number

    def require_decimal(self, key: str) -> Decimal:
        number = self.decimal(key)
        if number is None:
            self.fail(key, "missing")
        return number

    def quantity(self, key: str = "quantity") -> Decimal:
        """A quantity: a number more than 0 (a line of 0 divides by nothing)."""
        number = self.require_decimal(key)
        if number <= 0:
            self.fail(key, f"must be more than 0, got {number}")
        return number

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no"}:
            return value.strip().lower() in {"true", "yes"}
        self.fail(key, f"expected true or false, got {value!r}")

    def child(self, key: str) -> Node | None:
        """A nested object, or ``None`` when missing, null or an empty list (PHP's empty ``[]``)."""
        value = self.data.get(key)
        if value is None or value == [] or value == "":
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"expected an object, got {type(value).__name__}")
        return Node(value, self.platform, self.at(key))

    def require_child(self, key: str) -> Node:
        node = self.child(key)
        if node is None:
            self.fail(key, "missing")
        return node

    def children(self, key: str, *, required: bool = False) -> list[Node]:
        """A list of objects; ``[]`` when missing or null (unless *required*)."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "missing")
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}")
        nodes = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.fail(key, f"item {index} is a {type(item).__name__}, expected an object")
            nodes.append(Node(item, self.platform, _join(self.at(key), index)))
        return nodes

    def items(self) -> Iterator[tuple[str, Any]]:
        yield from self.data.items()


def parse_payload(payload: Any, platform: str) -> Any:
    """*payload* parsed if it is JSON text or bytes (numbers with a fraction as ``Decimal``),
    else as it is; every failure an :class:`OrderValidationError` naming *platform*."""
    if isinstance(payload, bytes | bytearray):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            fail(platform, "", f"not UTF-8 text (byte {exc.start}), so not JSON")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload, parse_float=Decimal)
        except ValueError as exc:
            fail(platform, "", f"not valid JSON: {exc}")
        except RecursionError:
            fail(platform, "", "not an order: JSON nested too deeply to read")
    return payload


def load_payload(payload: Any, platform: str, *, one_of_list: bool = False) -> Mapping[str, Any]:
    """*payload* as a mapping: JSON text is parsed with ``Decimal`` for numbers.

    :param one_of_list: accept a list holding exactly one object, and return that object.
    """
    payload = parse_payload(payload, platform)
    if one_of_list and isinstance(payload, list):
        if len(payload) != 1:
            fail(platform, "", f"expected one order, got a list of {len(payload)}")
        payload = payload[0]
    if not isinstance(payload, Mapping):
        fail(platform, "", f"expected a JSON object, got {type(payload).__name__}")
    return payload


def not_an_order(platform: str, path: str, what: str, payload: Mapping[str, Any]) -> NoReturn:
    """Reject a payload that is not a *platform* order, with a hint when it looks like another."""
    hint = _guess_platform(payload)
    message = f"missing; this is not a {platform} order ({what})"
    if hint and hint != platform:
        message += f"; it looks like a {hint} payload"
    fail(platform, path, message)


def _guess_platform(payload: Mapping[str, Any]) -> str | None:
    body: Any = payload
    for key in ("order", "data"):
        inner = body.get(key) if isinstance(body, Mapping) else None
        if isinstance(inner, Mapping):
            body = inner
    if not isinstance(body, Mapping):
        return None
    if "line_items" in body and ("total_price" in body or "total_price_set" in body):
        return "Shopify"
    if "line_items" in body and "total" in body and "prices_include_tax" in body:
        return "WooCommerce"
    if isinstance(body.get("lines"), list) and (
        isinstance(body.get("total"), Mapping) or "total_gross_amount" in body
    ):
        return "Saleor"
    if isinstance(body.get("object"), str):
        return "Stripe"
    return None


class Warnings(list[str]):
    """What an adapter could not read and replaced with a fallback, one sentence each,
    naming the field: it becomes :attr:`~delightmail.models.Order.warnings`."""

    def add(self, path: str, message: str) -> None:
        text = f"{path}: {message}" if path else message
        if text not in self and len(self) < 100:
            self.append(text)


_T = TypeVar("_T")


def soft(warnings: Warnings, read: Callable[..., _T], *args: Any) -> _T | None:
    """``read(*args)`` for a field that is not essential: one that cannot be read is a
    warning naming it, and ``None`` (the caller falls back)."""
    try:
        return read(*args)
    except OrderValidationError as exc:
        problem = exc.problems[0]
        warnings.add(problem.path, f"{problem.message}; not used")
        return None


def soft_text(node: Node | None, key: str, warnings: Warnings) -> str | None:
    """A text field that is not essential (:func:`soft`)."""
    return None if node is None else soft(warnings, node.text, key)


def soft_flag(node: Node | None, key: str, warnings: Warnings) -> bool | None:
    """A true-or-false field that is not essential; ``None`` when missing (:func:`soft`)."""
    if node is None or not node.has(key):
        return None
    return soft(warnings, node.flag, key)


def soft_child(node: Node | None, key: str, warnings: Warnings) -> Node | None:
    """A nested object that is not essential (:func:`soft`)."""
    return None if node is None else soft(warnings, node.child, key)


def email_or_none(text: str | None, path: str, warnings: Warnings) -> str | None:
    """*text* when it is an email address; else ``None``, and a warning when it was text."""
    if text is None:
        return None
    try:
        return check_email(text)
    except ValueError:
        warnings.add(path, f"{text[:60]!r} is not an email address; not used")
        return None


def not_an_envelope(platform: str, payload: Any, accepted: tuple[str, ...]) -> NoReturn:
    """Reject a body that is no envelope *platform* sends, naming what it saw and what is
    accepted, on one line."""
    if isinstance(payload, Mapping):
        keys = [str(k) for k in list(payload)[:8]]
        more = ", …" if len(payload) > 8 else ""
        seen = "an object with " + (f"keys {', '.join(keys)}{more}" if keys else "no keys")
        hint = _guess_platform(payload)
        if hint and hint != platform:
            seen += f" (it looks like a {hint} payload)"
    elif isinstance(payload, list):
        seen = f"a list of {len(payload)}"
    else:
        seen = type(payload).__name__
    fail(platform, "", f"got {seen}; expected {' or '.join(accepted)}")


_GRAPHQL_ID = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$")


def short_reference(value: str) -> str:
    """A short, stable reference for an order that has only an internal id.

    A GraphQL global id (base64 of ``Order:<uuid>``) gives the first eight hex
    digits of its UUID; a UUID the same; any other id longer than 12 characters
    eight characters of its hash. Always upper case, so that no part of the email
    that sets the number in capitals changes it.
    """
    text = value.strip()
    if _GRAPHQL_ID.match(text) and len(text) % 4 == 0:
        try:
            decoded = base64.b64decode(text, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            text = decoded.split(":", 1)[1]
    if _UUID.match(text):
        return text.replace("-", "")[:8].upper()
    if len(text) <= 12 and text.isalnum():
        return text.upper()
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=5).digest()
    return base64.b32encode(digest).decode("ascii")


def parse_datetime(node: Node, key: str, *, naive_is_utc: bool = False) -> datetime | None:
    """An ISO 8601 timestamp; ``None`` when missing or blank.

    :param naive_is_utc: read a timestamp without an offset as UTC (WooCommerce's
        ``*_gmt`` fields); otherwise such a timestamp is an error, since the
        email would show the wrong time.
    """
    text = node.text(key)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        node.fail(key, f"{text!r} is not an ISO 8601 date and time")
    if moment.tzinfo is None:
        if not naive_is_utc:
            node.fail(key, f"{text!r} has no UTC offset")
        moment = moment.replace(tzinfo=UTC)
    return moment


def read_datetime(
    node: Node, key: str, warnings: Warnings, *, naive_is_utc: bool = False
) -> datetime | None:
    """:func:`parse_datetime`, but a date that cannot be read is a warning and ``None``
    (the caller falls back to the next date, then to the time received)."""
    try:
        return parse_datetime(node, key, naive_is_utc=naive_is_utc)
    except OrderValidationError as exc:
        warnings.add(node.at(key), f"{exc.problems[0].message}; not used")
        return None


def locale_or_none(value: str | None) -> str | None:
    """A platform's language code (``zh-TW``, ``EN``, ``PT_BR``) as a Babel locale name.

    An unknown code gives ``None``: the email then uses the merchant's
    language, which beats rejecting the order.
    """
    if not value:
        return None
    try:
        locale = Locale.parse(value.strip().replace("-", "_"), sep="_")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return str(locale)


def last4(value: str | None) -> str | None:
    """The last four digits of a masked card number (``XXXX-XXXX-XXXX-4242``), if it has them."""
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    return digits[-4:] if len(digits) >= 4 else None


def property_value(value: Any) -> str | None:
    """A line property's value as text; ``None`` for nothing or a nested object.

    A nested object is a form-parsing accident (a label with quotes in it),
    not something the customer typed, so it is not shown.
    """
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str | int | float | Decimal):
        return plain_text(str(value)) or None
    return None


def humanize(value: str | None) -> str | None:
    """A machine name (``shopify_payments``) as words (``Shopify payments``)."""
    if not value:
        return None
    words = value.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else None


def shipping_kind(title: str | None) -> str:
    """Guess the kind of shipping from its title, ``standard`` when nothing says otherwise."""
    lowered = (title or "").lower()
    if any(word in lowered for word in ("pickup", "pick up", "pick-up", "collect")):
        return "pickup"
    if "local delivery" in lowered:
        return "local_delivery"
    if any(word in lowered for word in ("express", "overnight", "next day")):
        return "express"
    return "standard"
