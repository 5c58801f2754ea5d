"""The French catalogue says everything the code says: the messages are extracted again from
a copy of the code (``makemessages``, as the catalogue is made) and compared with the
committed ``django.po``. A ``{% translate %}`` or ``gettext`` added without its French
fails here, as does a French message left behind by code that no longer says it; empty
and fuzzy entries are refused as well (``publishing/tests/test_french_interface.py``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from florilege.publishing.tests.test_french_interface import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = Path("florilege/locale/fr/LC_MESSAGES/django.po")


def _key(entry: dict) -> tuple[str, str, str]:
    return (entry.get("msgctxt", ""), entry["msgid"], entry.get("msgid_plural", ""))


def _extracted(tmp_path: Path) -> list[dict]:
    """The catalogue makemessages makes from a copy of the code and the committed .po."""
    if shutil.which("xgettext") is None:
        message = "makemessages needs GNU gettext (xgettext)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    copy = tmp_path / "copy"
    shutil.copytree(
        ROOT / "florilege",
        copy / "florilege",
        ignore=shutil.ignore_patterns("__pycache__", "node_modules", "*.mo", "*.pyc"),
    )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLORILEGE_")}
    env |= {"FLORILEGE_DEBUG": "1", "FLORILEGE_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"]
    command += ["--no-obsolete", "--ignore=.venv", "--ignore=bench"]
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [e for e in read_po(copy / PO) if e["msgid"] and not e.get("obsolete")]


@pytest.mark.slow
def test_catalogue_is_in_sync_with_the_code(tmp_path) -> None:
    committed = {_key(e) for e in read_po(ROOT / PO) if e["msgid"] and not e.get("obsolete")}
    extracted = _extracted(tmp_path)
    missing = sorted(_key(e)[1] for e in extracted if _key(e) not in committed)
    stale = sorted(k[1] for k in committed - {_key(e) for e in extracted})
    untranslated = sorted(
        e["msgid"]
        for e in extracted
        if "fuzzy" in e.get("flags", set()) or not all(s.strip() for s in e.get("msgstr", []))
    )
    assert not missing, f"in the code, not in {PO} (run makemessages, translate): {missing}"
    assert not stale, f"in {PO}, no longer in the code (run makemessages): {stale}"
    assert not untranslated, f"without French in {PO}: {untranslated}"
