"""Webhook signatures: does a request really come from the shop's platform?

A webhook receiver calls one of these on the request's raw body bytes and its
headers before it parses anything; each returns ``None`` when the signature is
right and raises :class:`~delightmail.exceptions.SignatureError` (answer 401)
when it is missing, malformed or wrong. A mistake in what the receiver gives
(an empty secret, a JWKS with no RSA key, an unknown platform) is an
:class:`~delightmail.exceptions.InputError` instead (answer 500 and fix the
configuration): never the request's fault.

>>> from delightmail.adapters.signatures import verify
>>> body = await request.body()  # the bytes as sent, never re-encoded JSON  # doctest: +SKIP
>>> verify("shopify", body, request.headers, secret=shopify_secret)  # doctest: +SKIP
>>> verify("saleor", body, request.headers, keys=saleor_jwks)  # doctest: +SKIP
>>> order = to_order(body, "shopify")  # only once the signature passed  # doctest: +SKIP

What each platform signs, and with what:

* **Shopify**: ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the body,
  keyed with the app's client secret (or, for a webhook made in the store's
  admin, the signing key shown under Settings → Notifications → Webhooks).
* **WooCommerce**: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the
  body, keyed with the webhook's Secret. The ``webhook_id=N`` ping WooCommerce
  sends when a webhook is saved carries no signature at all: it fails here like
  any unsigned request (see :func:`is_woocommerce_ping`).
* **Saleor** (3.5 and later, a webhook without a secret key): ``Saleor-Signature``
  is a JWS with a detached, unencoded payload (``header..signature``, RFC 7515
  appendix F with RFC 7797's ``"b64": false``) signed RS256 by Saleor with a key
  it publishes at ``/.well-known/jwks.json``. The signing input is the header
  segment, a dot and the raw body bytes as sent. Saleor signs with PyJWT's
  ``api_jws.encode(body, key, "RS256", headers={"kid": ...},
  is_payload_detached=True)``; PyJWT 2.12 and earlier (Saleor has pinned 2.5.0,
  then ``>=2.10.1``) write ``"b64": false`` without listing it in ``"crit"`` as
  RFC 7797 asks. Such a header is accepted here, though PyJWT 2.15's own
  ``decode`` refuses it; one that lists ``b64`` in ``crit`` (PyJWT 2.15 signs so)
  is accepted too.
* **Saleor**, a webhook with a secret key (deprecated, and the only signature
  before 3.5): ``Saleor-Signature`` (in older versions ``X-Saleor-Signature``) is
  the lower-case hex HMAC-SHA256 of the body, keyed with that secret key.

Every comparison of a signature is constant-time (:func:`hmac.compare_digest`,
or the RSA verification itself); only RS256 is accepted for a JWS, so neither
``none`` nor an HMAC keyed with the public key (the algorithm-confusion attack)
can pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..exceptions import InputError, SignatureError

__all__ = [
    "SIGNATURE_HEADERS",
    "header",
    "is_woocommerce_ping",
    "verify",
    "verify_saleor",
    "verify_shopify",
    "verify_woocommerce",
]

#: The header that carries each platform's signature, as ``(platform, header)``.
SIGNATURE_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    ("shopify", "X-Shopify-Hmac-Sha256"),
    ("woocommerce", "X-WC-Webhook-Signature"),
    ("saleor", "Saleor-Signature"),
)
_HEADER: Final = dict(SIGNATURE_HEADERS)
#: The older name of Saleor's signature header (Saleor 2.x and early 3.x; later versions
#: send the signature under both names).
_SALEOR_LEGACY_HEADER: Final = "X-Saleor-Signature"
_NAMES: Final = {"shopify": "Shopify", "woocommerce": "WooCommerce", "saleor": "Saleor"}

# No signature here is longer than a few hundred characters (a JWS over a 4096-bit key is
# under 800); anything far longer is refused before it is decoded or parsed.
_MAX_SIGNATURE: Final = 4096
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]*")
_HEX_SHA256: Final = re.compile(r"[0-9a-f]{64}")
_PING: Final = re.compile(rb"webhook_id=[0-9]{1,20}")
#: The one JWS algorithm Saleor signs with, and so the only one accepted.
_ALGORITHM: Final = "RS256"
#: RSA keys shorter than this are refused (NIST has asked for 2048 bits since 2013).
_MIN_RSA_BITS: Final = 2048
#: The members that make a JWK a private key.
_PRIVATE_JWK: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of the header *name* in *headers*, whatever the case of its name.

    HTTP header names are case-insensitive, but a plain ``dict`` is not: this finds
    ``x-shopify-hmac-sha256`` for ``X-Shopify-Hmac-Sha256`` in any mapping (a
    Starlette ``Headers``, a ``dict`` from any framework). Only ASCII names match, so
    none of ``str.lower``'s non-ASCII foldings (the Kelvin sign lowers to ``k``) can make
    a header of another name count. A header sent more than once (a Starlette
    ``Headers`` keeps every line) has its values joined with ``", "``, as HTTP reads
    them: no signature has a comma, so two signatures never pass for one.

    :returns: the value, or ``None`` when the header is not there.
    """
    wanted = name.lower()
    found = [
        value
        for key, value in headers.items()
        if isinstance(key, str) and key.isascii() and key.lower() == wanted
    ]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return ", ".join(str(value) for value in found)


def verify_shopify(body: bytes, headers: Mapping[str, str], secret: str | bytes) -> None:
    """Check that *body* comes from Shopify: its ``X-Shopify-Hmac-Sha256`` header must be
    the base64 HMAC-SHA256 of the body keyed with *secret*.

    :param body: the request's body exactly as it arrived, before any parsing.
    :param headers: the request's headers (any mapping; names in any case).
    :param secret: the app's client secret, or, for a webhook made in the store's admin
        (Settings → Notifications → Webhooks), the signing key shown there.
    :raises SignatureError: the header is missing, empty, not base64 of 32 bytes, or
        not the HMAC of this body with this secret.
    :raises InputError: *secret* is empty, or *body* is not bytes.
    """
    _verify_base64_hmac("shopify", body, headers, secret)


def verify_woocommerce(body: bytes, headers: Mapping[str, str], secret: str | bytes) -> None:
    """Check that *body* comes from WooCommerce: its ``X-WC-Webhook-Signature`` header must
    be the base64 HMAC-SHA256 of the body keyed with *secret*.

    Whatever the body is, it is checked: the ``webhook_id=N`` ping WooCommerce sends when a
    webhook is saved has no signature and so fails here; :func:`is_woocommerce_ping` tells
    it apart, for a receiver that wants to answer it 200 without acting on it.

    :param body: the request's body exactly as it arrived, before any parsing.
    :param headers: the request's headers (any mapping; names in any case).
    :param secret: the webhook's Secret, as WooCommerce → Settings → Advanced →
        Webhooks shows it. (WooCommerce keys the HMAC with the stored secret after
        decoding ``&amp;``, ``&lt;``, ``&gt;``, ``&quot;`` and ``&#039;``, which is also
        how that screen shows it.)
    :raises SignatureError: the header is missing, empty, not base64 of 32 bytes, or
        not the HMAC of this body with this secret.
    :raises InputError: *secret* is empty, or *body* is not bytes.
    """
    _verify_base64_hmac("woocommerce", body, headers, secret)


def is_woocommerce_ping(body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether this request is the ping WooCommerce sends when a webhook is saved: a
    ``webhook_id=N`` form body and no ``X-WC-Webhook-Signature`` header.

    WooCommerce signs its deliveries but not this ping, and reports the webhook's
    delivery URL as failing unless the ping is answered 200. A ping carries nothing to
    act on and proves nothing about its sender: answer it 200 and do nothing else.
    """
    if not isinstance(body, bytes | bytearray | memoryview) or not _PING.fullmatch(body):
        return False
    return header(headers, _HEADER["woocommerce"]) is None


def verify_saleor(
    body: bytes,
    headers: Mapping[str, str],
    keys: Any = None,
    *,
    secret: str | bytes | None = None,
) -> None:
    """Check that *body* comes from Saleor, by its ``Saleor-Signature`` header.

    A webhook without a secret key (Saleor 3.5 and later) is signed with a detached JWS
    (``header..signature``, RS256), checked with *keys*; a webhook with a secret key
    (deprecated, and all Saleor signed before 3.5) with the hex HMAC-SHA256 of the body,
    checked with *secret*. Give the one your webhook uses, or both: each form of header
    is checked only with its own. When ``Saleor-Signature`` is absent,
    ``X-Saleor-Signature`` (its name in older versions) is read instead.

    :param body: the request's body exactly as it arrived, before any parsing.
    :param headers: the request's headers (any mapping; names in any case).
    :param keys: Saleor's public keys, as its ``<api-origin>/.well-known/jwks.json``
        serves them: that JWKS (``{"keys": [...]}``, as a dict or as JSON text), one
        JWK of it as a dict, an RSA public key as PEM text or bytes, or a
        ``cryptography`` ``RSAPublicKey``. The key is picked by the JWS header's
        ``kid`` when it has one.
    :param secret: the webhook's secret key, for a webhook that has one.
    :raises SignatureError: the header is missing or empty; it is a JWS that is
        malformed, uses another algorithm than RS256, names a ``kid`` none of *keys*
        has, or does not verify; it is a hex HMAC that is not this body's; or it is of
        the form whose key was not given.
    :raises InputError: neither *keys* nor *secret* is given, *keys* holds no usable RSA
        public key, *secret* is empty, or *body* is not bytes.
    """
    if keys is None and secret is None:
        raise InputError(
            "verify_saleor needs keys= (Saleor's JWKS, for a webhook without a secret key) "
            "or secret= (the webhook's secret key)"
        )
    loaded = None if keys is None else _load_keys(keys)
    secret_bytes = None if secret is None else _secret_bytes("saleor", secret)
    data = _body(body)
    name = _HEADER["saleor"]
    value = header(headers, name)
    if value is None:
        legacy = header(headers, _SALEOR_LEGACY_HEADER)
        if legacy is not None:
            name, value = _SALEOR_LEGACY_HEADER, legacy
    value = _present("saleor", name, value)
    if "." in value:
        if loaded is None:
            _refuse(
                "saleor",
                f"{name} is a JWS, which Saleor sends for a webhook without a secret key; "
                "it needs keys= (Saleor's JWKS) to be checked",
            )
        _verify_jws(data, name, value, loaded)
    else:
        if secret_bytes is None:
            _refuse(
                "saleor",
                f"{name} is not a JWS (header..signature); a hex HMAC is what Saleor sends "
                "for a webhook with a secret key, which needs secret= to be checked",
            )
        _verify_hex_hmac(data, name, value, secret_bytes)


def verify(
    platform: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret: str | bytes | None = None,
    keys: Any = None,
) -> None:
    """Check a webhook's signature for *platform*: :func:`verify_shopify`,
    :func:`verify_woocommerce` or :func:`verify_saleor`.

    :param platform: ``shopify``, ``woocommerce`` or ``saleor`` (case does not matter).
    :param body: the request's body exactly as it arrived, before any parsing.
    :param headers: the request's headers (any mapping; names in any case).
    :param secret: the shared secret (Shopify, WooCommerce; a Saleor webhook's secret key).
    :param keys: Saleor's public keys (see :func:`verify_saleor`).
    :raises SignatureError: the signature is missing, malformed or wrong.
    :raises InputError: the platform is unknown, or what it needs was not given.
    """
    name = platform.strip().lower()
    if name == "saleor":
        verify_saleor(body, headers, keys, secret=secret)
        return
    if name not in ("shopify", "woocommerce"):
        choices = ", ".join(_HEADER)
        raise InputError(f"unknown platform {platform!r}; choose one of {choices}")
    if keys is not None:
        raise InputError(f"keys= is for Saleor; {_NAMES[name]} signs with secret= alone")
    if secret is None:
        raise InputError(f"{_NAMES[name]}'s signature needs secret=")
    _verify_base64_hmac(name, body, headers, secret)


# --- the checks ------------------------------------------------------------------------


def _verify_base64_hmac(
    platform: str, body: bytes, headers: Mapping[str, str], secret: str | bytes
) -> None:
    key = _secret_bytes(platform, secret)
    data = _body(body)
    name = _HEADER[platform]
    value = _present(platform, name, header(headers, name))
    if len(value) > _MAX_SIGNATURE or not value.isascii() or not _BASE64.fullmatch(value):
        _refuse(platform, f"{name} is not base64")
    try:
        given = base64.b64decode(value, validate=True)
    except ValueError:
        _refuse(platform, f"{name} is not base64 (its padding is wrong)")
    if len(given) != hashlib.sha256().digest_size:
        _refuse(platform, f"{name} is {len(given)} bytes of base64, not an HMAC-SHA256 (32)")
    expected = base64.b64encode(hmac.new(key, data, hashlib.sha256).digest())
    # The text is compared, not the bytes: base64 has several spellings of the same bytes
    # (the unused low bits of its last character), and only the one Shopify and
    # WooCommerce write is accepted.
    if not hmac.compare_digest(expected, value.encode("ascii")):
        _refuse(
            platform,
            f"{name} does not match this body: it was signed with another secret, "
            "or the body changed on the way (check it is read as raw bytes, unparsed)",
        )


def _verify_hex_hmac(body: bytes, name: str, value: str, secret: bytes) -> None:
    if not value.isascii() or not _HEX_SHA256.fullmatch(value):
        _refuse("saleor", f"{name} is neither a JWS nor a lower-case hex HMAC-SHA256")
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode("ascii")
    if not hmac.compare_digest(expected, value.encode("ascii")):
        _refuse(
            "saleor",
            f"{name} does not match this body: it was signed with another secret key, "
            "or the body changed on the way (check it is read as raw bytes, unparsed)",
        )


def _verify_jws(body: bytes, name: str, value: str, keys: tuple[_Key, ...]) -> None:
    if len(value) > _MAX_SIGNATURE:
        _refuse("saleor", f"{name} is {len(value)} characters long, too long for a signature")
    parts = value.split(".")
    if len(parts) != 3:
        _refuse("saleor", f"{name} is not a detached JWS (header..signature): {_parts(parts)}")
    protected, payload, signature = parts
    if payload:
        _refuse(
            "saleor",
            f"{name} carries a payload; Saleor's JWS is detached (header..signature)",
        )
    jose = _jws_header(name, protected)
    alg = jose.get("alg")
    if alg is None:
        _refuse("saleor", f"{name}'s JWS header names no algorithm (alg)")
    if alg != _ALGORITHM:
        _refuse(
            "saleor",
            f"{name} uses the algorithm {_short(alg)}: Saleor signs with RS256, "
            "and only RS256 is accepted",
        )
    b64 = jose.get("b64", True)
    if not isinstance(b64, bool):
        _refuse("saleor", f"{name}'s JWS header has a b64 that is not true or false")
    crit = jose.get("crit")
    if crit is not None:
        if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
            _refuse("saleor", f"{name}'s JWS header has a crit that is not a list of names")
        unknown = [c for c in crit if c != "b64" or c not in jose]
        if unknown:
            _refuse(
                "saleor",
                f"{name}'s JWS header marks {_short(unknown[0])} critical, which is not "
                "understood here (only b64 is, and only when the header sets it)",
            )
    kid = jose.get("kid")
    if kid is not None and not isinstance(kid, str):
        _refuse("saleor", f"{name}'s JWS header has a kid that is not text")
    raw_signature = _b64url_decode(name, "signature", signature)
    # RFC 7797: with "b64": false the payload is signed as it is, the raw body; otherwise
    # (RFC 7515 appendix F) as its base64url spelling. Saleor sends the first.
    signed_payload = body if b64 is False else _b64url_encode(body)
    signing_input = protected.encode("ascii") + b"." + signed_payload
    candidates = [key for key in keys if kid is None or key.kid is None or key.kid == kid]
    if not candidates:
        known = ", ".join(sorted(repr(key.kid) for key in keys))
        _refuse(
            "saleor",
            f"{name} names the key kid {_short(kid)}, which none of the keys given has "
            f"(they are {known}); Saleor's JWKS may have changed: fetch it again",
        )
    for key in candidates:
        try:
            key.public_key.verify(raw_signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return
    which = "the key" if len(candidates) == 1 else f"any of the {len(candidates)} keys"
    _refuse(
        "saleor",
        f"{name} does not verify with {which} given: it was signed with another key, "
        "or the body changed on the way (check it is read as raw bytes, unparsed)",
    )


def _jws_header(name: str, protected: str) -> dict[str, Any]:
    raw = _b64url_decode(name, "header", protected)
    try:
        jose = json.loads(raw, object_pairs_hook=_unique_members)
    except _DuplicateMember as exc:
        _refuse("saleor", f"{name}'s JWS header has {_short(exc.args[0])} twice")
    except (ValueError, RecursionError):
        _refuse("saleor", f"{name}'s JWS header is not JSON")
    if not isinstance(jose, dict):
        _refuse("saleor", f"{name}'s JWS header is not a JSON object")
    return jose


class _DuplicateMember(Exception):
    """A JSON object names a member twice (``{"alg": "none", "alg": "RS256"}``): which one
    counts differs between parsers, so such a header is refused."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, value in pairs:
        if key in members:
            raise _DuplicateMember(key)
        members[key] = value
    return members


def _b64url_decode(name: str, part: str, text: str) -> bytes:
    """The bytes of one base64url segment of a JWS; only its one spelling (no padding, the
    unused low bits zero) is accepted, so no two texts carry the same signature."""
    if not text:
        _refuse("saleor", f"{name}'s JWS {part} is empty")
    if not text.isascii() or not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        _refuse("saleor", f"{name}'s JWS {part} is not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url_encode(raw).decode("ascii") != text:
        _refuse("saleor", f"{name}'s JWS {part} is not base64url (its last character is off)")
    return raw


def _b64url_encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


# --- what the receiver gives -----------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """One of Saleor's public keys, with the ``kid`` its JWK gives it (none for a PEM)."""

    kid: str | None
    public_key: rsa.RSAPublicKey


def _load_keys(keys: Any) -> tuple[_Key, ...]:
    """Saleor's public keys from whichever form the receiver has them in."""
    if isinstance(keys, rsa.RSAPublicKey):
        return (_checked_size(_Key(None, keys), "the key given"),)
    if isinstance(keys, bytes | bytearray | memoryview):
        keys = bytes(keys).decode("utf-8", errors="replace")
    if isinstance(keys, str):
        text = keys.strip()
        if text.startswith("{"):
            try:
                keys = json.loads(text)
            except (ValueError, RecursionError):
                raise InputError("keys: JSON text that is not a JWKS or JWK") from None
        else:
            return (_pem_key(text),)
    if isinstance(keys, Mapping):
        if "keys" in keys:
            return _jwks_keys(keys["keys"])
        return (_jwk_key(keys, "keys"),)
    raise InputError(
        f"keys: {type(keys).__name__} is none of the forms Saleor's keys come in: its JWKS "
        "(a dict or JSON text), one JWK (a dict), a PEM public key, or an RSAPublicKey"
    )


def _jwks_keys(members: Any) -> tuple[_Key, ...]:
    if not isinstance(members, Sequence) or isinstance(members, str | bytes):
        raise InputError('keys: a JWKS\'s "keys" must be a list of JWKs')
    found: list[_Key] = []
    skipped: list[str] = []
    for index, jwk in enumerate(members):
        where = f"keys[{index}]"
        if isinstance(jwk, Mapping) and not _is_private(jwk) and not _verifies_rs256(jwk):
            # A JWKS may hold keys for other uses (encryption, other algorithms): those are
            # left out, not an error, as long as one signing key is left.
            skipped.append(where)
            continue
        found.append(_jwk_key(jwk, where))
    if not found:
        verb = "is" if len(skipped) == 1 else "are"
        left_out = f" ({', '.join(skipped)} {verb} for something else)" if skipped else ""
        raise InputError(f"keys: the JWKS has no RSA key to check RS256 signatures{left_out}")
    return tuple(found)


def _verifies_rs256(jwk: Mapping[str, Any]) -> bool:
    """Whether a JWK says it is an RSA key that may check RS256 signatures."""
    ops = jwk.get("key_ops")
    return (
        jwk.get("kty") == "RSA"
        and jwk.get("use", "sig") == "sig"
        and jwk.get("alg", _ALGORITHM) == _ALGORITHM
        and (ops is None or (isinstance(ops, list | tuple) and "verify" in ops))
    )


def _is_private(jwk: Mapping[str, Any]) -> bool:
    return not _PRIVATE_JWK.isdisjoint(jwk)


def _jwk_key(jwk: Any, where: str) -> _Key:
    if not isinstance(jwk, Mapping):
        raise InputError(f"{where}: a JWK must be a JSON object, not {type(jwk).__name__}")
    if jwk.get("kty") != "RSA":
        raise InputError(f"{where}: kty is {_short(jwk.get('kty'))}; Saleor's keys are RSA")
    if _is_private(jwk):
        raise InputError(f"{where}: this JWK is a private key; give the public one (n, e)")
    if not _verifies_rs256(jwk):
        raise InputError(f"{where}: this JWK is not for checking RS256 signatures (use, alg)")
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise InputError(f"{where}: kid must be text")
    try:
        n = _jwk_integer(jwk["n"])
        e = _jwk_integer(jwk["e"])
        public_key = rsa.RSAPublicNumbers(e, n).public_key()
    except (KeyError, ValueError, TypeError):
        raise InputError(f"{where}: n and e are not an RSA public key in base64url") from None
    return _checked_size(_Key(kid, public_key), where)


def _jwk_integer(text: Any) -> int:
    if not isinstance(text, str) or not text or not _BASE64URL.fullmatch(text):
        raise ValueError(text)
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def _pem_key(text: str) -> _Key:
    if "PRIVATE KEY" in text:
        raise InputError("keys: that PEM is a private key; give the public one")
    try:
        public_key = serialization.load_pem_public_key(text.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InputError(
            "keys: text that is neither a JWKS nor a PEM public key (-----BEGIN PUBLIC KEY-----)"
        ) from None
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise InputError("keys: that PEM public key is not RSA; Saleor signs with RSA")
    return _checked_size(_Key(None, public_key), "keys")


def _checked_size(key: _Key, where: str) -> _Key:
    if key.public_key.key_size < _MIN_RSA_BITS:
        raise InputError(
            f"{where}: an RSA key of {key.public_key.key_size} bits is too weak "
            f"to trust (at least {_MIN_RSA_BITS})"
        )
    return key


def _secret_bytes(platform: str, secret: Any) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes | bytearray | memoryview):
        raise InputError(f"{_NAMES[platform]}'s secret must be text or bytes")
    if not secret:
        # An empty key is one anybody has: it would make any signature verifiable.
        raise InputError(f"{_NAMES[platform]}'s secret is empty")
    return bytes(secret)


def _body(body: Any) -> bytes:
    if isinstance(body, str):
        raise InputError(
            "the body must be the request's raw bytes, not text: decoding and encoding "
            "it again can change the bytes that were signed"
        )
    if not isinstance(body, bytes | bytearray | memoryview):
        raise InputError(f"the body must be the request's raw bytes, not {type(body).__name__}")
    return bytes(body)


# --- messages --------------------------------------------------------------------------


def _present(platform: str, name: str, value: str | None) -> str:
    """The header's value with the blanks around it, which HTTP does not count, left off."""
    if value is None:
        _refuse(platform, f"missing {name} header{_unsigned_ping_hint(platform)}")
    if not isinstance(value, str):
        _refuse(platform, f"{name} header is not text")
    stripped = value.strip(" \t")
    if not stripped:
        _refuse(platform, f"{name} header is empty")
    return stripped


def _unsigned_ping_hint(platform: str) -> str:
    if platform == "woocommerce":
        return " (WooCommerce sends the ping of a newly saved webhook unsigned)"
    return ""


def _refuse(platform: str, message: str) -> NoReturn:
    raise SignatureError(message, platform)


def _short(value: Any) -> str:
    """*value* as the message quotes it: its ``repr``, cut short (it came from the request)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:36]}...{text[-1]}"


def _parts(parts: list[str]) -> str:
    count = len(parts)
    return f"it has {count} part" if count == 1 else f"it has {count} parts"
