"""The order, as delightmail sees it: pydantic v2 models with ``Decimal`` money.

The models describe what a real order confirmation needs, close to what
Shopify's default order-confirmation template shows. They validate what a
user can act on: totals must reconcile to the currency's minor unit, all
money in an order shares its currency, quantities are positive, URLs are
http(s) and email addresses are real addresses.

Money fields inside an :class:`Order` accept a bare amount (``"12.50"``) and
take the order's currency, so a hand-written order stays short::

    Order.model_validate({
        "number": "1001",
        "placed_at": "2026-11-22T10:15:00+01:00",
        "currency": "EUR",
        "lines": [{"name": "Blue Train", "quantity": 1, "unit_price": "24.00"}],
        "total": "24.00",
        "customer": {"first_name": "Ada"},
    })
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from itertools import repeat
from operator import itemgetter
from typing import Annotated, Any, Generic, Literal, Self, TypeVar, get_args, overload
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from .colors import DarkTheme, dark_theme
from .exceptions import CurrencyMismatchError, FieldProblem, OrderValidationError
from .i18n import babel_locale
from .links import utm_name

__all__ = [
    "CHARGE_KINDS",
    "CONFIRMED_STATUSES",
    "DELIVERIES",
    "STATUSES",
    "TONES",
    "Address",
    "Customer",
    "Discount",
    "Fulfillment",
    "GiftCardPayment",
    "LineDiscount",
    "LineItem",
    "Localized",
    "Merchant",
    "Money",
    "Order",
    "OrderStatus",
    "Payment",
    "Property",
    "Shipping",
    "Signer",
    "TaxLine",
    "Theme",
    "Tone",
    "Voice",
    "check_email",
    "goods",
    "localized",
    "validate_order",
]


# -- field types -------------------------------------------------------------


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def _minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def _check_currency(code: str) -> str:
    code = code.strip().upper()
    if code not in _currencies():
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (such as USD, EUR, JPY)")
    return code


#: The largest amount or quantity an order may hold (a trillion), and the most
#: decimal places it may have: beyond these a number means nothing, and costs
#: arithmetic a hostile value could make expensive (``1e30000000``).
MAX_INTEGER_DIGITS = 13
MAX_DECIMAL_PLACES = 28  # the precision of the decimal context: what a division gives
#: A plain decimal number (no exponent, no underscores, no spaces inside, at
#: least one digit): its significant whole digits, and its decimal places.
_DECIMAL_TEXT = re.compile(r"[+-]?(?=\.?[0-9])0*([0-9]*)(?:\.([0-9]*))?")


def _bounded_decimal(value: Any, what: str = "amount") -> Any:
    """*value* checked for size before any arithmetic: a float is refused (it has
    already lost the cents it was meant to carry), text must be a plain number,
    and no number may pass :data:`MAX_INTEGER_DIGITS` or :data:`MAX_DECIMAL_PLACES`."""
    if isinstance(value, float):
        raise ValueError(
            f"{what} must be a string or Decimal, not a float "
            "(parse JSON with json.loads(..., parse_float=Decimal))"
        )
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not true or false")
    if isinstance(value, str):
        # Sized from its digits, before it becomes a number (the common case).
        text = value.strip()
        match = _DECIMAL_TEXT.fullmatch(text) if len(text) <= 40 else None
        if match is None:
            raise ValueError(f"{what} {value[:40]!r} is not a plain decimal number such as 12.50")
        whole, places = match.group(1), match.group(2) or ""
        if len(whole) > MAX_INTEGER_DIGITS:
            raise ValueError(f"{what} is too large (at most {MAX_INTEGER_DIGITS} digits)")
        if len(places) > MAX_DECIMAL_PLACES:
            raise ValueError(f"{what} has more than {MAX_DECIMAL_PLACES} decimal places")
        return Decimal(text)
    if isinstance(value, int):
        if value.bit_length() > 44:  # 2**44 > 10**13
            raise ValueError(f"{what} is too large (at most {MAX_INTEGER_DIGITS} digits)")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be a finite number")
        exponent = value.as_tuple().exponent
        if value.adjusted() >= MAX_INTEGER_DIGITS:
            raise ValueError(f"{what} is too large (at most {MAX_INTEGER_DIGITS} digits)")
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            raise ValueError(f"{what} has more than {MAX_DECIMAL_PLACES} decimal places")
    return value


def _no_float(value: Any) -> Any:
    return _bounded_decimal(value, "money")


class _PlainDecimal:
    """A ``Decimal`` field checked by :func:`_bounded_decimal` alone, in one call:
    pydantic's own decimal validation would check it all over again (a few µs a
    value, thousands of values in a big order). Errors read as pydantic's."""

    def __init__(self, what: str, *, gt: int | None = None, le: int | None = None) -> None:
        self.what = what
        self.gt = None if gt is None else Decimal(gt)
        self.le = None if le is None else Decimal(le)

    def validate(self, value: Any) -> Decimal:
        value = _bounded_decimal(value, self.what)
        if isinstance(value, int):
            value = Decimal(value)
        if not isinstance(value, Decimal):
            raise PydanticCustomError(
                "decimal_type",
                "Decimal input should be an integer, float, string or Decimal object",
            )
        if self.gt is not None and not value > self.gt:
            raise PydanticCustomError(
                "greater_than", "Input should be greater than {gt}", {"gt": self.gt}
            )
        if self.le is not None and not value <= self.le:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": self.le}
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return core_schema.no_info_plain_validator_function(
            self.validate,
            json_schema_input_schema=core_schema.decimal_schema(gt=self.gt, le=self.le),
            serialization=core_schema.to_string_ser_schema(when_used="json-unless-none"),
        )


def _count(value: Any) -> Any:
    """A whole count (``previous_orders``), checked for size before it is converted."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    if not isinstance(value, int | str | Decimal):
        return value  # pydantic names the wrong type
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,7}", value.strip()):
        raise ValueError(f"{value[:20]!r} is not a whole number up to a million")
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -6 or value.adjusted() > 6:
            raise ValueError("must be a whole number up to a million")
    if isinstance(value, int) and value.bit_length() > 32:
        raise ValueError("must be a whole number up to a million")
    return value


#: The dates an order may be placed on: any later one, in any time zone, would
#: not survive arithmetic on the calendar.
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _date_text(value: Any) -> Any:
    # A number would be read as a Unix timestamp: an order's date is written out.
    if not isinstance(value, str | datetime) or (isinstance(value, str) and len(value) > 40):
        raise ValueError(
            "must be an ISO 8601 date and time with a time zone, such as 2026-11-22T10:15:00+01:00"
        )
    return value


def _sane_date(value: datetime) -> datetime:
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError("must be a date between 1970 and 2200")
    return value


def _check_locale(value: str) -> str:
    try:
        Locale.parse(value.replace("-", "_"))
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(f"{value!r} is not a known locale (such as en, en_GB, de)") from exc
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not an IANA time zone (such as Europe/Berlin)") from exc
    return value


# C0 and C1 control characters (but the tab and line breaks) and the noncharacters
# U+FFFE/U+FFFF: nothing a reader can see, nothing MJML or a mail client takes.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _clean(value: Any) -> Any:
    """A text without control characters; its line breaks written ``\\n``."""
    if isinstance(value, str):
        if value.isprintable():  # the usual text, checked in C: no control character
            return value
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROLS.sub("", value)
    return value


def _shows_nothing(text: str) -> bool:
    """Whether *text* has nothing to see: only spaces and control or format characters
    (a zero-width space, a stray NUL), which a template would print as an empty section."""
    if text.isprintable():  # no control, format or separator character but the space
        return not text.strip()
    return all(char.isspace() or unicodedata.category(char)[0] == "C" for char in text)


def _strip_or_none(value: Any) -> Any:
    # An optional text that shows nothing is no text: the gift message, the note
    # and the story's facts all agree that it is absent.
    if isinstance(value, str):
        if value.isprintable():  # the usual text: clean, and shows nothing only if empty
            return value.strip() or None
        value = _clean(value).strip()
        return None if _shows_nothing(value) else value
    return value


_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def _check_color(value: str) -> str:
    if not _HEX_COLOR.match(value):
        raise ValueError(f"{value!r} is not a hex colour such as #1a73e8")
    return value.lower()


def _check_localized(value: str | dict[str, str]) -> str | dict[str, str]:
    if isinstance(value, str):
        return str(_clean(value))
    if not value:
        raise ValueError("a table of translations needs at least one language, such as {'en': ...}")
    table: dict[str, str] = {}
    for key, text in value.items():
        _check_locale(key)
        words = " ".join(_clean(text).split())
        if not words:
            raise ValueError(f"the {key!r} text is empty")
        table[babel_locale(key)] = words
    return table


def localized(
    value: str | Mapping[str, str] | None, locale: str, *, exact: bool = False
) -> str | None:
    """The text of *value* for *locale*: a plain string as it is; from a table of
    translations the locale's own (``de_AT``), its language's (``de``),
    English's, or else the first one.

    :param exact: from a table, only the locale's own or its language's text, else
        ``None``: words that stand in a sentence (a role, the team), which would
        otherwise put another language into the email.

    >>> localized({"en": "founder", "de": "Gründerin"}, "de_AT")
    'Gründerin'
    >>> localized({"en": "founder", "de": "Gründerin"}, "fr", exact=True) is None
    True
    """
    if value is None or isinstance(value, str):
        return value
    name = babel_locale(locale)
    for key in (name, name.split("_")[0]):
        if key in value:
            return value[key]
    if exact:
        return None
    return value["en"] if "en" in value else next(iter(value.values()))


# The usual address, which email_validator takes as it is but for a lower-case domain:
# ASCII words and dots before the @, a host name with a top-level domain of letters.
# Taken here without importing email_validator (tens of milliseconds of patterns):
# tests/test_models.py holds this to what email_validator says of the same address.
# Anything else, a special-use domain (.test, .local...) and IDNA (xn--) among them,
# is email_validator's to judge.
_PLAIN_EMAIL = re.compile(
    r"(?=[^@]{1,64}@)[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?=.{4,253}$)(?:(?!..--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    re.ASCII,
)
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def _plain_email(value: str) -> str | None:
    """*value* normalized, when it is a plain address; ``None`` for email_validator."""
    if len(value) > 254 or not _PLAIN_EMAIL.fullmatch(value):
        return None
    local, _, domain = value.rpartition("@")
    domain = domain.lower()
    if domain.rpartition(".")[2] in _SPECIAL_USE:
        return None
    return f"{local}@{domain}"


@lru_cache(maxsize=65536)
def check_email(value: str) -> str:
    """A real email address, normalized (``Ada@Example.COM`` → ``Ada@example.com``).

    email_validator is imported here, on the first address that is not plain, not with
    the models.
    """
    plain = _plain_email(value)
    if plain is not None:
        return plain
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


def _email_text(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 320:  # RFC 5321's longest address
        raise ValueError("value is not a valid email address: longer than 320 characters")
    return value


_SPACE = re.compile(r"\s")
# The usual URL, already as a browser would write it: lower-case scheme and host,
# a path. Taken as it is; anything else goes through urlsplit.
_PLAIN_URL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?/[^\s]*")


class WebUrl(str):
    """An http(s) URL: text, with its :attr:`host`.

    Checked and normalised the way browsers read it (scheme and host in lower
    case, an international host in punycode, ``/`` for an empty path), by the
    standard library: cheaper than a model per URL, and nothing to import.
    """

    __slots__ = ()

    @property
    def host(self) -> str:
        """``groove-harbor.example.com`` (no port, no credentials)."""
        return urlsplit(self).hostname or ""

    @classmethod
    def parse(cls, value: Any) -> WebUrl:
        if not isinstance(value, str):
            raise ValueError("URL must be text such as https://shop.example/")
        text = value.strip()
        if len(text) > 2048 or not text.isprintable() or _SPACE.search(text):
            raise ValueError("URL must be one line without spaces, at most 2,048 characters")
        if _PLAIN_URL.fullmatch(text) and "@" not in text.partition("/")[2].partition("/")[0]:
            return cls(text)
        try:
            parts = urlsplit(text)
            host = parts.hostname
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"not a valid URL: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not host:
            raise ValueError("URL must start with http:// or https:// and name a host")
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise ValueError(f"URL host {host!r} is not a valid name") from None
        netloc = host if port is None else f"{host}:{port}"
        if parts.username is not None:
            raise ValueError("URL must not carry a user name or password")
        return cls(urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment)))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.no_info_plain_validator_function(
            cls.parse,
            json_schema_input_schema=core_schema.str_schema(),
            serialization=core_schema.to_string_ser_schema(),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "maxLength": 2048}


CurrencyCode = Annotated[str, AfterValidator(_check_currency)]
EmailAddress = Annotated[str, BeforeValidator(_email_text), AfterValidator(check_email)]
Amount = Annotated[Decimal, _PlainDecimal("money")]
Count = Annotated[int, BeforeValidator(_count), Field(ge=0, le=1_000_000)]
PlacedAt = Annotated[AwareDatetime, BeforeValidator(_date_text), AfterValidator(_sane_date)]
LocaleName = Annotated[str, AfterValidator(_check_locale)]
TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
#: Any text an order or a merchant carries: without control characters.
Text = Annotated[str, BeforeValidator(_clean)]
OptionalText = Annotated[str | None, BeforeValidator(_strip_or_none)]
Color = Annotated[str, AfterValidator(_check_color)]
#: A merchant's words: one string, or a table of them by language (``{"en": ..., "de": ...}``).
Localized = Annotated[str | dict[str, str], AfterValidator(_check_localized)]
OptionalLocalized = Annotated[Localized | None, BeforeValidator(_strip_or_none)]
Quantity = Annotated[Decimal, _PlainDecimal("quantity", gt=0, le=1_000_000)]


_T = TypeVar("_T")


class _cached_property(Generic[_T]):
    """:func:`functools.cached_property` without the lock Python 3.11 takes on every
    first read: a validated order computes thousands of them (a line's total...)."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> Self | _T:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value  # read from there next time
        return value


class _Model(BaseModel):
    # Every text an order carries is bounded: a name, a note, a product are
    # far shorter than this, and nothing a customer types may cost megabytes.
    # Built on first use, not at import: a process that never validates an
    # order (the CLI's --help) does not pay for the schema.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        str_max_length=5000,
        defer_build=True,
        ignored_types=(_cached_property,),
    )


# A model made from values already valid (an amount computed from others, a line
# checked the short way) is made as pydantic makes it, without validating again:
# through the very descriptors of its slots, which costs less than object.__setattr__.
_new_object = object.__new__
_set_dict = vars(BaseModel)["__dict__"].__set__
_set_fields_set = vars(BaseModel)["__pydantic_fields_set__"].__set__
_set_extra = vars(BaseModel)["__pydantic_extra__"].__set__
_set_private = vars(BaseModel)["__pydantic_private__"].__set__


# -- money -------------------------------------------------------------------


class Money(_Model):
    """An exact amount of money in one ISO 4217 currency.

    Arithmetic between two amounts of different currencies raises
    :class:`~delightmail.exceptions.CurrencyMismatchError`.

    >>> Money(amount=Decimal("1234.56"), currency="EUR").format("de")
    '1.234,56\\xa0€'
    """

    amount: Amount
    currency: CurrencyCode

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in *currency*."""
        return _zero(_check_currency(currency))

    @classmethod
    def _make(cls, amount: Decimal, currency: str) -> Money:
        # Arithmetic results need no validation: a known currency, a Decimal
        # amount. Skipping it keeps big orders fast (a 1,000-line order
        # computes thousands of amounts while it is validated).
        money = _new_object(cls)
        _set_dict(money, {"amount": amount, "currency": currency})
        _set_fields_set(money, _MONEY_SET)
        _set_extra(money, None)
        _set_private(money, None)
        return money

    def _new(self, amount: Decimal) -> Money:
        return Money._make(amount, self.currency)

    @property
    def minor_unit(self) -> Decimal:
        """The smallest amount the currency has: ``0.01`` for EUR, ``1`` for JPY."""
        return _minor_unit(self.currency)

    def rounded(self) -> Money:
        """This amount rounded (half up) to the currency's minor unit."""
        return self._new(self.amount.quantize(self.minor_unit, rounding=ROUND_HALF_UP))

    def format(self, locale: str = "en") -> str:
        """Format for *locale* the way Babel does: ``$1,234.56``, ``1.234,56 €``, ``¥1,235``."""
        return format_currency(self.amount, self.currency, locale=babel_locale(locale))

    def is_zero(self) -> bool:
        return self.rounded().amount == 0

    def _other(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot combine {self.currency} and {other.currency} amounts"
            )
        return other

    def __add__(self, other: object) -> Money:
        return self._new(self.amount + self._other(other).amount)

    def __radd__(self, other: object) -> Money:
        # Lets sum() start from 0.
        if other == 0:
            return self
        return self.__add__(other)

    def __sub__(self, other: object) -> Money:
        return self._new(self.amount - self._other(other).amount)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            return NotImplemented
        return self._new(self.amount * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return self._new(-self.amount)

    def __lt__(self, other: object) -> bool:
        return self.amount < self._other(other).amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._other(other).amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._other(other).amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._other(other).amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


#: The fields every made amount gives, shared (a frozen model never adds to it). A set,
#: as pydantic keeps it: its serializer takes nothing else (``exclude_unset``).
_MONEY_SET = {"amount", "currency"}


@cache
def _zero(currency: str) -> Money:
    return Money._make(Decimal(0).quantize(_minor_unit(currency)), currency)


def _total(currency: str, amounts: Iterable[Money]) -> Money:
    """The sum of *amounts* in *currency*, rounded to its minor unit, made in one step."""
    total = None
    for money in amounts:
        if money.currency != currency:
            raise CurrencyMismatchError(f"cannot combine {currency} and {money.currency} amounts")
        total = money.amount if total is None else total + money.amount
    if total is None:
        return _zero(currency)
    return Money._make(total.quantize(_minor_unit(currency), rounding=ROUND_HALF_UP), currency)


#: The currency of the order being validated: what a bare amount in it is in.
_ORDER_CURRENCY: ContextVar[str | None] = ContextVar("order_currency", default=None)


def _bare_amount(value: Any) -> Any:
    """A bare amount (``"12.50"``) inside an order, as Money in the order's currency."""
    currency = _ORDER_CURRENCY.get()
    if currency is None or isinstance(value, Money | dict | bool) or value is None:
        return value
    return Money._make(Decimal(_no_float(value)), currency)


def _not_negative(money: Money) -> Money:
    if money.amount < 0:
        raise ValueError(
            "must not be negative (a discount, a refund... is written as a positive amount)"
        )
    return money


#: Money that means nothing below zero: a price, a discount, shipping, a tax, a total.
Price = Annotated[Money, BeforeValidator(_bare_amount), AfterValidator(_not_negative)]


# -- people and places -------------------------------------------------------


class Customer(_Model):
    """The person who placed the order. Every field may be missing (a guest, a POS sale)."""

    first_name: OptionalText = None
    last_name: OptionalText = None
    email: EmailAddress | None = None
    previous_orders: Count = Field(default=0, description="Orders placed before this one.")

    @field_validator("email", mode="before")
    @classmethod
    def _empty_email_is_none(cls, value: Any) -> Any:
        return _strip_or_none(value)

    @property
    def full_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or None


# Where the postal code and region go, by country. The default (postal code,
# then town) is the most common across the world; countries that differ are
# listed. Lines are joined from non-empty parts only.
_ADDRESS_LAYOUTS: dict[str, tuple[str, ...]] = {
    "default": ("{postal_code} {city}", "{region}"),
    "US": ("{city}, {region} {postal_code}",),
    "CA": ("{city} {region} {postal_code}",),
    "AU": ("{city} {region} {postal_code}",),
    "GB": ("{city}", "{region}", "{postal_code}"),
    "IE": ("{city}", "{region}", "{postal_code}"),
    "JP": ("〒{postal_code}", "{region}{city}"),
    "CN": ("{region}{city}", "{postal_code}"),
    "KR": ("{region} {city}", "{postal_code}"),
    "BR": ("{city} - {region}", "{postal_code}"),
    "IN": ("{city} {postal_code}", "{region}"),
    "HK": ("{city}", "{region}"),
    "AE": ("{city}", "{region}"),
}
_FIELD = re.compile(r"{(\w+)}")
#: Each layout's lines, with the fields each line has.
_LAYOUT_FIELDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    country: tuple((line, tuple(_FIELD.findall(line))) for line in lines)
    for country, lines in _ADDRESS_LAYOUTS.items()
}
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1024)
def _territory_name(code: str, locale: str) -> str | None:
    try:
        name = Locale.parse(locale).territories.get(code)
    except (ValueError, UnknownLocaleError):
        return None
    return str(name) if name else None


class Address(_Model):
    """A postal address anywhere in the world.

    Nothing is US-shaped: there is no required state or ZIP code, and
    :meth:`lines` lays the address out the way the destination country writes it.
    """

    name: OptionalText = None
    company: OptionalText = None
    address1: OptionalText = None
    address2: OptionalText = None
    city: OptionalText = None
    region: OptionalText = Field(default=None, description="State, province, prefecture...")
    postal_code: OptionalText = None
    country_code: OptionalText = Field(
        default=None, description="ISO 3166-1 alpha-2 code, such as DE", pattern=r"^[A-Z]{2}$"
    )
    country: OptionalText = Field(default=None, description="Country name, if no code is known")
    phone: OptionalText = None

    @field_validator("country_code", mode="before")
    @classmethod
    def _upper_country(cls, value: Any) -> Any:
        value = _strip_or_none(value)
        return value.upper() if isinstance(value, str) else value

    def is_empty(self) -> bool:
        return not any(
            (self.name, self.company, self.address1, self.address2, self.city, self.postal_code)
        )

    def country_name(self, locale: str = "en") -> str | None:
        """The country's name in *locale*, from its code when there is one."""
        if self.country_code:
            return _territory_name(self.country_code, babel_locale(locale)) or (
                self.country or self.country_code
            )
        return self.country

    def lines(self, locale: str = "en", *, include_country: bool = True) -> list[str]:
        """The address as the lines of an envelope, in the destination country's order."""
        out = [part for part in (self.name, self.company, self.address1, self.address2) if part]
        layout = _LAYOUT_FIELDS.get(self.country_code or "", _LAYOUT_FIELDS["default"])
        fields = {
            "city": self.city or "",
            "region": self.region or "",
            "postal_code": self.postal_code or "",
        }
        for pattern, keys in layout:
            # Only fill a line when at least one of its fields is there.
            if any(fields[key] for key in keys):
                line = pattern.format(**fields)
                line = _SPACES.sub(" ", line).strip(" ,-")
                if line and line != "〒":
                    out.append(line)
        country = self.country_name(locale) if include_country else None
        if country:
            out.append(country)
        return out


# -- the order's parts -------------------------------------------------------


class Property(_Model):
    """A customisation on a line: engraving text, a gift-wrap choice..."""

    name: Text
    value: Text


class LineDiscount(_Model):
    """A discount applied to one line only."""

    title: OptionalText = None
    code: OptionalText = None
    amount: Price = Field(description="The discount, as a positive amount.")


#: Kinds of line that are charges, not things bought: a tip, a fee, duties
#: (the platform adapters write them so). The story does not count them.
CHARGE_KINDS = frozenset({"tip", "fee", "duties", "surcharge", "deposit"})


def goods(lines: Sequence[LineItem]) -> Sequence[LineItem]:
    """The lines that are things bought, not charges (a tip, a fee); all of them if
    every line is a charge."""
    # (LineItem.is_charge, without a cached property of each of a big order's lines)
    kept = [line for line in lines if line.kind is None or line.kind.lower() not in CHARGE_KINDS]
    return kept or lines


#: How a line reaches the customer: ``physical`` (a thing that travels, or is
#: collected), ``digital`` (it comes by email or download: an e-book, a gift
#: card's code, an e-ticket) or ``service`` (nothing is sent: a booking, a
#: donation, or a line the platform says does not ship without saying how it
#: arrives).
Fulfillment = Literal["physical", "digital", "service"]


class LineItem(_Model):
    """One line of the order: a product variant, a quantity and its price."""

    name: Text = Field(min_length=1)
    sku: OptionalText = None
    variant: OptionalText = Field(default=None, description="Such as 'Size M / Blue'.")
    kind: OptionalText = Field(
        default=None, description="What it is, for the story: 'record', 'book', 'T-shirt'."
    )
    quantity: Quantity
    unit_price: Price
    discounts: list[LineDiscount] = Field(default_factory=list, max_length=100)
    total: Price | None = Field(
        default=None,
        description="Line total after line discounts; computed when omitted, checked when given.",
    )
    image_url: WebUrl | None = None
    product_url: WebUrl | None = None
    properties: list[Property] = Field(default_factory=list, max_length=100)
    fulfillment: Fulfillment | None = Field(
        default=None,
        description="How it reaches the customer: physical, digital (by email or download) "
        "or service (nothing is sent). When not given, the order says: physical when it has a "
        "shipping method or an address to ship to, digital when it has neither.",
    )

    @_cached_property
    def discount_total(self) -> Money:
        return _total(self.unit_price.currency, (d.amount for d in self.discounts))

    def _computed_amount(self) -> Decimal:
        price = self.unit_price
        amount = price.amount * self.quantity
        if self.discounts:  # (less nothing, rounded, is the same amount)
            amount -= self.discount_total.amount
        return amount.quantize(_minor_unit(price.currency), rounding=ROUND_HALF_UP)

    @_cached_property
    def computed_total(self) -> Money:
        return Money._make(self._computed_amount(), self.unit_price.currency)

    @_cached_property
    def line_total(self) -> Money:
        """The line's total, as given or as computed."""
        return self.total if self.total is not None else self.computed_total

    @_cached_property
    def is_charge(self) -> bool:
        """A tip, a fee or duties: charged on the order, but nothing the customer receives."""
        return self.kind is not None and self.kind.lower() in CHARGE_KINDS

    @_cached_property
    def whole_quantity(self) -> int | None:
        """The quantity as an ``int`` when it is whole, else ``None`` (1.5 kg of coffee)."""
        return int(self.quantity) if self.quantity == self.quantity.to_integral_value() else None

    def _total_problem(self) -> str | None:
        """What does not add up in the line, if anything."""
        if not self.discounts and self.total is None:
            return None  # a price and a quantity, neither negative: nothing to check
        if self.computed_total.amount < 0:
            return (
                f"the line's discounts ({self.discount_total.amount}) are more than "
                f"{self.quantity} × {self.unit_price.amount}"
            )
        if self.total is not None:
            expected = self.computed_total
            if self.total.rounded().amount != expected.amount:
                return (
                    f"line total {self.total.amount} does not match "
                    f"{self.quantity} × {self.unit_price.amount} − discounts "
                    f"{self.discount_total.amount} = {expected.amount}"
                )
        return None

    @model_validator(mode="after")
    def _check_total(self) -> Self:
        if not self.discounts and self.total is None:
            return self  # (the usual line: one call less for each of a big order's lines)
        problem = self._total_problem()
        if problem is not None:
            raise ValueError(problem)
        return self


class Discount(_Model):
    """An order-level discount: a code (``WELCOME10``) or an automatic one."""

    code: OptionalText = None
    title: OptionalText = None
    amount: Price = Field(description="The discount, as a positive amount.")

    @property
    def label(self) -> str:
        return self.code or self.title or "Discount"


ShippingKind = Literal["standard", "express", "pickup", "local_delivery", "digital"]


class Shipping(_Model):
    """How the order travels, and what that costs."""

    method: OptionalText = Field(
        default=None,
        description="Such as 'Standard (3–5 days)'; a pick-up's says where. None when the "
        "platform names no method (the email then names none).",
    )
    amount: Price
    kind: ShippingKind = "standard"
    location: Address | None = Field(
        default=None,
        description="Where a pick-up waits to be collected, when it is not the merchant's "
        "own address (a second shop, a locker).",
    )

    @model_validator(mode="after")
    def _pickup_says_where(self) -> Self:
        if self.kind == "pickup" and self.method is None and self.location is None:
            raise ValueError("a pick-up needs a method or a location: where it is collected")
        return self


class TaxLine(_Model):
    """One tax on the order: VAT 19 %, state tax, ..."""

    title: Text = Field(min_length=1)
    rate: Decimal | None = Field(default=None, ge=0, description="As a fraction: 0.19 for 19 %.")
    amount: Price


class GiftCardPayment(_Model):
    """A gift card used to pay for (part of) the order."""

    last_characters: OptionalText = Field(default=None, max_length=8)
    amount: Price


class Payment(_Model):
    """How the order was paid, as much as may be shown back to the customer."""

    method: OptionalText = Field(default=None, description="Such as 'Credit card' or 'PayPal'.")
    card_brand: OptionalText = None
    card_last4: OptionalText = Field(default=None, pattern=r"^\d{4}$")
    gift_cards: list[GiftCardPayment] = Field(default_factory=list, max_length=50)
    due: Price | None = Field(
        default=None, description="What is still to pay, for an order not paid in full."
    )
    instructions: OptionalText = Field(
        default=None,
        description="How to pay what is due: a bank transfer's details, payment terms "
        "('Net 30: due by 31 December').",
    )


# -- the merchant ------------------------------------------------------------


class Signer(_Model):
    """The real person who signs the email and answers the replies."""

    name: Text = Field(min_length=1)
    role: OptionalLocalized = Field(
        default=None, description="As 'founder', or a table by language: {'en': ..., 'de': ...}."
    )
    email: EmailAddress | None = None
    photo_url: WebUrl | None = None


class Theme(_Model):
    """The merchant's brand colours and type. Defaults meet WCAG AA contrast."""

    brand_color: Color = "#5b3cc4"
    accent_color: Color = "#ff6f61"
    text_color: Color = "#222222"
    muted_color: Color = "#595959"
    background_color: Color = "#f4f1ec"
    card_color: Color = "#ffffff"
    button_text_color: Color = "#ffffff"
    font_family: str = Field(
        default="'Helvetica Neue', Helvetica, Arial, sans-serif",
        pattern=r"^[\w\s,'\"-]+$",
    )

    @property
    def dark(self) -> DarkTheme:
        """The colours for dark mode, derived from these: the same hues on dark surfaces,
        every text at WCAG AA contrast (see :func:`~delightmail.colors.dark_theme`)."""
        return dark_theme(
            brand=self.brand_color,
            accent=self.accent_color,
            text=self.text_color,
            muted=self.muted_color,
            background=self.background_color,
            card=self.card_color,
        )


Tone = Literal["playful", "warm", "plain"]
#: The voices a story can be told in, from most to least playful.
TONES: tuple[Tone, ...] = ("playful", "warm", "plain")


class Voice(_Model):
    """How the merchant's stories sound, and who is in them."""

    tone: Tone = Field(default="playful", description="The default tone; an order may override.")
    formality: Literal["informal", "formal"] | None = Field(
        default=None,
        description="How the emails address the customer where the language has two ways "
        "(German du or Sie). By default formal for the plain tone, informal otherwise.",
    )
    team: OptionalLocalized = Field(
        default=None, description="Who 'we' are, as in 'the whole Groove Harbor crew'."
    )
    packer: OptionalLocalized = Field(
        default=None, description="Who packs the parcels: a named person or a mascot."
    )
    extras: list[Localized] = Field(
        default_factory=list,
        description="Surprises in every parcel, as 'a sticker in the box' "
        "(each one string or a table by language).",
    )

    def formal(self, tone: str) -> bool:
        """Whether emails in *tone* address the customer formally (German Sie)."""
        return self.formality == "formal" if self.formality else tone == "plain"


class Merchant(_Model):
    """The shop that sends the email, and the person behind it."""

    name: Text = Field(min_length=1)
    city: OptionalLocalized = Field(
        default=None,
        description="The merchant's town, for the story; one string or a table by language.",
    )
    country_code: OptionalText = Field(default=None, pattern=r"^[A-Z]{2}$")
    address: Address | None = Field(
        default=None, description="The shop's own address: where a pick-up is collected."
    )
    website: WebUrl | None = None
    logo_url: WebUrl | None = None
    support_email: EmailAddress | None = None
    support_phone: OptionalText = None
    signer: Signer
    theme: Theme = Field(default_factory=Theme)
    voice: Voice = Field(default_factory=Voice)
    timezone: TimeZoneName = Field(default="UTC", description="The merchant's IANA time zone.")
    utm: dict[str, str] | None = Field(
        default=None,
        description="Campaign tags for links to the shop, as {'source': 'delightmail', "
        "'medium': 'email'}.",
    )

    @field_validator("utm")
    @classmethod
    def _known_utm_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value:
            for key in value:
                utm_name(key)  # raises ValueError naming the unknown key
        return value


# -- the order ---------------------------------------------------------------


#: Where an order stands: ``paid`` (or authorised), ``pending`` (placed, the
#: payment to come: a bank transfer, cash on delivery, payment terms),
#: ``partially_paid``, ``partially_refunded``, ``refunded``, ``cancelled``,
#: ``voided`` (an authorisation released) or ``failed`` (the payment failed).
OrderStatus = Literal[
    "paid",
    "pending",
    "partially_paid",
    "partially_refunded",
    "refunded",
    "cancelled",
    "voided",
    "failed",
]
STATUSES: tuple[str, ...] = get_args(OrderStatus)
#: The statuses a confirmation is true of; any other is refused unless asked for
#: (:class:`~delightmail.exceptions.OrderStatusError`).
CONFIRMED_STATUSES = frozenset({"paid", "pending", "partially_paid", "partially_refunded"})
#: How an order reaches the customer, as a whole (:attr:`Order.delivery`): by one
#: of the shipping kinds, ``unnamed`` (it ships, by a method the order does not
#: name), ``digital`` (nothing to ship, all of it by email or download) or
#: ``service`` (nothing to ship, and not all of it by email).
DELIVERIES = ("standard", "express", "local_delivery", "unnamed", "pickup", "digital", "service")


class Order(_Model):
    """An order, ready to be confirmed.

    Totals reconcile: ``lines − discounts + shipping + taxes = total`` to the
    currency's minor unit (taxes are not added again when ``taxes_included``,
    as with VAT-inclusive prices). Every amount is in the order's currency.
    """

    number: Text = Field(min_length=1, description="The order number shown to the customer.")
    placed_at: PlacedAt
    currency: CurrencyCode
    lines: list[LineItem] = Field(min_length=1, max_length=10_000)
    subtotal: Price | None = Field(
        default=None, description="Sum of line totals; computed when omitted, checked when given."
    )
    discounts: list[Discount] = Field(default_factory=list, max_length=100)
    shipping: Shipping | None = None
    taxes: list[TaxLine] = Field(default_factory=list, max_length=100)
    taxes_included: bool = Field(default=False, description="Prices already include the taxes.")
    total: Price
    totals_as_given: bool = Field(
        default=False,
        description="Show the platform's totals as they are, even when they do not add up "
        "(what a webhook receiver does rather than leave an order without its email); "
        "``discrepancy`` then says what does not add up.",
    )
    customer: Customer = Field(default_factory=Customer)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    payment: Payment | None = None
    status_url: WebUrl | None = Field(default=None, description="Where the customer sees it.")
    note: OptionalText = Field(default=None, description="The customer's note to the merchant.")
    gift: bool = False
    gift_message: OptionalText = None
    hide_prices: bool = Field(
        default=False, description="Leave every price out, as on a gift receipt."
    )
    tone: Tone | None = Field(default=None, description="Overrides the merchant's tone.")
    extras: list[Text] = Field(
        default_factory=list,
        max_length=20,
        description="Surprises added to this order only, as 'we upgraded your shipping'.",
    )
    locale: LocaleName | None = Field(default=None, description="The customer's locale.")
    timezone: TimeZoneName | None = Field(default=None, description="The customer's time zone.")
    status: OrderStatus = Field(
        default="paid",
        description="Where the order stands: paid, pending, partially_paid, "
        "partially_refunded, refunded, cancelled, voided or failed. A pending or partly paid "
        "order says so; a refunded, cancelled, voided or failed one is not confirmed unless "
        "asked for.",
    )
    test: bool = Field(default=False, description="A test order: no real payment was taken.")
    warnings: list[Text] = Field(
        default_factory=list,
        max_length=100,
        description="What could not be read from the platform's payload and was replaced by "
        "a fallback (a broken date, an unknown status); never shown in the email.",
    )

    _discrepancy: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _bare_amounts_take_order_currency(cls, data: Any, handler: Any) -> Any:
        # While this order validates, a bare amount anywhere in it is in its
        # currency (see Price): no copy of the order's dicts is made for it.
        currency = data.get("currency") if isinstance(data, dict) else None
        if not isinstance(currency, str):
            return handler(data)
        token = _ORDER_CURRENCY.set(currency.strip().upper())
        try:
            return handler(data)
        finally:
            _ORDER_CURRENCY.reset(token)

    def _money_fields(self) -> Iterator[tuple[str, Money]]:
        yield "total", self.total
        if self.subtotal is not None:
            yield "subtotal", self.subtotal
        for i, line in enumerate(self.lines):
            yield f"lines[{i}].unit_price", line.unit_price
            if line.total is not None:
                yield f"lines[{i}].total", line.total
            for j, ld in enumerate(line.discounts):
                yield f"lines[{i}].discounts[{j}].amount", ld.amount
        for i, d in enumerate(self.discounts):
            yield f"discounts[{i}].amount", d.amount
        if self.shipping is not None:
            yield "shipping.amount", self.shipping.amount
        for i, t in enumerate(self.taxes):
            yield f"taxes[{i}].amount", t.amount
        if self.payment is not None:
            for i, g in enumerate(self.payment.gift_cards):
                yield f"payment.gift_cards[{i}].amount", g.amount
            if self.payment.due is not None:
                yield "payment.due", self.payment.due

    def _amounts(self) -> Iterator[Money]:
        """The amounts of :meth:`_money_fields`, in its order, without their paths."""
        yield self.total
        if self.subtotal is not None:
            yield self.subtotal
        for line in self.lines:
            yield line.unit_price
            if line.total is not None:
                yield line.total
            for ld in line.discounts:
                yield ld.amount
        for d in self.discounts:
            yield d.amount
        if self.shipping is not None:
            yield self.shipping.amount
        for t in self.taxes:
            yield t.amount
        if self.payment is not None:
            for g in self.payment.gift_cards:
                yield g.amount
            if self.payment.due is not None:
                yield self.payment.due

    @model_validator(mode="after")
    def _check_currencies_and_totals(self) -> Self:
        currency = self.currency
        if any(money.currency != currency for money in self._amounts()):
            for path, money in self._money_fields():
                if money.currency != currency:
                    raise ValueError(
                        f"{path} is in {money.currency} but the order is in {currency}; "
                        "every amount of an order must share its currency"
                    )
        problems = list(self._unreconciled())
        if problems and not self.totals_as_given:
            raise ValueError(problems[0])
        self._discrepancy = "; ".join(problems) or None
        return self

    def _unreconciled(self) -> Iterator[str]:
        # (Compared as amounts: each is in the order's currency, checked before.)
        minor = _minor_unit(self.currency)
        computed_subtotal = self.computed_subtotal
        if self.subtotal is not None and (
            self.subtotal.amount.quantize(minor, rounding=ROUND_HALF_UP) != computed_subtotal.amount
        ):
            yield (
                f"subtotal {self.subtotal.amount} does not match the sum of the line totals "
                f"{computed_subtotal.amount} {self.currency}"
            )
        expected = self.computed_total
        total = self.total.amount.quantize(minor, rounding=ROUND_HALF_UP)
        if total != expected.amount:
            taxes = "included" if self.taxes_included else f"{self.tax_total.amount}"
            yield (
                "totals do not add up: subtotal "
                f"{self.line_subtotal.amount} − discounts {self.discount_total.amount}"
                f" + shipping {self.shipping_total.amount} + taxes {taxes}"
                f" = {expected.amount}, but total is {self.total.amount} {self.currency}"
            )
        if self.gift_card_total.amount > total:
            yield (
                f"gift cards pay {self.gift_card_total.amount} but the total is "
                f"{self.total.amount} {self.currency}"
            )

    @property
    def discrepancy(self) -> str | None:
        """What does not add up in an order whose ``totals_as_given`` let it through, with
        the numbers; ``None`` when everything does."""
        return self._discrepancy

    @_cached_property
    def goods(self) -> Sequence[LineItem]:
        """The lines that are things bought, not charges (see :func:`goods`)."""
        return goods(self.lines)

    def fulfillment_of(self, line: LineItem) -> Fulfillment:
        """How *line* reaches the customer: its own ``fulfillment``, else what the order
        says (physical when it has a shipping method or an address to ship to)."""
        if line.fulfillment is not None:
            return line.fulfillment
        return self._unnamed_fulfillment()

    def _unnamed_fulfillment(self) -> Fulfillment:
        """How a line that does not say reaches the customer."""
        if self.shipping is not None:
            return "digital" if self.shipping.kind == "digital" else "physical"
        address = self.shipping_address
        return "physical" if address is not None and not address.is_empty() else "digital"

    @_cached_property
    def fulfillments(self) -> tuple[Fulfillment, ...]:
        """How each of the goods reaches the customer, in order (as :meth:`fulfillment_of`)."""
        unnamed = self._unnamed_fulfillment()
        return tuple(
            [unnamed if line.fulfillment is None else line.fulfillment for line in self.goods]
        )

    @_cached_property
    def delivery(self) -> str:
        """How the order reaches the customer, as a whole: one of :data:`DELIVERIES`.

        It follows from what the goods are: anything physical travels by the
        shipping's kind (``unnamed`` when the order names no method), and an
        order with nothing physical is ``digital`` or ``service``.
        """
        ways = set(self.fulfillments)
        if "physical" in ways:
            shipping = self.shipping
            if shipping is None or shipping.kind == "digital":
                return "unnamed"
            if shipping.method is None and shipping.kind != "pickup":
                return "unnamed"
            return shipping.kind
        return "digital" if ways == {"digital"} else "service"

    @_cached_property
    def parcel(self) -> Sequence[LineItem]:
        """The goods that travel (or are collected); all of them when none do."""
        goods = self.goods
        physical = [
            line for line, way in zip(goods, self.fulfillments, strict=True) if way == "physical"
        ]
        return physical or goods

    @_cached_property
    def is_mixed(self) -> bool:
        """Some goods travel and some come by email or download."""
        return {"physical", "digital"} <= set(self.fulfillments)

    @property
    def confirmed(self) -> bool:
        """Whether a confirmation is true of the order's status (:data:`CONFIRMED_STATUSES`)."""
        return self.status in CONFIRMED_STATUSES

    @property
    def is_gift(self) -> bool:
        """A gift message makes it a gift, whether or not ``gift`` was set."""
        return self.gift or bool(self.gift_message)

    # Derived amounts, all in the order currency and rounded to its minor unit.

    @_cached_property
    def computed_subtotal(self) -> Money:
        # The sum of the lines' line_total, without making a Money of each line's
        # (the email shows a few lines: a 1,000-line order would make 1,000).
        currency = self.currency
        minor = _minor_unit(currency)
        total = None
        for line in self.lines:
            money = line.total if line.total is not None else line.unit_price
            if money.currency != currency:
                raise CurrencyMismatchError(
                    f"cannot combine {currency} and {money.currency} amounts"
                )
            if line.total is not None:
                amount = money.amount
            elif line.discounts:
                amount = line._computed_amount()
            else:  # LineItem._computed_amount, for the usual line
                amount = (money.amount * line.quantity).quantize(minor, rounding=ROUND_HALF_UP)
            total = amount if total is None else total + amount
        if total is None:
            return _zero(currency)
        return Money._make(total.quantize(_minor_unit(currency), rounding=ROUND_HALF_UP), currency)

    @_cached_property
    def line_subtotal(self) -> Money:
        """The subtotal shown on the email: as given, or the sum of the line totals."""
        return (self.subtotal or self.computed_subtotal).rounded()

    @_cached_property
    def discount_total(self) -> Money:
        return _total(self.currency, (d.amount for d in self.discounts))

    @_cached_property
    def shipping_total(self) -> Money:
        return self.shipping.amount.rounded() if self.shipping else _zero(self.currency)

    @_cached_property
    def tax_total(self) -> Money:
        return _total(self.currency, (t.amount for t in self.taxes))

    @_cached_property
    def computed_total(self) -> Money:
        parts = [self.line_subtotal, self.discount_total, self.shipping_total, self.tax_total]
        currency = self.currency
        for part in parts:
            if part.currency != currency:
                raise CurrencyMismatchError(
                    f"cannot combine {currency} and {part.currency} amounts"
                )
        subtotal, discounts, shipping, taxes = (part.amount for part in parts)
        total = subtotal - discounts + shipping
        if not self.taxes_included:
            total += taxes
        return Money._make(total.quantize(_minor_unit(currency), rounding=ROUND_HALF_UP), currency)

    @_cached_property
    def item_count(self) -> Decimal:
        """How many things were bought, all lines together."""
        return sum((line.quantity for line in self.lines), Decimal(0))

    @_cached_property
    def gift_card_total(self) -> Money:
        cards = self.payment.gift_cards if self.payment else []
        return _total(self.currency, (g.amount for g in cards))

    def local_placed_at(self, fallback_timezone: str = "UTC") -> datetime:
        """When the order was placed, in the customer's time zone (or *fallback_timezone*)."""
        return self.placed_at.astimezone(ZoneInfo(self.timezone or fallback_timezone))


# -- validation with errors a user can act on ---------------------------------


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "union[", "json-or-python", "lax-or-strict")):
            # pydantic's internal steps (validators, unions) are not fields.
            continue
        else:
            out += f".{part}" if out else part
    return out


def problems_from(error: ValidationError) -> list[FieldProblem]:
    """Turn pydantic's error into one :class:`FieldProblem` per field.

    Paths read like ``lines[2].quantity``.
    """
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        problems.append(FieldProblem(path=_path(item["loc"]), message=message))
    return problems


# -- the lines of a big order, the short way ---------------------------------
#
# A line as platforms and JSON write it (plain text, amounts as text, money in the
# order's currency, a usual URL) is checked here in one Python call, or a field of
# every line at a time when they give the same fields (:func:`_plain_lines`), and
# built without pydantic: a 1,000-line order costs a fraction of what a model per line,
# a Money model per price and a validator call per field cost. Each check below
# accepts only what the line's own validation accepts, and gives the very same
# value (tests/test_fast_lines.py holds them to it); anything else is left to that
# validation (:meth:`LineItem.model_validate`), and an order with anything wrong is
# validated again the usual way, so that every error is the one it always was.

#: A plain decimal number :func:`_bounded_decimal` takes as it is: at most
#: :data:`MAX_INTEGER_DIGITS` significant whole digits and :data:`MAX_DECIMAL_PLACES`.
_BOUNDED_DECIMAL_TEXT = re.compile(r"[+-]?(?=\.?[0-9])0*[0-9]{0,13}(?:\.[0-9]{0,28})?")
_LINE_FIELDS = frozenset(LineItem.model_fields)
_FULFILLMENTS = frozenset(get_args(Fulfillment))
#: What a short check returns for a value it leaves to the validators.
_DECLINED: Any = object()


#: The amounts and quantities last read from text, as their ``Decimal``: an order's
#: lines say "1" and "24.00" again and again. Bounded: emptied when full.
_DECIMALS: dict[str, Decimal] = {}
_DECIMALS_KEPT = 4096


def _plain_decimal(value: Any) -> Any:
    """The ``Decimal`` a plain amount or quantity is (as :class:`_PlainDecimal` makes it),
    or :data:`_DECLINED`."""
    kind = type(value)
    if kind is str:
        number = _DECIMALS.get(value)
        if number is not None:
            return number
        text = value.strip()
        if len(text) <= 40 and _BOUNDED_DECIMAL_TEXT.fullmatch(text):
            number = Decimal(text)
            if len(value) <= 40:  # a key as short as the number
                if len(_DECIMALS) >= _DECIMALS_KEPT:
                    _DECIMALS.clear()
                _DECIMALS[value] = number
            return number
    elif kind is int:
        if value.bit_length() <= 44:
            return Decimal(value)
    elif kind is Decimal and value.is_finite() and value.adjusted() < MAX_INTEGER_DIGITS:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -MAX_DECIMAL_PLACES:
            return value
    return _DECLINED


#: The prices last read from text, by their text and currency: a price is a frozen
#: value, so lines that say "24.00" share one. Bounded: emptied when full.
_PRICES: dict[tuple[str, str], Money] = {}
_PRICES_KEPT = 4096


def _plain_price(value: Any, currency: str) -> Any:
    """A :data:`Price` in the order's *currency* (a bare amount, or an amount and that
    currency), or :data:`_DECLINED`."""
    kind = type(value)
    text: Any = None
    if kind is dict:
        code = value.get("currency")
        if len(value) != 2 or type(code) is not str or code != currency:
            return _DECLINED
        text = value.get("amount")
    elif kind is str or kind is int or kind is Decimal:
        text = value
    elif kind is Money:
        return value if value.amount >= 0 else _DECLINED
    else:
        return _DECLINED
    key = (text, currency) if type(text) is str and len(text) <= 40 else None
    if key is not None and (money := _PRICES.get(key)) is not None:
        return money
    amount = _plain_decimal(text)
    if amount is _DECLINED or amount < 0:
        return _DECLINED
    money = _new_object(Money)  # as Money._make, one call less for each line
    _set_dict(money, {"amount": amount, "currency": currency})
    _set_fields_set(money, _MONEY_SET)
    _set_extra(money, None)
    _set_private(money, None)
    if key is not None:
        if len(_PRICES) >= _PRICES_KEPT:
            _PRICES.clear()
        _PRICES[key] = money
    return money


def _plain_text(value: Any) -> Any:
    """An :data:`OptionalText` that is printable text or ``None``, or :data:`_DECLINED`."""
    if value is None:
        return None
    if type(value) is str and value.isprintable():
        value = value.strip()
        if len(value) <= 5000:
            return value or None
    return _DECLINED


def _plain_url(value: Any) -> Any:
    """An optional :class:`WebUrl` already written as a browser writes it, or :data:`_DECLINED`."""
    if value is None:
        return None
    if type(value) is str:
        text = value.strip()
        # WebUrl.parse's own first steps (a URL the pattern takes has no space).
        if len(text) <= 2048 and text.isprintable() and _PLAIN_URL.fullmatch(text):
            return WebUrl(text)
    return _DECLINED


_M = TypeVar("_M", bound=BaseModel)


def _plain_parts(value: Any, model: type[_M]) -> Any:
    """A line's ``discounts`` or ``properties``: each validated as its own model, or
    :data:`_DECLINED`."""
    if type(value) is not list or len(value) > 100:
        return _DECLINED
    if not value:
        return []
    try:
        return [model.model_validate(part) for part in value]
    except ValidationError:
        return _DECLINED


def _plain_line(line: dict[Any, Any], currency: str) -> LineItem | None:
    """*line* as a :class:`LineItem`, checked the short way, or ``None`` when it is not
    that plain (its own validation then decides)."""
    if not line.keys() <= _LINE_FIELDS:
        return None
    get = line.get
    name = get("name")
    if type(name) is not str or not name.isprintable():
        return None
    name = name.strip()
    if not 0 < len(name) <= 5000:
        return None
    quantity = _plain_decimal(get("quantity"))
    if quantity is _DECLINED or not 0 < quantity <= 1_000_000:
        return None
    unit_price = _plain_price(get("unit_price"), currency)
    if unit_price is _DECLINED:
        return None
    total = get("total")
    if total is not None and (total := _plain_price(total, currency)) is _DECLINED:
        return None
    sku, variant, kind = get("sku"), get("variant"), get("kind")
    if sku is not None and (sku := _plain_text(sku)) is _DECLINED:
        return None
    if variant is not None and (variant := _plain_text(variant)) is _DECLINED:
        return None
    if kind is not None and (kind := _plain_text(kind)) is _DECLINED:
        return None
    image_url, product_url = get("image_url"), get("product_url")
    if image_url is not None and (image_url := _plain_url(image_url)) is _DECLINED:
        return None
    if product_url is not None and (product_url := _plain_url(product_url)) is _DECLINED:
        return None
    fulfillment = get("fulfillment")
    if fulfillment is not None and (
        type(fulfillment) is not str or fulfillment not in _FULFILLMENTS
    ):
        return None
    discounts = get("discounts", _DECLINED)
    if discounts is _DECLINED or discounts == []:  # not given, or none
        discounts = []
    elif (discounts := _plain_parts(discounts, LineDiscount)) is _DECLINED:
        return None
    properties = get("properties", _DECLINED)
    if properties is _DECLINED or properties == []:
        properties = []
    elif (properties := _plain_parts(properties, Property)) is _DECLINED:
        return None
    item = _new_object(LineItem)
    _set_dict(item, {
        "name": name,
        "sku": sku,
        "variant": variant,
        "kind": kind,
        "quantity": quantity,
        "unit_price": unit_price,
        "discounts": discounts,
        "total": total,
        "image_url": image_url,
        "product_url": product_url,
        "properties": properties,
        "fulfillment": fulfillment,
    })  # fmt: skip
    _set_fields_set(item, _fields_set(line))
    _set_extra(item, None)
    _set_private(item, None)
    return item  # its total is checked with the order (LineItem._check_total)


#: The optional text fields of a line (:data:`OptionalText`), and its URLs.
_LINE_TEXTS = ("sku", "variant", "kind")
_LINE_URLS = ("image_url", "product_url")


def _plain_texts(values: list[Any], limit: int) -> list[Any] | None:
    """A column of optional text, each as :func:`_plain_text` makes it (``None`` for
    none, else stripped, ``None`` when nothing is left), checked in C over the column;
    ``None`` when any value is not for that."""
    given = [value for value in values if value is not None]
    if not given:
        return values
    if set(map(type, given)) != {str} or not "".join(given).isprintable():
        return None
    stripped: list[str | None]
    if len(given) == len(values):
        stripped = list(map(str.strip, values))
    else:
        stripped = [value if value is None else value.strip() for value in values]
    if max(map(len, filter(None, stripped)), default=0) > limit:
        return None
    return [value or None for value in stripped]


#: How many lines make checking them a column at a time worth its cost (about twenty
#: calls in C for each field, whatever the count): fewer are checked one by one.
_COLUMNS_FROM = 40


def _plain_lines(lines: list[Any], currency: str) -> list[LineItem] | None:
    """*lines* as the items :func:`_plain_line` makes of each, when every line gives the
    same fields and is that plain (its discounts and properties none), checked a column
    at a time (one field of every line), with C doing most of the looping: half the
    cost of a call for each line. ``None`` when any line is not, and each line is then
    checked on its own."""
    if set(map(type, lines)) != {dict}:
        return None
    keys = lines[0].keys()
    if not keys <= _LINE_FIELDS or not {"name", "quantity", "unit_price"} <= keys:
        return None
    if not all(map(keys.__eq__, map(dict.keys, lines))):
        return None
    count = len(lines)

    def column(field: str) -> list[Any]:
        return list(map(itemgetter(field), lines)) if field in keys else [None] * count

    for parts in ("discounts", "properties"):  # none, or lines of their own
        if parts in keys and (set(map(type, given := column(parts))) != {list} or any(given)):
            return None
    names = _plain_texts(column("name"), 5000)
    if names is None or not all(names):
        return None
    quantities = [_plain_decimal(value) for value in column("quantity")]
    if set(map(type, quantities)) != {Decimal}:  # (a check declined is not a Decimal)
        return None
    if not (min(quantities) > 0 and max(quantities) <= 1_000_000):
        return None
    prices = [_plain_price(value, currency) for value in column("unit_price")]
    totals = column("total")
    if "total" in keys:
        totals = [value if value is None else _plain_price(value, currency) for value in totals]
    if set(map(type, prices)) != {Money} or not set(map(type, totals)) <= {Money, type(None)}:
        return None
    texts = []
    for field in _LINE_TEXTS:
        text = _plain_texts(column(field), 5000)
        if text is None:
            return None
        texts.append(text)
    urls = []
    for field in _LINE_URLS:  # each as _plain_url makes it
        values = column(field)
        if given := [value for value in values if value is not None]:
            if set(map(type, given)) != {str}:
                return None
            stripped = list(map(str.strip, given))
            if max(map(len, stripped)) > 2048 or not "".join(stripped).isprintable():
                return None
            if not all(map(_PLAIN_URL.fullmatch, stripped)):
                return None
            made = map(WebUrl, stripped)
            values = [value if value is None else next(made) for value in values]
        urls.append(values)
    fulfillments = column("fulfillment")
    if "fulfillment" in keys and not set(map(type, fulfillments)) <= {str, type(None)}:
        return None
    if not set(fulfillments) <= _FULFILLMENTS | {None}:
        return None
    values = [
        {
            "name": name,
            "sku": sku,
            "variant": variant,
            "kind": kind,
            "quantity": quantity,
            "unit_price": price,
            "discounts": [],
            "total": total,
            "image_url": image,
            "product_url": page,
            "properties": [],
            "fulfillment": fulfillment,
        }
        for name, sku, variant, kind, quantity, price, total, image, page, fulfillment in zip(
            names, *texts, quantities, prices, totals, *urls, fulfillments, strict=True
        )
    ]  # fmt: skip
    # Each as _plain_line makes it, a step at a time for all of them (in C).
    items = list(map(_new_object, repeat(LineItem, count)))
    deque(map(_set_dict, items, values), maxlen=0)
    deque(map(_set_fields_set, items, repeat(_fields_set(lines[0]))), maxlen=0)
    deque(map(_set_extra, items, repeat(None)), maxlen=0)
    deque(map(_set_private, items, repeat(None)), maxlen=0)
    return items


#: The fields a line gives, as the set pydantic keeps, by the line's keys: lines that give
#: the same fields share one (a frozen model never adds to it; a copy copies it), which
#: is one object fewer for each line of a big order to allocate and for the collector to
#: walk. Bounded: emptied when full.
_FIELDS_SETS: dict[tuple[str, ...], set[str]] = {}
_FIELDS_SETS_KEPT = 256


def _fields_set(line: dict[str, Any]) -> set[str]:
    keys = tuple(line)
    found = _FIELDS_SETS.get(keys)
    if found is None:
        if len(_FIELDS_SETS) >= _FIELDS_SETS_KEPT:
            _FIELDS_SETS.clear()
        found = _FIELDS_SETS[keys] = set(keys)
    return found


def _validate_order_fast(fields: dict[str, Any]) -> Order | None:
    """*fields* as an :class:`Order`, its lines checked the short way; ``None`` when
    its lines or currency are not for that (or anything in it is wrong)."""
    lines, currency = fields.get("lines"), fields.get("currency")
    if type(lines) is not list or not 0 < len(lines) <= 10_000:
        return None
    if type(currency) is not str or len(currency) > 100:
        return None
    code = currency.strip().upper()  # as the order's own validator reads it
    if code not in _currencies():
        return None
    token = _ORDER_CURRENCY.set(code)
    try:
        items = _plain_lines(lines, code) if len(lines) >= _COLUMNS_FROM else None
        if items is None:
            items = []
            for line in lines:
                item = _plain_line(line, code) if type(line) is dict else None
                items.append(LineItem.model_validate(line) if item is None else item)
        return Order.model_validate({**fields, "lines": items})
    except ValidationError:
        return None
    finally:
        _ORDER_CURRENCY.reset(token)


def validate_order(data: Order | Mapping[str, Any]) -> Order:
    """Validate *data* into an :class:`Order`, raising :class:`OrderValidationError`.

    :param data: an :class:`Order` (returned as is), or a dict such as parsed JSON.
    """
    if isinstance(data, Order):
        return data
    if not isinstance(data, Mapping):
        raise OrderValidationError(
            [FieldProblem("", f"expected an order object, got {type(data).__name__}")]
        )
    fields = dict(data)
    order = _validate_order_fast(fields)
    if order is not None:
        return order
    try:
        return Order.model_validate(fields)
    except ValidationError as exc:
        raise OrderValidationError(problems_from(exc)) from None


def validate_merchant(data: Merchant | Mapping[str, Any]) -> Merchant:
    """Validate *data* into a :class:`Merchant`, raising :class:`OrderValidationError`."""
    if isinstance(data, Merchant):
        return data
    if not isinstance(data, Mapping):
        raise OrderValidationError(
            [FieldProblem("", f"expected a merchant object, got {type(data).__name__}")],
            model="Merchant",
        )
    try:
        return Merchant.model_validate(dict(data))
    except ValidationError as exc:
        raise OrderValidationError(problems_from(exc), model="Merchant") from None
