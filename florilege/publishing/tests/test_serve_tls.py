"""``manage.py serve`` answers HTTPS itself when given a certificate and its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from florilege import config
from florilege.publishing.management.commands.serve import tls_arguments


def test_certificate_and_key_become_granian_options(tmp_path: Path) -> None:
    base = {"FLORILEGE_DEBUG": "1", "FLORILEGE_DATA_DIR": str(tmp_path)}
    assert tls_arguments(config.load(base)) == []
    cfg = config.load({**base, "FLORILEGE_TLS_CERT": "/etc/c.pem", "FLORILEGE_TLS_KEY": "/k.pem"})
    assert tls_arguments(cfg) == ["--ssl-certificate", "/etc/c.pem", "--ssl-keyfile", "/k.pem"]


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    base = {"FLORILEGE_DEBUG": "1", "FLORILEGE_DATA_DIR": str(tmp_path)}
    with pytest.raises(config.ConfigError, match="go together"):
        config.load({**base, "FLORILEGE_TLS_CERT": "/etc/c.pem"})
