"""HTTPS through the pinned connection, against a real TLS server on loopback.

The guarded client connects to the address it checked, not to a fresh lookup, while TLS
still sends the host name (SNI) and checks the certificate against that name: a pinned
IP must neither break HTTPS nor weaken it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from florilege.lib.http import FetchError, FetchPolicy, FetchResponse, GuardedClient
from florilege.testing import LoopbackServer, Reply

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
FEED = b"<rss version='2.0'><channel><title>Secure</title></channel></rss>"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
    *,
    hosts: tuple[str, ...] = (),
    days: int = 30,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1) if days > 0 else now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if hosts:
        names = [x509.DNSName(host) for host in hosts]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class Authority:
    """A throwaway certificate authority and the server certificates it signs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.certificate = _certificate("Florilege test CA", self.key, None, days=30)
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return context

    def server_context(self, *hosts: str, days: int = 30) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _certificate(
            hosts[0], key, ("Florilege test CA", self.key), hosts=hosts, days=days
        )
        chain = self.folder / f"{hosts[0]}-{days}.pem"
        chain.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            + certificate.public_bytes(serialization.Encoding.PEM)
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        return context


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return Authority(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def served(authority: Authority):
    """A TLS server for feeds.test on 127.0.0.1 that records the SNI names it is sent."""
    started: list[LoopbackServer] = []

    def serve(*hosts: str, days: int = 30) -> tuple[LoopbackServer, list[str | None]]:
        context = authority.server_context(*hosts, days=days)
        names: list[str | None] = []
        context.sni_callback = lambda _sock, name, _ctx: names.append(name)
        server = LoopbackServer(tls=context).start()
        server.routes["/feed.xml"] = Reply(200, FEED, {"Content-Type": "application/rss+xml"})
        started.append(server)
        return server, names

    yield serve
    for server in started:
        server.stop()


def fetch(url: str, context: ssl.SSLContext | None) -> FetchResponse:
    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # every test name lives on loopback

    async def go():
        client = GuardedClient(
            FetchPolicy(allow_networks=LOOPBACK), resolver=resolve, ssl_context=context
        )
        async with client:
            return await client.get(url)

    return asyncio.run(go())


def test_https_to_a_pinned_address_sends_the_host_name_and_checks_it(served, authority) -> None:
    server, names = served("feeds.test")
    response = fetch(f"https://feeds.test:{server.port}/feed.xml", authority.client_context())
    assert response.status == 200 and response.content == FEED
    # The TCP connection went to the pinned 127.0.0.1, but TLS was told the host name.
    assert names and set(names) == {"feeds.test"}
    assert server.requests[0][1]["host"] == f"feeds.test:{server.port}"


def test_a_certificate_for_another_name_is_refused(served, authority) -> None:
    server, _ = served("other.test")
    with pytest.raises(FetchError) as caught:
        fetch(f"https://feeds.test:{server.port}/feed.xml", authority.client_context())
    assert caught.value.kind == "tls"
    assert "certificate" in caught.value.message and "feeds.test" in caught.value.message
    assert server.requests == []


def test_an_expired_certificate_is_refused(served, authority) -> None:
    server, _ = served("feeds.test", days=-1)
    with pytest.raises(FetchError) as caught:
        fetch(f"https://feeds.test:{server.port}/feed.xml", authority.client_context())
    assert caught.value.kind == "tls" and "expired" in caught.value.message


def test_an_unknown_authority_is_refused_by_the_default_trust_store(served) -> None:
    # Without a context, the client trusts the system's authorities only.
    server, _ = served("feeds.test")
    with pytest.raises(FetchError) as caught:
        fetch(f"https://feeds.test:{server.port}/feed.xml", None)
    assert caught.value.kind == "tls"
    assert server.requests == []


# --- a private authority trusted through the settings ---------------------------------------


def test_the_ca_bundle_setting_is_trusted_by_every_outgoing_request(
    served, authority, settings
) -> None:
    """FLORILEGE_CA_BUNDLE reaches the client that fetching, federation and delivery all
    build from the settings (``policy_from_settings``), with no context passed by hand."""
    import dataclasses

    from florilege.lib.fetching import fetch_one

    server, _ = served("localhost")
    url = f"https://localhost:{server.port}/feed.xml"
    with pytest.raises(FetchError):
        fetch_one(url)  # the system's authorities alone do not know ours
    settings.CONFIG = dataclasses.replace(settings.CONFIG, CA_BUNDLE=str(authority.ca_file))
    response = fetch_one(url)
    assert response.status == 200 and response.content == FEED


def test_ssl_cert_file_is_honoured_and_a_missing_bundle_refused(authority, tmp_path) -> None:
    from florilege import config

    base = {"FLORILEGE_DEBUG": "1", "FLORILEGE_DATA_DIR": str(tmp_path)}
    assert config.load(base).CA_BUNDLE == ""
    cfg = config.load({**base, "SSL_CERT_FILE": str(authority.ca_file)})
    assert str(authority.ca_file) == cfg.CA_BUNDLE
    mine = tmp_path / "mine.pem"
    mine.write_bytes(authority.ca_file.read_bytes())
    both = {**base, "SSL_CERT_FILE": str(authority.ca_file), "FLORILEGE_CA_BUNDLE": str(mine)}
    assert str(mine) == config.load(both).CA_BUNDLE
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load({**base, "FLORILEGE_CA_BUNDLE": str(tmp_path / "absent.pem")})
