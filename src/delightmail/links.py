"""Links in an email: which schemes are allowed, campaign (UTM) tagging, phone numbers.

>>> with_utm("https://shop.example/orders/1", {"source": "delightmail", "medium": "email"})
'https://shop.example/orders/1?utm_source=delightmail&utm_medium=email'
>>> tel_url("+1 (503) 555-0142 ext. 7")
'tel:+15035550142;ext=7'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["ALLOWED_SCHEMES", "UTM_KEYS", "is_allowed", "tel_url", "utm_name", "with_utm"]

#: The only schemes a link in an email may use.
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: The campaign parameters analytics tools read, without their ``utm_`` prefix.
UTM_KEYS = ("source", "medium", "campaign", "term", "content")


def is_allowed(url: str) -> bool:
    """Whether *url* is an http(s), ``mailto:`` or ``tel:`` link (never ``javascript:``)."""
    return urlsplit(url.strip()).scheme.lower() in ALLOWED_SCHEMES


def utm_name(key: str) -> str:
    """``source`` or ``utm_source`` → ``utm_source``; anything else is a ``ValueError``."""
    name = key.strip().lower().removeprefix("utm_")
    if name not in UTM_KEYS:
        raise ValueError(f"unknown UTM parameter {key!r} (known: {', '.join(UTM_KEYS)})")
    return f"utm_{name}"


def with_utm(
    url: str, utm: Mapping[str, str] | None, *, hosts: Collection[str] | None = None
) -> str:
    """*url* with the merchant's UTM parameters added to its query.

    Only http(s) links are tagged, and with *hosts* only those to one of them
    (the shop's own site: tagging another site's links would leak the campaign
    to it). Parameters already in the URL win, so a link the merchant tagged
    by hand keeps its tags; the fragment stays last.

    :param utm: ``{"source": "delightmail", "medium": "email"}``; the ``utm_``
        prefix is optional. ``None`` or empty leaves *url* as it is.
    :param hosts: the host names to tag links to; ``None`` tags every http(s) link.
    :raises ValueError: a key is not one of :data:`UTM_KEYS`.
    """
    if not utm:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    if hosts is not None and (parts.hostname or "") not in {h.lower() for h in hosts}:
        return url
    present = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    added = [(utm_name(k), v) for k, v in utm.items()]
    new = urlencode([(name, value) for name, value in added if name not in present])
    if not new:
        return url
    # The existing query is kept byte for byte: re-encoding it could change a signed link.
    query = f"{parts.query}&{new}" if parts.query else new
    return urlunsplit(parts._replace(query=query))


# A phone number as people write it: an optional +, digits (any script's) and the
# separators around them, then perhaps an extension ("ext. 7", "x7", "#7").
_PHONE = re.compile(r"(\+?)([\d\s().\-/\u00a0]+?)\s*(?:(?:ext\.?|extension|x|#)\s*(\d+))?", re.I)
# Fewer digits than this is not a number to dial (a typo, a lone extension).
_MIN_DIGITS = 3


@lru_cache(maxsize=1024)  # an email dials the shop twice, and the shop is the same
def tel_url(number: str) -> str | None:
    """The ``tel:`` link that dials *number* as written for people: its digits, and a
    leading ``+`` (RFC 3966), or ``None`` when it is not a number (letters, too few digits).

    >>> tel_url("0049 30 1234567"), tel_url("call us!")
    ('tel:0049301234567', None)
    """
    match = _PHONE.fullmatch(number.strip())
    if match is None:
        return None
    plus, body, extension = match.groups()
    digits = "".join(str(unicodedata.decimal(ch)) for ch in body if ch.isdecimal())
    if len(digits) < _MIN_DIGITS:
        return None
    ext = "".join(str(unicodedata.decimal(ch)) for ch in extension) if extension else ""
    return f"tel:{plus}{digits}" + (f";ext={ext}" if ext else "")
