import base64
import hashlib

import pytest

from florilege.lib import totp

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_vectors(unix_time: int, expected: str) -> None:
    key = base64.b32decode(RFC_SECRET)
    assert totp.hotp(key, totp.counter_at(unix_time), digits=8, digest=hashlib.sha1) == expected


@pytest.mark.parametrize(
    ("counter", "expected"), [(0, "755224"), (1, "287082"), (5, "254676"), (9, "520489")]
)
def test_rfc_4226_vectors(counter: int, expected: str) -> None:
    assert totp.hotp(b"12345678901234567890", counter) == expected


def test_verify_window_and_replay() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000
    code = totp.code_at(secret, now)
    counter = totp.verify(secret, code, now)
    assert counter == totp.counter_at(now)
    # The previous and next steps are accepted (clock drift), two steps away is not.
    assert totp.verify(secret, totp.code_at(secret, now - 30), now) is not None
    assert totp.verify(secret, totp.code_at(secret, now + 30), now) is not None
    assert totp.verify(secret, totp.code_at(secret, now - 90), now) is None
    # Used once, refused again.
    assert totp.verify(secret, code, now, last_counter=counter) is None


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x", "²²²²²²", "١٢٣٤٥٦"])
def test_malformed_codes_are_refused(bad: str) -> None:
    assert totp.verify(totp.new_secret(), bad, 1_700_000_000) is None


def test_provisioning_uri() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "ann", "Florilège")
    assert uri.startswith("otpauth://totp/Flori")
    assert "secret=JBSWY3DPEHPK3PXP" in uri and "period=30" in uri
