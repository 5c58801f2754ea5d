"""RFC 9421 HTTP Message Signatures are accepted on input (Mastodon 4.5 and others send
them); a request signed that way goes through the same key fetch, checks and store."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils import timezone

from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation import signatures as sig
from florilege.federation.models import InboxItem, Reaction
from florilege.federation.services.inbox import process_cycle

DATA = Path(__file__).parent / "data"
PRIVATE = (DATA / "vector_key.pem").read_text()
PUBLIC = (DATA / "vector_key.pub.pem").read_text()
BODY = b'{"hello": "world"}'
NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def sign_9421(method, target, body, key_id, private_pem, now, *, alg="rsa-v1_5-sha256",
              components=("@method", "@target-uri", "content-digest")):  # fmt: skip
    """A test-side signer (the code under test only verifies)."""
    headers = {"Host": sig.host_header(target)}
    if body is not None:
        headers["Content-Digest"] = (
            "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
        )
    listed = " ".join(f'"{c}"' for c in components)
    params = f'({listed});created={int(now.timestamp())};keyid="{key_id}";alg="{alg}"'
    headers["Signature-Input"] = f"sig1={params}"
    parsed = sig.Rfc9421Signature(key_id, "sig1", tuple(components), {}, params, b"")
    base = sig.rfc9421_base(method, target, headers, parsed).encode()
    key = sig.load_private_key(private_pem)
    if alg == "rsa-pss-sha512":
        raw = key.sign(base, padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64),
                       hashes.SHA512())  # fmt: skip
    else:
        raw = key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = f"sig1=:{base64.b64encode(raw).decode()}:"
    return headers, base


def verify(headers, body=BODY, target="https://b.example/ap/inbox", now=NOW, method="POST"):
    parsed = sig.parse_rfc9421(headers)
    sig.verify_rfc9421(method, target, headers, body, parsed, PUBLIC, now)


@pytest.mark.parametrize("alg", ["rsa-v1_5-sha256", "rsa-pss-sha512"])
def test_round_trip(alg):
    headers, base = sign_9421("POST", "https://b.example/ap/inbox", BODY, "k#1", PRIVATE, NOW,
                              alg=alg)  # fmt: skip
    lines = base.decode().splitlines()
    assert lines[:2] == ['"@method": POST', '"@target-uri": https://b.example/ap/inbox']
    assert lines[-1].startswith('"@signature-params": ("@method"')
    verify(headers)
    assert sig.parse_rfc9421(headers).key_id == "k#1"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_signature_base_verifies_with_openssl(tmp_path):
    headers, base = sign_9421("POST", "https://b.example/ap/inbox", BODY, "k", PRIVATE, NOW)
    (tmp_path / "msg").write_bytes(base)
    (tmp_path / "sig").write_bytes(base64.b64decode(headers["Signature"][6:-1]))
    (tmp_path / "pub.pem").write_text(PUBLIC)
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"),
         "-signature", str(tmp_path / "sig"), str(tmp_path / "msg")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_tampering_is_refused():
    headers, _ = sign_9421("POST", "https://b.example/ap/inbox", BODY, "k", PRIVATE, NOW)
    with pytest.raises(sig.SignatureError, match="Content-Digest"):
        verify(headers, body=b'{"hello": "mallory"}')
    with pytest.raises(sig.SignatureError, match="does not match"):
        verify(headers, target="https://b.example/ap/topics/x/inbox")
    with pytest.raises(sig.SignatureError, match="12 hours"):
        verify(headers, now=NOW + timedelta(hours=13))
    _, other = sig.generate_key_pair()
    parsed = sig.parse_rfc9421(headers)
    with pytest.raises(sig.SignatureError):
        sig.verify_rfc9421("POST", "https://b.example/ap/inbox", headers, BODY, parsed, other, NOW)


def test_post_must_cover_the_digest_and_the_target():
    headers, _ = sign_9421("POST", "https://b.example/ap/inbox", BODY, "k", PRIVATE, NOW,
                           components=("@method", "@target-uri"))  # fmt: skip
    with pytest.raises(sig.SignatureError, match="Content-Digest"):
        verify(headers)
    headers, _ = sign_9421("POST", "https://b.example/ap/inbox", BODY, "k", PRIVATE, NOW,
                           components=("@method", "content-digest"))  # fmt: skip
    with pytest.raises(sig.SignatureError, match="target"):
        verify(headers)


@pytest.mark.parametrize(
    "value",
    ["", "sig1=", 'sig1=("@method");created=1', "garbage", 'sig1=("@method"'],
)
def test_malformed_signature_input(value):
    with pytest.raises(sig.SignatureError):
        sig.parse_rfc9421({"Signature-Input": value, "Signature": "sig1=:YQ==:"})


@pytest.mark.django_db
def test_inbox_accepts_an_rfc9421_signed_activity(client, topic, curator, peer, alice):
    scoop = scoop_url(topic, curator, ScoopDraft(url="https://n.example/a", title="A",
                                                 insight="Why."), timezone.now())  # fmt: skip
    like = {"id": f"{alice.uri}/likes/1", "type": "Like", "actor": alice.uri,
            "object": ids.scoop_object(scoop.pk)}  # fmt: skip
    body = json.dumps(like).encode()
    # The test settings' FLORILEGE_BASE_URL is http, so the target URI is http://testserver.
    target = "http://testserver/ap/inbox"

    def post(headers):
        extra = {k: v for k, v in headers.items() if k != "Host"}
        return client.post("/ap/inbox", data=body, content_type="application/activity+json",
                           headers={**extra, "Host": "testserver"})  # fmt: skip

    headers, _ = sign_9421("POST", target, body, alice.key_id, alice.private_pem, timezone.now())
    assert post(headers).status_code == 202
    process_cycle()  # the key was unknown: checked by the inbox stage
    assert InboxItem.objects.get().status == InboxItem.Status.DONE
    assert InboxItem.objects.get().kind == "Like"

    stale, _ = sign_9421("POST", target, body, alice.key_id, alice.private_pem,
                         timezone.now() - timedelta(hours=13))  # fmt: skip
    assert post(stale).status_code == 401
    # A known key that does not verify may have been rotated: the stage refetches it.
    like["id"] = f"{alice.uri}/likes/2"
    body = json.dumps(like).encode()
    wrong_private, _ = sig.generate_key_pair()
    forged, _ = sign_9421("POST", target, body, alice.key_id, wrong_private, timezone.now())
    assert post(forged).status_code == 202
    process_cycle()
    assert InboxItem.objects.get(activity_id=like["id"]).status == InboxItem.Status.REFUSED
    assert Reaction.objects.count() == 1
