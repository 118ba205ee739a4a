"""Webhook signatures of Shopify, WooCommerce and Saleor, checked on the raw body bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from delightmail.adapters.signatures import (
    SIGNATURE_HEADERS,
    header,
    is_woocommerce_ping,
    verify,
    verify_saleor,
    verify_shopify,
    verify_woocommerce,
)
from delightmail.exceptions import InputError, SignatureError

from .conftest import SAMPLES

SECRET = "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"
OTHER_SECRET = "shpss_another-apps-secret-entirely"
SHOPIFY_BODY = (SAMPLES / "shopify" / "membi-webhook-hkd-line-item-discount.json").read_bytes()
WOO_BODY = (SAMPLES / "woocommerce" / "rest-docs-v3-create-order-727.json").read_bytes()
SALEOR_BODY = (SAMPLES / "saleor" / "smtp-app-order-created-example.json").read_bytes()
HEADER = dict(SIGNATURE_HEADERS)
#: What Saleor's JWT manager names its one key (saleor/core/jwt_manager.py: KID = "1").
KID = "1"

# Two RSA keys for the whole module: Saleor's, and one it never had.
SALEOR_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def samples(platform: str) -> list[Path]:
    return sorted((SAMPLES / platform).glob("*.json"))


def b64_hmac(secret: str | bytes, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def hex_hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def saleor_sign(body: bytes, key: rsa.RSAPrivateKey = SALEOR_KEY, kid: str = KID) -> str:
    """A JWS made the way Saleor makes it (saleor/core/jwt_manager.py ``jws_encode``), by
    the installed PyJWT: 2.15 also lists ``b64`` in ``crit``."""
    return jwt.api_jws.encode(
        body, key=key, algorithm="RS256", headers={"kid": kid}, is_payload_detached=True
    )


def sign_jws(
    body: bytes,
    jose: dict[str, Any],
    key: rsa.RSAPrivateKey = SALEOR_KEY,
    *,
    encode_payload: bool = False,
) -> str:
    """A detached JWS with the header *jose*, signed RS256 over the raw body (or, with
    *encode_payload*, over its base64url spelling, RFC 7515 appendix F)."""
    protected = b64url(json.dumps(jose, separators=(",", ":"), sort_keys=True).encode())
    payload = b64url(body).encode() if encode_payload else body
    signature = key.sign(protected.encode() + b"." + payload, padding.PKCS1v15(), hashes.SHA256())
    return f"{protected}..{b64url(signature)}"


def pyjwt_2_12_sign(body: bytes, key: rsa.RSAPrivateKey = SALEOR_KEY, kid: str = KID) -> str:
    """The JWS Saleor sends with PyJWT 2.12 or earlier: ``"b64": false`` and no ``crit``."""
    return sign_jws(body, {"alg": "RS256", "b64": False, "kid": kid, "typ": "JWT"}, key)


def jwk(key: rsa.RSAPrivateKey = SALEOR_KEY, kid: str | None = KID) -> dict[str, Any]:
    """The public JWK Saleor publishes (``JWTManager.get_jwks``: PyJWT's ``to_jwk`` plus
    ``use`` and ``kid``)."""
    member: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    member["use"] = "sig"
    if kid is not None:
        member["kid"] = kid
    return member


def jwks(*members: dict[str, Any]) -> dict[str, Any]:
    return {"keys": list(members) or [jwk()]}


def pem(key: rsa.RSAPrivateKey = SALEOR_KEY) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BASE64URL_ALPHABET = BASE64_ALPHABET[:62] + "-_"


def other_spelling(text: str, alphabet: str = BASE64_ALPHABET) -> str:
    """*text*, base64 of 32 bytes (or base64url of 256), with its last character's unused
    lowest bit set the other way: another spelling of the very same bytes."""
    at = len(text.rstrip("=")) - 1
    return text[:at] + alphabet[alphabet.index(text[at]) ^ 1] + text[at + 1 :]


def change_one_byte(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def refused(excinfo: pytest.ExceptionInfo[SignatureError], *secrets: str) -> str:
    """The message of a refusal, having checked it gives none of *secrets* away."""
    message = str(excinfo.value)
    for secret in secrets:
        assert secret not in message
    return message


class RepeatedHeaders(Mapping[str, str]):
    """Headers as a server keeps them, every line, repeated names included (as a
    Starlette ``Headers`` does): ``items()`` gives each line."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines

    def __getitem__(self, key: str) -> str:
        for name, value in self.lines:
            if name.lower() == key.lower():
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def items(self) -> Any:
        return list(self.lines)


# --- Shopify and WooCommerce: a base64 HMAC-SHA256 of the body -----------------------------

HMAC_PLATFORMS = {"shopify": verify_shopify, "woocommerce": verify_woocommerce}


@pytest.mark.parametrize(
    ("platform", "path"),
    [(platform, path) for platform in HMAC_PLATFORMS for path in samples(platform)],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_a_right_hmac_passes_for_each_real_payload(platform: str, path: Path) -> None:
    """Each shared sample payload, signed as the platform signs it, passes as it is."""
    body = path.read_bytes()
    HMAC_PLATFORMS[platform](body, {HEADER[platform]: b64_hmac(SECRET, body)}, SECRET)


def _wrong_hmac_cases() -> dict[str, tuple[str, bytes, dict[str, str], str]]:
    """Requests whose signature must be refused: (platform, body, headers, what the
    message says)."""
    cases: dict[str, tuple[str, bytes, dict[str, str], str]] = {}
    for platform, body in (("shopify", SHOPIFY_BODY), ("woocommerce", WOO_BODY)):
        name = HEADER[platform]
        right = b64_hmac(SECRET, body)
        for case, (sent_body, headers, says) in {
            "another-secret": (body, {name: b64_hmac(OTHER_SECRET, body)}, "does not match"),
            "body-one-byte-changed": (change_one_byte(body, 100), {name: right}, "does not match"),
            "body-one-byte-added": (body + b"\n", {name: right}, "does not match"),
            "missing": (body, {}, f"missing {name} header"),
            "other-headers-only": (body, {"X-Shopify-Topic": "orders/create"}, "missing"),
            "empty": (body, {name: ""}, f"{name} header is empty"),
            "blank": (body, {name: "  \t "}, f"{name} header is empty"),
            "not-base64": (body, {name: "not base64 at all!"}, f"{name} is not base64"),
            "non-ascii": (body, {name: "é" * 44}, f"{name} is not base64"),
            "bad-padding": (body, {name: right.rstrip("=")}, "padding"),
            "too-short": (body, {name: base64.b64encode(b"x" * 16).decode()}, "16 bytes"),
            "hex-not-base64": (body, {name: hex_hmac(SECRET, body)}, "48 bytes"),
            "right-bytes-other-spelling": (body, {name: other_spelling(right)}, "does not match"),
            "huge": (body, {name: "A" * 100_000}, "not base64"),
        }.items():
            cases[f"{platform}-{case}"] = (platform, sent_body, headers, says)
    return cases


WRONG_HMACS = _wrong_hmac_cases()


@pytest.mark.parametrize(
    ("platform", "body", "headers", "says"), WRONG_HMACS.values(), ids=WRONG_HMACS.keys()
)
def test_a_wrong_hmac_is_refused_saying_what_is_wrong(
    platform: str, body: bytes, headers: dict[str, str], says: str
) -> None:
    """A signature that is wrong, missing, empty or not base64 of 32 bytes is refused with
    a SignatureError naming the header and the problem, never quoting the secret or the
    signature that was expected."""
    with pytest.raises(SignatureError) as excinfo:
        HMAC_PLATFORMS[platform](body, headers, SECRET)
    expected = b64_hmac(SECRET, body)
    message = refused(excinfo, SECRET, expected, expected[:12])
    assert says in message
    assert excinfo.value.platform == platform
    assert message.startswith(f"{platform}: ")


def test_right_bytes_in_another_base64_spelling_are_refused() -> None:
    """Base64's last character has unused low bits: a signature spelled with them set
    decodes to the right bytes, yet only the spelling Shopify writes passes, so no two
    header values verify the same body."""
    right = b64_hmac(SECRET, SHOPIFY_BODY)
    other = other_spelling(right)
    assert base64.b64decode(other) == base64.b64decode(right) and other != right
    with pytest.raises(SignatureError, match="does not match"):
        verify_shopify(SHOPIFY_BODY, {HEADER["shopify"]: other}, SECRET)


@pytest.mark.parametrize(
    "name",
    ["X-Shopify-Hmac-Sha256", "x-shopify-hmac-sha256", "X-SHOPIFY-HMAC-SHA256",
     "X-Shopify-Hmac-SHA256"],
)  # fmt: skip
def test_header_names_are_matched_whatever_their_case(name: str) -> None:
    """A header name in any case is the same header, in a plain dict too."""
    verify_shopify(SHOPIFY_BODY, {name: b64_hmac(SECRET, SHOPIFY_BODY)}, SECRET)
    assert header({name: "value"}, "x-SHOPIFY-hmac-sha256") == "value"


def test_starlette_headers_are_read_as_they_are() -> None:
    """The receiver's Starlette ``Headers`` (lower-case raw names) is a mapping like any."""
    datastructures = pytest.importorskip("starlette.datastructures")
    signature = b64_hmac(SECRET, WOO_BODY)
    headers = datastructures.Headers(raw=[(b"x-wc-webhook-signature", signature.encode())])
    verify_woocommerce(WOO_BODY, headers, SECRET)


def test_a_header_sent_twice_is_read_as_http_reads_it() -> None:
    """Two lines of one header are one value joined with a comma, as HTTP reads them:
    the right signature beside another is no right signature."""
    right = b64_hmac(SECRET, SHOPIFY_BODY)
    lines = [("X-Shopify-Hmac-Sha256", right), ("x-shopify-hmac-sha256", right)]
    assert header(RepeatedHeaders(lines), "X-Shopify-Hmac-Sha256") == f"{right}, {right}"
    with pytest.raises(SignatureError, match="not base64"):
        verify_shopify(SHOPIFY_BODY, RepeatedHeaders(lines), SECRET)
    assert header({"X-Other": "1"}, "X-Shopify-Hmac-Sha256") is None


def test_a_non_ascii_name_that_lowers_to_the_header_name_is_not_it() -> None:
    """``"K".lower()`` (the Kelvin sign) is ``k``: such a name is another header."""
    lookalike = "X-WC-Webhoo\u212a-Signature"
    assert lookalike.lower() == HEADER["woocommerce"].lower()
    assert header({lookalike: "x"}, HEADER["woocommerce"]) is None


def test_the_secret_may_be_text_or_bytes() -> None:
    """A secret as text is its UTF-8 bytes."""
    signature = b64_hmac("sécret", WOO_BODY)
    verify_woocommerce(WOO_BODY, {HEADER["woocommerce"]: signature}, "sécret")
    verify_woocommerce(WOO_BODY, {HEADER["woocommerce"]: signature}, "sécret".encode())


def test_blanks_around_the_header_value_are_not_part_of_it() -> None:
    """HTTP does not count the spaces around a header's value; a framework that kept
    them does not make the right signature wrong."""
    signature = b64_hmac(SECRET, SHOPIFY_BODY)
    verify_shopify(SHOPIFY_BODY, {HEADER["shopify"]: f" {signature}\t"}, SECRET)


@pytest.mark.parametrize(
    ("body", "secret", "says"),
    [(SHOPIFY_BODY, "", "secret is empty"), (SHOPIFY_BODY, b"", "secret is empty"),
     (SHOPIFY_BODY.decode(), SECRET, "raw bytes, not text"),
     (SHOPIFY_BODY, 42, "text or bytes")],
    ids=["empty-secret", "empty-bytes-secret", "text-body", "number-secret"],
)  # fmt: skip
def test_what_the_receiver_gets_wrong_is_an_input_error(body: Any, secret: Any, says: str) -> None:
    """An empty secret (which anybody has) or a body that was decoded is the receiver's
    mistake, an InputError, not a refused request."""
    headers = {HEADER["shopify"]: b64_hmac("x", SHOPIFY_BODY)}
    with pytest.raises(InputError, match=says) as excinfo:
        verify_shopify(body, headers, secret)
    assert not isinstance(excinfo.value, SignatureError)


def test_woocommerce_pings_unsigned_and_fails_like_any_unsigned_request() -> None:
    """The ping WooCommerce sends when a webhook is saved has no signature: it is refused,
    with a word on why; is_woocommerce_ping tells it apart."""
    ping = b"webhook_id=17"
    with pytest.raises(SignatureError, match=r"missing X-WC-Webhook-Signature header.*ping"):
        verify_woocommerce(ping, {"Content-Type": "application/x-www-form-urlencoded"}, SECRET)
    assert is_woocommerce_ping(ping, {"User-Agent": "WooCommerce/9.0 Hookshot"})
    # A signed ping is checked like anything else.
    verify_woocommerce(ping, {HEADER["woocommerce"]: b64_hmac(SECRET, ping)}, SECRET)


@pytest.mark.parametrize(
    ("body", "headers"),
    [(b"webhook_id=17", {"X-WC-Webhook-Signature": "anything"}),
     (b"webhook_id=17&then=more", {}), (b"webhook_id=", {}), (b"webhook_id=1\n", {}),
     (WOO_BODY, {})],
    ids=["signed", "more-fields", "no-id", "trailing-newline", "an-order"],
)  # fmt: skip
def test_only_an_unsigned_webhook_id_body_is_a_ping(body: bytes, headers: dict[str, str]) -> None:
    """Nothing else passes for the ping: not a body with more in it, not a signed one."""
    assert not is_woocommerce_ping(body, headers)


# --- Saleor: a detached RS256 JWS --------------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [jwks(), json.dumps(jwks()), jwk(), pem(), pem().decode(), SALEOR_KEY.public_key(),
     jwks(jwk(STRANGER_KEY, "0"), jwk(), jwk(STRANGER_KEY, "2"))],
    ids=["jwks", "jwks-json-text", "one-jwk", "pem-bytes", "pem-text", "rsa-public-key",
         "jwks-of-three"],
)  # fmt: skip
@pytest.mark.parametrize("path", samples("saleor"), ids=lambda path: path.name)
def test_a_jws_made_as_saleor_makes_it_passes(keys: Any, path: Path) -> None:
    """Each Saleor sample payload, signed by PyJWT exactly as Saleor's jws_encode calls it,
    passes with Saleor's keys in each form they come in."""
    body = path.read_bytes()
    verify_saleor(body, {"Saleor-Signature": saleor_sign(body)}, keys)


def test_the_jws_saleor_sends_today_has_no_crit_and_passes() -> None:
    """PyJWT up to 2.12 (which Saleor signs with) writes ``"b64": false`` without listing
    it in ``crit``; PyJWT 2.15's own decode refuses that header, this does not."""
    token = pyjwt_2_12_sign(SALEOR_BODY)
    protected = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert protected == {"alg": "RS256", "b64": False, "kid": "1", "typ": "JWT"}
    verify_saleor(SALEOR_BODY, {"Saleor-Signature": token}, jwks())


def test_the_signing_input_is_the_raw_body_not_its_base64url() -> None:
    """With ``"b64": false`` the body is signed as it is: a signature over its base64url
    spelling under that header is refused."""
    jose = {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": KID}
    over_encoded = sign_jws(SALEOR_BODY, jose, encode_payload=True)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": over_encoded}, jwks())


def test_a_detached_jws_without_b64_signs_the_base64url_body() -> None:
    """Without ``b64`` (RFC 7515 appendix F) the detached payload is the body's base64url
    spelling; such a JWS passes too, and one over the raw body under that header does not."""
    jose = {"alg": "RS256", "kid": KID}
    verify_saleor(
        SALEOR_BODY, {"Saleor-Signature": sign_jws(SALEOR_BODY, jose, encode_payload=True)}, jwks()
    )
    with pytest.raises(SignatureError, match="does not verify"):
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": sign_jws(SALEOR_BODY, jose)}, jwks())


def test_the_key_is_picked_by_kid() -> None:
    """The JWS header's kid picks its key out of the JWKS; a key without a kid is tried for
    any; a PEM (which has none) too."""
    body = SALEOR_BODY
    two = jwks(jwk(STRANGER_KEY, "1"), jwk(SALEOR_KEY, "2"))
    verify_saleor(body, {"Saleor-Signature": saleor_sign(body, kid="2")}, two)
    with pytest.raises(SignatureError, match="does not verify with the key given"):
        verify_saleor(body, {"Saleor-Signature": saleor_sign(body, kid="1")}, two)
    verify_saleor(body, {"Saleor-Signature": saleor_sign(body, kid="7")}, jwk(kid=None))
    verify_saleor(body, {"Saleor-Signature": saleor_sign(body, kid="7")}, pem())


def test_a_kid_that_no_key_has_is_refused_naming_the_kids_there_are() -> None:
    """A JWS naming a key the JWKS does not have is refused, with the kids there are (and a
    word that Saleor's JWKS may have changed)."""
    token = saleor_sign(SALEOR_BODY, kid="2")
    with pytest.raises(SignatureError) as excinfo:
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": token}, jwks())
    message = refused(excinfo)
    assert "kid '2'" in message and "they are '1'" in message and "fetch it again" in message


def test_a_jws_without_kid_is_tried_with_every_key() -> None:
    """With no kid in its header, a JWS is checked against each key in turn."""
    token = sign_jws(SALEOR_BODY, {"alg": "RS256", "b64": False, "crit": ["b64"]})
    verify_saleor(SALEOR_BODY, {"Saleor-Signature": token}, jwks(jwk(STRANGER_KEY), jwk()))
    with pytest.raises(SignatureError, match="any of the 2 keys"):
        verify_saleor(
            SALEOR_BODY,
            {"Saleor-Signature": token},
            jwks(jwk(STRANGER_KEY, "a"), jwk(STRANGER_KEY, "b")),
        )


def _hs256_with_the_public_key() -> str:
    """The algorithm-confusion attack: an HS256 JWS keyed with Saleor's public key as PEM
    text (which anybody can fetch), hoping the verifier feeds that key to HMAC."""
    protected = b64url(
        json.dumps({"alg": "HS256", "b64": False, "crit": ["b64"], "kid": KID}).encode()
    )
    mac = hmac.new(pem(), protected.encode() + b"." + SALEOR_BODY, hashlib.sha256).digest()
    return f"{protected}..{b64url(mac)}"


def _alg(alg: str) -> str:
    return sign_jws(SALEOR_BODY, {"alg": alg, "b64": False, "crit": ["b64"], "kid": KID})


def _with_header(jose: Any) -> str:
    return f"{b64url(json.dumps(jose).encode())}..{saleor_sign(SALEOR_BODY).split('.')[2]}"


def _raw_header(text: bytes) -> str:
    return f"{b64url(text)}..{saleor_sign(SALEOR_BODY).split('.')[2]}"


def _wrong_jws_cases() -> dict[str, tuple[str, str]]:
    right = saleor_sign(SALEOR_BODY)
    protected, _, signature = right.split(".")
    unsigned_none = b64url(b'{"alg":"none","kid":"1"}') + ".."
    return {
        "alg-none": (unsigned_none, "algorithm 'none'"),
        "alg-none-signed": (_alg("none"), "algorithm 'none'"),
        "alg-missing": (_with_header({"b64": False, "crit": ["b64"], "kid": KID}), "no algorithm"),
        "hs256-keyed-with-the-public-key": (_hs256_with_the_public_key(), "algorithm 'HS256'"),
        "rs512": (_alg("RS512"), "only RS256 is accepted"),
        "ps256": (_alg("PS256"), "algorithm 'PS256'"),
        "es256": (_alg("ES256"), "algorithm 'ES256'"),
        "alg-lower-case": (_alg("rs256"), "algorithm 'rs256'"),
        "another-key": (saleor_sign(SALEOR_BODY, STRANGER_KEY), "does not verify"),
        "signature-one-character-changed": (
            f"{protected}..{signature[:10]}{'B' if signature[10] == 'A' else 'A'}{signature[11:]}",
            "does not verify",
        ),
        "signature-other-spelling": (
            f"{protected}..{other_spelling(signature, BASE64URL_ALPHABET)}",
            "last character is off",
        ),
        "attached-payload": (f"{protected}.{b64url(b'{}')}.{signature}", "carries a payload"),
        "two-parts": (f"{protected}.{signature}", "it has 2 parts"),
        "four-parts": (f"{protected}...{signature}", "it has 4 parts"),
        "empty-signature": (f"{protected}..", "signature is empty"),
        "empty-header": (f"..{signature}", "header is empty"),
        "header-not-base64url": (f"{protected}+..{signature}", "header is not base64url"),
        "header-padded": (f"{protected}==..{signature}", "header is not base64url"),
        "signature-not-base64url": (f"{protected}..{signature}/", "signature is not base64url"),
        "header-not-json": (_raw_header(b"{alg: RS256}"), "is not JSON"),
        "header-not-utf8": (_raw_header(b"\xff\xfe{}"), "is not JSON"),
        "header-a-list": (_with_header(["alg", "RS256"]), "not a JSON object"),
        "header-nested-deep": (_raw_header(b"[" * 1500), "is not JSON"),
        "header-huge": (_raw_header(b"[" * 100_000), "too long"),
        "alg-twice": (_raw_header(b'{"alg":"none","alg":"RS256"}'), "'alg' twice"),
        "crit-unknown": (
            _with_header({"alg": "RS256", "b64": False, "crit": ["b64", "exp"]}),
            "marks 'exp' critical",
        ),
        "crit-b64-not-set": (_with_header({"alg": "RS256", "crit": ["b64"]}), "marks 'b64'"),
        "crit-empty": (_with_header({"alg": "RS256", "crit": []}), "crit that is not a list"),
        "crit-a-string": (_with_header({"alg": "RS256", "crit": "b64"}), "not a list of names"),
        "b64-a-string": (_with_header({"alg": "RS256", "b64": "false"}), "b64 that is not"),
        "kid-a-number": (_with_header({"alg": "RS256", "b64": False, "kid": 1}), "kid that is not"),
        "hex-hmac-without-secret": (hex_hmac(SECRET, SALEOR_BODY), "needs secret="),
        "garbage": ("not a signature", "needs secret="),
        "huge": ("a." * 5000, "too long"),
    }


WRONG_JWS = _wrong_jws_cases()


@pytest.mark.parametrize(("value", "says"), WRONG_JWS.values(), ids=WRONG_JWS.keys())
def test_a_wrong_jws_is_refused_saying_what_is_wrong(value: str, says: str) -> None:
    """A JWS that is malformed, names another algorithm than RS256 (none; HS256 keyed with
    the public key), or does not verify is refused with a SignatureError naming the
    header and the problem."""
    with pytest.raises(SignatureError) as excinfo:
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": value}, jwks())
    message = refused(excinfo, saleor_sign(SALEOR_BODY).split(".")[2][:20])
    assert says in message and "Saleor-Signature" in message
    assert excinfo.value.platform == "saleor"


@pytest.mark.parametrize(
    ("body", "headers", "says"),
    [(change_one_byte(SALEOR_BODY, 50), {"Saleor-Signature": saleor_sign(SALEOR_BODY)},
      "does not verify"),
     (SALEOR_BODY + b" ", {"Saleor-Signature": saleor_sign(SALEOR_BODY)}, "does not verify"),
     (SALEOR_BODY, {}, "missing Saleor-Signature header"),
     (SALEOR_BODY, {"Saleor-Signature": ""}, "Saleor-Signature header is empty"),
     (SALEOR_BODY, {"Saleor-Event": "order_created"}, "missing Saleor-Signature header")],
    ids=["body-one-byte-changed", "body-one-byte-added", "missing", "empty", "event-only"],
)  # fmt: skip
def test_a_changed_body_or_absent_header_is_refused(
    body: bytes, headers: dict[str, str], says: str
) -> None:
    """The signature covers every byte of the body; without the header nothing passes."""
    with pytest.raises(SignatureError, match=says):
        verify_saleor(body, headers, jwks(), secret=SECRET)


def test_the_algorithm_confusion_token_is_one_a_naive_verifier_would_take() -> None:
    """The HS256 token above is a real attack: a verifier that takes the header's alg and
    uses the PEM it has as the HMAC key accepts it. Here it is refused."""
    token = _hs256_with_the_public_key()
    protected = token.split(".")[0]
    naive = hmac.new(pem(), protected.encode() + b"." + SALEOR_BODY, hashlib.sha256).digest()
    assert b64url(naive) == token.split(".")[2]
    with pytest.raises(SignatureError, match="HS256"):
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": token}, pem())


def test_header_names_are_matched_whatever_their_case_for_saleor() -> None:
    """``saleor-signature`` (how Node and Starlette spell it) is the same header."""
    verify_saleor(SALEOR_BODY, {"saleor-signature": saleor_sign(SALEOR_BODY)}, jwks())
    verify_saleor(SALEOR_BODY, {"SALEOR-SIGNATURE": saleor_sign(SALEOR_BODY)}, jwks())


# --- Saleor: the hex HMAC of a webhook with a secret key -------------------------------------


def test_a_webhook_with_a_secret_key_is_checked_by_its_hex_hmac() -> None:
    """Saleor's deprecated signature (and its only one before 3.5): the lower-case hex
    HMAC-SHA256 of the body with the webhook's secret key."""
    signature = hex_hmac(SECRET, SALEOR_BODY)
    verify_saleor(SALEOR_BODY, {"Saleor-Signature": signature}, secret=SECRET)
    verify_saleor(SALEOR_BODY, {"Saleor-Signature": signature}, jwks(), secret=SECRET)
    verify("saleor", SALEOR_BODY, {"saleor-signature": signature}, secret=SECRET)


def test_older_saleor_put_its_signature_in_x_saleor_signature() -> None:
    """Without ``Saleor-Signature``, ``X-Saleor-Signature`` (older Saleor's name) is read; when
    both are there, ``Saleor-Signature`` is the one checked."""
    signature = hex_hmac(SECRET, SALEOR_BODY)
    verify_saleor(SALEOR_BODY, {"X-Saleor-Signature": signature}, secret=SECRET)
    with pytest.raises(SignatureError, match=r"^saleor: Saleor-Signature does not match"):
        verify_saleor(
            SALEOR_BODY,
            {"X-Saleor-Signature": signature, "Saleor-Signature": hex_hmac("x", SALEOR_BODY)},
            secret=SECRET,
        )


@pytest.mark.parametrize(
    ("value", "says"),
    [(hex_hmac(OTHER_SECRET, SALEOR_BODY), "does not match"),
     (hex_hmac(SECRET, SALEOR_BODY).upper(), "lower-case hex"),
     (hex_hmac(SECRET, SALEOR_BODY)[:-1], "lower-case hex"),
     (hex_hmac(SECRET, SALEOR_BODY) + "0", "lower-case hex"),
     ("sha1=" + hex_hmac(SECRET, SALEOR_BODY), "lower-case hex"),
     (b64_hmac(SECRET, SALEOR_BODY), "lower-case hex"),
     (saleor_sign(SALEOR_BODY), "needs keys=")],
    ids=["another-secret", "upper-case", "too-short", "too-long", "saleor-2-prefix",
         "base64", "jws-without-keys"],
)  # fmt: skip
def test_a_wrong_hex_hmac_is_refused(value: str, says: str) -> None:
    """Only the exact lower-case hex of this body's HMAC passes; a JWS needs the keys."""
    with pytest.raises(SignatureError) as excinfo:
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": value}, secret=SECRET)
    assert says in refused(excinfo, SECRET, hex_hmac(SECRET, SALEOR_BODY))


def test_a_hex_hmac_changed_body_is_refused() -> None:
    """One byte of the body changed, the hex HMAC no longer matches."""
    with pytest.raises(SignatureError, match="does not match"):
        verify_saleor(
            change_one_byte(SALEOR_BODY, 7),
            {"Saleor-Signature": hex_hmac(SECRET, SALEOR_BODY)},
            secret=SECRET,
        )


# --- Saleor: the keys the receiver gives -------------------------------------------------------


def _private_jwk() -> dict[str, Any]:
    member: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(SALEOR_KEY))
    return member


def _ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _weak() -> rsa.RSAPublicKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()


BAD_KEYS = {
    "private-jwk": (_private_jwk(), "private key"),
    "private-pem": (
        SALEOR_KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "private key",
    ),
    "ec-pem": (_ec_pem(), "not RSA"),
    "weak-rsa": (_weak(), "1024 bits is too weak"),
    "oct-jwk": ({"kty": "oct", "k": "c2VjcmV0"}, "kty is 'oct'"),
    "enc-jwk": ({**jwk(), "use": "enc"}, "not for checking RS256"),
    "hs256-jwk": ({**jwk(), "alg": "HS256"}, "not for checking RS256"),
    "jwks-of-enc-keys": (jwks({**jwk(), "use": "enc"}), r"no RSA key .* \(keys\[0\] is for"),
    "jwks-of-a-private-key": (jwks(_private_jwk()), r"keys\[0\]: this JWK is a private key"),
    "jwks-empty": ({"keys": []}, "no RSA key"),
    "jwks-not-a-list": ({"keys": "nope"}, "must be a list"),
    "jwk-without-n": ({"kty": "RSA", "e": "AQAB"}, "n and e"),
    "jwk-bad-n": ({"kty": "RSA", "n": "!!", "e": "AQAB"}, "n and e"),
    "jwk-kid-a-number": ({**jwk(), "kid": 1}, "kid must be text"),
    "garbage-text": ("hello", "neither a JWKS nor a PEM"),
    "bad-json": ("{nope", "not a JWKS or JWK"),
    "a-number": (42, "int is none of the forms"),
    "a-list": ([jwk()], "list is none of the forms"),
}


@pytest.mark.parametrize(("keys", "says"), BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_keys_that_cannot_check_saleor_are_an_input_error(keys: Any, says: str) -> None:
    """Keys that are private, not RSA, too weak or not keys at all are the receiver's
    mistake: an InputError, raised before the request is looked at."""
    with pytest.raises(InputError, match=says) as excinfo:
        verify_saleor(SALEOR_BODY, {}, keys)
    assert not isinstance(excinfo.value, SignatureError)


def test_a_jwks_may_hold_keys_for_other_uses() -> None:
    """An encryption key beside the signing key in a JWKS is left out, not an error."""
    keys = jwks({**jwk(STRANGER_KEY, "e"), "use": "enc"}, jwk())
    verify_saleor(SALEOR_BODY, {"Saleor-Signature": saleor_sign(SALEOR_BODY)}, keys)


def test_saleor_needs_keys_or_a_secret() -> None:
    """Neither given is the receiver's mistake, whatever the request."""
    with pytest.raises(InputError, match=r"keys= .* or secret="):
        verify_saleor(SALEOR_BODY, {"Saleor-Signature": saleor_sign(SALEOR_BODY)})


# --- the dispatcher ---------------------------------------------------------------------------


def test_verify_dispatches_to_each_platform() -> None:
    """``verify(platform, ...)`` checks each platform's own header with its own key."""
    verify(
        "shopify", SHOPIFY_BODY, {HEADER["shopify"]: b64_hmac(SECRET, SHOPIFY_BODY)}, secret=SECRET
    )
    verify(
        " WooCommerce ",
        WOO_BODY,
        {HEADER["woocommerce"]: b64_hmac(SECRET, WOO_BODY)},
        secret=SECRET,
    )
    verify("Saleor", SALEOR_BODY, {HEADER["saleor"]: saleor_sign(SALEOR_BODY)}, keys=jwks())
    with pytest.raises(SignatureError, match=r"^woocommerce: missing X-WC-Webhook-Signature"):
        verify(
            "woocommerce", WOO_BODY, {HEADER["shopify"]: b64_hmac(SECRET, WOO_BODY)}, secret=SECRET
        )


@pytest.mark.parametrize(
    ("platform", "kwargs", "says"),
    [("magento", {"secret": SECRET}, "unknown platform 'magento'; choose one of shopify"),
     ("shopify", {}, "Shopify's signature needs secret="),
     ("woocommerce", {"secret": SECRET, "keys": jwks()}, "keys= is for Saleor"),
     ("saleor", {}, r"keys= .* or secret=")],
    ids=["unknown", "no-secret", "keys-for-woocommerce", "saleor-nothing"],
)  # fmt: skip
def test_verify_with_the_wrong_configuration_is_an_input_error(
    platform: str, kwargs: dict[str, Any], says: str
) -> None:
    """An unknown platform or a key of the wrong kind is the receiver's mistake."""
    with pytest.raises(InputError, match=says):
        verify(platform, SHOPIFY_BODY, {}, **kwargs)


def test_each_platform_names_its_signature_header() -> None:
    """SIGNATURE_HEADERS names the header each platform signs in, and a request without
    it is refused naming it."""
    assert SIGNATURE_HEADERS == (
        ("shopify", "X-Shopify-Hmac-Sha256"),
        ("woocommerce", "X-WC-Webhook-Signature"),
        ("saleor", "Saleor-Signature"),
    )
    for platform, name in SIGNATURE_HEADERS:
        with pytest.raises(SignatureError, match=f"^{platform}: missing {re.escape(name)} header"):
            verify(platform, b"{}", {}, secret=SECRET)


# --- properties ---------------------------------------------------------------------------------

BODIES = st.binary(max_size=2048)
SECRETS = st.text(min_size=1, max_size=64) | st.binary(min_size=1, max_size=64)


def _change_one_character(text: str, at: int, to: str) -> str:
    at %= len(text)
    if text[at] == to:
        to = "A" if to != "A" else "B"
    return text[:at] + to + text[at + 1 :]


@settings(max_examples=150, deadline=None)
@given(
    platform=st.sampled_from(["shopify", "woocommerce"]),
    body=BODIES,
    secret=SECRETS,
    at=st.integers(min_value=0),
    byte=st.integers(min_value=1, max_value=255),
    to=st.characters(),
)
def test_hmac_sign_then_verify_and_any_one_change_fails(
    platform: str, body: bytes, secret: str | bytes, at: int, byte: int, to: str
) -> None:
    """For any body and secret the right signature passes; changing one byte of the body
    or one character of the signature makes it fail, with a SignatureError."""
    signature = b64_hmac(secret, body)
    name = HEADER[platform]
    verify(platform, body, {name: signature}, secret=secret)
    if body:
        index = at % len(body)
        changed = body[:index] + bytes([body[index] ^ byte]) + body[index + 1 :]
        with pytest.raises(SignatureError):
            verify(platform, changed, {name: signature}, secret=secret)
    with pytest.raises(SignatureError):
        verify(platform, body, {name: _change_one_character(signature, at, to)}, secret=secret)


@settings(max_examples=60, deadline=None)
@given(
    body=BODIES,
    secret=st.text(min_size=1, max_size=64),
    at=st.integers(min_value=0),
    to=st.characters(),
)
def test_saleor_hex_hmac_sign_then_verify_and_any_one_change_fails(
    body: bytes, secret: str, at: int, to: str
) -> None:
    """The same for Saleor's hex HMAC."""
    signature = hex_hmac(secret, body)
    verify_saleor(body, {"Saleor-Signature": signature}, secret=secret)
    if body:
        with pytest.raises(SignatureError):
            verify_saleor(
                change_one_byte(body, at % len(body)),
                {"Saleor-Signature": signature},
                secret=secret,
            )
    with pytest.raises(SignatureError):
        verify_saleor(
            body, {"Saleor-Signature": _change_one_character(signature, at, to)}, secret=secret
        )


SALEOR_JWKS = jwks()


@settings(max_examples=60, deadline=None)
@given(body=BODIES, crit=st.booleans(), at=st.integers(min_value=0), to=st.characters())
def test_saleor_jws_sign_then_verify_and_any_one_change_fails(
    body: bytes, crit: bool, at: int, to: str
) -> None:
    """For any body, a JWS made as Saleor makes it (with or without ``crit``) passes;
    changing one byte of the body or one character of the JWS makes it fail."""
    token = saleor_sign(body) if crit else pyjwt_2_12_sign(body)
    verify_saleor(body, {"Saleor-Signature": token}, SALEOR_JWKS)
    if body:
        with pytest.raises(SignatureError):
            verify_saleor(
                change_one_byte(body, at % len(body)), {"Saleor-Signature": token}, SALEOR_JWKS
            )
    with pytest.raises(SignatureError):
        verify_saleor(body, {"Saleor-Signature": _change_one_character(token, at, to)}, SALEOR_JWKS)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(["RS256", "none", "HS256", "b64", "1"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
JWS_HEADERS = st.dictionaries(
    st.sampled_from(["alg", "b64", "crit", "kid", "typ"]) | st.text(max_size=5),
    JSON_VALUES,
    max_size=5,
).map(lambda jose: b64url(json.dumps(jose).encode()))
GARBAGE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="AQab09-_+/=.", max_size=400),
    st.tuples(
        JWS_HEADERS,
        st.text(alphabet="AQab09-_", max_size=10),
        st.text(alphabet="AQab09-_=", max_size=400),
    ).map(".".join),
    st.tuples(JWS_HEADERS, st.just(saleor_sign(SALEOR_BODY).split(".")[2])).map(
        lambda parts: f"{parts[0]}..{parts[1]}"
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platform=st.sampled_from(["shopify", "woocommerce", "saleor"]), value=GARBAGE)
def test_garbage_header_values_raise_only_signature_errors(platform: str, value: str) -> None:
    """Whatever a request puts in the signature header, the answer is a SignatureError,
    never another exception (nor a pass)."""
    keys = SALEOR_JWKS if platform == "saleor" else None
    with pytest.raises(SignatureError):
        verify(platform, SALEOR_BODY, {HEADER[platform]: value}, secret=SECRET, keys=keys)
