"""HTTP Signatures with fixed vectors (a key and signatures we derived once and pinned),
cross-checked with OpenSSL, and the sharp edges Mastodon is known for."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from florilege.federation import signatures as sig

DATA = Path(__file__).parent / "data"
PRIVATE = (DATA / "vector_key.pem").read_text()
PUBLIC = (DATA / "vector_key.pub.pem").read_text()
NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
KEY_ID = "https://a.example/users/ann#main-key"
BODY = b'{"type":"Like","actor":"https://a.example/users/ann","object":"https://b.example/ap/scoops/1"}'
POST_SIGNATURE = (
    "ifHfO76jnK54v4BJH5SizDxzMNMKKo001eUNoM9bIcYFHTWgDLINZjzM4oRLVVNoP4h3F3FmxswF+kPofpRmM9Pg"
    "Um2itxVrw1R5CV7G8s9CSaAR0CXInOvyViTAIJgaL8KpySysLo6QuprW1lux84BJNT2xvQg7HD4hxI8WjNlA5WBob"
    "/DN0FtpBfZvJJFdNVgRiPspdPF5f+UCm94UD74Nuxhy3F3Ay5Vp7JK5YiwtJ60gwkBGcl3gFpIsrD8wtokjgz1ibF"
    "5vKCI04tgLJteV+TzgAcleWMqeiTOSYAuXbyo9WQgBgJ28X43lCQiWkyQyRWm1iW1jelTIt2nD4A=="
)
GET_SIGNATURE = (
    "bMMERG7nlLgNSbaQY/6wofWcb0eJJJmX3sYqcfjYZsOgmEghrffP5NgX3KXlVl9zhGWMTfXKyJXNztZPu5a1gHGud"
    "V4ARxf3i8xxzzI18MEv9NauAGWxYLOZikp+bKqGt7kmHiQDo0qJQKFuRTlL1cTSImA/JzXKeFC+4fWlmbQ7/Y//sSg"
    "qzbUy4XvI1rPNivDhJpG108oQ9LwbA6NPc/j4qvMTw2d57Nt1Zox7xmd3h+rtYhVaJH19AHH4agRwKUW9+1FFXthj"
    "USG43LneJocLweFtyZx+/MpjU4d6PALt5AwbH7FG1zuVq+k0sDcUxJVn1P/pMANwK/KfbmQS3Q=="
)


def post_headers(**overrides):
    headers = sig.sign_request(
        "POST", "https://b.example/ap/inbox", key_id=KEY_ID,
        private_key=sig.load_private_key(PRIVATE), now=NOW, body=BODY,
    )  # fmt: skip
    return {**headers, **overrides}


def test_post_vector():
    headers = post_headers()
    assert headers["Host"] == "b.example"
    assert headers["Date"] == "Thu, 15 Jan 2026 12:00:00 GMT"
    assert headers["Digest"] == "SHA-256=1SBgRGWIlg4cCKbMdoMmHdNtguBcIyOB9TgyEMyE+S8="
    assert headers["Signature"] == (
        f'keyId="{KEY_ID}",algorithm="rsa-sha256",'
        f'headers="(request-target) host date digest content-type",signature="{POST_SIGNATURE}"'
    )
    parsed = sig.parse_signature(headers["Signature"])
    sig.verify_request("POST", "/ap/inbox", headers, BODY, parsed, PUBLIC, NOW)


def test_get_vector_keeps_a_non_default_port_in_host():
    headers = sig.sign_request(
        "GET", "https://b.example:8443/ap/topics/x?page=1", key_id=KEY_ID,
        private_key=sig.load_private_key(PRIVATE), now=NOW,
    )  # fmt: skip
    assert headers["Host"] == "b.example:8443"
    assert "Digest" not in headers
    assert sig.parse_signature(headers["Signature"]).signature == base64.b64decode(GET_SIGNATURE)
    parsed = sig.parse_signature(headers["Signature"])
    sig.verify_request("GET", "/ap/topics/x?page=1", headers, None, parsed, PUBLIC, NOW)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_vector_verifies_with_openssl(tmp_path):
    """A second implementation agrees: OpenSSL checks our signature of the signing string."""
    text = sig.signing_string(
        "POST", "/ap/inbox", post_headers(),
        ("(request-target)", "host", "date", "digest", "content-type"),
    )  # fmt: skip
    assert text.splitlines()[0] == "(request-target): post /ap/inbox"
    (tmp_path / "msg").write_text(text)
    (tmp_path / "sig").write_bytes(base64.b64decode(POST_SIGNATURE))
    (tmp_path / "pub.pem").write_text(PUBLIC)
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"),
         "-signature", str(tmp_path / "sig"), str(tmp_path / "msg")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Verified OK" in result.stdout


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://m.example/inbox", "m.example"),
        ("https://m.example:443/inbox", "m.example"),  # Mastodon drops the default port
        ("http://m.example:80/inbox", "m.example"),
        ("http://127.0.0.1:8000/inbox", "127.0.0.1:8000"),
        ("https://M.Example/inbox", "m.example"),
    ],
)
def test_host_header_has_no_default_port(url, host):
    assert sig.host_header(url) == host


def test_same_origin():
    assert sig.same_origin("https://m.example/users/ann", "https://m.example/x")
    assert not sig.same_origin("https://m.example/users/ann", "https://evil.example/users/ann")
    assert not sig.same_origin("https://m.example/a", "http://m.example/a")


def verify(headers, body=BODY, path="/ap/inbox", now=NOW, public=PUBLIC):
    parsed = sig.parse_signature(headers["Signature"])
    sig.verify_request("POST", path, headers, body, parsed, public, now)


def test_tampered_body_is_refused():
    with pytest.raises(sig.SignatureError, match="Digest"):
        verify(post_headers(), body=BODY.replace(b"Like", b"Undo"))


def test_tampered_digest_is_refused():
    forged = sig.digest_header(b"other")
    with pytest.raises(sig.SignatureError):
        verify(post_headers(Digest=forged), body=b"other")


def test_post_without_signed_digest_is_refused():
    headers = sig.sign_request(
        "POST", "https://b.example/ap/inbox", key_id=KEY_ID,
        private_key=sig.load_private_key(PRIVATE), now=NOW,
    )  # fmt: skip
    with pytest.raises(sig.SignatureError, match="Digest"):
        verify(headers)


def test_other_key_is_refused():
    _, other_public = sig.generate_key_pair()
    with pytest.raises(sig.SignatureError, match="does not match"):
        verify(post_headers(), public=other_public)


def test_other_path_or_host_is_refused():
    with pytest.raises(sig.SignatureError):
        verify(post_headers(), path="/ap/topics/x/inbox")
    with pytest.raises(sig.SignatureError):
        verify(post_headers(Host="b.example:443"))


@pytest.mark.parametrize("age", [timedelta(hours=12, seconds=1), -timedelta(hours=13)])
def test_replay_outside_twelve_hours_is_refused(age):
    with pytest.raises(sig.SignatureError, match="12 hours"):
        verify(post_headers(), now=NOW + age)


def test_within_twelve_hours_is_accepted():
    verify(post_headers(), now=NOW + timedelta(hours=11))


@pytest.mark.parametrize(
    "value",
    ["", "garbage", 'keyId="x"', 'keyId="x",signature="***"', 'keyId="x" signature="YQ=="'],
)
def test_malformed_signature_header(value):
    with pytest.raises(sig.SignatureError):
        sig.parse_signature(value)


@pytest.mark.parametrize("name", ["SHA-256", "sha-256"])
def test_digest_algorithm_name_is_case_insensitive(name):
    value = sig.digest_header(BODY).split("=", 1)[1]
    assert sig.digest_matches(f"{name}={value}", BODY)
    assert sig.digest_matches(f"SHA-512=abc, {name}={value}", BODY)
    assert not sig.digest_matches(f"{name}={value}", BODY + b" ")
    assert not sig.digest_matches(f"MD5={value}", BODY)
