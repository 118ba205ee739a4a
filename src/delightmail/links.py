"""Links in an email: which schemes are allowed, and campaign (UTM) tagging.

>>> with_utm("https://shop.example/orders/1", {"source": "delightmail", "medium": "email"})
'https://shop.example/orders/1?utm_source=delightmail&utm_medium=email'
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["ALLOWED_SCHEMES", "UTM_KEYS", "is_allowed", "utm_name", "with_utm"]

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
