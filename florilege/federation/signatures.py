"""HTTP Signatures (draft-cavage-http-signatures-12, rsa-sha256) and the Digest header.

Mastodon and most of the fediverse still speak the cavage draft: a ``Signature`` header
with ``keyId``, ``algorithm``, ``headers`` and ``signature``; POSTs sign ``digest`` too.
This module signs and verifies; it never fetches a key (the caller finds the key for a
``keyId`` and passes its PEM in) and imports nothing from Django: a leaf module.

Sharp edges handled here, because real servers trip over them:

* the ``keyId`` is usually the actor URL with a ``#main-key`` fragment, but GoToSocial's is a
  path (``<actor>/main-key``): who owns a key is found by fetching it
  (``services/keys.py``), never guessed from its shape;
* the ``Host`` that is signed must be byte-for-byte the one sent: no ``:443`` / ``:80``
  for default ports (Mastodon drops them), the port otherwise;
* every POST carries ``Digest: SHA-256=...`` and signs it; a verifier refuses a POST whose
  signature does not cover ``digest`` or whose digest does not match the body.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

# ``cryptography`` (about 10 MB a process with its Rust and OpenSSL libraries) is imported
# by the functions that sign or verify: the federation app's signal handlers import this
# module at every process's set-up, background workers that never sign included.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

# Older than this (or this far in the future) and a signed request is a replay.
MAX_SKEW = timedelta(hours=12)
_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """A request whose signature is missing, malformed, stale or wrong."""


@dataclass(frozen=True)
class ParsedSignature:
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes


def generate_key_pair(bits: int = 2048) -> tuple[str, str]:
    """(private PEM, public PEM) of a new RSA key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private, public


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError("Only RSA keys are supported.")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError) as exc:
        raise SignatureError("The actor's public key cannot be read.") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("Only RSA keys (rsa-sha256) are supported.")
    return key


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def digest_matches(header: str, body: bytes) -> bool:
    """The SHA-256 value of a Digest header matches ``body``. The algorithm name is read
    case-insensitively (Mastodon sends ``SHA-256``, bovine ``sha-256``); only SHA-256 is
    accepted, as every implementation sends it."""
    expected = digest_header(body).split("=", 1)[1]
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "sha-256" and value == expected:
            return True
    return False


def host_header(url: str) -> str:
    """The Host value a client sends for ``url``: the port only when it is not the default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def http_date(now: datetime) -> str:
    return format_datetime(now.astimezone(UTC), usegmt=True)


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return bool(pa.hostname) and (pa.scheme, pa.hostname, pa.port) == (
        pb.scheme,
        pb.hostname,
        pb.port,
    )


def _request_target(method: str, url_or_path: str) -> str:
    parts = urlsplit(url_or_path)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return f"{method.lower()} {path}"


def signing_string(
    method: str, path: str, headers: Mapping[str, str], names: tuple[str, ...]
) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {_request_target(method, path)}")
        elif name in lower:
            lines.append(f"{name}: {lower[name].strip()}")
        else:
            raise SignatureError(f"The signed header {name!r} is missing from the request.")
    return "\n".join(lines)


def sign_request(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers to send for a signed request: Host, Date, Digest (with a body) and
    Signature, plus the ``headers`` given."""
    out = dict(headers or {})
    out["Host"] = host_header(url)
    out["Date"] = http_date(now)
    names = ["(request-target)", "host", "date"]
    if body is not None:
        out["Digest"] = digest_header(body)
        names.append("digest")
        out.setdefault("Content-Type", "application/activity+json")
        names.append("content-type")
    text = signing_string(method, url, out, tuple(names))
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    raw = private_key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(raw).decode("ascii")}"'
    )
    return out


def parse_signature(value: str) -> ParsedSignature:
    params: dict[str, str] = {}
    pos = 0
    value = value.strip()
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if match is None:
            raise SignatureError("The Signature header is malformed.")
        params[match.group(1).lower()] = match.group(2)
        pos = match.end()
    if "keyid" not in params or "signature" not in params:
        raise SignatureError("The Signature header has no keyId or no signature.")
    try:
        raw = base64.b64decode(params["signature"], validate=True)
    except ValueError as exc:
        raise SignatureError("The signature is not valid base64.") from exc
    names = tuple(params.get("headers", "date").lower().split())
    return ParsedSignature(params["keyid"], params.get("algorithm", "rsa-sha256"), names, raw)


def check_freshness(headers: Mapping[str, str], now: datetime) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    raw = lower.get("date", "")
    try:
        sent = parsedate_to_datetime(raw)
    except (TypeError, ValueError) as exc:
        raise SignatureError("The request has no valid Date header.") from exc
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if abs(now - sent) > MAX_SKEW:
        raise SignatureError("The request's Date is more than 12 hours away: a replay?")


def check_digest(
    method: str, headers: Mapping[str, str], body: bytes | None, signature: ParsedSignature
) -> None:
    """A POST's signature covers a Digest header that matches its body: checkable before
    the key is known, so a request with a wrong digest costs no fetch."""
    if body is None or method.upper() != "POST":
        return
    if "digest" not in signature.headers:
        raise SignatureError("A POST signature must cover the Digest header.")
    lower = {k.lower(): v for k, v in headers.items()}
    if not digest_matches(lower.get("digest", ""), body):
        raise SignatureError("The Digest header does not match the body.")


def verify_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    signature: ParsedSignature,
    public_key_pem: str,
    now: datetime,
) -> None:
    """Raise :class:`SignatureError` unless the request is signed by ``public_key_pem``,
    fresh, and (for a body) carries a signed, matching Digest."""
    if signature.algorithm.lower() not in {"rsa-sha256", "hs2019"}:
        raise SignatureError(f"The algorithm {signature.algorithm!r} is not supported.")
    if "date" not in signature.headers and "(created)" not in signature.headers:
        raise SignatureError("The signature does not cover the Date header.")
    check_freshness(headers, now)
    check_digest(method, headers, body, signature)
    text = signing_string(method, path, headers, signature.headers)
    key = load_public_key(public_key_pem)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key.verify(signature.signature, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("The signature does not match the actor's key.") from exc


# --- RFC 9421 (HTTP Message Signatures), accepted on input --------------------------------

_LABELLED = re.compile(r"\s*([a-zA-Z0-9_*-]+)=(.*)$", re.S)
_COMPONENT = re.compile(r'"([^"]+)"(?:;[a-z]+)*')
_SF_PARAM = re.compile(r';([a-z]+)=("(?:[^"\\]|\\.)*"|-?\d+)')


@dataclass(frozen=True)
class Rfc9421Signature:
    key_id: str
    label: str
    components: tuple[str, ...]
    params: dict[str, str | int]
    # The signature parameters exactly as received: they are part of what was signed.
    raw_params: str
    signature: bytes


def parse_rfc9421(headers: Mapping[str, str]) -> Rfc9421Signature:
    """The first signature of a ``Signature-Input`` / ``Signature`` pair (RFC 9421)."""
    lower = {k.lower(): v for k, v in headers.items()}
    value = lower.get("signature-input", "").strip()
    match = _LABELLED.match(value)
    close = value.find(")")
    if match is None or not match.group(2).startswith("(") or close < 0:
        raise SignatureError("The Signature-Input header is malformed.")
    label = match.group(1)
    raw = match.group(2)
    close = raw.find(")")
    end = _end_of_member(raw, close + 1)
    raw = raw[:end].strip()
    components = tuple(_COMPONENT.findall(raw[1:close]))
    params: dict[str, str | int] = {}
    for name, param in _SF_PARAM.findall(raw[close + 1 :]):
        params[name] = param[1:-1] if param.startswith('"') else int(param)
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("The signature has no keyid.")
    signature = _labelled_signature(lower.get("signature", ""), label)
    return Rfc9421Signature(key_id, label, components, params, raw, signature)


def _end_of_member(text: str, start: int) -> int:
    """Where a dictionary member's parameters end: the first comma outside quotes."""
    quoted = False
    for index in range(start, len(text)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            quoted = not quoted
        elif char == "," and not quoted:
            return index
    return len(text)


def _labelled_signature(header: str, label: str) -> bytes:
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == label and value.startswith(":") and value.endswith(":"):
            try:
                return base64.b64decode(value[1:-1], validate=True)
            except ValueError as exc:
                raise SignatureError("The signature is not valid base64.") from exc
    raise SignatureError("The Signature header has no signature for the Signature-Input.")


def content_digest_matches(header: str, body: bytes) -> bool:
    """``Content-Digest: sha-256=:...:`` (or sha-512) matches ``body`` (RFC 9530)."""
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        algorithm = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}.get(name.lower())
        if algorithm and value == ":" + base64.b64encode(algorithm(body).digest()).decode() + ":":
            return True
    return False


def rfc9421_base(
    method: str, target_uri: str, headers: Mapping[str, str], signature: Rfc9421Signature
) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    parts = urlsplit(target_uri)
    derived = {
        "@method": method.upper(),
        "@target-uri": target_uri,
        "@authority": host_header(target_uri),
        "@scheme": parts.scheme,
        "@path": parts.path or "/",
        "@query": "?" + parts.query,
        "@request-target": (parts.path or "/") + ("?" + parts.query if parts.query else ""),
    }
    lines = []
    for name in signature.components:
        if name in derived:
            value = derived[name]
        elif name in lower:
            value = lower[name].strip()
        else:
            raise SignatureError(f"The signed component {name!r} is missing from the request.")
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {signature.raw_params}')
    return "\n".join(lines)


def check_rfc9421_freshness(signature: Rfc9421Signature, now: datetime) -> None:
    created = signature.params.get("created")
    if not isinstance(created, int):
        raise SignatureError("The signature has no creation time.")
    if abs(now - datetime.fromtimestamp(created, UTC)) > MAX_SKEW:
        raise SignatureError("The signature was made more than 12 hours away: a replay?")
    expires = signature.params.get("expires")
    if isinstance(expires, int) and datetime.fromtimestamp(expires, UTC) < now:
        raise SignatureError("The signature has expired.")


def check_content_digest(
    method: str, headers: Mapping[str, str], body: bytes | None, signature: Rfc9421Signature
) -> None:
    """The RFC 9421 counterpart of :func:`check_digest` (Content-Digest, RFC 9530)."""
    if body is None or method.upper() != "POST":
        return
    lower = {k.lower(): v for k, v in headers.items()}
    if "content-digest" not in signature.components:
        raise SignatureError("A POST signature must cover the Content-Digest header.")
    if not content_digest_matches(lower.get("content-digest", ""), body):
        raise SignatureError("The Content-Digest header does not match the body.")


def verify_rfc9421(
    method: str,
    target_uri: str,
    headers: Mapping[str, str],
    body: bytes | None,
    signature: Rfc9421Signature,
    public_key_pem: str,
    now: datetime,
) -> None:
    """Raise :class:`SignatureError` unless an RFC 9421 signature (rsa-v1_5-sha256 or
    rsa-pss-sha512) by ``public_key_pem`` covers the request, is fresh and, for a POST,
    covers a matching Content-Digest."""
    check_rfc9421_freshness(signature, now)
    if "@method" not in signature.components or not (
        {"@target-uri", "@path", "@request-target"} & set(signature.components)
    ):
        raise SignatureError("The signature must cover the method and the target.")
    check_content_digest(method, headers, body, signature)
    base = rfc9421_base(method, target_uri, headers, signature).encode("utf-8")
    key = load_public_key(public_key_pem)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    algorithm = signature.params.get("alg", "rsa-v1_5-sha256")
    try:
        if algorithm == "rsa-v1_5-sha256":
            key.verify(signature.signature, base, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "rsa-pss-sha512":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
            key.verify(signature.signature, base, pss, hashes.SHA512())
        else:
            raise SignatureError(f"The algorithm {algorithm!r} is not supported.")
    except InvalidSignature as exc:
        raise SignatureError("The signature does not match the actor's key.") from exc
